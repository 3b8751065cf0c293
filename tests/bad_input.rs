//! The bad-input corpus (tests/fixtures/bad) and generated hostile inputs:
//! each is reported with its file (and line), nothing panics, the rest of
//! the archive builds, and the build finishes in bounded time.

mod common;
use common::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = "# 第16周 2023-04-14\n\n## 【系统运行数据】\n\n- 入金有效成功率：99.99%\n";

/// Runs chronicle, killing it if it runs longer than `limit`: a hang is a
/// failure, not a stuck test run.
fn run_bounded(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            child.kill().ok();
            panic!("chronicle {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn build(root: &Path) -> Output {
    let out = root.join("public");
    run_bounded(
        &[
            "build",
            "--root",
            root.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
        Duration::from_secs(120),
    )
}

fn corpus_archive() -> tempfile::TempDir {
    let dir = archive(&[("content/good.md", GOOD.as_bytes())]);
    let fixtures = repo().join("tests/fixtures/bad");
    for e in std::fs::read_dir(&fixtures).unwrap() {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "md") {
            std::fs::copy(e.path(), dir.path().join("content").join(e.file_name())).unwrap();
        }
    }
    dir
}

#[test]
fn corpus_is_reported_and_the_rest_builds() {
    let dir = corpus_archive();
    let o = build(dir.path());
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        o.status.code(),
        Some(2),
        "content errors give status 2:\n{err}"
    );
    for expected in [
        "gb18030.md: warning: not UTF-8; decoded as GB18030/GBK",
        "utf16-bom.md: warning: decoded from UTF-16LE (BOM)",
        "utf8-bom-crlf.md: warning: UTF-8 byte-order mark removed",
        "utf8-bom-crlf.md: warning: CRLF line endings normalised to LF",
        "binary.md: error: binary file with a Markdown extension; skipped",
        "empty.md: warning: empty file; skipped",
        "unterminated-front-matter.md:1: error: front matter is not terminated",
        "invalid-toml.md:4: error: invalid TOML front matter: unclosed array",
        "invalid-yaml.md:4: error: invalid YAML front matter",
        "impossible-date.md:2: error: `2023-13-45` is not a valid date",
        "two-a.md:1: warning: second report for week 27 of 2023 (also two-b.md)",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    let out = dir.path().join("public");
    // Decoded files build with their text intact.
    for (url, text) in [
        ("reports/2023-w16.html", "99.99%"),
        ("reports/2023-w20.html", "入金有效成功率：99.920%"),
        ("reports/2023-w21.html", "入金有效成功率：99.921%"),
        ("reports/2023-w23.html", "入金有效成功率：99.923%"),
    ] {
        assert!(read(out.join(url)).contains(text), "{url}");
    }
    // Odd file names get ASCII URLs that resolve.
    let data: serde_json::Value =
        serde_json::from_str(&read(out.join("data/reports.json"))).unwrap();
    for r in data["reports"].as_array().unwrap() {
        let url = r["url"].as_str().unwrap();
        assert!(
            url.is_ascii() && !url.contains(['#', '?', '%', ' ']),
            "{url}"
        );
        assert!(out.join(url).is_file(), "{url}");
    }
    assert_links_resolve(&out);
}

#[test]
fn content_is_untouched_by_a_build_with_bad_input() {
    let dir = corpus_archive();
    let before = tree(&dir.path().join("content"));
    build(dir.path());
    assert_eq!(before, tree(&dir.path().join("content")));
}

#[test]
fn a_20_mb_report_builds() {
    let section = "## 【O1 服务业务】\n\n- 支付网关改造，目标5/6上线，研发进度60%\n    1. 子任务，进度50%\n\n## 【系统运行数据】\n\n- 入金有效成功率：99.99%\n\n";
    let mut big = String::from("# 第16周 2023-04-14\n\n");
    while big.len() < 20 * 1024 * 1024 {
        big.push_str(section);
    }
    let dir = archive(&[
        ("content/big.md", big.as_bytes()),
        ("content/small.md", b"# 2023-04-21\n\nsmall\n"),
    ]);
    let o = build(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("public/reports/2023-w16.html").is_file());
    assert!(dir.path().join("public/reports/2023-w17.html").is_file());
}

#[test]
fn ten_thousand_deep_nesting_builds() {
    let lists = "- ".repeat(10_000) + "deep list\n";
    let quotes = "> ".repeat(10_000) + "deep quote\n";
    let mixed = "- > ".repeat(5_000) + "mixed\n";
    let dir = archive(&[
        (
            "content/lists.md",
            format!("# 2023-04-14\n\n{lists}").as_bytes(),
        ),
        (
            "content/quotes.md",
            format!("# 2023-04-21\n\n{quotes}").as_bytes(),
        ),
        (
            "content/mixed.md",
            format!("# 2023-04-28\n\n{mixed}").as_bytes(),
        ),
    ]);
    let o = build(dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("public");
    let data: serde_json::Value =
        serde_json::from_str(&read(out.join("data/reports.json"))).unwrap();
    let page = |source: &str| {
        let r = data["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"] == source)
            .unwrap();
        read(out.join(r["url"].as_str().unwrap()))
    };
    assert!(page("lists.md").contains("deep list"));
    assert!(page("quotes.md").contains("deep quote"));
    assert!(page("mixed.md").contains("mixed"));
}

#[test]
fn symlink_loop_and_unreadable_files() {
    let dir = archive(&[("content/good.md", GOOD.as_bytes())]);
    let content = dir.path().join("content");
    std::os::unix::fs::symlink(&content, content.join("loop")).unwrap();
    std::os::unix::fs::symlink(content.join("gone.md"), content.join("dangling.md")).unwrap();
    let o = build(dir.path());
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("loop: warning: symlink loop; not followed"),
        "{err}"
    );
    assert!(err.contains("dangling.md"), "{err}");
    assert!(dir.path().join("public/reports/2023-w16.html").is_file());
}

#[test]
fn config_unknown_key_warns_and_wrong_type_fails_with_line() {
    let dir = archive(&[
        ("content/good.md", GOOD.as_bytes()),
        ("config.toml", b"title = \"x\"\ncolour = \"blue\"\n"),
    ]);
    let o = build(dir.path());
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("config.toml:2: warning: unknown config key `colour` (ignored)"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        dir.path().join("config.toml"),
        "title = \"x\"\n\n[projects]\nstalled_after_weeks = \"four\"\n",
    )
    .unwrap();
    let o = build(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("config.toml:4: error:"),
        "{}",
        stderr(&o)
    );
    assert!(
        dir.path().join("public/reports/2023-w16.html").is_file(),
        "the previous site stays"
    );
}
