//! Reports in another team's style (tests/fixtures/variant): Chinese
//! numbered headings, a table with 本周/上周 columns, `由…提升到`, numbered
//! project sub-headings, a 线上问题 list with causes as sub-bullets. The
//! sample config must read them as well as it reads the samples.

mod common;
use common::*;

use serde_json::Value;

fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = archive_copy(&repo().join("tests/fixtures/variant"));
    let out = build_at(dir.path());
    (dir, out)
}

fn json(out: &std::path::Path, name: &str) -> Value {
    serde_json::from_str(&read(out.join("data").join(name))).unwrap()
}

#[test]
fn metrics_projects_and_incidents_in_another_style() {
    let (_dir, out) = site();
    let m = json(&out, "metrics.json");
    let series = |name: &str| -> Vec<f64> {
        m["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .map_or(vec![], |s| {
                s["points"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["value"].as_f64().unwrap())
                    .collect()
            })
    };
    assert_eq!(
        series("入金有效成功率"),
        [99.96, 99.95],
        "the 本周 column, not 上周"
    );
    assert_eq!(series("出金有效成功率"), [99.91, 99.9]);
    assert_eq!(series("一次支付成功率"), [99.31]);
    assert_eq!(series("支付系统年度可用性"), [99.999]);
    assert_eq!(series("AB级事故"), [1.0, 0.0]);
    assert_eq!(series("CD级事故"), [0.0, 2.0]);
    assert_eq!(series("健康分"), [702.0]);

    let p = json(&out, "projects.json");
    let project = |name: &str| {
        p["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()
            .clone()
    };
    let acct = project("支付账户2.0升级");
    assert_eq!(acct["entries"][0]["progress"], 70.0);
    assert_eq!(acct["entries"][1]["progress"], 75.0);
    assert_eq!(acct["slips"][0]["text"], "3/1上线 → 3/15");
    let pos = project("POS收单系统建设");
    assert_eq!(pos["entries"][1]["status"], "risk");
    assert_eq!(pos["entries"][1]["parts"]["前端"], 80.0);
    assert_eq!(pos["slips"][0]["text"], "2/1上线 → 2/20");

    let i = json(&out, "incidents.json");
    let list = i["incidents"].as_array().unwrap();
    assert_eq!(list.len(), 2, "暂无 is not an incident");
    assert_eq!(
        (list[1]["date"].as_str(), list[1]["time"].as_str()),
        (Some("2024-01-30"), Some("14:20"))
    );
    assert_eq!(list[1]["action"], "扩容");
    assert_eq!(list[0]["cause"], "上游推送晚");
    assert_eq!(list[0]["action"], "人工补推");
    assert_links_resolve(&out);
}
