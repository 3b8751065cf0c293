//! The incident log: the sample archive's incidents, the log page and its
//! chart, the marks on report pages, the data file, and archives written
//! other ways (a config of their own, tables, a year boundary, no incidents).

mod common;
use common::*;

use serde_json::Value;

fn incidents(out: &std::path::Path) -> Vec<Value> {
    let data: Value = serde_json::from_str(&read(out.join("data/incidents.json"))).unwrap();
    data["incidents"].as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], date: &str, time: Option<&str>) -> &'a Value {
    list.iter()
        .find(|i| i["date"] == date && i["time"].as_str() == time)
        .unwrap_or_else(|| panic!("no incident {date} {time:?}"))
}

fn build(dir: &tempfile::TempDir) -> std::path::PathBuf {
    build_at(dir.path())
}

#[test]
fn sample_archive_incidents_per_report_and_fields() {
    let (_tmp, out) = build_sample();
    let list = incidents(&out);
    let reports = [
        "reports/2023-w16.html",
        "reports/2023-w17.html",
        "reports/2023-w22.html",
        "reports/2023-w39.html",
        "reports/2023-w50.html",
    ];
    let counts: Vec<usize> = reports
        .iter()
        .map(|r| list.iter().filter(|i| i["report"] == *r).count())
        .collect();
    assert_eq!(counts, [2, 5, 5, 3, 7]);
    assert_eq!(list.len(), 22);

    // Newest first.
    let keys: Vec<(String, String)> = list
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap().to_string(),
                i["time"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(keys, sorted);
    assert_eq!(keys[0], ("2023-12-07".into(), "19:55".into()));

    let i = find(&list, "2023-04-10", Some("23:09"));
    assert_eq!(i["report"], "reports/2023-w16.html");
    assert_eq!(i["week"], 16);
    assert_eq!(i["anchor"], "L78");
    assert_eq!(i["summary"], "钱包鉴权接口收到大量403、500高考");
    assert_eq!(i["cause"], "疑似外部异常扫描");
    assert_eq!(i["action"], "已通过WAF规避");
    assert!(i["text"]
        .as_str()
        .unwrap()
        .starts_with("4/10 23:09 钱包鉴权"));

    // Cause and action on following paragraphs, action first.
    let i = find(&list, "2023-09-25", Some("17:02"));
    assert!(i["cause"].as_str().unwrap().starts_with("经查外籍用户"));
    assert!(i["action"]
        .as_str()
        .unwrap()
        .starts_with("推动统一鉴权改进"));
    // No space after the time, no cause.
    let i = find(&list, "2023-09-26", Some("06:43"));
    assert_eq!(
        i["summary"],
        "监控发现由于有一笔账单remark数据问题, 二合一账单数据部分数据出仓失败"
    );
    assert!(i["cause"].is_null());
    assert_eq!(i["action"], "修复脏数据后，于8:00完成账单生成与推送");
    // A full-width colon in the time; a date with no time.
    assert_eq!(
        list.iter()
            .filter(|i| i["date"] == "2023-05-25" && i["time"] == "21:42")
            .count(),
        2
    );
    let i = find(&list, "2023-05-26", None);
    assert!(i["summary"]
        .as_str()
        .unwrap()
        .starts_with("运营反馈代收付系统"));
    // Under a heading: no cause or action written.
    let i = find(&list, "2023-12-04", Some("10:29"));
    assert_eq!(i["report"], "reports/2023-w50.html");
    assert!(i["cause"].is_null() && i["action"].is_null());
    // A mention of 线上问题 in prose is not an incident.
    assert!(!list
        .iter()
        .any(|i| i["text"].as_str().unwrap().contains("新增CPU使用异常")));
}

#[test]
fn sample_incident_page_chart_marks_and_links() {
    let (_tmp, out) = build_sample();
    let page = read(out.join("incidents.html"));
    // Chart: one bar per report, linking to its first incident.
    assert!(page.contains("<svg class=\"chart\""));
    assert_eq!(page.matches("class=\"bar\"").count(), 5);
    assert!(page.contains("href=\"reports/2023-w16.html#L78\""));
    assert!(page.contains("<title>第16周 · 2023年4月14日 · 2 起</title>"));
    // Grouped by month, newest first, with counts.
    let months: Vec<usize> = ["2023年12月", "2023年9月", "2023年5月", "2023年4月"]
        .iter()
        .map(|m| page.find(&format!(">{m} <span class=\"count\">")).unwrap())
        .collect();
    assert!(months.windows(2).all(|w| w[0] < w[1]), "{months:?}");
    assert!(page.contains("2023年12月 <span class=\"count\">7 起</span>"));
    assert!(page.contains("2023年4月 <span class=\"count\">7 起</span>"));
    // Each entry: labelled cause and action, a link to its place.
    assert_eq!(page.matches("class=\"incident-entry\"").count(), 22);
    assert!(page.contains("<dt>原因</dt><dd>疑似外部异常扫描</dd>"));
    assert!(page.contains("<dt>处置</dt><dd>已通过WAF规避</dd>"));
    assert!(page.contains("id=\"2023-w16-L78\""));
    assert!(page.contains("href=\"reports/2023-w16.html#L78\">第16周 · 原文 →</a>"));
    // In the navigation of every page.
    assert!(read(out.join("index.html")).contains("href=\"incidents.html\""));

    // Report pages mark their incidents and link to the log.
    for (week, n) in [(16, 2), (17, 5), (22, 5), (39, 3), (50, 7)] {
        let html = read(out.join(format!("reports/2023-w{week}.html")));
        assert_eq!(
            html.matches("\" class=\"incident\">").count(),
            n,
            "week {week}"
        );
        assert_eq!(html.matches("class=\"incident-mark\"").count(), n);
    }
    let w16 = read(out.join("reports/2023-w16.html"));
    // The badge starts the item's text (inside its <p> in a loose list).
    let at = w16.find("<li id=\"L78\" class=\"incident\">").unwrap();
    let badge = w16[at..]
        .find("<a class=\"incident-mark\" href=\"../incidents.html#2023-w16-L78\"")
        .unwrap();
    assert!(badge < 60, "{}", &w16[at..at + 200]);
    assert!(assert_links_resolve(&out) > 0);
}

#[test]
fn other_spellings_config_tables_and_a_year_boundary() {
    let config = "[incidents]\nsections = [\"故障记录\", \"生产事件\"]\ncause_labels = [\"根因\", \"原因\"]\naction_labels = [\"恢复\"]\n";
    let dec = "# 第52周 2023-12-29\n\n## 稳定性\n\n1. 降本\n2. 生产事件：\n   - 12/28 22:10 支付<b>超时</b>\n     影响：30笔\n     根因：DB 锁表\n     恢复：重启\n   - 1/2 09:00 跨年任务失败 根因：时区\n\n## 故障记录\n\n| 时间 | 事件 | 原因 | 恢复 |\n|---|---|---|---|\n| 2023-12-27 08:00 | 短信延迟 | 通道故障 | 切换通道 |\n";
    let quiet =
        "# 第51周 2023-12-22\n\n## 稳定性\n\n- 生产事件：无\n- 12/20 10:00 一次演练（不是事件）\n";
    let dir = archive(&[
        ("config.toml", config.as_bytes()),
        ("content/w52.md", dec.as_bytes()),
        ("content/w51.md", quiet.as_bytes()),
    ]);
    let out = build(&dir);
    let list = incidents(&out);
    assert_eq!(list.len(), 3, "{list:#?}");
    let next_year = find(&list, "2024-01-02", Some("09:00"));
    assert_eq!(next_year["cause"], "时区");
    assert_eq!(list[0]["date"], "2024-01-02", "newest first");
    let i = find(&list, "2023-12-28", Some("22:10"));
    assert_eq!(i["cause"], "DB 锁表");
    assert_eq!(i["action"], "重启");
    assert_eq!(i["impact"], "30笔");
    let row = find(&list, "2023-12-27", Some("08:00"));
    assert_eq!(row["summary"], "短信延迟");
    assert_eq!(row["action"], "切换通道");
    assert_eq!(row["anchor"], "故障记录");

    let page = read(out.join("incidents.html"));
    // Raw HTML in a report is markup, not text: the log shows the words
    // and never the tags.
    assert!(page.contains("支付超时"));
    assert!(!page.contains("<b>超时"));
    assert!(page.contains("<dt>影响</dt><dd>30笔</dd>"));
    // The week with no incidents is a zero bar, not a gap.
    assert_eq!(page.matches("class=\"bar zero\"").count(), 1);
    // A table row's mark goes in its heading.
    let w52 = read(out.join("reports/2023-w52.html"));
    assert_eq!(w52.matches("class=\"incident-mark\"").count(), 3, "{w52}");
    assert!(
        w52.contains("支付<b>超时</b>"),
        "harmless raw HTML is kept by the sanitiser"
    );
    assert_links_resolve(&out);
}

#[test]
fn no_incidents_no_page() {
    let dir = archive(&[(
        "content/a.md",
        "# 第10周 2024-03-08\n\n- 4/10 10:00 just a dated bullet\n".as_bytes(),
    )]);
    let out = build(&dir);
    assert!(incidents(&out).is_empty());
    assert!(!out.join("incidents.html").exists());
    assert!(!read(out.join("index.html")).contains("incidents.html"));
}

#[test]
fn check_names_incidents_without_a_date() {
    let dir = archive(&[(
        "content/a.md",
        "# 第10周 2024-03-08\n\n### 生产事件\n\n- 3/5 10:00 有日期\n- 支付超时，原因：锁表\n"
            .as_bytes(),
    )]);
    let o = chronicle(&["check", "--root", dir.path().to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        out.contains("a.md:6: warning: incident with no date: `支付超时`"),
        "{out}"
    );
    assert_eq!(out.matches("incident with no date").count(), 1, "{out}");
}

#[test]
fn the_log_is_newest_first_then_latest_time_then_as_written() {
    let dir = archive(&[(
        "content/a.md",
        "# 第10周 2024-03-08\n\n### 生产事件\n\n- 3/5 09:00 早上\n- 3/5 21:30 晚上\n- 3/6 甲事件\n- 3/6 乙事件\n- 3/6 10:00 丙事件\n- 支付超时，原因：锁表\n"
            .as_bytes(),
    )]);
    let out = build(&dir);
    let list = incidents(&out);
    let order: Vec<(&str, &str)> = list
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap_or("-"),
                i["summary"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            // Undated: filed under its report's date, the newest.
            ("-", "支付超时"),
            ("2024-03-06", "丙事件"),
            ("2024-03-06", "甲事件"),
            ("2024-03-06", "乙事件"),
            ("2024-03-05", "晚上"),
            ("2024-03-05", "早上"),
        ],
        "{list:#?}"
    );
}

/// The log's entries are written in Rust while components.html is the
/// default theme's, with the markup of its `incident_entry`; a site's own
/// components.html gets the component, and a site's own incidents.html its
/// loop. The same archive built through Tera's component must give the same
/// page, byte for byte, for every kind of entry.
#[test]
fn the_log_is_the_same_written_in_rust_or_by_a_sites_own_templates() {
    let dated = "# 第10周 2024-03-08\n\n### 生产事件\n\n- 3/5 09:00 支付 A&B <超时>\n  影响：30笔\n  原因：锁表\n  处置：重启\n- 3/6 对账延迟\n- 支付中断，原因：网络\n";
    let files = |extra: &[(&'static str, String)]| {
        let mut files: Vec<(&str, Vec<u8>)> =
            vec![("content/第10周 2024-03-08.md", dated.as_bytes().to_vec())];
        files.extend(extra.iter().map(|(p, s)| (*p, s.as_bytes().to_vec())));
        files
    };
    let page = |extra: &[(&'static str, String)]| {
        let files = files(extra);
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        let dir = archive(&refs);
        let out = build(&dir);
        (dir, read(out.join("incidents.html")))
    };
    let builtin = include_str!("../themes/default/templates/components.html");

    let (_a, rust) = page(&[]);
    // Every branch of the component: time, a date from the text only, the
    // report's date, facts, escaping. (Incidents come only from dated
    // reports, so the undated group stays empty here.)
    assert!(
        rust.contains("<time datetime=\"2024-03-05T09:00\">"),
        "{rust}"
    );
    assert!(rust.contains("<span class=\"time\">09:00</span>"));
    assert!(rust.contains("<time datetime=\"2024-03-06\">"));
    assert!(
        rust.contains("<span class=\"wd\" title="),
        "dated by the report"
    );
    assert!(rust.contains("支付 A&amp;B &lt;超时&gt;"));
    assert!(rust.contains("<dl class=\"facts\">"));
    assert!(rust.contains("<div class=\"impact\"><dt>影响</dt><dd>30笔</dd></div>"));
    assert!(rust.contains("<div class=\"action\"><dt>处置</dt><dd>重启</dd></div>"));
    assert_eq!(rust.matches("<li class=\"incident-entry\"").count(), 3);

    // A site's copy of components.html, changed elsewhere: Tera renders the
    // component, and the page is the same.
    let copy = format!("{builtin}\n{{# the site's own copy #}}\n");
    let (_b, tera) = page(&[("templates/components.html", copy)]);
    assert_eq!(rust, tera);

    // A site's own entry markup is used.
    let mine = builtin.replace("class=\"incident-entry\"", "class=\"incident-entry mine\"");
    let (_c, own) = page(&[("templates/components.html", mine)]);
    assert_eq!(
        own.matches("class=\"incident-entry mine\"").count(),
        3,
        "{own}"
    );

    // A site's own incidents.html that loops over the entries itself gets
    // them, with the default components.
    let list = "{% for mo in months %}{% for e in mo.entries %}<p class=\"e\">{{ e.summary }}</p>{% endfor %}{% endfor %}";
    let (_d, looped) = page(&[("templates/incidents.html", list.to_string())]);
    assert_eq!(looped.matches("<p class=\"e\">").count(), 3, "{looped}");
    assert!(
        looped.contains("<p class=\"e\">支付 A&amp;B &lt;超时&gt;</p>"),
        "{looped}"
    );
}
