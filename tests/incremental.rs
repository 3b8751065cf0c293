//! `serve`'s incremental rebuilds give exactly the site a full build gives:
//! after every kind of edit, the engine's files and findings are compared
//! byte for byte with `build_in_memory` on the same folder.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chronicle::serve::rebuild::Engine;
use chronicle::Paths;

/// The sample archive plus daily notes (with links between them), so
/// report/daily neighbours are exercised too.
fn sample_site() -> tempfile::TempDir {
    let tmp = sample_copy();
    let content = tmp.path().join("content");
    let notes = content.join("第16周 2023-04-14");
    fs::create_dir_all(&notes).unwrap();
    fs::write(
        notes.join("2023-04-16 周日_xq6XwTk1fp7s1jZJ6CS97G.md"),
        "# 2023-04-16 周日\n\n- 复盘 [周一](2023-04-17%20周一_a.md)\n",
    )
    .unwrap();
    fs::write(
        notes.join("2023-04-17 周一_a.md"),
        "# 2023-04-17 周一\n\n- 评审\n",
    )
    .unwrap();
    tmp
}

fn paths(root: &Path) -> Paths {
    Paths {
        root: root.to_path_buf(),
        ..Paths::default()
    }
}

fn full(root: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let built = chronicle::build_in_memory(&paths(root)).expect("full build");
    let files = built
        .files
        .into_iter()
        .map(|f| (f.path.to_string_lossy().replace('\\', "/"), f.bytes))
        .collect();
    (
        files,
        built.site.diags.iter().map(|d| d.to_string()).collect(),
    )
}

static CHECKS: AtomicUsize = AtomicUsize::new(0);

/// Updates the engine (telling it about `touched`, as the watcher would)
/// and checks it against a full build. Returns the outputs it changed.
///
/// Two checks in three take serve's path: `update_pages` (or
/// `update_pages_named`, which `serve` calls when the watcher named every
/// change), where everything but the search index must already match, then
/// `finish_search`.
fn check(engine: &mut Engine, root: &Path, touched: &[&str], what: &str) -> Vec<String> {
    let hints: Vec<PathBuf> = touched
        .iter()
        .map(|t| root.join("content").join(t))
        .collect();
    let (files, diags) = full(root);
    let turn = CHECKS.fetch_add(1, Ordering::Relaxed) % 3;
    let deferred = turn != 0;
    let mut out = match turn {
        0 => engine.update(&hints),
        1 => engine.update_pages(&hints),
        _ => engine.update_pages_named(&hints),
    }
    .unwrap_or_else(|d| panic!("{what}: {d:?}"));
    if deferred {
        for (k, v) in files.iter().filter(|(k, _)| !k.starts_with("search/")) {
            assert!(
                out.files.get(k).is_some_and(|b| b[..] == v[..]),
                "{what}: {k} differs from a full build before the search index is redone"
            );
        }
        // Given up when asked (another save arrived), the index stays stale.
        if engine.search_stale() {
            assert!(engine.finish_search_unless(&|| true).is_none(), "{what}");
            assert!(engine.search_stale(), "{what}");
        }
        if let Some(done) = engine.finish_search() {
            out.changed.extend(done.changed);
            out.files = done.files;
        }
        assert!(!engine.search_stale(), "{what}");
    }
    let got: BTreeMap<String, Vec<u8>> = out
        .files
        .iter()
        .map(|(k, v)| (k.clone(), v.to_vec()))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>(),
        "{what}: output files differ"
    );
    for (k, v) in &files {
        assert!(
            got[k] == *v,
            "{what}: {k} differs from a full build:\n--- incremental\n{}\n--- full\n{}",
            String::from_utf8_lossy(&got[k]),
            String::from_utf8_lossy(v)
        );
    }
    let got_diags: Vec<String> = out.diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(got_diags, diags, "{what}: findings differ");
    out.changed
}

fn edit(root: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = root.join("content").join(rel);
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, f(text)).unwrap();
}

const W16: &str = "第16周 2023-04-14.md";
const W17: &str = "第17周 2023-04-21.md";
const W22: &str = "第22周 2023-05-27.md";
const W39: &str = "第39周 2023-09-22.md";
const W50: &str = "第50周 2023-12-09.md";

#[test]
fn incremental_rebuilds_match_a_full_build() {
    let site = sample_site();
    let root = site.path();
    let mut engine = Engine::new(paths(root));
    check(&mut engine, root, &[], "first build");

    // Nothing changed: nothing is re-read and no output changes.
    let out = engine.update(&[]).unwrap();
    assert_eq!(out.stats.read, 0);
    assert_eq!(out.stats.prepared, 0);
    assert!(out.changed.is_empty(), "{:?}", out.changed);

    // A body edit re-prepares one report and changes its page (and the
    // site-wide outputs that show it), not its neighbours' pages.
    edit(root, W17, |t| t.replace("99.90%", "99.95%"));
    let changed = check(&mut engine, root, &[W17], "body edit");
    assert!(
        changed.contains(&"reports/2023-w17.html".to_string()),
        "{changed:?}"
    );
    assert!(
        !changed.contains(&"reports/2023-w16.html".to_string()),
        "{changed:?}"
    );
    let out = engine.update(&[]).unwrap();
    assert_eq!(out.stats.read, 0, "stamps remembered");

    // A link added to another report resolves through the link index kept
    // from the last update (no file came or went), as a full build has it.
    edit(root, W17, |t| {
        format!("{t}\n- 见 [上周](第16周%202023-04-14.md)\n")
    });
    check(&mut engine, root, &[W17], "link added");
    let page = engine.update(&[]).unwrap().files["reports/2023-w17.html"].clone();
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("<a href=\"2023-w16.html\">上周</a>"),
        "{page}"
    );

    // A title edit shows in the neighbours' previous/next links.
    edit(root, W17, |t| {
        t.replacen("# 第17周 2023-04-21", "# 第17周 2023-04-21 复盘周", 1)
    });
    let changed = check(&mut engine, root, &[W17], "title edit");
    for page in [
        "reports/2023-w16.html",
        "reports/2023-w22.html",
        "index.html",
    ] {
        assert!(changed.contains(&page.to_string()), "{page} in {changed:?}");
    }

    // A title shows in lists and on the aggregate pages that cite the
    // report, not on every page.
    let everything = engine
        .update_pages(&[])
        .map(|o| o.files.keys().filter(|k| !k.starts_with("search/")).count())
        .unwrap();
    edit(root, W17, |t| t.replacen("复盘周", "复盘周二", 1));
    let out = engine
        .update_pages(&[root.join("content").join(W17)])
        .unwrap();
    assert!(
        out.stats.rendered < everything,
        "{} of {everything} rendered",
        out.stats.rendered
    );
    check(&mut engine, root, &[W17], "title edited again");

    // The report with daily notes: its notes show its title.
    edit(root, W16, |t| {
        t.replacen("# 第16周 2023-04-14", "# 第16周 2023-04-14 井冈山", 1)
    });
    check(&mut engine, root, &[W16], "title of a report with notes");

    // A daily note edit: its report lists it, its sibling links to it.
    edit(root, "第16周 2023-04-14/2023-04-17 周一_a.md", |t| {
        t.replace("# 2023-04-17 周一", "# 2023-04-17 周一 评审日")
    });
    check(
        &mut engine,
        root,
        &["第16周 2023-04-14/2023-04-17 周一_a.md"],
        "daily note edit",
    );

    // Cross-report facts: with 第39周's figure gone, 第50周's change is
    // measured against 第22周, which is not its neighbour.
    edit(root, W39, |t| t.replace("- 入金有效成功率：99.997%\n", ""));
    check(&mut engine, root, &[W39], "metric removed from one report");
    edit(root, W22, |t| {
        t.replace("入金有效成功率：99.99%", "入金有效成功率：99.50%")
    });
    check(&mut engine, root, &[W22], "metric changed two reports away");
    // Only facts moved: the pages and aggregate outputs they reach are
    // rendered, not the whole site.
    let everything = engine.update_pages(&[]).map(|o| o.files.len()).unwrap();
    edit(root, W22, |t| {
        t.replace("入金有效成功率：99.50%", "入金有效成功率：99.60%")
    });
    let out = engine
        .update_pages(&[root.join("content").join(W22)])
        .unwrap();
    assert!(
        out.stats.rendered * 2 < everything,
        "{} of {everything} rendered",
        out.stats.rendered
    );
    assert!(
        out.changed.contains(&"metrics.html".to_string()),
        "{:?}",
        out.changed
    );
    // Of the three views only the series are built again; the projects
    // and incidents are kept (the check below compares all with a full build).
    assert_eq!(out.stats.views_built, 1);
    assert!(
        !out.changed.iter().any(|c| c.starts_with("projects")),
        "{:?}",
        out.changed
    );
    check(&mut engine, root, &[W22], "metric changed again");
    // An incident and a project update edited.
    edit(root, W50, |t| {
        t.replace(
            "12/05 18:45 监控发现支付中台上云后首次发布",
            "12/05 18:45 监控发现支付中台上云后第二次发布",
        )
    });
    check(&mut engine, root, &[W50], "incident edited");
    edit(root, W39, |t| t.replace("研发进度50%", "研发进度60%"));
    check(&mut engine, root, &[W39], "project update edited");
    edit(root, W39, |t| t.replace("研发进度60%", "研发进度70%"));
    let out = engine
        .update_pages(&[root.join("content").join(W39)])
        .unwrap();
    assert_eq!(out.stats.views_built, 1, "only the projects");
    check(&mut engine, root, &[W39], "project update edited again");
    // Prose that feeds no view: only the page around it changes.
    edit(root, W50, |t| {
        t.replace("如果安全稳定都无法满足", "如果连安全稳定都无法满足")
    });
    let changed = check(&mut engine, root, &[W50], "reflection edited");
    assert!(
        changed.contains(&"reports/2023-w50.html".to_string()),
        "{changed:?}"
    );

    // A date moved within its week: same URL, same order.
    edit(root, W22, |t| {
        t.replace("2023-05-27", "2023-05-26")
            .replace("2023/05/27", "2023/05/26")
    });
    check(&mut engine, root, &[W22], "date within the week");

    // Bad front matter: an error finding, the rest still builds.
    edit(root, W50, |t| format!("+++\ntitle = \"x\"\n{t}"));
    let out = engine.update(&[root.join("content").join(W50)]).unwrap();
    assert!(
        out.diags
            .iter()
            .any(|d| d.to_string().contains("front matter is not terminated")),
        "{:?}",
        out.diags
    );
    edit(root, W50, |t| t.replacen("+++\ntitle = \"x\"\n", "", 1));
    check(&mut engine, root, &[W50], "front matter fixed");

    // A new report (the link index changes: everything is re-prepared).
    fs::write(
        root.join("content/第51周 2023-12-15.md"),
        "# 第51周 2023-12-15\n\n- 见 [上周](第50周%202023-12-09.md)\n",
    )
    .unwrap();
    let changed = check(&mut engine, root, &["第51周 2023-12-15.md"], "new report");
    assert!(changed.contains(&"reports/2023-w51.html".to_string()));
    assert!(
        changed.contains(&"reports/2023-w50.html".to_string()),
        "new neighbour"
    );

    // Renamed (as an editor's save-as and delete would), then deleted.
    fs::rename(
        root.join("content/第51周 2023-12-15.md"),
        root.join("content/第51周 2023-12-16.md"),
    )
    .unwrap();
    check(
        &mut engine,
        root,
        &["第51周 2023-12-15.md", "第51周 2023-12-16.md"],
        "rename",
    );
    fs::remove_file(root.join("content/第51周 2023-12-16.md")).unwrap();
    let changed = check(&mut engine, root, &["第51周 2023-12-16.md"], "delete");
    assert!(
        changed.contains(&"reports/2023-w51.html".to_string()),
        "removed output"
    );

    // A folder of reports appears, with no event for its file (the watcher
    // only saw the folder): the walk finds it.
    fs::create_dir_all(root.join("content/2024")).unwrap();
    fs::write(
        root.join("content/2024/第2周 2024-01-12.md"),
        "# 第2周 2024-01-12\n\n正文\n",
    )
    .unwrap();
    check(&mut engine, root, &[], "new folder, no file event");
    // A change noticed by size and time alone.
    edit(root, "2024/第2周 2024-01-12.md", |t| t + "\n更多内容\n");
    let out = engine.update(&[]).unwrap();
    assert_eq!(out.stats.read, 1);
    check(&mut engine, root, &[], "unhinted edit");
    fs::remove_dir_all(root.join("content/2024")).unwrap();
    check(&mut engine, root, &[], "folder removed");

    // Config and templates: the engine is told to start over.
    edit(root, "../config.toml", |t| {
        t.replace("支付中心周报", "支付中心周报（新）")
    });
    engine.invalidate();
    check(&mut engine, root, &[], "config change");
    fs::create_dir_all(root.join("templates")).unwrap();
    let base = fs::read_to_string(repo().join("themes/default/templates/base.html")).unwrap();
    fs::write(
        root.join("templates/base.html"),
        base.replace("</footer>", "<p>override</p></footer>"),
    )
    .unwrap();
    engine.invalidate();
    let changed = check(&mut engine, root, &[], "template override");
    assert!(changed.contains(&"index.html".to_string()));
}

#[test]
fn fatal_errors_are_errors_and_the_engine_recovers() {
    let site = sample_site();
    let root = site.path();
    let mut engine = Engine::new(paths(root));
    check(&mut engine, root, &[], "first build");
    fs::create_dir_all(root.join("templates")).unwrap();
    fs::write(root.join("templates/report.html"), "{% if %}").unwrap();
    engine.invalidate();
    let err = engine.update(&[]).err().expect("template error is fatal");
    assert!(
        err.iter()
            .any(|d| d.path.ends_with("templates/report.html")),
        "{err:?}"
    );
    fs::remove_file(root.join("templates/report.html")).unwrap();
    engine.invalidate();
    check(&mut engine, root, &[], "template fixed");

    // The content folder disappears and comes back.
    let content = root.join("content");
    let aside = root.join("content-aside");
    fs::rename(&content, &aside).unwrap();
    assert!(engine.update(&[]).is_err(), "missing content folder");
    fs::rename(&aside, &content).unwrap();
    check(&mut engine, root, &[], "content folder back");
}

/// `update_pages_named` trusts the watcher: a file it did not name is not
/// looked at (that is the folder walk it saves), while a named file that is
/// new or gone sends it back to walking the folder.
#[test]
fn named_updates_look_only_at_named_files_unless_files_came_or_went() {
    let tmp = sample_site();
    let root = tmp.path();
    let mut engine = Engine::new(paths(root));
    engine.update(&[]).expect("first build");
    let hint = |rel: &str| vec![root.join("content").join(rel)];
    let page = |out: &chronicle::serve::rebuild::Output, url: &str| {
        String::from_utf8_lossy(&out.files[url]).into_owned()
    };

    edit(root, W16, |t| t.replacen("\n\n", "\n\n- 命名的修改\n", 1));
    edit(root, W17, |t| t.replacen("\n\n", "\n\n- 未命名的修改\n", 1));
    let out = engine.update_pages_named(&hint(W16)).unwrap();
    assert_eq!(out.stats.read, 1, "only the named file is read");
    assert!(page(&out, "reports/2023-w16.html").contains("命名的修改"));
    assert!(
        !page(&out, "reports/2023-w17.html").contains("未命名的修改"),
        "a file the watcher did not name is left as it was"
    );
    // The walk finds it.
    let out = engine.update_pages(&[]).unwrap();
    assert!(page(&out, "reports/2023-w17.html").contains("未命名的修改"));

    // A new file, named: not one the engine has, so the folder is walked
    // and the report appears.
    let new = "第18周 2023-04-28.md";
    fs::write(
        root.join("content").join(new),
        "# 第18周 2023-04-28\n\n- 新的一周\n",
    )
    .unwrap();
    let out = engine.update_pages_named(&hint(new)).unwrap();
    assert!(page(&out, "reports/2023-w18.html").contains("新的一周"));

    // A named file that is gone: walked again, its page goes.
    fs::remove_file(root.join("content").join(new)).unwrap();
    let out = engine.update_pages_named(&hint(new)).unwrap();
    assert!(!out.files.contains_key("reports/2023-w18.html"));
    let (files, _) = full(root);
    assert_eq!(
        out.files
            .keys()
            .filter(|k| !k.starts_with("search/"))
            .collect::<Vec<_>>(),
        files
            .keys()
            .filter(|k| !k.starts_with("search/"))
            .collect::<Vec<_>>()
    );
}

/// A named edit that keeps every file's metadata reuses the last assembly
/// of the archive (no document is assembled anew), findings about weeks
/// included; one that changes a title assembles it again. Both give what a
/// full build gives.
#[test]
fn a_named_edit_that_keeps_the_metadata_keeps_the_assembled_archive() {
    let tmp = sample_site();
    let root = tmp.path();
    // A finding only assembling the archive makes: the stated week is not
    // the date's.
    let odd = "第3周 2023-06-02.md";
    fs::write(
        root.join("content").join(odd),
        "# 第3周 2023-06-02\n\n- 周数不对\n",
    )
    .unwrap();
    let mut engine = Engine::new(paths(root));
    engine.update(&[]).expect("first build");
    let hint = |rel: &str| vec![root.join("content").join(rel)];
    let matches_full = |out: &chronicle::serve::rebuild::Output, what: &str| {
        let (files, diags) = full(root);
        for (k, v) in files.iter().filter(|(k, _)| !k.starts_with("search/")) {
            assert!(
                out.files.get(k).is_some_and(|b| b[..] == v[..]),
                "{what}: {k} differs from a full build"
            );
        }
        let got: Vec<String> = out.diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(got, diags, "{what}: findings differ");
        assert!(
            got.iter().any(|d| d.contains("states week 3")),
            "{what}: {got:?}"
        );
    };

    edit(root, W16, |t| format!("{t}\n- 只改了正文\n"));
    let out = engine.update_pages_named(&hint(W16)).unwrap();
    assert_eq!(out.stats.assembled, 0, "text only: the archive is kept");
    assert_eq!(out.stats.prepared, 1);
    assert!(String::from_utf8_lossy(&out.files["reports/2023-w16.html"]).contains("只改了正文"));
    matches_full(&out, "text edit");

    // The report's title is its metadata: assembled again.
    edit(root, W16, |t| {
        t.replacen("# 第16周 2023-04-14", "# 第16周 2023-04-14 修订", 1)
    });
    let out = engine.update_pages_named(&hint(W16)).unwrap();
    assert!(
        out.stats.assembled > 0,
        "a title edit assembles the archive"
    );
    matches_full(&out, "title edit");

    // Text again, after the title edit: kept once more.
    edit(root, odd, |t| t.replace("周数不对", "周数仍然不对"));
    let out = engine.update_pages_named(&hint(odd)).unwrap();
    assert_eq!(out.stats.assembled, 0);
    matches_full(&out, "text edit of the odd report");
}
