//! The site model: reports in order with their neighbours, daily notes under
//! their reports, links between files resolved to pages. Everything the
//! render stage draws comes from here.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{Archive, Doc, Weeks};
use crate::diag::Diagnostic;
use crate::extract::{self, Facts};
use crate::markdown::{self, Rendered, Resolved};

pub mod incidents;
pub mod metrics;
pub mod projects;
pub mod spill;
pub use metrics::Series;

use std::borrow::Cow;
use std::sync::Arc;

pub struct Page {
    pub doc: Doc,
    pub rendered: Rendered,
    /// What extraction found in the report (empty for daily notes).
    pub facts: Facts,
    /// Indices into `Site::dailies` (for reports).
    pub dailies: Vec<usize>,
    /// Where its HTML and section texts are when a build moved them out
    /// (`spill`); `None` when they are in `rendered`.
    pub spilled: Option<spill::Spilled>,
}

pub struct Site {
    pub config: Config,
    pub weeks: Weeks,
    /// Reports, dated oldest first, then undated.
    pub reports: Vec<Page>,
    pub dailies: Vec<Page>,
    /// Metric series, in config order (or discovery order).
    pub metrics: Vec<Series>,
    /// Projects, matched across reports.
    pub projects: Vec<projects::Project>,
    /// The incident log, newest first.
    pub incidents: Vec<incidents::Entry>,
    pub diags: Vec<Diagnostic>,
    /// What holds the pages' spilled HTML and texts, if any page has them.
    pub spill: Option<Arc<spill::Spill>>,
}

impl Site {
    /// A page's HTML, from the spill file when a build moved it there.
    pub fn html<'p>(&self, p: &'p Page) -> Result<Cow<'p, str>, Diagnostic> {
        self.here_or_spilled(p, &p.rendered.html, |s| s.html)
    }

    /// A page's section texts, for `Sections::iter_with`, from the spill
    /// file when a build moved them there.
    pub fn section_bodies<'p>(&self, p: &'p Page) -> Result<Cow<'p, str>, Diagnostic> {
        self.here_or_spilled(p, p.rendered.text.bodies(), |s| s.bodies)
    }

    fn here_or_spilled<'p>(
        &self,
        p: &'p Page,
        here: &'p str,
        which: impl Fn(&spill::Spilled) -> spill::Blob,
    ) -> Result<Cow<'p, str>, Diagnostic> {
        let Some(spilled) = &p.spilled else {
            return Ok(Cow::Borrowed(here));
        };
        // A build lets its spill file go once the pages and the index that
        // read it are written (`crate::build`): reading after that is a
        // mistake in the build's order, not an empty page.
        let got = match &self.spill {
            Some(spill) => spill.get(which(spilled)),
            None => Err(std::io::Error::other("already released")),
        };
        got.map(Cow::Owned).map_err(|e| {
            Diagnostic::error(
                &p.doc.source,
                None,
                format!("cannot read its page back from the build's spill file: {e}"),
            )
        })
    }

    /// Index of the previous and next dated report of report `i`.
    pub fn neighbours(&self, i: usize) -> (Option<usize>, Option<usize>) {
        if self.reports[i].doc.meta.date.is_none() {
            return (None, None);
        }
        let prev = i.checked_sub(1);
        let next = (i + 1 < self.reports.len() && self.reports[i + 1].doc.meta.date.is_some())
            .then_some(i + 1);
        (prev, next)
    }
}

/// The URL of `to` (relative to the site root) as seen from the page `from`
/// (also relative to the site root): `reports/a.html` → `reports/b/c.html`
/// is `b/c.html`. Every link chronicle writes is relative, so the site works
/// from disk and under any sub-path.
pub fn relative_url(from: &str, to: &str) -> String {
    relative_url_and(from, to, 0)
}

/// `relative_url` with room for `extra` more bytes.
fn relative_url_and(from: &str, to: &str, extra: usize) -> String {
    // The folders `from` and `to` share are skipped, and one `../` written
    // for each of `from`'s others: by walking both strings a byte at a
    // time, with no list of their parts and no searcher per part (this
    // runs for every link of every page). A shared folder is a shared
    // prefix ending at a `/` of `from`, or ending where `to` does
    // (`reports` from `reports/a.html`: nothing of `to` is left).
    let (f, t) = (from.as_bytes(), to.as_bytes());
    let dirs = f.iter().filter(|&&b| b == b'/').count();
    let (mut common, mut rest) = (0, 0);
    for (i, &a) in f.iter().enumerate() {
        match t.get(i) {
            Some(&b) if a == b => {
                if a == b'/' {
                    common += 1;
                    rest = i + 1;
                }
            }
            None if a == b'/' => {
                common += 1;
                rest = t.len();
                break;
            }
            _ => break,
        }
    }
    let rest = &to[rest..];
    let mut out = String::with_capacity(3 * (dirs - common) + rest.len() + extra);
    for _ in common..dirs {
        out.push_str("../");
    }
    out.push_str(rest);
    out
}

/// `relative_url(from, to)` and `#anchor`: the link to a place in a report,
/// of which a long table or chart has thousands.
pub fn anchored_url(from: &str, to: &str, anchor: &str) -> String {
    let mut url = relative_url_and(from, to, 1 + anchor.len());
    url.push('#');
    url.push_str(anchor);
    url
}

/// The prefix that leads from `page` back to the site root (`../` for
/// `reports/x.html`).
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

/// Joins and normalises a relative path without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(p) => out.push(p),
            _ => {}
        }
    }
    out
}

/// Where links between the archive's files lead.
pub struct LinkIndex {
    by_path: HashMap<PathBuf, String>,
    by_name: HashMap<String, Vec<String>>,
}

impl LinkIndex {
    pub fn new<'a>(docs: impl Iterator<Item = &'a Doc>) -> Self {
        Self::from_pairs(docs.map(|d| (d.source.as_path(), d.url.as_str())))
    }

    /// From each document's (source, URL): all the index is made of.
    pub fn from_pairs<'a>(docs: impl Iterator<Item = (&'a Path, &'a str)>) -> Self {
        let mut by_path = HashMap::new();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for (source, url) in docs {
            by_path.insert(source.to_path_buf(), url.to_string());
            if let Some(name) = source.file_name() {
                by_name
                    .entry(name.to_string_lossy().into_owned())
                    .or_default()
                    .push(url.to_string());
            }
        }
        Self { by_path, by_name }
    }

    /// Resolves a link target written in `from`: relative to its folder,
    /// then inside its Notion page folder (Notion writes `周日_x.md` for a
    /// file in `第16周 2023-04-14/`), then by a unique file name anywhere.
    pub fn resolve(&self, from: &Doc, target: &str) -> Option<&str> {
        let target = Path::new(target);
        let dir = from.source.parent().unwrap_or(Path::new(""));
        let candidates = [
            normalize(&dir.join(target)),
            normalize(&from.source.with_extension("").join(target)),
        ];
        for c in &candidates {
            if let Some(url) = self.by_path.get(c) {
                return Some(url);
            }
        }
        let name = target.file_name()?.to_string_lossy();
        match self.by_name.get(name.as_ref()).map(Vec::as_slice) {
            Some([only]) => Some(only),
            _ => None,
        }
    }
}

/// Everything done to one document on its own: render its Markdown
/// (resolving its links through `index`) and, for a report, extract its
/// facts. It depends only on the document, the link index and the config,
/// so `serve` can cache it and redo it for the one file that changed.
///
/// With a `spill` (a big archive's build), the page's HTML and section
/// texts go there at once; a page that keeps them (no spill, or a failed
/// write) has its HTML shrunk to its size, as it stays in memory until
/// the site is written.
pub fn prepare(
    doc: Doc,
    index: &LinkIndex,
    config: &Config,
    spill: Option<&spill::Spill>,
) -> (Page, Vec<Diagnostic>) {
    let opts = markdown::RenderOptions {
        unsafe_html: config.unsafe_html,
        first_line: doc.body_line(),
    };
    let resolve = |target: &str| match index.resolve(&doc, target) {
        Some(url) => Resolved::Page(relative_url(&doc.url, url)),
        None => Resolved::Missing,
    };
    let (rendered, tree) = markdown::render(doc.body(), &opts, &resolve);
    let mut diags: Vec<Diagnostic> = rendered
        .missing_links
        .iter()
        .map(|(line, target)| {
            Diagnostic::warning(
                &doc.source,
                Some(*line),
                format!("link to missing file `{target}`"),
            )
        })
        .collect();
    let facts = if doc.parent.is_none() {
        let (facts, d) = extract::extract(&doc, &tree, config);
        diags.extend(d);
        facts
    } else {
        Facts::default()
    };
    let mut page = Page {
        doc,
        rendered,
        facts,
        dailies: Vec::new(),
        spilled: None,
    };
    if let Some(spill) = spill {
        spill.take(&mut page);
    }
    if page.spilled.is_none() {
        page.rendered.shrink();
    }
    (page, diags)
}

/// Prepares every document in parallel and links the pages into a site.
pub fn build(archive: Archive, config: Config) -> Site {
    let pages = prepare_all(archive, &config, None);
    let views = views(&pages.reports, &config, Kept::default());
    with_views(pages, config, views).0
}

/// Every document prepared, daily notes linked under their reports: the
/// site but for the views made across reports.
pub struct Pages {
    pub reports: Vec<Page>,
    pub dailies: Vec<Page>,
    pub weeks: Weeks,
    pub diags: Vec<Diagnostic>,
    pub spill: Option<Arc<spill::Spill>>,
}

/// Prepares every document in parallel (`prepare`) and links the daily
/// notes under their reports. With a `spill`, each page's HTML and texts
/// go there as soon as it is prepared.
pub fn prepare_all(archive: Archive, config: &Config, spill: Option<Arc<spill::Spill>>) -> Pages {
    let Archive {
        reports,
        dailies,
        weeks,
        mut diags,
    } = archive;
    let index = LinkIndex::new(reports.iter().chain(dailies.iter()));
    let prepared = |d: Doc| without_source(prepare(d, &index, config, spill.as_deref()));
    let mut reports: Vec<Page> =
        collect(reports.into_par_iter().map(prepared).collect(), &mut diags);
    let dailies: Vec<Page> = collect(dailies.into_par_iter().map(prepared).collect(), &mut diags);
    link_dailies(&mut reports, &dailies);
    Pages {
        reports,
        dailies,
        weeks: weeks.unwrap_or(Weeks::Iso),
        diags,
        spill,
    }
}

/// A build never reads a document's source again once it is prepared
/// (the HTML and the section tree hold what rendering needs), so it is
/// freed: a copy of the whole archive less in memory. `serve` keeps it,
/// to tell an edited file from an untouched one.
fn without_source((mut page, diags): (Page, Vec<Diagnostic>)) -> (Page, Vec<Diagnostic>) {
    page.doc.text = "".into();
    page.doc.body_offset = 0;
    (page, diags)
}

/// Views carried over from an earlier build because none of the facts
/// they are made of moved (`serve`), each with the findings made building
/// it. `None` builds that view.
#[derive(Default)]
pub struct Kept {
    pub metrics: Option<(Vec<metrics::Series>, Vec<Diagnostic>)>,
    pub projects: Option<(Vec<projects::Project>, Vec<Diagnostic>)>,
    pub incidents: Option<Vec<incidents::Entry>>,
}

/// Joins prepared pages into the site: daily notes under their reports, and
/// the cross-report views (series, projects, incidents) from their facts.
pub fn assemble(
    reports: Vec<Page>,
    dailies: Vec<Page>,
    weeks: Weeks,
    config: Config,
    diags: Vec<Diagnostic>,
) -> Site {
    assemble_keeping(reports, dailies, weeks, config, diags, Kept::default()).0
}

/// `assemble`, reusing the views in `kept`. Also returns the views'
/// findings (series, projects), which `Site::diags` has too, so a later
/// update can keep them with their view.
pub fn assemble_keeping(
    mut reports: Vec<Page>,
    dailies: Vec<Page>,
    weeks: Weeks,
    config: Config,
    diags: Vec<Diagnostic>,
    kept: Kept,
) -> (Site, [Vec<Diagnostic>; 2]) {
    link_dailies(&mut reports, &dailies);
    let views = views(&reports, &config, kept);
    let pages = Pages {
        reports,
        dailies,
        weeks,
        diags,
        spill: None,
    };
    with_views(pages, config, views)
}

fn link_dailies(reports: &mut [Page], dailies: &[Page]) {
    for r in reports.iter_mut() {
        r.dailies.clear();
    }
    for (i, d) in dailies.iter().enumerate() {
        if let Some(p) = d.doc.parent {
            reports[p].dailies.push(i);
        }
    }
}

/// The cross-report views, each with the findings made building it.
pub struct Views {
    metrics: (Vec<metrics::Series>, Vec<Diagnostic>),
    projects: (Vec<projects::Project>, Vec<Diagnostic>),
    incidents: Vec<incidents::Entry>,
}

/// The series, projects and incident log of `reports`, those in `kept`
/// reused. They only read the pages, so a build makes the search index
/// from the same pages meanwhile.
pub fn views(reports: &[Page], config: &Config, kept: Kept) -> Views {
    // The three views are independent: built side by side, their findings
    // added in a fixed order.
    let Kept {
        metrics: kept_metrics,
        projects: kept_projects,
        incidents: kept_incidents,
    } = kept;
    let (metrics, (projects, incidents)) = rayon::join(
        || {
            kept_metrics.unwrap_or_else(|| {
                let mut d = Vec::new();
                let m = crate::diag::timed("series", || metrics::build(reports, config, &mut d));
                (m, d)
            })
        },
        || {
            rayon::join(
                || {
                    kept_projects.unwrap_or_else(|| {
                        let mut d = Vec::new();
                        let p = crate::diag::timed("projects", || {
                            projects::build(reports, config, &mut d)
                        });
                        (p, d)
                    })
                },
                || {
                    kept_incidents.unwrap_or_else(|| {
                        crate::diag::timed("incidents", || incidents::build(reports))
                    })
                },
            )
        },
    );
    Views {
        metrics,
        projects,
        incidents,
    }
}

/// The site from its pages and views. Also returns the views' findings
/// (see `assemble_keeping`).
pub fn with_views(pages: Pages, config: Config, views: Views) -> (Site, [Vec<Diagnostic>; 2]) {
    let Views {
        metrics: (metrics, metric_diags),
        projects: (projects, project_diags),
        incidents,
    } = views;
    let mut diags = pages.diags;
    diags.extend(metric_diags.iter().cloned());
    diags.extend(project_diags.iter().cloned());
    let site = Site {
        config,
        weeks: pages.weeks,
        reports: pages.reports,
        dailies: pages.dailies,
        metrics,
        projects,
        incidents,
        diags,
        spill: pages.spill,
    };
    (site, [metric_diags, project_diags])
}

fn collect(pages: Vec<(Page, Vec<Diagnostic>)>, diags: &mut Vec<Diagnostic>) -> Vec<Page> {
    pages
        .into_iter()
        .map(|(p, d)| {
            diags.extend(d);
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls() {
        assert_eq!(
            relative_url("index.html", "reports/2023-w16.html"),
            "reports/2023-w16.html"
        );
        assert_eq!(
            relative_url("reports/2023-w16.html", "reports/2023-w17.html"),
            "2023-w17.html"
        );
        assert_eq!(
            relative_url("reports/2023-w16.html", "reports/2023-w16/2023-04-16.html"),
            "2023-w16/2023-04-16.html"
        );
        assert_eq!(
            relative_url("reports/2023-w16/2023-04-16.html", "reports/2023-w16.html"),
            "../2023-w16.html"
        );
        assert_eq!(
            relative_url("reports/2023-w16/a.html", "index.html"),
            "../../index.html"
        );
        assert_eq!(
            anchored_url("projects/p-1.html", "reports/2023-w16.html", "L12"),
            "../reports/2023-w16.html#L12"
        );
        assert_eq!(root_of("reports/2023-w16/a.html"), "../../");
        assert_eq!(root_of("index.html"), "");
    }

    /// `relative_url` walks the two paths; this is the same rule with
    /// their parts in lists, checked against it on every pair of paths
    /// below (shared folders, a folder named like a file, empty parts).
    fn relative_url_by_lists(from: &str, to: &str) -> String {
        let from_dirs: Vec<&str> = from.split('/').collect();
        let from_dirs = &from_dirs[..from_dirs.len() - 1];
        let to_parts: Vec<&str> = to.split('/').collect();
        let common = from_dirs
            .iter()
            .zip(&to_parts)
            .take_while(|(a, b)| a == b)
            .count();
        "../".repeat(from_dirs.len() - common) + &to_parts[common..].join("/")
    }

    #[test]
    fn relative_urls_walk_as_the_lists_do() {
        let paths = [
            "",
            "index.html",
            "a.html",
            "reports/",
            "reports/a.html",
            "reports/b.html",
            "reports/a.html/x.html",
            "reports/a/b.html",
            "reports/a/b/c.html",
            "reports//a.html",
            "/reports/a.html",
            "projects/p-1.html",
            "reports",
            "a/b.html",
            "a",
            "报告/第16周.html",
            "报告/第16周/周一.html",
            "报/第16周.html",
        ];
        for from in paths {
            for to in paths {
                assert_eq!(
                    relative_url(from, to),
                    relative_url_by_lists(from, to),
                    "from {from:?} to {to:?}"
                );
            }
        }
    }
}
