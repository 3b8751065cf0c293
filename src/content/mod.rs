//! The content stage: find the archive's Markdown files, read and decode
//! them in parallel, read their metadata, decide which files are weekly
//! reports and which are a report's daily notes, and give each a stable URL.

pub mod dates;
pub mod decode;
pub mod meta;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};

use crate::config::Config;
use crate::diag::Diagnostic;
pub use dates::Weeks;
pub use meta::Meta;

#[derive(Debug, Clone)]
pub struct Doc {
    /// Path relative to the content folder, as the author sees it.
    pub source: PathBuf,
    /// Shared, so that `serve`, which re-assembles every document on each
    /// save, copies and compares a pointer rather than the whole archive.
    pub text: std::sync::Arc<str>,
    /// Where the Markdown body starts in `text` (after the metadata lines).
    pub body_offset: usize,
    pub meta: Meta,
    /// (week-year, week) by the archive's convention, when dated.
    pub week: Option<(i32, u32)>,
    /// Output path relative to the output folder, e.g. `reports/2023-w16.html`.
    pub url: String,
    /// For a daily note, the index of its report in `Archive::reports`.
    pub parent: Option<usize>,
}

/// Field by field, the cheap ones first and the source as bytes: `serve`
/// compares every document with its previous self on each save, and
/// `Path`'s own equality walks components (derived, this was most of an
/// edit's time spent finding the one document that changed).
impl PartialEq for Doc {
    fn eq(&self, other: &Self) -> bool {
        // Every field, named: a field added to `Doc` must be added here.
        let Doc {
            source,
            text,
            body_offset,
            meta,
            week,
            url,
            parent,
        } = self;
        *body_offset == other.body_offset
            && *week == other.week
            && *parent == other.parent
            && *url == other.url
            && source.as_os_str() == other.source.as_os_str()
            && (std::sync::Arc::ptr_eq(text, &other.text) || *text == other.text)
            && *meta == other.meta
    }
}

impl Doc {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }
    /// The 1-based line of the body's first line in the source file, so
    /// diagnostics from later stages can point at the file's real lines.
    pub fn body_line(&self) -> usize {
        crate::diag::line_of(&self.text, self.body_offset)
    }
    pub fn title(&self) -> &str {
        self.meta.title.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Default)]
pub struct Archive {
    /// Weekly reports, dated ones oldest first, then undated ones by path.
    pub reports: Vec<Doc>,
    /// Daily notes, ordered by their report, then date, then path.
    pub dailies: Vec<Doc>,
    pub weeks: Option<Weeks>,
    pub diags: Vec<Diagnostic>,
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// Hidden files and editors' temporary files are never content.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('~') || name.ends_with('~') || name.starts_with("#")
}

/// Walks `content_dir` (following symlinks, reporting loops) and returns the
/// Markdown files relative to it, sorted so the build is deterministic.
pub fn find_files(
    content_dir: &Path,
    exclude: &[PathBuf],
    diags: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(content_dir, exclude, diags, |rel| files.push(rel));
    debug_assert!(files.is_sorted());
    files
}

/// `find_files`, handing each file to `found` as the walk comes to it.
fn walk(
    content_dir: &Path,
    exclude: &[PathBuf],
    diags: &mut Vec<Diagnostic>,
    mut found: impl FnMut(PathBuf),
) {
    // Sorted by name in each folder, so the walk comes out in path order
    // (`Path`'s, component by component) with no sort of whole paths after
    // it: comparing paths component-wise cost more than the walk on a large
    // archive, and `serve` walks on every save. The excluded folders are
    // folders: files need no check.
    //
    // Entries of one folder share their path up to the name, so comparing
    // whole paths as bytes orders them as their names do; `file_name`
    // (walkdir's `sort_by_file_name`) finds the name anew at every
    // comparison, which on a folder of 17,000 files was 130 M instructions,
    // all on one core before the first file could be read.
    let walker = walkdir::WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(is_ignored_name(&e.file_name().to_string_lossy())
                    || (e.file_type().is_dir() && exclude.iter().any(|x| e.path().starts_with(x))))
        });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && is_markdown(e.path()) => {
                if let Ok(rel) = e.path().strip_prefix(content_dir) {
                    found(rel.to_path_buf());
                }
            }
            Ok(_) => {}
            Err(err) => {
                let path = err.path().unwrap_or(content_dir).to_path_buf();
                let msg = if err.loop_ancestor().is_some() {
                    "symlink loop; not followed".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        err.io_error().map_or(err.to_string(), |e| e.to_string())
                    )
                };
                diags.push(Diagnostic::warning(path, None, msg));
            }
        }
    }
}

/// Reads one file; `None` when it cannot become a page (the reason is in diags).
pub fn load_file(
    content_dir: &Path,
    rel: &Path,
    include_drafts: bool,
) -> (Option<Doc>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let bytes = match std::fs::read(content_dir.join(rel)) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::error(rel, None, format!("cannot read: {e}")));
            return (None, diags);
        }
    };
    let text = match decode::decode(bytes) {
        decode::Decoded::Binary => {
            diags.push(Diagnostic::error(
                rel,
                None,
                "binary file with a Markdown extension; skipped",
            ));
            return (None, diags);
        }
        decode::Decoded::Text { text, notes } => {
            diags.extend(notes.into_iter().map(|n| Diagnostic::warning(rel, None, n)));
            text
        }
    };
    if text.trim().is_empty() {
        diags.push(Diagnostic::warning(rel, None, "empty file; skipped"));
        return (None, diags);
    }
    let extracted = meta::extract(&text, rel);
    diags.extend(extracted.diags);
    if extracted.meta.draft && !include_drafts {
        return (None, diags);
    }
    let doc = Doc {
        source: rel.to_path_buf(),
        text,
        body_offset: extracted.body_offset,
        meta: extracted.meta,
        week: None,
        url: String::new(),
        parent: None,
    };
    (Some(doc), diags)
}

/// Loads the whole archive.
pub fn load(content_dir: &Path, config: &Config, exclude: &[PathBuf]) -> Archive {
    let mut diags = Vec::new();
    // Files are read while the walk goes on, in batches handed to the other
    // cores as the walk finds them: on a big archive the walk (a `stat` per
    // entry, to follow symlinks) is a twentieth of a second that one core
    // would otherwise spend alone.
    const BATCH: usize = 64;
    let batches = std::sync::Mutex::new(Vec::new());
    let read = |k: usize, files: Vec<PathBuf>| {
        let loaded: Vec<(Option<Doc>, Vec<Diagnostic>)> = files
            .iter()
            .map(|rel| load_file(content_dir, rel, config.drafts))
            .collect();
        batches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((k, loaded));
    };
    rayon::scope(|s| {
        let (read, mut k, mut batch) = (&read, 0, Vec::with_capacity(BATCH));
        walk(content_dir, exclude, &mut diags, |rel| {
            batch.push(rel);
            if batch.len() == BATCH {
                let files = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                s.spawn(move |_| read(k, files));
                k += 1;
            }
        });
        s.spawn(move |_| read(k, batch));
    });
    // In walk order, as `find_files` gives them.
    let mut batches = batches.into_inner().unwrap_or_else(|e| e.into_inner());
    batches.sort_unstable_by_key(|(k, _)| *k);
    let mut docs = Vec::with_capacity(batches.len() * BATCH);
    for (doc, d) in batches.into_iter().flat_map(|(_, loaded)| loaded) {
        diags.extend(d);
        docs.extend(doc);
    }
    assemble(docs, config, diags)
}

/// Classifies, dates, orders and names the loaded documents. Separate from
/// `load` so `serve` can re-read one file and re-assemble without a walk.
pub fn assemble(docs: Vec<Doc>, config: &Config, mut diags: Vec<Diagnostic>) -> Archive {
    // A file inside a folder named like a report (Notion's page folder,
    // `第18周 2023-04-28/2023-04-24 周一_AbC.md`) is one of its daily notes.
    // Keyed by bytes: `Path`'s `Hash` walks components (this runs on every
    // save in `serve`).
    let stems: rustc_hash::FxHashMap<std::ffi::OsString, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.source.with_extension("").into_os_string(), i))
        .collect();
    let owner: Vec<Option<usize>> = docs
        .iter()
        .map(|d| {
            d.source
                .ancestors()
                .skip(1)
                .find_map(|a| stems.get(a.as_os_str()).copied())
        })
        .collect();
    // A daily note's owner may itself be a daily note (a Notion sub-page):
    // climb to the weekly report.
    let n_docs = docs.len();
    let root_of = |mut i: usize| {
        let mut hops = 0;
        while let Some(p) = owner[i] {
            i = p;
            hops += 1;
            if hops > n_docs {
                break;
            }
        }
        i
    };

    let (mut votes_iso, mut votes_jan1) = (0, 0);
    for (i, d) in docs.iter().enumerate() {
        if let (None, Some(date), Some(w)) = (owner[i], d.meta.date, d.meta.stated_week) {
            votes_iso += usize::from(Weeks::Iso.week_of(date).1 == w);
            votes_jan1 += usize::from(Weeks::Jan1.week_of(date).1 == w);
        }
    }
    let weeks = Weeks::resolve(config.week_convention, votes_iso, votes_jan1);

    let mut reports = Vec::new();
    let mut daily_docs = Vec::new();
    for (i, mut d) in docs.into_iter().enumerate() {
        if d.meta.date.is_none() {
            if let (Some(y), Some(w)) = (d.meta.stated_year, d.meta.stated_week) {
                // Only a week is known: date the report by that week's Friday,
                // the usual day a weekly report is written.
                d.meta.date = weeks.monday_of(y, w).map(|m| m + Duration::days(4));
                d.meta.date_from = d.meta.date.map(|_| "week");
            }
        }
        d.week = d.meta.date.map(|date| weeks.week_of(date));
        match owner[i] {
            Some(_) => daily_docs.push((root_of(i), d)),
            None => reports.push((i, d)),
        }
    }

    reports.sort_by(|(_, a), (_, b)| {
        (a.meta.date.is_none(), a.meta.date, &a.source).cmp(&(
            b.meta.date.is_none(),
            b.meta.date,
            &b.source,
        ))
    });
    // Fx rather than SipHash for the maps of every document below: `serve`
    // assembles the archive anew on each save.
    let new_index: rustc_hash::FxHashMap<usize, usize> = reports
        .iter()
        .enumerate()
        .map(|(new, (old, _))| (*old, new))
        .collect();
    let mut reports: Vec<Doc> = reports.into_iter().map(|(_, d)| d).collect();

    let mut taken: rustc_hash::FxHashMap<String, usize> = Default::default();
    for r in reports.iter_mut() {
        let base = match r.week {
            Some((y, w)) => format!("{y}-w{w:02}"),
            None => format!("undated-{}", ascii_slug(&r.source)),
        };
        r.url = format!("reports/{}.html", unique(&mut taken, base));
        report_week_diags(r, weeks, &mut diags);
    }

    let mut dailies: Vec<Doc> = daily_docs
        .into_iter()
        .filter_map(|(root, mut d)| {
            d.parent = new_index.get(&root).copied();
            d.parent.map(|_| d)
        })
        .collect();
    dailies.sort_by(|a, b| {
        (a.parent, a.meta.date, &a.source).cmp(&(b.parent, b.meta.date, &b.source))
    });
    for d in dailies.iter_mut() {
        let parent = &reports[d.parent.unwrap_or(0)];
        let dir = parent.url.trim_end_matches(".html");
        let base = match d.meta.date {
            Some(date) => iso(date),
            None => ascii_slug(&d.source),
        };
        d.url = format!("{}.html", unique(&mut taken, format!("{dir}/{base}")));
    }

    duplicate_week_diags(&reports, &mut diags);
    Archive {
        reports,
        dailies,
        weeks: Some(weeks),
        diags,
    }
}

fn report_week_diags(r: &Doc, weeks: Weeks, diags: &mut Vec<Diagnostic>) {
    match (r.meta.date, r.meta.stated_week) {
        (None, _) => diags.push(Diagnostic::warning(
            &r.source,
            Some(1),
            "no date in front matter, title or file name; listed as undated",
        )),
        (Some(date), Some(stated)) => {
            let (_, actual) = weeks.week_of(date);
            if actual != stated {
                diags.push(Diagnostic::warning(
                    &r.source,
                    Some(1),
                    format!(
                        "states week {stated} but {date} is in week {actual} ({} weeks)",
                        match weeks {
                            Weeks::Iso => "ISO",
                            Weeks::Jan1 => "1-January",
                        }
                    ),
                ));
            }
        }
        _ => {}
    }
}

fn duplicate_week_diags(reports: &[Doc], diags: &mut Vec<Diagnostic>) {
    let mut by_week: HashMap<(i32, u32), Vec<&Doc>> = HashMap::new();
    for r in reports {
        if let Some(w) = r.week {
            by_week.entry(w).or_default().push(r);
        }
    }
    for ((y, w), rs) in by_week {
        if rs.len() > 1 {
            for r in &rs[1..] {
                diags.push(Diagnostic::warning(
                    &r.source,
                    Some(1),
                    format!(
                        "second report for week {w} of {y} (also {})",
                        rs[0].source.display()
                    ),
                ));
            }
        }
    }
}

fn unique(taken: &mut rustc_hash::FxHashMap<String, usize>, base: String) -> String {
    let n = taken.entry(base.clone()).or_insert(0);
    *n += 1;
    if *n == 1 {
        base
    } else {
        format!("{base}-{n}")
    }
}

/// A stable ASCII slug for a file: its ASCII words, or a short hash of the
/// path when it has none (a name all in Chinese), so URLs never change with
/// the build machine or the order files are found in.
pub fn ascii_slug(path: &Path) -> String {
    let stem = meta::clean_stem(path);
    let words: Vec<String> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let joined = words.join("-");
    let ascii_share = joined.len() * 2 >= stem.chars().count();
    if !joined.is_empty() && ascii_share {
        joined
    } else if joined.is_empty() {
        format!("{:08x}", fnv1a(path.to_string_lossy().as_bytes()) as u32)
    } else {
        format!(
            "{joined}-{:06x}",
            fnv1a(path.to_string_lossy().as_bytes()) as u32 & 0xff_ffff
        )
    }
}

/// FNV-1a: a tiny, stable hash (std's hasher is randomly seeded per process).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Date formatting used in data files and pages.
pub fn iso(date: NaiveDate) -> String {
    let mut out = String::with_capacity(10);
    push_iso(&mut out, date);
    out
}

/// `iso`, appended to `out` (markup written in Rust takes the date with no
/// `String` of its own).
pub fn push_iso(out: &mut String, date: NaiveDate) {
    match iso_ascii(date) {
        // ASCII digits and dashes: always UTF-8.
        Some(b) => out.push_str(std::str::from_utf8(&b).unwrap_or_default()),
        None => out.push_str(&date.format("%Y-%m-%d").to_string()),
    }
}

/// `date` as `%Y-%m-%d` writes it, digit by digit, for four-digit years
/// (`None` for the others): this runs for every date on every page and
/// data file, and going through `fmt` (even without a format string to
/// parse) was a tenth of a project page's own work.
pub fn iso_ascii(date: NaiveDate) -> Option<[u8; 10]> {
    let y = date.year();
    if !(0..=9999).contains(&y) {
        return None;
    }
    let (y, m, d) = (y as u32, date.month(), date.day());
    let digit = |n: u32| b'0' + (n % 10) as u8;
    Some([
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_match_the_format_string() {
        for (y, m, d) in [
            (2023, 4, 14),
            (1999, 10, 29),
            (0, 1, 1),
            (5, 1, 2),
            (9999, 12, 31),
            (12345, 6, 7),
            (-44, 3, 15),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso(date), date.format("%Y-%m-%d").to_string());
        }
        assert_eq!(
            iso(NaiveDate::from_ymd_opt(2023, 4, 14).unwrap()),
            "2023-04-14"
        );
    }

    #[test]
    fn files_read_while_the_walk_goes_on_are_all_read_once() {
        // More files than a few of `load`'s batches, the last one partial,
        // with daily notes in folders between the reports.
        let dir = tempfile::tempdir().unwrap();
        for w in 1..=40u32 {
            let date =
                NaiveDate::from_ymd_opt(2023, 1, 6).unwrap() + Duration::weeks(i64::from(w) - 1);
            let name = format!("第{w}周 {}", iso(date));
            std::fs::write(
                dir.path().join(format!("{name}.md")),
                format!("# 第{w}周\n"),
            )
            .unwrap();
            std::fs::create_dir(dir.path().join(&name)).unwrap();
            for d in 0..4 {
                let day = iso(date - Duration::days(d));
                std::fs::write(dir.path().join(&name).join(format!("{day}.md")), "日报\n").unwrap();
            }
        }
        // Folder and file of one name side by side (`第1周 2023-01-06` and
        // `第1周 2023-01-06.md`): the walk still comes out in path order.
        std::fs::write(dir.path().join("a-b.md"), "x\n").unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a").join("z.md"), "x\n").unwrap();
        let found = find_files(dir.path(), &[], &mut Vec::new());
        assert!(found.is_sorted());
        assert_eq!(found.len(), 202);
        assert_eq!(
            found[..2],
            [PathBuf::from("a/z.md"), PathBuf::from("a-b.md")]
        );
        for extra in ["a-b.md", "a/z.md"] {
            std::fs::remove_file(dir.path().join(extra)).unwrap();
        }
        let found = find_files(dir.path(), &[], &mut Vec::new());
        assert_eq!(found.len(), 200);
        let archive = load(dir.path(), &Config::default(), &[]);
        assert_eq!(archive.reports.len(), 40);
        assert_eq!(archive.dailies.len(), 160);
        let mut sources: Vec<&Path> = (archive.reports.iter().chain(&archive.dailies))
            .map(|d| d.source.as_path())
            .collect();
        sources.sort();
        assert_eq!(
            sources,
            found.iter().map(PathBuf::as_path).collect::<Vec<_>>()
        );
    }

    fn doc(source: &str, text: &str) -> Doc {
        let e = meta::extract(text, Path::new(source));
        Doc {
            source: source.into(),
            text: text.into(),
            body_offset: e.body_offset,
            meta: e.meta,
            week: None,
            url: String::new(),
            parent: None,
        }
    }

    #[test]
    fn detects_jan1_convention_and_names_reports_by_week() {
        let docs = vec![
            doc("第17周 2023-04-21.md", "# 第17周 2023-04-21\n"),
            doc("第16周 2023-04-14.md", "# 第16周 2023-04-14\n"),
        ];
        let a = assemble(docs, &Config::default(), vec![]);
        assert_eq!(a.weeks, Some(Weeks::Jan1));
        assert_eq!(a.reports[0].url, "reports/2023-w16.html");
        assert_eq!(a.reports[1].url, "reports/2023-w17.html");
        assert!(a.diags.is_empty(), "{:?}", a.diags);
    }

    #[test]
    fn iso_convention_and_mismatch_warning() {
        let docs = vec![
            doc("a.md", "# 第15周 2023-04-14\n"),
            doc("b.md", "# 第16周 2023-04-21\n"),
            doc("c.md", "# 第20周 2023-04-28\n"),
        ];
        let a = assemble(docs, &Config::default(), vec![]);
        assert_eq!(a.weeks, Some(Weeks::Iso));
        assert_eq!(a.diags.len(), 1);
        assert!(
            a.diags[0].message.contains("states week 20"),
            "{}",
            a.diags[0]
        );
    }

    #[test]
    fn daily_notes_in_report_folder() {
        let docs = vec![
            doc("第18周 2023-04-28.md", "# 第18周 2023-04-28\n"),
            doc(
                "第18周 2023-04-28/2023-04-24 周一_AbC123def456ghi789.md",
                "# 2023-04-24 周一\n",
            ),
        ];
        let a = assemble(docs, &Config::default(), vec![]);
        assert_eq!(a.reports.len(), 1);
        assert_eq!(a.dailies.len(), 1);
        assert_eq!(a.dailies[0].parent, Some(0));
        assert!(
            a.dailies[0].url.ends_with("/2023-04-24.html"),
            "{}",
            a.dailies[0].url
        );
        assert!(a.dailies[0].url.starts_with("reports/2023-w"));
    }

    #[test]
    fn two_reports_one_week_get_distinct_urls_and_a_warning() {
        let docs = vec![
            doc("a.md", "# 第16周 2023-04-14\n"),
            doc("b.md", "# 第16周 2023-04-13\n"),
        ];
        let a = assemble(docs, &Config::default(), vec![]);
        assert_ne!(a.reports[0].url, a.reports[1].url);
        assert!(a.diags.iter().any(|d| d.message.contains("second report")));
    }

    #[test]
    fn undated_listed_last_with_warning() {
        let docs = vec![
            doc("随笔.md", "just text\n"),
            doc("w.md", "# 第16周 2023-04-14\n"),
        ];
        let a = assemble(docs, &Config::default(), vec![]);
        assert!(a.reports[1].url.starts_with("reports/undated-"));
        assert!(a.reports[1].url.is_ascii());
        assert!(a.diags.iter().any(|d| d.message.contains("undated")));
    }

    #[test]
    fn week_only_file_name_is_dated_by_friday() {
        let docs = vec![doc("2023-w16.md", "body\n")];
        let c = Config {
            week_convention: crate::config::WeekConvention::Jan1,
            ..Config::default()
        };
        let a = assemble(docs, &c, vec![]);
        assert_eq!(a.reports[0].meta.date, NaiveDate::from_ymd_opt(2023, 4, 14));
        assert_eq!(a.reports[0].url, "reports/2023-w16.html");
    }

    #[test]
    fn ascii_slugs_are_stable_and_ascii() {
        assert_eq!(ascii_slug(Path::new("Weekly Notes.md")), "weekly-notes");
        let s = ascii_slug(Path::new("随笔.md"));
        assert!(s.is_ascii() && s.len() == 8);
        assert_eq!(s, ascii_slug(Path::new("随笔.md")));
    }
}
