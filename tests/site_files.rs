//! Search index, feeds, sitemap, 404 and languages, on the sample archive
//! built by the real binary.

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// Builds the sample with `extra` top-level config lines added to its config.
fn build_sample_with(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    // At the top: the sample's config ends in [[metrics]] tables.
    let config = read(repo().join("config.toml")).replace("language = \"zh\"\n", "");
    let config = format!("{extra}\n{config}");
    std::fs::write(tmp.path().join("config.toml"), config).unwrap();
    let out = tmp.path().join("public");
    let o = chronicle(&[
        "build",
        "--root",
        tmp.path().to_str().unwrap(),
        "--content",
        repo().join("content").to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    (tmp, out)
}

/// Runs a query the way search.html does, under Node: loads search.js and
/// the index files the query needs, returns the titles of the results in
/// rank order (and the files that were loaded).
fn search(out: &Path, q: &str) -> (Vec<String>, Vec<String>) {
    let (titles, _, loaded) = search_urls(out, q);
    (titles, loaded)
}

/// Like `search`, with the URL (and section anchor) of each result.
fn search_urls(out: &Path, q: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let v = run_search(out, q);
    let strings = |k: &str| {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    (strings("titles"), strings("urls"), strings("loaded"))
}

/// For each result in rank order, the URLs of the sections search.js shows
/// for it (the first is the result's own link, the rest its "also in").
fn search_sections(out: &Path, q: &str) -> Vec<Vec<String>> {
    serde_json::from_value(run_search(out, q)["sections"].clone()).unwrap()
}

/// Runs a query under Node as search.html does (see `search`).
fn run_search(out: &Path, q: &str) -> serde_json::Value {
    let js = repo().join("themes/default/static/search.js");
    let script = format!(
        r##"const fs = require("fs"), path = require("path");
        const s = require({js:?}); global.chronicleSearch = s;
        const dir = path.join({out:?}, "search"); const loaded = [];
        const load = f => {{ loaded.push(f); (0, eval)(fs.readFileSync(path.join(dir, f), "utf8")); }};
        load("index.js");
        const toks = s.queryTokens({q:?});
        const ix = s.index();
        [...new Set(toks.map(t => s.shardOf(t, ix.shards)))].forEach(i => load("terms-" + i + ".js"));
        const a = s.analyse({q:?}), r = s.rank(a.groups).results;
        [...new Set(r.map(x => s.chunkOf(x.doc)))].forEach(c => load(ix.chunks[c][0]));
        const url = b => b.url + (b.anchor ? "#" + b.anchor : "");
        const found = r.map(x => s.sections(x.doc, a.phrases));
        console.log(JSON.stringify({{titles: found.map(f => f[0].title), urls: found.map(f => url(f[0])),
          sections: found.map(f => f.map(url)), loaded}}));"##,
        out = out.to_str().unwrap()
    );
    let o = std::process::Command::new("node")
        .arg("-e")
        .arg(script)
        .output()
        .expect("node is needed for this test");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn search_finds_chinese_phrases_and_latin_words_in_any_case() {
    let (_tmp, out) = build_sample();
    let (titles, loaded) = search(&out, "热点账户");
    assert!(
        titles.contains(&"第16周 2023-04-14".to_string()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"第17周 2023-04-21".to_string()),
        "{titles:?}"
    );
    assert!(!titles
        .iter()
        .any(|t| t.starts_with("第39周") || t.starts_with("第50周")));
    assert!(loaded.iter().all(|f| f.ends_with(".js")), "{loaded:?}");
    for q in ["hive", "HIVE", "Ｈｉｖｅ"] {
        let (mut titles, _) = search(&out, q);
        titles.sort();
        assert_eq!(
            titles,
            [
                "第16周 2023-04-14",
                "第17周 2023-04-21",
                "第22周 2023-05-27"
            ],
            "{q}"
        );
    }
    let (titles, _) = search(&out, "没有这个词语");
    assert!(titles.is_empty());
}

#[test]
fn only_search_html_loads_the_index_and_every_page_has_a_search_box() {
    let (_tmp, out) = build_sample();
    for (rel, bytes) in tree(&out) {
        if rel.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        assert!(!html.contains("search/index.js") && !html.contains("terms-"));
        if rel != Path::new("search.html") {
            assert!(
                html.contains("search.html\">") || html.contains("action=\"search.html\""),
                "{}: no search box",
                rel.display()
            );
            assert!(html.contains("role=\"search\""), "{}", rel.display());
        }
    }
    let page = read(out.join("search.html"));
    assert!(page.contains("static/search.js"));
    assert!(page.contains("name=\"q\""));
    let index = read(out.join("search/index.js"));
    assert!(index.starts_with("chronicleSearch.init({"), "{index}");
    assert!(out.join("search/terms-0.js").is_file());
    assert!(out.join("search/docs-2023.js").is_file());
}

#[test]
fn atom_feed_lists_latest_reports_newest_first() {
    let (_tmp, out) = build_sample();
    let feed = read(out.join("feed.xml"));
    assert!(feed.starts_with("<?xml"));
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    let entries: Vec<&str> = feed.split("<entry>").skip(1).collect();
    assert_eq!(entries.len(), 5);
    assert!(entries[0]
        .contains("<link rel=\"alternate\" type=\"text/html\" href=\"reports/2023-w50.html\"/>"));
    assert!(entries[4].contains("href=\"reports/2023-w16.html\""));
    assert!(entries[0].contains("<updated>2023-12-09T00:00:00Z</updated>"));
    // Report HTML is escaped inside <content type="html">, never raw.
    assert!(entries[0].contains("&lt;h2 id=&quot;"));
    assert!(!out.join("sitemap.xml").exists(), "sitemap needs base_url");
    let home = read(out.join("index.html"));
    assert!(home.contains("type=\"application/atom+xml\""));
}

#[test]
fn base_url_makes_feed_links_absolute_and_adds_a_sitemap() {
    let (_tmp, out) = build_sample_with("base_url = \"https://example.org/weekly/\"\n");
    let feed = read(out.join("feed.xml"));
    assert!(feed.contains("href=\"https://example.org/weekly/reports/2023-w50.html\""));
    assert!(feed.contains("<id>https://example.org/weekly/reports/2023-w50.html</id>"));
    let sitemap = read(out.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>https://example.org/weekly/index.html</loc>"));
    assert!(sitemap.contains("<loc>https://example.org/weekly/reports/2023-w16.html</loc>\n    <lastmod>2023-04-14</lastmod>"));
    assert!(!sitemap.contains("404.html") && !sitemap.contains("search.html"));
    // Pages themselves stay relative.
    assert_links_resolve(&out);
    let nf = read(out.join("404.html"));
    assert!(nf.contains("<base href=\"https://example.org/weekly/\">"));
}

#[test]
fn not_found_page_works_at_any_depth() {
    let (_tmp, out) = build_sample();
    let nf = read(out.join("404.html"));
    // Self-contained: no stylesheet or script to miss from a deep address.
    assert!(nf.contains("<style>") && nf.contains("--accent"));
    assert!(!nf.contains("static/style.css") && !nf.contains("static/site.js"));
    assert!(nf.contains("页面不存在"));
    assert!(!nf.contains("<base"), "no base without base_url");
}

#[test]
fn english_sample_has_english_strings_and_dates() {
    let (_tmp, out) = build_sample_with("language = \"en\"\n");
    let home = read(out.join("index.html"));
    assert!(home.contains("<html lang=\"en\">"));
    for s in [
        "Archive",
        "Latest report",
        "Search reports…",
        "5 reports",
        "14 Apr 2023",
        "December",
        "Skip to content",
    ] {
        assert!(home.contains(s), "home lacks {s:?}");
    }
    let report = read(out.join("reports/2023-w16.html"));
    for s in ["Week 16", "14 Apr 2023", "Next", "Contents", "Dark mode"] {
        assert!(report.contains(s), "report lacks {s:?}");
    }
    let feed = read(out.join("feed.xml"));
    assert!(feed.contains("xml:lang=\"en\""));
    let docs = read(out.join("search/docs-2023.js"));
    assert!(docs.contains("\"14 Apr 2023\""));
}

#[test]
fn search_falls_back_to_whole_phrases_not_stray_characters() {
    let (_tmp, out) = build_sample();
    // No section has both; each phrase alone is found.
    let (titles, _) = search(&out, "热点账户 没有这个词语");
    assert!(
        titles.contains(&"第16周 2023-04-14".to_string()),
        "{titles:?}"
    );
    let (titles, _) = search(&out, "hive 热点账户");
    assert!(!titles.is_empty());
}

#[test]
fn missing_link_marker_speaks_the_site_language() {
    let (_tmp, zh) = build_sample();
    let w16 = read(zh.join("reports/2023-w16.html"));
    assert!(
        w16.contains("title=\"链接的文件不存在：2023-04-16 周日"),
        "{w16}"
    );
    let (_tmp2, en) = build_sample_with("language = \"en\"\n");
    let w16 = read(en.join("reports/2023-w16.html"));
    assert!(w16.contains("title=\"The linked file does not exist: 2023-04-16 周日"));
}

#[test]
fn daily_notes_and_undated_reports_are_searchable() {
    let dir = archive(&[
        (
            "content/第16周 2023-04-14.md",
            "# 第16周 2023-04-14\n\n## 进展\n\n- 周报正文\n\n[周日](2023-04-16%20周日_x.md)\n"
                .as_bytes(),
        ),
        (
            "content/第16周 2023-04-14/2023-04-16 周日_x.md",
            "# 2023/04/16 周日\n\n## 评审\n\n- 清结算系统评审完成\n".as_bytes(),
        ),
        (
            "content/notes.md",
            "# Loose notes\n\nKafka migration plan.\n".as_bytes(),
        ),
    ]);
    let out = build_at(dir.path());
    let (_, urls, _) = search_urls(&out, "清结算");
    assert_eq!(urls, ["reports/2023-w16/2023-04-16.html#评审"]);
    let (titles, urls, loaded) = search_urls(&out, "kafka");
    assert_eq!(titles, ["Loose notes"]);
    assert!(urls[0].ends_with(".html"), "{urls:?}");
    assert!(
        loaded.contains(&"docs-undated.js".to_string()),
        "{loaded:?}"
    );
    assert_links_resolve(&out);
}

/// The index finds pages; the sections a result shows are the ones with
/// the most of the query's phrases, best first.
#[test]
fn a_result_shows_the_sections_with_the_most_of_the_query() {
    let dir = archive(&[
        (
            "content/第16周 2023-04-14.md",
            "# 第16周 2023-04-14\n\n## 进展\n\n- 清结算系统评审完成\n\n## 风险\n\n- Kafka 集群迁移延期\n\n## 计划\n\n- Kafka 扩容，kafka 监控\n"
                .as_bytes(),
        ),
        (
            "content/第17周 2023-04-21.md",
            "# 第17周 2023-04-21\n\n## 进展\n\n- 清结算周报正文\n\n## 风险\n\n- 清结算切换到 Kafka\n"
                .as_bytes(),
        ),
        (
            "content/第18周 2023-04-28.md",
            "# 第18周 2023-04-28\n\n## 进展\n\n- 清结算对账\n".as_bytes(),
        ),
    ]);
    let out = build_at(dir.path());
    // Both words in one page, though in different sections of 第16周: a
    // whole match, not the fallback to single phrases.
    let mut got = search_sections(&out, "清结算 kafka");
    got.sort();
    assert_eq!(
        got,
        [
            vec!["reports/2023-w16.html#计划", "reports/2023-w16.html#进展", "reports/2023-w16.html#风险"],
            vec!["reports/2023-w17.html#风险"],
        ],
        "第16周: no section has both, so each with one, where kafka comes twice first, then in page \
         order; 第17周: the section with both, not the one with one"
    );
    // One word: every section that has it, the most occurrences first.
    let got = search_sections(&out, "kafka");
    let w16 = got
        .iter()
        .find(|s| s[0].starts_with("reports/2023-w16"))
        .unwrap();
    assert_eq!(
        w16,
        &["reports/2023-w16.html#计划", "reports/2023-w16.html#风险"]
    );
    // A CJK phrase: the section where the phrase itself is.
    assert_eq!(
        search_urls(&out, "清结算").1.len(),
        3,
        "every report with 清结算"
    );
    let got = search_sections(&out, "清结算");
    assert!(
        got.contains(&vec!["reports/2023-w18.html#进展".to_string()]),
        "{got:?}"
    );
    assert_links_resolve(&out);
}

#[test]
fn an_older_custom_theme_gets_the_new_strings_and_scripts() {
    let dir = archive(&[
        ("config.toml", b"theme = \"mine\"\nlanguage = \"zh\"\n"),
        (
            "themes/mine/i18n.toml",
            "[zh]\narchive = \"全部周报\"\n".as_bytes(),
        ),
        ("themes/mine/static/style.css", b"body { color: black; }"),
        ("content/2023-04-14.md", b"# Week\n\nHive.\n"),
    ]);
    let out = build_at(dir.path());
    let home = read(out.join("index.html"));
    assert!(home.contains(">全部周报</a>"), "the theme's own string");
    assert!(
        home.contains("placeholder=\"搜索周报…\""),
        "a built-in string it lacks"
    );
    assert_eq!(read(out.join("static/style.css")), "body { color: black; }");
    assert!(out.join("static/search.js").is_file() && out.join("static/site.js").is_file());
}

#[test]
fn a_theme_date_format_chrono_cannot_follow_is_a_clear_error() {
    for key in ["date_format", "incident_day_format"] {
        let i18n = format!("[zh]\n{key} = \"%Y年%Q\"\n");
        let dir = archive(&[
            ("config.toml", b"theme = \"mine\"\nlanguage = \"zh\"\n"),
            ("themes/mine/i18n.toml", i18n.as_bytes()),
            (
                "content/2023-04-14.md",
                "# Week\n\n## 事故\n\n- 04/12 支付超时\n".as_bytes(),
            ),
        ]);
        let root = dir.path().to_str().unwrap();
        let o = chronicle(&["build", "--root", root]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{key}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("i18n.toml")
                && err.contains(&format!("`{key}`"))
                && err.contains("%Y年%Q"),
            "{err}"
        );
        assert!(!dir.path().join("public").exists(), "nothing written");
    }
}

#[test]
fn an_english_archive_has_no_chinese_anywhere() {
    // Every theme string, label, date and month must come from the English
    // table: with English content, one CJK character in the output is a leak.
    let dir = archive(&[
        ("config.toml", b"title = \"Team weekly\"\nlanguage = \"en\"\n"),
        (
            "content/2024-01-05.md",
            b"# Week 1\n\n## Progress\n\n- Payments gateway: 50%\n- [x] Review done\n\n## Incidents\n\n- Timeout on checkout\n\n[Monday](2024-01-05/2024-01-01.md) [gone](nowhere.md)\n",
        ),
        ("content/2024-01-05/2024-01-01.md", b"# Monday\n\nNotes.\n"),
        ("content/2024-01-12.md", b"# Week 2\n\n## Progress\n\n- Payments gateway: 80%\n"),
        ("content/notes.md", b"# Undated notes\n\nText.\n"),
    ]);
    let out = build_at(dir.path());
    let cjk = regex::Regex::new(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]").unwrap();
    let mut checked = 0;
    for (rel, bytes) in tree(&out) {
        let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !["html", "xml", "js", "json", "csv"].contains(&ext) {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        if let Some(m) = cjk.find(&text) {
            let from = text[..m.start()]
                .char_indices()
                .rev()
                .nth(60)
                .map_or(0, |(i, _)| i);
            panic!(
                "{}: CJK text near …{}…",
                rel.display(),
                &text[from..(m.end() + 40).min(text.len())]
            );
        }
        checked += 1;
    }
    assert!(checked > 8, "{checked}");
}
