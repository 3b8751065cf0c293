//! The sample archive, built by the real binary into a temp folder.

mod common;
use common::*;

use std::path::{Path, PathBuf};

const REPORTS: [(&str, &str, &str, u32); 5] = [
    (
        "reports/2023-w16.html",
        "第16周 2023-04-14",
        "2023-04-14",
        16,
    ),
    (
        "reports/2023-w17.html",
        "第17周 2023-04-21",
        "2023-04-21",
        17,
    ),
    (
        "reports/2023-w22.html",
        "第22周 2023-05-27",
        "2023-05-27",
        22,
    ),
    (
        "reports/2023-w39.html",
        "第39周 2023-09-22",
        "2023-09-22",
        39,
    ),
    ("reports/2023-w50.html", "第50周", "2023-12-09", 50),
];

#[test]
fn every_page_and_asset_is_written() {
    let (_tmp, out) = build_sample();
    for f in [
        "index.html",
        "404.html",
        "data/reports.json",
        "static/style.css",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    for (url, ..) in REPORTS {
        assert!(out.join(url).is_file(), "{url} missing");
    }
    // Nothing is left beside the output folder.
    let beside: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, vec![std::ffi::OsString::from("public")]);
}

#[test]
fn every_relative_link_and_asset_resolves() {
    let (_tmp, out) = build_sample();
    let n = assert_links_resolve(&out);
    assert!(n > 50, "only {n} links checked");
}

#[test]
fn titles_dates_and_weeks_of_all_five_reports() {
    let (_tmp, out) = build_sample();
    let data: serde_json::Value =
        serde_json::from_str(&read(out.join("data/reports.json"))).unwrap();
    let reports = data["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 5);
    assert_eq!(data["week_convention"], "jan1");
    for (r, (url, title, date, week)) in reports.iter().zip(REPORTS) {
        assert_eq!(r["url"], url);
        assert_eq!(r["title"], title);
        assert_eq!(r["date"], date);
        assert_eq!(r["week"], week);
        let html = read(out.join(url));
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{url}");
        assert!(html.contains(&format!("datetime=\"{date}\"")), "{url}");
        assert!(html.contains(&format!("第{week}周")), "{url}");
    }
    assert_eq!(reports[4]["source"], "第50周 2023-12-09.md");
}

#[test]
fn previous_next_chain() {
    let (_tmp, out) = build_sample();
    let prev = regex::Regex::new(r#"rel="prev" href="([^"]+)""#).unwrap();
    let next = regex::Regex::new(r#"rel="next" href="([^"]+)""#).unwrap();
    for (i, (url, ..)) in REPORTS.iter().enumerate() {
        let html = read(out.join(url));
        let p = prev.captures(&html).map(|c| format!("reports/{}", &c[1]));
        let n = next.captures(&html).map(|c| format!("reports/{}", &c[1]));
        assert_eq!(
            p.as_deref(),
            i.checked_sub(1).map(|j| REPORTS[j].0),
            "prev of {url}"
        );
        assert_eq!(
            n.as_deref(),
            REPORTS.get(i + 1).map(|r| r.0),
            "next of {url}"
        );
    }
}

#[test]
fn home_page_lists_latest_first_and_archive_by_month() {
    let (_tmp, out) = build_sample();
    let html = read(out.join("index.html"));
    let latest = html.find("class=\"latest").unwrap();
    assert!(html[latest..].contains("reports/2023-w50.html"));
    // Archive newest first: December before September before May before April.
    let pos: Vec<usize> = ["12月", "9月", "5月", "4月"]
        .iter()
        .map(|m| html.find(&format!("<h4>{m}")).unwrap())
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    assert!(html.contains("2023年 <span class=\"count\">5</span>"));
}

#[test]
fn notion_metadata_is_not_body_and_cjk_bold_renders() {
    let (_tmp, out) = build_sample();
    let w17 = read(out.join("reports/2023-w17.html"));
    assert!(!w17.contains("Created:"));
    assert!(
        !w17.contains("第17周 2023/04/21"),
        "repeated H1 should be dropped"
    );
    let w50 = read(out.join("reports/2023-w50.html"));
    assert!(w50.contains("沉淀<strong>。</strong>元旦后启动"));
    assert!(!w50.contains("**"));
    // Chinese heading ids and a table of contents.
    assert!(w50.contains("id=\"系统运行数据\""));
    assert!(w50.contains("href=\"#系统运行数据\""));
}

#[test]
fn missing_daily_note_links_are_marked_not_broken() {
    let (_tmp, out) = build_sample();
    let w16 = read(out.join("reports/2023-w16.html"));
    assert!(w16.contains("class=\"missing-link\""));
    assert!(!w16.contains("href=\"2023-04-16"));
}

#[test]
fn content_folder_is_never_written() {
    let before = tree(&repo().join("content"));
    let (_tmp, _out) = build_sample();
    assert_eq!(before, tree(&repo().join("content")));
    assert!(!Path::new(&repo().join("content/public")).exists());
}

/// A generated archive (`chronicle gen` with `gen_args`) in a temp
/// folder, built to disk by the binary through its spill file (its output
/// folder returned) and in memory by the library.
fn generated_both_ways(gen_args: &[&str]) -> (tempfile::TempDir, PathBuf, chronicle::Built) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let content = root.join("content");
    let mut args = vec!["gen"];
    args.extend_from_slice(gen_args);
    args.extend(["--out", content.to_str().unwrap()]);
    let o = chronicle(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    // Through the spill file, as a big archive's build goes, though this
    // one is small.
    let out = root.join("public");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_chronicle"))
        .args(["build", "--root", root.to_str().unwrap()])
        .env("CHRONICLE_SPILL_FROM", "0")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let built = chronicle::build_in_memory(&chronicle::Paths {
        root: root.to_path_buf(),
        ..Default::default()
    })
    .unwrap_or_else(|d| panic!("{d:?}"));
    (tmp, out, built)
}

/// `build` writes pages as it renders them, reading each page's HTML back
/// from its spill file, in an order of its own; `build_in_memory` (what `serve` starts
/// from) renders the same site whole. Both must give the same files.
#[test]
fn a_build_writes_what_the_in_memory_build_renders() {
    // Daily notes, incidents, projects and metrics, in two teams.
    let (_tmp, out, built) =
        generated_both_ways(&["--reports", "40", "--seed", "3", "--teams", "2"]);
    let written = tree(&out);
    let rendered: std::collections::BTreeMap<_, _> =
        built.files.into_iter().map(|f| (f.path, f.bytes)).collect();
    assert!(
        written.keys().any(|p| p.components().count() == 3),
        "daily notes"
    );
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        rendered.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &rendered {
        assert!(written[path] == *bytes, "{} differs", path.display());
    }
    let page = read(out.join(written.keys().find(|p| p.starts_with("reports")).unwrap()));
    assert!(page.contains("<h2 id="), "a page has its body");
}

#[test]
fn metric_data_files_from_kept_parts_are_the_built_files() {
    // `serve` makes data/metrics.json and data/metrics.csv from each
    // series' part, made on every core and kept for the next edit; a build
    // streams them. Both must be the same bytes, before and after an edit.
    use chronicle::render::data::{metrics_files, SeriesParts};
    let (_tmp, out, mut built) = generated_both_ways(&["--reports", "30", "--seed", "5"]);
    let n = built.site.metrics.len();
    assert!(n > 1, "several series to join");
    let same = |f: &chronicle::render::OutFile, want: &[u8]| {
        assert!(
            f.bytes == want,
            "{} differs: {}",
            f.path.display(),
            String::from_utf8_lossy(&f.bytes[..400.min(f.bytes.len())])
        );
    };
    let parts = SeriesParts::default();
    let [json, csv] = metrics_files(&built.site, &parts).unwrap();
    assert_eq!(json.path, std::path::Path::new("data/metrics.json"));
    assert_eq!(csv.path, std::path::Path::new("data/metrics.csv"));
    same(
        &json,
        &std::fs::read(out.join("data/metrics.json")).unwrap(),
    );
    same(&csv, &std::fs::read(out.join("data/metrics.csv")).unwrap());
    assert_eq!(parts.reused(), 0, "nothing kept yet");

    // A figure edited in one series: its part is made again, the others'
    // are reused, and the files are what a build of the edited site makes.
    built.site.metrics[1].points[0].value += 1.5;
    let [json, csv] = metrics_files(&built.site, &parts).unwrap();
    assert_eq!(parts.reused(), n - 1);
    let [fresh_json, fresh_csv] = metrics_files(&built.site, &SeriesParts::default()).unwrap();
    same(&json, &fresh_json.bytes);
    same(&csv, &fresh_csv.bytes);
    same(
        &csv,
        &chronicle::render::data::metrics_csv(&built.site).bytes,
    );
    let streamed = std::sync::Mutex::new(Vec::new());
    chronicle::render::data::metrics_json_to(&built.site, &|f| {
        streamed.lock().unwrap().extend_from_slice(&f.bytes);
        Ok(())
    })
    .unwrap();
    same(&json, &streamed.into_inner().unwrap());
    assert_ne!(
        fresh_json.bytes,
        std::fs::read(out.join("data/metrics.json")).unwrap()
    );
}

/// The search index counts the tokens of batches of docs on every core,
/// and merges them into postings split by token, also on every core
/// (`render::search`). However many cores share the work, the index must
/// be the same bytes.
#[test]
fn the_search_index_does_not_depend_on_how_many_cores_build_it() {
    let (tmp, _out, _built) = generated_both_ways(&["--reports", "60", "--seed", "9"]);
    let search_files = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let built = pool
            .install(|| {
                chronicle::build_in_memory(&chronicle::Paths {
                    root: tmp.path().to_path_buf(),
                    ..Default::default()
                })
            })
            .unwrap_or_else(|d| panic!("{d:?}"));
        built
            .files
            .into_iter()
            .filter(|f| f.path.starts_with("search"))
            .map(|f| (f.path, f.bytes))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let one = search_files(1);
    assert!(one.keys().any(|p| p.to_string_lossy().contains("terms-")));
    for threads in [3, 7] {
        let other = search_files(threads);
        assert_eq!(
            one.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &one {
            assert!(
                other[path] == *bytes,
                "{} differs on {threads} threads",
                path.display()
            );
        }
    }
}
