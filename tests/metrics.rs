//! Metrics over time: the sample archive's exact series, data files,
//! charts and pages, discovery without config, and `check`.

mod common;
use common::*;

use serde_json::Value;

fn series<'a>(data: &'a Value, name: &str) -> &'a Value {
    data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no series {name}"))
}

fn values(data: &Value, name: &str) -> Vec<(String, f64)> {
    series(data, name)["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["date"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sample_archive_gives_exactly_the_expected_series() {
    let (_tmp, out) = build_sample();
    let data: Value = serde_json::from_str(&read(out.join("data/metrics.json"))).unwrap();
    let dates = [
        "2023-04-14",
        "2023-04-21",
        "2023-05-27",
        "2023-09-22",
        "2023-12-09",
    ];
    let expect: [(&str, [Option<f64>; 5]); 6] = [
        (
            "入金有效成功率",
            [
                Some(99.99),
                Some(99.99),
                Some(99.99),
                Some(99.997),
                Some(99.994),
            ],
        ),
        (
            "出金有效成功率",
            [
                Some(99.91),
                Some(99.90),
                Some(99.93),
                Some(99.975),
                Some(99.983),
            ],
        ),
        (
            "一次支付成功率",
            [None, None, None, Some(99.280), Some(99.166)],
        ),
        (
            "支付系统年度可用性",
            [
                Some(100.0),
                Some(100.0),
                Some(99.998),
                Some(99.998),
                Some(99.998),
            ],
        ),
        (
            "AB级事故",
            [Some(0.0), Some(0.0), Some(0.0), Some(0.0), Some(0.0)],
        ),
        (
            "CD级事故",
            [Some(0.0), Some(0.0), Some(1.0), Some(1.0), Some(1.0)],
        ),
    ];
    for (name, vals) in expect {
        let want: Vec<(String, f64)> = dates
            .iter()
            .zip(vals)
            .filter_map(|(d, v)| v.map(|v| (d.to_string(), v)))
            .collect();
        assert_eq!(values(&data, name), want, "{name}");
    }
    assert_eq!(
        values(&data, "健康分"),
        vec![("2023-09-22".into(), 638.1), ("2023-12-09".into(), 662.0)]
    );
    assert_eq!(
        values(&data, "普通记账TPS"),
        vec![("2023-04-14".into(), 1047.0), ("2023-04-21".into(), 1047.0)]
    );
    assert_eq!(
        values(&data, "热点账户TPS"),
        vec![("2023-04-14".into(), 72.0), ("2023-04-21".into(), 72.0)]
    );
    assert_eq!(
        values(&data, "混合模式记账峰值TPS"),
        vec![("2023-05-27".into(), 2527.0)]
    );
}

#[test]
fn metrics_json_and_csv_shapes() {
    let (_tmp, out) = build_sample();
    let data: Value = serde_json::from_str(&read(out.join("data/metrics.json"))).unwrap();
    let s = series(&data, "入金有效成功率");
    assert_eq!(s["id"], "deposit-success-rate");
    assert!(s["id"].as_str().unwrap().is_ascii());
    assert_eq!(s["unit"], "%");
    assert_eq!(s["group"], "成功率");
    assert_eq!(s["target"], 99.99);
    let p = &s["points"][0];
    assert_eq!(
        (p["date"].as_str(), p["week"].as_u64(), p["report"].as_str()),
        (Some("2023-04-14"), Some(16), Some("reports/2023-w16.html"))
    );
    assert_eq!(p["value"], 99.99);
    // Every point's report page exists and has the anchor it names.
    for m in data["metrics"].as_array().unwrap() {
        for p in m["points"].as_array().unwrap() {
            let html = read(out.join(p["report"].as_str().unwrap()));
            assert!(
                html.contains(&format!("id=\"{}\"", p["anchor"].as_str().unwrap())),
                "{p}"
            );
        }
    }
    let csv = read(out.join("data/metrics.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0]
        .trim_start_matches('\u{feff}')
        .starts_with("metric_id,metric,unit,group,date,week,value"));
    let points: usize = data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["points"].as_array().unwrap().len())
        .sum();
    assert_eq!(lines.len() - 1, points, "one row per point");
    assert!(lines.contains(&"withdrawal-success-rate,出金有效成功率,%,成功率,2023-04-21,17,99.9,99.9,reports/2023-w17.html"));
}

#[test]
fn dashboard_series_pages_and_charts() {
    let (_tmp, out) = build_sample();
    let dash = read(out.join("metrics.html"));
    let data: Value = serde_json::from_str(&read(out.join("data/metrics.json"))).unwrap();
    for m in data["metrics"].as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        let page = read(out.join(format!("metrics/{id}.html")));
        assert!(page.contains("<svg class=\"chart\""), "{id}: chart");
        assert!(
            dash.contains(&format!("href=\"metrics/{id}.html\"")),
            "{id}: linked from dashboard"
        );
    }
    // One inline chart per series with an accessible title, point tooltips and a target line.
    assert_eq!(
        dash.matches("<svg class=\"chart\"").count(),
        data["metrics"].as_array().unwrap().len()
    );
    assert!(dash.contains("<title id=\"c-deposit-success-rate-t\">入金有效成功率</title>"));
    assert!(dash.contains("<title>2023年4月14日 · 第16周 · 99.99%</title>"));
    assert!(dash.contains("class=\"target\""));
    // CD级事故 misses its target of 0 from May on: those points are marked.
    let cd = read(out.join("metrics/incidents-cd.html"));
    assert_eq!(cd.matches("class=\"pt miss\"").count(), 3);
    // The y axis of a 99.9x% series is fitted, not zero-based.
    let dep = read(out.join("metrics/deposit-success-rate.html"));
    assert!(!dep.contains(">0%<") && dep.contains("99.99"));
    // Groups in config order.
    let g = |name: &str| dash.find(&format!(">{name}</h2>")).unwrap();
    assert!(g("成功率") < g("可用性") && g("可用性") < g("稳定性"));
    assert_links_resolve(&out);
}

#[test]
fn report_pages_list_their_figures_with_change() {
    let (_tmp, out) = build_sample();
    let w17 = read(out.join("reports/2023-w17.html"));
    let figs = &w17[w17.find("class=\"figures\"").unwrap()..w17.find("class=\"content\"").unwrap()];
    assert!(figs.contains("出金有效成功率"));
    assert!(figs.contains(">99.9<small>%</small>"), "{figs}");
    assert!(figs.contains("−0.01"), "change since 第16周: {figs}");
    assert!(!figs.contains("一次支付成功率"), "not reported that week");
    let home = read(out.join("index.html"));
    assert!(home.contains("class=\"headlines\""));
    assert_eq!(
        home.matches("class=\"spark\"").count(),
        4,
        "four headline series in config.toml"
    );
}

const REPORT: &str = "# 第{W}周 2024-0{M}-0{D}\n\n## 运行数据\n\n- 可用率：{A}%\n- 告警数量 {B} 次\n\n## 项目\n\n- 进度50%\n";

fn report(w: u32, m: u32, d: u32, a: &str, b: &str) -> Vec<u8> {
    REPORT
        .replace("{W}", &w.to_string())
        .replace("{M}", &m.to_string())
        .replace("{D}", &d.to_string())
        .replace("{A}", a)
        .replace("{B}", b)
        .into_bytes()
}

#[test]
fn discovery_without_config() {
    let r1 = report(10, 3, 8, "99.5", "3");
    let r2 = report(11, 3, 9, "99.7", "2");
    let once = b"# 2024-03-01\n\n## Metrics\n\n- Only once: 5\n".to_vec();
    let daily = b"# 2024-03-05\n\n## \xe8\xbf\x90\xe8\xa1\x8c\xe6\x95\xb0\xe6\x8d\xae\n\n- \xe5\x8f\xaf\xe7\x94\xa8\xe7\x8e\x87\xef\xbc\x9a1%\n".to_vec();
    let dir = archive(&[
        ("notes/a.md", &r1),
        ("notes/b.md", &r2),
        ("notes/c.md", &once),
        ("notes/b/2024-03-05.md", &daily),
    ]);
    let out = dir.path().join("site");
    let root = dir.path().to_str().unwrap();
    let o = chronicle(&[
        "build",
        "--root",
        root,
        "--content",
        dir.path().join("notes").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data: Value = serde_json::from_str(&read(out.join("data/metrics.json"))).unwrap();
    let names: Vec<&str> = data["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["可用率", "告警数量"]);
    // The daily note's 1% is not a point of the week's series.
    assert_eq!(
        values(&data, "可用率"),
        vec![("2024-03-08".into(), 99.5), ("2024-03-09".into(), 99.7)]
    );
    assert_eq!(series(&data, "可用率")["unit"], "%");
    assert_eq!(series(&data, "可用率")["discovered"], true);
    assert!(out.join("metrics.html").is_file());
}

#[test]
fn check_warns_about_missing_and_impossible_figures() {
    let config = "[[metrics]]\nname = \"可用率\"\nunit = \"%\"\nlabels = [\"可用率\"]\nsections = [\"运行数据\"]\n";
    let dir = archive(&[
        ("config.toml", config.as_bytes()),
        ("content/a.md", &report(10, 3, 8, "99.5", "3")),
        ("content/b.md", &report(11, 3, 9, "99.7", "2")),
        ("content/c.md", &report(12, 3, 7, "199.7", "2")),
        ("content/d.md", b"# \xe7\xac\xac13\xe5\x91\xa8 2024-03-29\n\n## \xe8\xbf\x90\xe8\xa1\x8c\xe6\x95\xb0\xe6\x8d\xae\n\n- nothing\n"),
    ]);
    let o = chronicle(&["check", "--root", dir.path().to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        out.contains("c.md:5: warning: 可用率 is 199.7%, which is impossible for a percentage"),
        "{out}"
    );
    assert!(
        out.contains("d.md: warning: no figure for metric `可用率` (found in 3 of 4 reports)"),
        "{out}"
    );
}

#[test]
fn a_series_page_tables_every_point_and_a_site_template_may_loop_over_them() {
    let (_tmp, out) = build_sample();
    let page = read(out.join("metrics/incidents-cd.html"));
    let body = &page[page.find("<tbody>").unwrap()..page.find("</tbody>").unwrap()];
    let rows: Vec<&str> = body.split("<tr ").skip(1).collect();
    // One row per point, newest first; the points that miss the target of
    // 0 marked; each with its change and a link to its place in the report.
    assert_eq!(rows.len(), 5, "{body}");
    assert!(rows[0].starts_with("class=\"status-missed\"><td><time datetime=\"2023-12-09\">2023年12月9日</time></td><td>第50周</td><td class=\"num\">1次 <span class=\"badge bad\">未达标</span></td>"), "{}", rows[0]);
    assert!(
        rows[2].contains("<span class=\"change bad\" title=\"环比\">▼ +1</span>"),
        "{}",
        rows[2]
    );
    assert!(
        rows[2].contains("<a href=\"../reports/2023-w22.html#L19\">第22周 2023-05-27</a>"),
        "{}",
        rows[2]
    );
    assert!(
        rows[4].starts_with("class=\"status-met\"><td><time datetime=\"2023-04-14\">"),
        "{}",
        rows[4]
    );
    assert!(
        rows[4].contains("<td class=\"num\"></td>"),
        "no change for the first point: {}",
        rows[4]
    );

    // A site's own metric.html that loops over the points itself gets them
    // as values.
    let site = sample_copy();
    let templates = site.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("metric.html"),
        "{% for r in rows %}<p class=\"mine\">{{ r.date }} {{ r.value }} {{ r.status }}{% if r.change %} {{ r.change.symbol }}{% endif %}</p>{% endfor %}",
    )
    .unwrap();
    let out = build_at(site.path());
    let page = read(out.join("metrics/incidents-cd.html"));
    let mine: Vec<&str> = page
        .split("<p class=\"mine\">")
        .skip(1)
        .map(|p| &p[..p.find("</p>").unwrap()])
        .collect();
    assert_eq!(mine.len(), 5, "{page}");
    assert_eq!(mine[0], "2023-12-09 1 missed ■");
    assert_eq!(mine[4], "2023-04-14 0 met");
}

/// A report page's table of contents and figures are written in Rust for
/// the default report.html (`page.toc_html`, `figures_html`, with the
/// markup of the default `toc` and `change` components); a site's own
/// report.html that loops over `page.toc` and `figures` gets the same page.
#[test]
fn report_pages_are_the_same_with_their_lists_written_in_rust_or_by_a_sites_template() {
    let page = |w: u32, d: u32, a: &str| {
        format!("# 第{w}周 2024-03-{d:02}\n\n## 运行数据\n\n- 可用率：{a}%\n- 告警数量 3 次\n\n# 大节\n\n## A&B <项目>\n\n### 子项\n\n#### 更深\n\n- 进度50%\n\n## 其他\n\n正文\n")
    };
    let builtin = include_str!("../themes/default/templates/report.html");
    let looped = builtin
        .replace(
            "{% if page.toc_html %}{{ page.toc_html | safe }}{% else %}{{ <toc entries={page.toc} /> }}{% endif %}",
            "{{ <toc entries={page.toc} /> }}",
        )
        .replace("{% if figures_html %}{{ figures_html | safe }}{% else %}", "")
        .replace("{% endfor %}{% endif %}", "{% endfor %}");
    assert!(!looped.contains("_html"), "the test's template loops");
    let build = |own: Option<&str>| {
        let (r1, r2) = (page(10, 8, "99.5"), page(11, 15, "99.7"));
        let mut files: Vec<(&str, &[u8])> = vec![
            ("content/a.md", r1.as_bytes()),
            ("content/b.md", r2.as_bytes()),
        ];
        if let Some(t) = own {
            let name = if t.contains("{% component") {
                "templates/components.html"
            } else {
                "templates/report.html"
            };
            files.push((name, t.as_bytes()));
        }
        let dir = archive(&files);
        let out = build_at(dir.path());
        (
            read(out.join("reports/2024-w10.html")),
            read(out.join("reports/2024-w11.html")),
        )
    };
    let (first, second) = build(None);
    for p in [&first, &second] {
        assert!(
            p.contains("\n<ol>\n<li><a href=\"#运行数据\">运行数据</a></li>\n<li><a href=\"#大节\">大节</a>\n<ol><li><a href=\"#ab-项目\">A&amp;B &lt;项目&gt;</a>\n<ol><li><a href=\"#子项\">子项</a></li></ol></li><li><a href=\"#其他\">其他</a></li></ol></li>\n\n</ol>\n"),
            "three levels of headings: {p}"
        );
        assert!(p.contains("<li class=\"status-notarget\"><a class=\"name\" href=\"../metrics/"));
        assert!(p.contains(">99.") && p.contains("<small>%</small></a> "));
    }
    let figures = |p: &str| {
        p[p.find("class=\"figures\"").unwrap()..p.find("class=\"content\"").unwrap()].to_string()
    };
    assert!(
        !figures(&first).contains("class=\"change"),
        "no change in the first week"
    );
    assert!(
        figures(&second).contains("<span class=\"change good\" title=\"环比\">▲ +0.2</span>"),
        "{}",
        figures(&second)
    );
    assert_eq!((first, second), build(Some(&looped)));
    // A site's own components are used, the default report.html's lists
    // then made by Tera.
    let components = include_str!("../themes/default/templates/components.html")
        .replace("<span class=\"change {{", "<span class=\"change mine {{");
    let (_, own) = build(Some(&components));
    assert!(
        figures(&own).contains("<span class=\"change mine good\""),
        "{own}"
    );
}
