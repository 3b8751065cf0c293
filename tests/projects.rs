//! Per-project timelines: the sample archive, renames, aliases, slips,
//! statuses, pages and data.

mod common;
use common::*;

use serde_json::Value;

fn projects(out: &std::path::Path) -> Value {
    serde_json::from_str(&read(out.join("data/projects.json"))).unwrap()
}

fn find<'a>(data: &'a Value, name: &str) -> &'a Value {
    data["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name || p["aliases"].as_array().unwrap().iter().any(|a| a == name))
        .unwrap_or_else(|| panic!("no project {name}"))
}

#[test]
fn sample_hive_progress_and_renamed_project() {
    let (_tmp, out) = build_sample();
    let data = projects(&out);
    let hive = find(&data, "HIVE标准数仓建设");
    assert_eq!(hive["name"], "HIVE标准数仓建设");
    let prog: Vec<(&str, f64)> = hive["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["date"].as_str().unwrap(), e["progress"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        prog,
        [
            ("2023-04-14", 72.2),
            ("2023-04-21", 78.09),
            ("2023-05-27", 91.9)
        ]
    );
    assert_eq!(hive["entries"][0]["report"], "reports/2023-w16.html");

    let a = find(&data, "轻存管&定转佣能力建设");
    let b = find(&data, "轻松付&定转佣能力建设");
    assert_eq!(a["id"], b["id"], "one project across the rename");
    let dates: Vec<&str> = a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2023-04-14", "2023-04-21", "2023-05-27"]);
    assert_eq!(a["entries"][0]["parts"]["前端"], 50.0);
    assert_eq!(a["entries"][0]["parts"]["后端"], 40.0);
    assert_eq!(a["entries"][0]["status"], "risk");
    assert_eq!(a["entries"][1]["planned"][0]["date"], "2023-05-06");
    assert!(a["entries"][0]["text"]
        .as_str()
        .unwrap()
        .contains("前端进展50%"));
    // Shape of the data file.
    for key in ["id", "name", "aliases", "url", "status", "entries"] {
        assert!(!a[key].is_null(), "{key}");
    }
    for key in [
        "date", "report", "progress", "parts", "status", "planned", "text",
    ] {
        assert!(
            a["entries"][0].as_object().unwrap().contains_key(key),
            "{key}"
        );
    }
    assert!(a["id"].as_str().unwrap().is_ascii());
}

#[test]
fn sample_pages_link_both_ways() {
    let (_tmp, out) = build_sample();
    let data = projects(&out);
    let html = read(out.join("projects.html"));
    assert!(html.contains("<svg class=\"timeline\""));
    for p in data["projects"].as_array().unwrap() {
        let url = p["url"].as_str().unwrap();
        assert!(out.join(url).is_file(), "{url}");
        assert!(
            html.contains(&format!("href=\"{url}\"")),
            "timeline links {url}"
        );
        // Every report that mentions the project links to its page.
        for e in p["entries"].as_array().unwrap() {
            let report = read(out.join(e["report"].as_str().unwrap()));
            let link = format!("href=\"../{url}\"");
            assert!(report.contains(&link), "{} should link {url}", e["report"]);
        }
    }
    let hive = find(&data, "HIVE标准数仓建设");
    // A project under its own heading is linked at the end of the heading,
    // once, and the heading is still closed.
    let url = hive["url"].as_str().unwrap();
    let report = read(out.join(hive["entries"][0]["report"].as_str().unwrap()));
    let linked = format!("HIVE标准数仓建设 <a class=\"project-link\" href=\"../{url}\"");
    assert_eq!(report.matches(&linked).count(), 1, "heading link for {url}");
    let after = &report[report.find(&linked).unwrap() + linked.len()..];
    assert!(after.starts_with(" title=\"项目: HIVE标准数仓建设\">项目</a></h"));
    let page = read(out.join(url));
    assert!(page.contains("<svg class=\"chart\""), "progress chart");
    assert!(page.contains("72.2%"));
    assert_links_resolve(&out);
}

#[test]
fn check_lists_automatic_matches() {
    let o = chronicle(&["check", "--root", repo().to_str().unwrap()]);
    let out = stdout(&o);
    assert!(
        out.contains("第22周 2023-05-27.md:23: warning: project `轻松付&定转佣能力建设` matched to `轻存管&定转佣能力建设` by similarity"),
        "{out}"
    );
}

fn week(n: u32, date: &str, body: &str) -> Vec<u8> {
    format!("# 第{n}周 {date}\n\n## 【O1 服务业务】\n\n{body}\n").into_bytes()
}

#[test]
fn slips_statuses_aliases_and_stalled() {
    let dir = archive(&[
        ("config.toml", "[projects]\nstalled_after_weeks = 3\n[projects.aliases]\n\"清算平台V2\" = \"新清算平台\"\n\"支付中台A\" = \"支付中台A\"\n".as_bytes()),
        ("content/a.md", &week(16, "2023-04-14", "- 支付网关改造，目标4/26投产，研发进度60%\n- 新清算平台，进度10%\n- 支付中台A，提测\n- 老系统下线，进行中")),
        ("content/b.md", &week(17, "2023-04-21", "- 支付网关改造，延期，目标5/9投产，研发进度70%\n- 清算平台V2，进度20%\n- 支付中台B，进度5%")),
        ("content/c.md", &week(18, "2023-04-28", "- 支付网关改造，已投产\n- 新清算平台，进度30%")),
        ("content/d.md", &week(19, "2023-05-05", "- 新清算平台，进度40%")),
        ("content/e.md", &week(20, "2023-05-12", "- 新清算平台，进度50%")),
    ]);
    let out = dir.path().join("public");
    let root = dir.path().to_str().unwrap();
    let o = chronicle(&["build", "--root", root, "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data = projects(&out);

    let gw = find(&data, "支付网关改造");
    assert_eq!(gw["status"], "done");
    assert_eq!(gw["slips"][0]["text"], "4/26投产 → 5/9");
    assert_eq!(gw["entries"][1]["slipped"], true);
    assert_eq!(gw["entries"][1]["status"], "risk");

    let cl = find(&data, "新清算平台");
    assert_eq!(
        cl["name"], "新清算平台",
        "the alias target names the project"
    );
    assert_eq!(cl["entries"].as_array().unwrap().len(), 5);
    assert_eq!(cl["status"], "active");

    // Pinned by an alias to itself: 支付中台B is not matched to 支付中台A.
    assert_ne!(
        find(&data, "支付中台A")["id"],
        find(&data, "支付中台B")["id"]
    );
    assert_eq!(find(&data, "支付中台A")["entries"][0]["status"], "testing");

    // Not mentioned for three weeks by the newest report: stalled.
    assert_eq!(find(&data, "老系统下线")["status"], "stalled");

    let html = read(out.join("projects.html"));
    assert!(
        html.contains("4/26投产 → 5/9"),
        "the slip is on the overview"
    );
    // The project's own page: both stated dates in its plans table, the
    // first one marked as slipped, each row linking to the update.
    let page = read(out.join(gw["url"].as_str().unwrap()));
    let plans = &page[page.find("id=\"plans-h\"").expect("a plans table")..];
    let plans = &plans[..plans.find("</table>").unwrap()];
    assert_eq!(
        plans.matches("<tr class=\"slipped\">").count(),
        1,
        "{plans}"
    );
    assert!(
        plans.contains("<span class=\"slip\">4/26投产 → 5/9</span>"),
        "{plans}"
    );
    assert!(plans.contains("5/9投产"), "{plans}");
    assert!(plans.contains("href=\"../reports/"), "{plans}");
    assert!(
        !stderr(&o).contains("matched to"),
        "aliases need no confirmation: {}",
        stderr(&o)
    );
}

#[test]
fn updates_of_one_project_in_one_report_make_one_entry() {
    // Named three times in week 16 (twice under one section, once under
    // another), once in week 17.
    let w16 = "# 第16周 2023-04-14\n\n## 【O1 服务业务】\n\n- 支付网关改造，目标4/26投产，前端进度50%\n- 支付网关改造，研发进度60%，5/2提测\n\n## 【O2 系统升级】\n\n- 支付网关改造，风险：联调延迟，后端进度20%\n";
    let dir = archive(&[
        ("content/a.md", w16.as_bytes()),
        (
            "content/b.md",
            &week(17, "2023-04-21", "- 支付网关改造，研发进度70%，前端进度80%"),
        ),
    ]);
    let out = build_at(dir.path());
    let data = projects(&out);
    let gw = find(&data, "支付网关改造");
    let entries = gw["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let first = &entries[0];
    assert_eq!(
        first["text"],
        "支付网关改造，目标4/26投产，前端进度50%\n\n支付网关改造，研发进度60%，5/2提测\n\n支付网关改造，风险：联调延迟，后端进度20%"
    );
    assert_eq!(
        first["parts"],
        serde_json::json!({"前端": 50.0, "后端": 20.0})
    );
    assert_eq!(first["progress"], 60.0, "the first figure given");
    assert_eq!(first["status"], "risk", "the gravest status");
    let planned: Vec<&str> = first["planned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(planned.len(), 2, "{planned:?}");
    assert_eq!(entries[1]["progress"], 70.0);
    assert_eq!(entries[1]["parts"], serde_json::json!({"前端": 80.0}));
}

#[test]
fn a_project_page_lists_its_updates_and_a_site_template_may_loop_over_them() {
    let files: [(&str, &[u8]); 4] = [
        (
            "config.toml",
            "[projects.aliases]\n\"支付网关V2\" = \"支付网关改造\"\n".as_bytes(),
        ),
        (
            "content/a.md",
            &week(
                16,
                "2023-04-14",
                "- 支付网关改造，目标4/26投产，研发进度60%，联调 A&B <测试>",
            ),
        ),
        (
            "content/b.md",
            &week(
                17,
                "2023-04-21",
                "- 支付网关改造，延期，目标5/9投产，研发进度70%",
            ),
        ),
        (
            "content/c.md",
            &week(18, "2023-04-28", "- 支付网关V2，前端进度80%、后端进度60%"),
        ),
    ];
    let dir = archive(&files);
    let out = build_at(dir.path());
    let data = projects(&out);
    let gw = find(&data, "支付网关改造");
    let page = read(out.join(gw["url"].as_str().unwrap()));
    let list = &page[page
        .find("<ol class=\"updates\">")
        .expect("the update list")..];
    let list = &list[..list.find("</ol>").unwrap()];
    // One item per update, newest first, each linking to its place in the
    // report.
    assert_eq!(
        list.matches("<li class=\"card update\">").count(),
        3,
        "{list}"
    );
    let at = |week: &str| {
        list.find(&format!("href=\"../reports/2023-{week}.html#"))
            .unwrap()
    };
    assert!(at("w18") < at("w17") && at("w17") < at("w16"), "{list}");
    // The update's own text, escaped; its figures, status and slip.
    assert!(list.contains("联调 A&amp;B &lt;测试&gt;"), "{list}");
    assert!(
        list.contains("<span class=\"pill\">进度 70%</span>"),
        "{list}"
    );
    assert!(
        list.contains(
            "<span class=\"pill soft\">前端 80%</span> <span class=\"pill soft\">后端 60%</span>"
        ),
        "{list}"
    );
    assert!(
        list.contains(
            "<span class=\"badge es-risk\">风险</span> <span class=\"badge bad\">延期</span>"
        ),
        "{list}"
    );
    // The name as written that week, where it differs from the project's.
    assert_eq!(
        list.matches("<span class=\"muted\">「支付网关V2」</span>")
            .count(),
        1,
        "{list}"
    );
    assert!(
        list.contains("<time datetime=\"2023-04-28\">2023年4月28日</time> 第18周</a>"),
        "{list}"
    );

    // The stated dates' table, the row of the slipped date marked.
    let plans = &page[page.find("<tbody>").expect("the plans table")..];
    let plans = &plans[..plans.find("</tbody>").unwrap()];
    assert_eq!(plans.matches("<tr").count(), 2, "{plans}");
    assert!(
        plans.contains("<tr class=\"slipped\"><td><a href=\"../reports/2023-w17.html#"),
        "{plans}"
    );
    assert!(
        plans.contains(
            "<td>2023年5月9日</td><td><span class=\"slip\">4/26投产 → 5/9</span></td></tr>"
        ),
        "{plans}"
    );

    // A site's own project.html that loops over the updates and the stated
    // dates itself gets them as values.
    let mine = "{% extends \"base.html\" %}{% block content %}{% for e in entries %}<p class=\"mine\">{{ e.date }} {{ e.progress }} {{ e.name }} {{ e.status_label }}</p>{% endfor %}{% for p in plans %}<p class=\"plan\">{{ p.stated }} {{ p.text }} {{ p.date }}{% if p.slip %} {{ p.slip }}{% endif %}</p>{% endfor %}{% endblock content %}";
    let mut files = files.to_vec();
    files.push(("templates/project.html", mine.as_bytes()));
    let dir = archive(&files);
    let out = build_at(dir.path());
    let page = read(out.join(gw["url"].as_str().unwrap()));
    let mine: Vec<&str> = page
        .split("<p class=\"mine\">")
        .skip(1)
        .map(|p| &p[..p.find("</p>").unwrap()])
        .collect();
    assert_eq!(
        mine,
        [
            "2023-04-28  支付网关V2 ",
            "2023-04-21 70 支付网关改造 风险",
            "2023-04-14 60 支付网关改造 "
        ],
        "{page}"
    );
    let plans: Vec<&str> = page
        .split("<p class=\"plan\">")
        .skip(1)
        .map(|p| &p[..p.find("</p>").unwrap()])
        .collect();
    assert_eq!(
        plans,
        [
            "2023年4月14日 目标4/26投产 2023年4月26日",
            "2023年4月21日 目标5/9投产 2023年5月9日 4/26投产 → 5/9"
        ],
        "{page}"
    );
}
