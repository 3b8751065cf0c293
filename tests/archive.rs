//! Archives made up in temp folders: zero config, daily notes, bad input,
//! failed builds, `check`.

mod common;
use common::*;

fn build(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let out = dir.join("public");
    let mut args = vec![
        "build",
        "--root",
        dir.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    chronicle(&args)
}

const GOOD: &str = "# 第16周 2023-04-14\n\nCreated: 2023年11月29日 20:57\n\n## 【系统运行数据】\n\n- 入金有效成功率：99.99%\n\n# 日报合集\n\n[2023/04/16 周日](2023-04-16%20周日_xq6XwTk1fp7s1jZJ6CS97G.md)\n";

#[test]
fn zero_config_any_folder() {
    let src = archive(&[
        ("notes/2024-01-05.md", b"# Weekly\n\nSome *text*.\n"),
        ("notes/sub/2024-01-12.markdown", b"# Another\n\nMore.\n"),
        ("notes/readme.txt", b"not markdown"),
    ]);
    let out = src.path().join("site");
    let o = chronicle(&[
        "build",
        "--content",
        src.path().join("notes").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("built 2 reports"), "{}", stdout(&o));
    assert!(out.join("reports/2024-w01.html").is_file());
    assert!(out.join("reports/2024-w02.html").is_file());
    assert_links_resolve(&out);
}

#[test]
fn daily_notes_are_child_pages() {
    let dir = archive(&[
        ("content/第16周 2023-04-14.md", GOOD.as_bytes()),
        (
            "content/第16周 2023-04-14/2023-04-16 周日_xq6XwTk1fp7s1jZJ6CS97G.md",
            "# 2023/04/16 周日\n\n- [x] 重点项目评审\n".as_bytes(),
        ),
    ]);
    let o = build(dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("public");
    let daily = out.join("reports/2023-w16/2023-04-16.html");
    assert!(daily.is_file());
    let report = read(out.join("reports/2023-w16.html"));
    assert!(
        report.contains("href=\"2023-w16/2023-04-16.html\""),
        "link in body and daily list"
    );
    assert!(!report.contains("missing-link"));
    let d = read(&daily);
    assert!(
        d.contains("href=\"../2023-w16.html\""),
        "daily links back to its report"
    );
    let data: serde_json::Value =
        serde_json::from_str(&read(out.join("data/reports.json"))).unwrap();
    assert_eq!(
        data["reports"].as_array().unwrap().len(),
        1,
        "a daily note is not a report"
    );
    assert_eq!(
        data["reports"][0]["daily"][0],
        "reports/2023-w16/2023-04-16.html"
    );
    assert_links_resolve(&out);
}

#[test]
fn bad_inputs_are_reported_and_the_rest_builds() {
    let (gbk, _, _) =
        encoding_rs::GB18030.encode("# 第17周 2023-04-21\n\n入金有效成功率：99.90%\n");
    let dir = archive(&[
        ("content/good.md", GOOD.as_bytes()),
        (
            "content/bad-fm.md",
            b"+++\ntitle = \"x\"\ndate = = 2023\n+++\n# body\n",
        ),
        ("content/gbk.md", &gbk),
        (
            "content/binary.md",
            &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0xfe],
        ),
        ("content/empty.md", b""),
        ("content/bad-yaml.md", b"---\ntitle: [oops\n---\nbody\n"),
    ]);
    let o = build(dir.path(), &[]);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "errors in content give status 2: {err}"
    );
    assert!(
        err.contains("bad-fm.md:3: error: invalid TOML front matter"),
        "{err}"
    );
    assert!(
        err.contains("bad-yaml.md:3: error: invalid YAML front matter"),
        "{err}"
    );
    assert!(
        err.contains("gbk.md: warning: not UTF-8; decoded as GB18030"),
        "{err}"
    );
    assert!(err.contains("binary.md: error: binary file"), "{err}");
    assert!(err.contains("empty.md: warning: empty file"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let out = dir.path().join("public");
    assert!(out.join("reports/2023-w16.html").is_file());
    let w17 = read(out.join("reports/2023-w17.html"));
    assert!(w17.contains("入金有效成功率：99.90%"), "GBK text decoded");
    assert_links_resolve(&out);
}

#[test]
fn failed_build_keeps_the_previous_site() {
    let dir = archive(&[("content/good.md", GOOD.as_bytes())]);
    assert!(build(dir.path(), &[]).status.success());
    let out = dir.path().join("public");
    let before = tree(&out);
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/report.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title \n{% endblock %}",
    )
    .unwrap();
    let o = build(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("templates/report.html:4: error: template error"),
        "{err}"
    );
    assert_eq!(before, tree(&out), "previous site untouched");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        beside.iter().all(|n| !n.starts_with(".public")),
        "{beside:?}"
    );
}

#[test]
fn site_templates_override_the_theme() {
    let dir = archive(&[
        ("content/good.md", GOOD.as_bytes()),
        ("templates/daily.html", b"unused"),
        ("templates/report.html", b"{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ page.title }}</p>{% endblock content %}"),
    ]);
    assert!(build(dir.path(), &[]).status.success());
    let html = read(dir.path().join("public/reports/2023-w16.html"));
    assert!(html.contains("<p class=\"custom\">第16周 2023-04-14</p>"));
    assert!(
        html.contains("static/style.css"),
        "base.html still from the theme"
    );
}

#[test]
fn a_page_that_fails_to_render_names_its_template_and_line() {
    let dir = archive(&[
        ("content/good.md", GOOD.as_bytes()),
        (
            "templates/report.html",
            b"{% extends \"base.html\" %}\n{% block content %}\n<p>{{ page.nope }}</p>\n{% endblock content %}",
        ),
    ]);
    fails_to_render(
        dir.path(),
        "templates/report.html:3: error: cannot render reports/2023-w16.html",
    );
}

/// Builds `root`, whose template uses an undefined `nope`: the build fails
/// with `at` (the template's file and line, and the page) and writes
/// nothing.
fn fails_to_render(root: &std::path::Path, at: &str) {
    let o = build(root, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(at), "{err}");
    assert!(err.contains("`nope` is not defined"), "{err}");
    assert!(!root.join("public").exists(), "nothing written");
}

#[test]
fn a_page_rendered_in_parts_that_fails_names_its_template_and_line() {
    // A metric page goes to the output in parts as it renders (pages that
    // grow with the archive do): its template's error is still the build's
    // error, with the template's file and line, and nothing is published.
    let dir = archive(&[
        ("content/good.md", GOOD.as_bytes()),
        (
            "config.toml",
            "metric_sections = [\"系统运行数据\"]\n[[metrics]]\nname = \"入金有效成功率\"\nid = \"deposit\"\nunit = \"%\"\nlabels = [\"入金有效成功率\"]\n".as_bytes(),
        ),
        (
            "templates/metric.html",
            b"<!doctype html>\n<h1>{{ series.name }}</h1>\n<p>{{ series.nope }}</p>\n",
        ),
    ]);
    fails_to_render(
        dir.path(),
        "templates/metric.html:3: error: cannot render metrics/deposit.html",
    );
}

#[test]
fn site_components_override_the_theme() {
    let theme = read(repo().join("themes/default/templates/components.html"));
    let start = theme.find("{% component toc(").unwrap();
    let end = theme.find("{% endcomponent toc %}").unwrap();
    let mine = format!(
        "{}{{% component toc(entries) %}}<p class=\"my-toc\">{{{{ entries | length }}}}</p>{}",
        &theme[..start],
        &theme[end..]
    );
    let dir = archive(&[
        ("content/good.md", GOOD.as_bytes()),
        ("templates/components.html", mine.as_bytes()),
    ]);
    let o = build(dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = read(dir.path().join("public/reports/2023-w16.html"));
    assert!(html.contains("<p class=\"my-toc\">2</p>"), "{html}");
    assert!(
        !html.contains("<aside class=\"toc\" aria-label=\"目录\">\n    <h2>目录</h2>\n    \n<ol>")
    );
}

#[test]
fn output_may_not_contain_content() {
    let dir = archive(&[("content/good.md", GOOD.as_bytes())]);
    let content = dir.path().join("content");
    let o = chronicle(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--output",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("contains it"), "{}", stderr(&o));
    assert!(content.join("good.md").is_file());
    let o = chronicle(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--output",
        content.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(content.join("good.md").is_file());
}

#[test]
fn check_lints_and_sets_exit_status() {
    let dir = archive(&[
        ("content/a.md", GOOD.as_bytes()),
        (
            "content/b.md",
            b"# \xe7\xac\xac16\xe5\x91\xa8 2023-04-13\n\nsecond report for week 16\n",
        ),
        (
            "content/c.md",
            b"# \xe7\xac\xac20\xe5\x91\xa8 2023-04-21\n\nweek disagrees\n",
        ),
        ("content/undated.md", b"no date here\n"),
    ]);
    let root = dir.path().to_str().unwrap();
    let o = chronicle(&["check", "--root", root]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "warnings only: {out}");
    assert!(out.contains("a.md:"), "{out}");
    assert!(
        out.contains("warning: link to missing file `2023-04-16 周日_xq6XwTk1fp7s1jZJ6CS97G.md`"),
        "{out}"
    );
    assert!(out.contains("second report for week 16"), "{out}");
    assert!(out.contains("c.md:1: warning: states week 20"), "{out}");
    assert!(out.contains("undated.md:1: warning: no date"), "{out}");
    assert!(!dir.path().join("public").exists(), "check writes nothing");
    let o = chronicle(&["check", "--root", root, "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1));

    std::fs::write(
        dir.path().join("content/d.md"),
        "---\ndate: 2023-13-45\n---\nx\n",
    )
    .unwrap();
    let o = chronicle(&["check", "--root", root]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("d.md:2: error: `2023-13-45` is not a valid date"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn help_on_every_subcommand() {
    for sub in [&["--help"][..], &["build", "--help"], &["check", "--help"]] {
        let o = chronicle(sub);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Usage"), "{sub:?}");
    }
    assert!(stdout(&chronicle(&["build", "--help"])).contains("--content"));
}

/// The home page's archive list is written in Rust for the default
/// index.html (`mo.reports_html`); a site's own index.html that loops over
/// `mo.reports` gets the values, and the page is the same either way.
#[test]
fn the_archive_list_is_the_same_written_in_rust_or_by_a_sites_own_template() {
    let builtin = include_str!("../themes/default/templates/index.html");
    let looped = builtin
        .replace(
            "{% if mo.reports_html %}{{ mo.reports_html | safe }}{% else %}",
            "",
        )
        .replace("{% endfor %}{% endif %}", "{% endfor %}");
    assert!(
        !looped.contains("reports_html"),
        "the test's template loops"
    );
    let index = |own: Option<&str>| {
        let mut files: Vec<(&str, &[u8])> = vec![
            ("content/第16周 2023-04-14.md", GOOD.as_bytes()),
            (
                "content/第16周 2023-04-14/2023-04-16 周日_xq6XwTk1fp7s1jZJ6CS97G.md",
                "# 2023/04/16 周日\n\n- 评审\n".as_bytes(),
            ),
            (
                "content/第17周 2023-04-21.md",
                "# A&B <周报> 2023-04-21\n\n正文\n".as_bytes(),
            ),
            (
                "content/第19周 2023-05-05.md",
                "# 第19周\n\n正文\n".as_bytes(),
            ),
        ];
        if let Some(t) = own {
            files.push(("templates/index.html", t.as_bytes()));
        }
        let dir = archive(&files);
        let o = build(dir.path(), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        read(dir.path().join("public/index.html"))
    };
    let rust = index(None);
    assert!(
        rust.contains("<li><a href=\"reports/2023-w16.html\"><span class=\"wk\">第16周</span>"),
        "{rust}"
    );
    assert!(
        rust.contains("<span class=\"badge\">1 日报</span>"),
        "{rust}"
    );
    assert!(rust.contains("A&amp;B &lt;周报&gt; 2023-04-21"), "{rust}");
    assert!(rust.contains("<time datetime=\"2023-04-21\">2023年4月21日</time>"));
    assert!(
        rust.contains("4月 <span class=\"count\">2</span>"),
        "{rust}"
    );
    // Newest first within a month.
    let (w17, w16) = (
        rust.find("reports/2023-w17.html").unwrap(),
        rust.find("reports/2023-w16.html\"><span").unwrap(),
    );
    assert!(w17 < w16);
    assert_eq!(rust, index(Some(&looped)));
}
