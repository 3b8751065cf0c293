//! Incremental rebuilds: the same pipeline as `build_in_memory`, with every
//! stage's per-file work cached, so that a save redoes only what it touched.
//!
//! - **content**: the folder is re-walked on every update (a few
//!   milliseconds for a thousand files), and a file is re-read only when the
//!   watcher named it or its size or modification time changed. The walk
//!   makes the file set exactly the one a full build sees, whatever events
//!   the watcher missed (files written into a folder it had not watched yet,
//!   dropped events, renames of whole folders). `content::assemble` then
//!   runs on all documents: it is only sorting and naming.
//! - **prepare**: `site::prepare` is pure in (document, link index, config).
//!   Its result is reused when the document is equal to the cached one and
//!   the link index (every document's source and URL) is unchanged; then
//!   every document is where it was, so the comparison is index by index
//!   and only the documents prepared anew move (no map of 10,000 pages
//!   rebuilt per save). A new,
//!   deleted or renamed report, or one whose URL moved, changes the index
//!   and re-prepares everything, since any link in any file may now lead
//!   elsewhere. Config and theme changes start from scratch (`invalidate`).
//! - **views**: the metric, project and incident views (`site::assemble`)
//!   are made of every page's facts and metadata. Each re-prepared page's
//!   `signature` (facts with their lines, title, date, week, URL) is
//!   compared with its previous one; when none moved, the previous views
//!   are kept and only the pages are joined.
//! - **render**: the pages that show a changed document are rendered: its
//!   own page, its previous and next report, its daily notes (or, for a
//!   daily note, its report and sibling notes). When facts moved (a
//!   figure, a project update, an incident) and no title, date or order
//!   did, so are the report pages whose `Renderer::report_view_key` changed
//!   (figures with their change since the previous point, project links,
//!   incident marks) and the aggregate outputs of the series and projects
//!   that changed (`ViewChanges`). A moved title, date or order, or views
//!   added or removed, render everything. Of the home outputs, only those a
//!   change reaches (`HomeParts`). A "canary" (one untouched page,
//!   rendered every time) catches a page depending on the site in a way
//!   these miss; then everything is rendered.
//! - **search**: every document feeds the index, so `update_pages` leaves
//!   it stale and `finish_search_unless` rebuilds it after the reload,
//!   giving up if another save arrives.
//!
//! The result is byte-identical to a full build: tests/incremental.rs
//! checks that after edits, additions, deletions and renames.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::content::{self, Doc, Weeks};
use crate::diag::{self, Diagnostic};
use crate::render::data::SeriesParts;
use crate::render::{HomeParts, OutFile, Renderer, ViewChanges};
use crate::site::incidents::Entry as IncidentEntry;
use crate::site::metrics::Series;
use crate::site::projects::Project;
use crate::site::{self, LinkIndex, Page, Site};
use crate::{Paths, Setup};

/// The finished site: output path (`reports/2023-w16.html`, always with
/// forward slashes) → bytes.
pub type Files = BTreeMap<String, Bytes>;

/// What one update produced.
pub struct Output {
    pub files: Arc<Files>,
    /// Every finding, sorted: the same list `build_in_memory` gives.
    pub diags: Vec<Diagnostic>,
    /// Output paths added, changed or removed by this update.
    pub changed: Vec<String>,
    pub stats: Stats,
}

/// How much work an update did, for the terminal and the benchmark.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub reports: usize,
    pub dailies: usize,
    /// Files read from disk.
    pub read: usize,
    /// Documents run through `content::assemble`: none when the edited
    /// files kept their metadata and the last assembly was reused.
    pub assembled: usize,
    /// Documents run through `site::prepare`.
    pub prepared: usize,
    /// Output files rendered.
    pub rendered: usize,
    /// Cross-report views (series, projects, incidents) built rather than
    /// kept from the last update.
    pub views_built: usize,
    /// The update started from nothing (first build, config or theme change).
    pub from_scratch: bool,
    pub elapsed: Duration,
    /// Time per stage: walk, read, assemble, prepare, render, diff.
    pub phases: Vec<(&'static str, Duration)>,
}

impl Stats {
    fn lap(&mut self, name: &'static str, since: &mut Instant) {
        let now = Instant::now();
        self.phases.push((name, now - *since));
        *since = now;
    }
}

/// One content file as last read.
struct Source {
    /// Size and modification time when read: a change means re-read.
    stamp: Option<(u64, SystemTime)>,
    doc: Option<Doc>,
    diags: Vec<Diagnostic>,
}

struct State {
    setup: Setup,
    content_abs: PathBuf,
    /// By path relative to the content folder, as bytes (here and in
    /// `prepare_diags`): `Path`'s own `Hash` and `Ord` walk components,
    /// which was a measurable share of every update on a large archive.
    sources: FxHashMap<OsString, Source>,
    /// Every document's (source, URL), reports then daily notes, in order:
    /// what the link index and the order of pages are made of. Sources as
    /// bytes, compared on every update (see `sources`).
    index_key: Vec<(OsString, String)>,
    /// The link index made of `index_key`, kept while `index_key` holds:
    /// a map of every file's path, the same from save to save unless a file
    /// came, went or moved, and made anew it took milliseconds of every
    /// edit on a 10,000-report archive.
    link_index: Option<Arc<LinkIndex>>,
    /// The last site, whose pages are the prepare cache.
    site: Option<Site>,
    /// What `content::assemble` found last time it ran (after the walk's
    /// and the files' findings). Like the week convention (`Site::weeks`),
    /// it depends on the documents' paths and metadata alone, so an edit
    /// that changed neither keeps it (see `Engine::step`).
    assemble_diags: Option<Vec<Diagnostic>>,
    /// The findings `site::assemble` made building the series and the
    /// projects, last time it ran: kept with the views they belong to.
    view_diags: Option<[Vec<Diagnostic>; 2]>,
    /// `site::prepare`'s findings per document source.
    prepare_diags: FxHashMap<OsString, Vec<Diagnostic>>,
    files: Arc<Files>,
    /// Output paths of the last `render_home` and `render_aggregates`.
    home: Vec<String>,
    /// Output paths of the last search index, and whether the site has
    /// changed since it was built (`Engine::finish_search`).
    search: Vec<String>,
    search_stale: bool,
    /// The findings of the last update, for `finish_search`'s output.
    diags: Vec<Diagnostic>,
    /// `Renderer::report_view_key` of every report, as of the last update
    /// that changed the views.
    view_keys: Vec<ViewKey>,
    aggregates: Vec<String>,
    /// The last walk of the content folder, reused when the watcher named
    /// every change (`Engine::update_pages_named`).
    listing: Option<Arc<Listing>>,
    /// Each series' part of the metric data files, for the next edit.
    series_parts: SeriesParts,
}

/// The content folder's Markdown files and what walking it found wrong.
struct Listing {
    found: Vec<PathBuf>,
    walk_diags: Vec<Diagnostic>,
}

/// How an update finds out what changed on disk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    /// Walk the content folder and compare every file's size and time.
    Walk,
    /// Trust the hints when they name known files only (`update_pages_named`).
    Named,
}

/// What a page contributes to the site beyond its own page: its facts
/// (figures, project updates, incidents, with their lines) and the
/// metadata other pages show (title, date, week, URL). The site's metric,
/// project and incident views are made of these alone, so when no changed
/// page's signature moved, those views and the parts of other pages drawn
/// from them are unchanged.
///
/// In five parts: the facts of each view (figures, project updates,
/// incidents), where the page is (date, week, URL, parent: its place in
/// every list), and the rest of its metadata (title, tags). When facts or a
/// title moved but no page moved, the pages and aggregate outputs they
/// reach can be told apart (`Renderer::report_view_key`, `ViewChanges`),
/// and a view whose facts did not move is kept as it is; a page that moved
/// changes every list of reports, so everything is rendered.
fn signature(p: &Page) -> Signature {
    let (d, f) = (&p.doc, &p.facts);
    [
        format!("{:?}{:?}", f.figures, f.candidates),
        format!("{:?}", f.projects),
        format!("{:?}", f.incidents),
        format!("{:?}|{:?}|{}|{:?}", d.meta.date, d.week, d.url, d.parent),
        format!("{:?}", d.meta),
    ]
}

type Signature = [String; 5];
/// `Signature` parts: the facts of the three views, the place, the rest.
const FIGURES: usize = 0;
const PROJECTS: usize = 1;
const INCIDENTS: usize = 2;
const PLACE: usize = 3;
const META: usize = 4;

/// The views `site::assemble` made last time, to compare with the new
/// ones; `None` for a view that was kept (so is unchanged).
type Views = (
    Option<Vec<Series>>,
    Option<Vec<Project>>,
    Option<Vec<IncidentEntry>>,
);

/// Which series and projects differ between two sets of views; `None` when
/// they were added, removed or reordered (every aggregate output then).
fn view_changes(old: &Views, site: &Site) -> Option<ViewChanges> {
    fn changed<T: PartialEq>(
        old: &Option<Vec<T>>,
        new: &[T],
        id: impl Fn(&T) -> &str,
    ) -> Option<Vec<usize>> {
        let Some(old) = old else {
            return Some(Vec::new());
        };
        if old.len() != new.len() || old.iter().zip(new).any(|(a, b)| id(a) != id(b)) {
            return None;
        }
        Some((0..new.len()).filter(|&k| old[k] != new[k]).collect())
    }
    // The incident log page exists only when there are incidents.
    if old
        .2
        .as_ref()
        .is_some_and(|o| o.is_empty() != site.incidents.is_empty())
    {
        return None;
    }
    Some(ViewChanges {
        series: changed(&old.0, &site.metrics, |s| &s.id)?,
        projects: changed(&old.1, &site.projects, |p| &p.id)?,
        incidents: old.2.as_ref().is_some_and(|o| *o != site.incidents),
        timeline: false,
    })
}

/// Keeps the last build in memory and brings it up to date.
pub struct Engine {
    paths: Paths,
    state: Option<State>,
}

fn key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

impl Engine {
    pub fn new(paths: Paths) -> Self {
        Self { paths, state: None }
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The content folder of the last successful setup (absolute).
    pub fn content_dir(&self) -> Option<&Path> {
        self.state.as_ref().map(|s| s.content_abs.as_path())
    }

    /// The theme in use, for the watcher: `themes/<name>`.
    pub fn theme_name(&self) -> Option<&str> {
        self.state.as_ref().map(|s| s.setup.config.theme.as_str())
    }

    /// Forgets everything: the next update reads config, theme and every
    /// file again. For config and theme changes, and after a failure.
    pub fn invalidate(&mut self) {
        self.state = None;
    }

    /// Brings the site up to date with the disk. `hints` are paths the
    /// watcher reported (absolute or as given); they are re-read even when
    /// their size and time look unchanged. `Err` is a fatal problem (config,
    /// theme, template, missing content folder), as in `build_in_memory`;
    /// the engine then starts from scratch next time.
    pub fn update(&mut self, hints: &[PathBuf]) -> Result<Output, Vec<Diagnostic>> {
        self.update_with(hints, false, Look::Walk)
    }

    /// `update`, except that the search index is left as it was (unless
    /// there is none yet): every document feeds it, so it is the one output
    /// an edit always changes in full, and it costs more than the pages
    /// around the edit. `serve` reloads the page first and then calls
    /// `finish_search`.
    pub fn update_pages(&mut self, hints: &[PathBuf]) -> Result<Output, Vec<Diagnostic>> {
        self.update_with(hints, true, Look::Walk)
    }

    /// `update_pages` for a watcher that saw only `hints` change: when
    /// each of them is a file the engine already has and that is still
    /// there, nothing came or went, and only they are looked at; the
    /// folder is not walked and the other files not checked (a tenth of
    /// an edit on a 10,000-report archive). Otherwise, as `update_pages`.
    pub fn update_pages_named(&mut self, hints: &[PathBuf]) -> Result<Output, Vec<Diagnostic>> {
        self.update_with(hints, true, Look::Named)
    }

    /// Whether the search index is older than the site (after `update_pages`).
    pub fn search_stale(&self) -> bool {
        self.state.as_ref().is_some_and(|s| s.search_stale)
    }

    /// Brings the search index up to date after `update_pages`; `None` when
    /// it already is. With it the files are exactly `update`'s.
    pub fn finish_search(&mut self) -> Option<Output> {
        self.finish_search_unless(&|| false)
    }

    /// `finish_search`, abandoned (`None`, the index still stale) as soon as
    /// `cancel` returns true: `serve` passes "another save arrived", so a
    /// big archive's index never holds up the next reload.
    pub fn finish_search_unless(&mut self, cancel: &(dyn Fn() -> bool + Sync)) -> Option<Output> {
        let start = Instant::now();
        let st = self.state.as_mut().filter(|s| s.search_stale)?;
        let site = st.site.as_ref()?;
        let index = Renderer::new(site, &st.setup.theme).render_search_unless(cancel)?;
        let mut files = (*st.files).clone();
        let mut touched = Vec::with_capacity(st.search.len() + index.len());
        for k in &st.search {
            files.remove(k);
            touched.push(k.clone());
        }
        st.search = index.iter().map(|f| key(&f.path)).collect();
        for f in index {
            touched.push(key(&f.path));
            files.insert(key(&f.path), Bytes::from(f.bytes));
        }
        let changed = diff_touched(&st.files, &files, touched);
        st.files = Arc::new(files);
        st.search_stale = false;
        Some(Output {
            files: st.files.clone(),
            diags: st.diags.clone(),
            stats: Stats {
                reports: site.reports.len(),
                dailies: site.dailies.len(),
                rendered: st.search.len(),
                elapsed: start.elapsed(),
                ..Stats::default()
            },
            changed,
        })
    }

    fn update_with(
        &mut self,
        hints: &[PathBuf],
        defer_search: bool,
        look: Look,
    ) -> Result<Output, Vec<Diagnostic>> {
        let start = Instant::now();
        let from_scratch = self.state.is_none();
        let mut st = match self.state.take() {
            Some(st) => st,
            None => {
                let setup = crate::setup(&self.paths)?;
                let content_abs = crate::absolute(&setup.content_dir);
                State {
                    setup,
                    content_abs,
                    sources: FxHashMap::default(),
                    index_key: Vec::new(),
                    link_index: None,
                    site: None,
                    assemble_diags: None,
                    prepare_diags: FxHashMap::default(),
                    view_diags: None,
                    files: Arc::new(Files::new()),
                    home: Vec::new(),
                    aggregates: Vec::new(),
                    search: Vec::new(),
                    search_stale: false,
                    diags: Vec::new(),
                    view_keys: Vec::new(),
                    listing: None,
                    series_parts: SeriesParts::default(),
                }
            }
        };
        if !st.setup.content_dir.is_dir() {
            // Gone since setup: a full setup reports it like a build would.
            return self.update_from_scratch(hints, defer_search);
        }
        let mut out = self.step(&mut st, hints, defer_search, look)?;
        out.stats.from_scratch = from_scratch;
        out.stats.elapsed = start.elapsed();
        self.state = Some(st);
        Ok(out)
    }

    fn update_from_scratch(
        &mut self,
        hints: &[PathBuf],
        defer_search: bool,
    ) -> Result<Output, Vec<Diagnostic>> {
        self.state = None;
        crate::setup(&self.paths)?;
        self.update_with(hints, defer_search, Look::Walk)
    }

    fn step(
        &self,
        st: &mut State,
        hints: &[PathBuf],
        defer_search: bool,
        look: Look,
    ) -> Result<Output, Vec<Diagnostic>> {
        let mut stats = Stats::default();
        let mut t = Instant::now();
        let config = &st.setup.config;
        let content_dir = st.setup.content_dir.clone();

        // Content: walk, re-read what changed, assemble.
        let hinted: HashSet<PathBuf> = hints
            .iter()
            .filter_map(|h| {
                h.strip_prefix(&st.content_abs)
                    .or_else(|_| h.strip_prefix(&content_dir))
                    .ok()
                    .map(Path::to_path_buf)
            })
            .collect();
        // The watcher named every change, each a file already known and
        // still there: no file came or went, and the others are as they
        // were.
        let named = look == Look::Named
            && st.listing.is_some()
            && !hinted.is_empty()
            && hinted.len() == hints.len()
            && hinted.iter().all(|rel| {
                st.sources.contains_key(rel.as_os_str()) && content_dir.join(rel).is_file()
            });
        let listing = match &st.listing {
            Some(l) if named => Arc::clone(l),
            _ => {
                let mut walk_diags = Vec::new();
                let found = content::find_files(
                    &content_dir,
                    std::slice::from_ref(&st.setup.exclude),
                    &mut walk_diags,
                );
                Arc::new(Listing { found, walk_diags })
            }
        };
        st.listing = Some(Arc::clone(&listing));
        let found = &listing.found;
        let to_read: Vec<(&PathBuf, Option<(u64, SystemTime)>)> = if named {
            hinted
                .iter()
                .map(|rel| (rel, stamp(&content_dir.join(rel))))
                .collect()
        } else {
            let stamps: Vec<Option<(u64, SystemTime)>> = found
                .par_iter()
                .map(|rel| stamp(&content_dir.join(rel)))
                .collect();
            found
                .iter()
                .zip(stamps)
                .filter(|(rel, s)| {
                    hinted.contains(*rel)
                        || st
                            .sources
                            .get(rel.as_os_str())
                            .is_none_or(|old| old.stamp.is_none() || old.stamp != *s)
                })
                .collect()
        };
        stats.read = to_read.len();
        stats.lap("walk", &mut t);
        let read: Vec<(PathBuf, Source)> = to_read
            .par_iter()
            .map(|(rel, stamp)| {
                let (doc, diags) = content::load_file(&content_dir, rel, config.drafts);
                (
                    rel.to_path_buf(),
                    Source {
                        stamp: *stamp,
                        doc,
                        diags,
                    },
                )
            })
            .collect();
        // The watcher named each changed file and each kept its metadata
        // (date, week, title, tags…): the archive's shape (which documents,
        // their order, URLs and parents, the week convention, the findings
        // about dates and weeks) is the last one, and only these documents'
        // text changed. Assembling all of them anew, to find that out, was
        // about a third of a prose edit's time on a 10,000-report archive.
        let same_shape = named
            && st.site.is_some()
            && st.assemble_diags.is_some()
            && read.iter().all(|(rel, new)| {
                let old = st.sources.get(rel.as_os_str()).and_then(|s| s.doc.as_ref());
                matches!((old, &new.doc), (Some(a), Some(b)) if a.meta == b.meta)
            });
        let edited: Vec<PathBuf> = if same_shape {
            read.iter().map(|(rel, _)| rel.clone()).collect()
        } else {
            Vec::new()
        };
        if !named {
            let keep: FxHashSet<&OsStr> = found.iter().map(|p| p.as_os_str()).collect();
            st.sources.retain(|rel, _| keep.contains(rel.as_os_str()));
        }
        st.sources
            .extend(read.into_iter().map(|(rel, s)| (rel.into_os_string(), s)));

        stats.lap("read", &mut t);
        // In path order, as a full build reads them: the walk's findings,
        // each file's, then what assembling them found.
        let mut diags = listing.walk_diags.clone();
        let sources = || {
            found
                .iter()
                .filter_map(|rel| st.sources.get(rel.as_os_str()))
        };
        for s in sources() {
            diags.extend(s.diags.iter().cloned());
        }
        let (assembled, weeks, index_key) = match (&st.assemble_diags, &st.site) {
            (Some(assemble_diags), Some(site)) if same_shape => {
                diags.extend(assemble_diags.iter().cloned());
                (None, Some(site.weeks), std::mem::take(&mut st.index_key))
            }
            _ => {
                let docs: Vec<Doc> = sources().filter_map(|s| s.doc.clone()).collect();
                stats.assembled = docs.len();
                let archive = content::assemble(docs, config, Vec::new());
                diags.extend(archive.diags.iter().cloned());
                st.assemble_diags = Some(archive.diags);
                let index_key: Vec<(OsString, String)> = archive
                    .reports
                    .iter()
                    .chain(&archive.dailies)
                    .map(|d| (d.source.as_os_str().to_owned(), d.url.clone()))
                    .collect();
                (
                    Some((archive.reports, archive.dailies)),
                    archive.weeks,
                    index_key,
                )
            }
        };
        let mut site_diags = diags;

        stats.lap("assemble", &mut t);
        // Prepare: reuse every page whose inputs are unchanged.
        let relink = assembled.is_some() && (index_key != st.index_key || st.site.is_none());
        // The previous site, its pages taken out; what is left (its metric,
        // project and incident views) may be reused. Without a relink the
        // documents are the same files with the same URLs in the same order
        // as last time, so each one's previous page is at its own index.
        let (old_reports, old_dailies, shell) = match st.site.take() {
            Some(mut s) if !relink => (
                std::mem::take(&mut s.reports),
                std::mem::take(&mut s.dailies),
                Some(s),
            ),
            _ => (Vec::new(), Vec::new(), None),
        };
        // Only a document prepared anew resolves links: the last index
        // while the files and their URLs are the same, else built for the
        // first that needs it.
        let index = std::sync::OnceLock::new();
        if let (false, Some(kept)) = (relink, st.link_index.take()) {
            let _ = index.set(kept);
        }
        let index_of = || -> &LinkIndex {
            index.get_or_init(|| {
                Arc::new(LinkIndex::from_pairs(
                    index_key.iter().map(|(p, u)| (Path::new(p), u.as_str())),
                ))
            })
        };
        // Anything in a signature; a page's place; its title or tags; the
        // facts of each view.
        let (mut facts_moved, mut order_moved, mut meta_moved) = (false, false, false);
        let mut view_moved = [false; 3];
        // Prepares the documents whose page is not the previous one's,
        // in place; returns the pages and the indices prepared.
        let mut prepare = |docs: Option<_>, mut pages: Vec<Page>| -> (Vec<Page>, Vec<usize>) {
            let fresh = fresh_docs(docs, &mut pages, &edited, &st.sources);
            let changed: Vec<usize> = fresh.iter().map(|(i, _)| *i).collect();
            let prepared: Vec<(usize, Page, Vec<Diagnostic>, [bool; 5])> = fresh
                .into_par_iter()
                .map(|(i, d)| {
                    let (p, diags) = site::prepare(d, index_of(), config, None);
                    let moved = match pages.get(i) {
                        Some(old) => {
                            let (old, new) = (signature(old), signature(&p));
                            std::array::from_fn(|k| old[k] != new[k])
                        }
                        None => [true; 5],
                    };
                    (i, p, diags, moved)
                })
                .collect();
            let all_new = pages.is_empty();
            for (i, p, diags, moved) in prepared {
                facts_moved |= moved.iter().any(|m| *m);
                order_moved |= moved[PLACE];
                meta_moved |= moved[PLACE] || moved[META];
                for (v, k) in view_moved.iter_mut().zip([FIGURES, PROJECTS, INCIDENTS]) {
                    *v |= moved[k];
                }
                st.prepare_diags
                    .insert(p.doc.source.as_os_str().to_owned(), diags);
                if all_new {
                    pages.push(p);
                } else {
                    pages[i] = p;
                }
            }
            (pages, changed)
        };
        let (docs_r, docs_d) = match assembled {
            Some((r, d)) => (Some(r), Some(d)),
            None => (None, None),
        };
        let (reports, changed_reports) = prepare(docs_r, old_reports);
        let (dailies, changed_dailies) = prepare(docs_d, old_dailies);
        st.link_index = index.into_inner();
        stats.prepared = changed_reports.len() + changed_dailies.len();
        let live: FxHashSet<&OsStr> = reports
            .iter()
            .chain(&dailies)
            .map(|p| p.doc.source.as_os_str())
            .collect();
        st.prepare_diags
            .retain(|src, _| live.contains(src.as_os_str()));
        for p in reports.iter().chain(&dailies) {
            if let Some(d) = st.prepare_diags.get(p.doc.source.as_os_str()) {
                site_diags.extend(d.iter().cloned());
            }
        }
        let mut old_views: Option<Views> = None;
        let weeks = weeks.unwrap_or(Weeks::Iso);
        let (site, view_diags) = match (shell, st.view_diags.take()) {
            // No page moved and no title changed: a view none of whose facts
            // moved is the one `site::assemble` made last time. It is kept
            // (the views cost more than everything else on a large
            // archive); the others are built and compared with their old
            // selves.
            (Some(shell), Some([series_diags, project_diags])) if !meta_moved => {
                let mut kept = site::Kept::default();
                let mut old: Views = (None, None, None);
                if view_moved[0] {
                    old.0 = Some(shell.metrics);
                } else {
                    kept.metrics = Some((shell.metrics, series_diags));
                }
                if view_moved[1] {
                    old.1 = Some(shell.projects);
                } else {
                    kept.projects = Some((shell.projects, project_diags));
                }
                if view_moved[2] {
                    old.2 = Some(shell.incidents);
                } else {
                    kept.incidents = Some(shell.incidents);
                }
                if facts_moved {
                    old_views = Some(old);
                }
                stats.views_built = view_moved.iter().filter(|m| **m).count();
                site::assemble_keeping(reports, dailies, weeks, config.clone(), site_diags, kept)
            }
            (shell, _) => {
                old_views = shell.map(|s| (Some(s.metrics), Some(s.projects), Some(s.incidents)));
                stats.views_built = 3;
                let kept = site::Kept::default();
                site::assemble_keeping(reports, dailies, weeks, config.clone(), site_diags, kept)
            }
        };
        st.view_diags = Some(view_diags);
        stats.lap("prepare", &mut t);
        stats.reports = site.reports.len();
        stats.dailies = site.dailies.len();

        // Render. After a relink, or when a title, date or order moved
        // (they show on other reports' pages and on the aggregate pages),
        // everything. When only facts moved (a figure, a project update, an
        // incident), the pages whose view inputs changed and the aggregate
        // outputs of the changed series and projects. Otherwise the pages
        // around the edit. The home page always.
        let renderer = Renderer::new(&site, &st.setup.theme).with_series_parts(&st.series_parts);
        stats.lap("views", &mut t);
        let changes = match &old_views {
            Some(old) if facts_moved && !order_moved && !relink => {
                diag::timed("view changes", || view_changes(old, &site)).map(|mut c| {
                    if meta_moved {
                        titles_shown(&site, &changed_reports, &mut c);
                    }
                    c
                })
            }
            _ => None,
        };
        let everything = relink || (facts_moved && changes.is_none());
        // What each report page draws from the views, when they changed:
        // of the views that changed, the others' keys are as they were.
        let old_keys = std::mem::take(&mut st.view_keys);
        let parts = match &changes {
            Some(c) if !everything => [!c.series.is_empty(), !c.projects.is_empty(), c.incidents],
            _ => [true; 3],
        };
        let view_keys = (everything || changes.is_some())
            .then(|| report_view_keys(&renderer, site.reports.len(), parts, &old_keys));
        let all = || -> (Vec<usize>, Vec<usize>) {
            (
                (0..site.reports.len()).collect(),
                (0..site.dailies.len()).collect(),
            )
        };
        let (report_ix, daily_ix, canaries) = if everything {
            let (r, d) = all();
            (r, d, Vec::new())
        } else {
            let (mut r, mut d) = dirty_pages(&site, &changed_reports, &changed_dailies);
            if let Some(keys) = &view_keys {
                r.extend(
                    (0..keys.len()).filter(|&i| old_keys.get(i).is_none_or(|k| *k != keys[i])),
                );
                r.sort_unstable();
                r.dedup();
            }
            // Canaries: one untouched report page and one daily page are
            // rendered too. Should they differ from last time, pages draw on
            // something site-wide that the signatures missed, and every
            // page is rendered again.
            let mut canaries = Vec::new();
            if let Some(i) = (0..site.reports.len()).find(|i| r.binary_search(i).is_err()) {
                r.push(i);
                canaries.push(site.reports[i].doc.url.clone());
            }
            if let Some(j) = (0..site.dailies.len()).find(|j| d.binary_search(j).is_err()) {
                d.push(j);
                canaries.push(site.dailies[j].doc.url.clone());
            }
            (r, d, canaries)
        };
        st.view_keys = view_keys.unwrap_or(old_keys);
        stats.lap("compare", &mut t);
        // Of the home outputs, an edit that moved no title, date or order
        // changes the archive page only through the latest report's headings
        // or the headline series, and the feed only through its reports.
        let home_parts = if everything || meta_moved {
            HomeParts::ALL
        } else {
            let latest = (0..site.reports.len())
                .rev()
                .find(|&i| site.reports[i].doc.meta.date.is_some());
            HomeParts {
                index: changed_reports.iter().any(|&i| Some(i) == latest)
                    || changes
                        .as_ref()
                        .is_some_and(|c| c.series.iter().any(|&k| site.metrics[k].headline)),
                feed: changed_reports.iter().any(|&i| renderer.in_feed(i)),
                rest: false,
            }
        };
        // The pages, the home page and the changed views' outputs side by side.
        let (pages, (home, partial)) = rayon::join(
            || renderer.render_pages(&report_ix, &daily_ix),
            || {
                rayon::join(
                    || renderer.render_home_only(home_parts),
                    || changes.as_ref().map(|c| renderer.render_aggregates_for(c)),
                )
            },
        );
        let mut pages = pages.map_err(|d| vec![d])?;
        let mut home = home.map_err(|d| vec![d])?;
        let moved = pages
            .iter()
            .filter(|f| canaries.contains(&key(&f.path)))
            .any(|f| {
                st.files
                    .get(&key(&f.path))
                    .is_none_or(|old| old[..] != f.bytes[..])
            });
        let all_home = everything || meta_moved || moved;
        let everything = everything || moved;
        if moved {
            home = renderer.render_home().map_err(|d| vec![d])?;
            let (r, d) = all();
            pages = renderer.render_pages(&r, &d).map_err(|d| vec![d])?;
            st.view_keys = report_view_keys(&renderer, site.reports.len(), [true; 3], &[]);
        }
        // Deferred, the previous index is served until `finish_search`;
        // the first build has none to serve.
        let search = (!defer_search || st.search.is_empty()).then(|| renderer.render_search());
        let aggregates = if everything {
            Some(renderer.render_aggregates().map_err(|d| vec![d])?)
        } else if let Some(partial) = partial {
            Some(partial.map_err(|d| vec![d])?)
        } else {
            None
        };
        stats.rendered = pages.len()
            + home.len()
            + aggregates.as_ref().map_or(0, Vec::len)
            + search.as_ref().map_or(0, Vec::len);
        stats.lap("render", &mut t);

        // The outputs removed or written by this update: without a relink
        // the others are the previous update's own buffers, so only these
        // can differ (comparing all of them took milliseconds of every save
        // on a 10,000-report site).
        let mut touched: Vec<String> = Vec::new();
        let mut files: Files = if relink {
            // Afresh, but for a deferred search index, kept as it was.
            let mut f = Files::new();
            if search.is_none() {
                for k in &st.search {
                    if let Some(b) = st.files.get(k) {
                        f.insert(k.clone(), b.clone());
                    }
                }
            }
            f
        } else {
            let mut f = (*st.files).clone();
            // Outputs rendered in part are overwritten below, not removed.
            for k in (if all_home { &st.home[..] } else { &[] })
                .iter()
                .chain(if everything { &st.aggregates[..] } else { &[] })
                .chain(if search.is_some() {
                    &st.search[..]
                } else {
                    &[]
                })
            {
                f.remove(k);
                touched.push(k.clone());
            }
            f
        };
        let keys = |v: &[OutFile]| -> Vec<String> { v.iter().map(|f| key(&f.path)).collect() };
        if all_home {
            st.home = keys(&home);
        }
        match &search {
            Some(s) => {
                st.search = keys(s);
                st.search_stale = false;
            }
            None => st.search_stale = true,
        }
        if let (true, Some(a)) = (everything, &aggregates) {
            st.aggregates = keys(a);
        }
        let mut insert = |files: &mut Files, v: Vec<OutFile>| {
            for f in v {
                let k = key(&f.path);
                touched.push(k.clone());
                files.insert(k, Bytes::from(f.bytes));
            }
        };
        insert(&mut files, pages);
        insert(&mut files, home);
        insert(&mut files, aggregates.unwrap_or_default());
        insert(&mut files, search.unwrap_or_default());
        let changed = if relink {
            diff(&st.files, &files)
        } else {
            diff_touched(&st.files, &files, touched)
        };

        let mut all_diags = st.setup.diags.clone();
        all_diags.extend(site.diags.iter().cloned());
        diag::sort(&mut all_diags);

        stats.lap("diff", &mut t);
        st.diags = all_diags.clone();
        let files = Arc::new(files);
        st.files = files.clone();
        st.index_key = index_key;
        st.site = Some(site);
        Ok(Output {
            files,
            diags: all_diags,
            changed,
            stats,
        })
    }
}

/// The documents to prepare anew, with their indices: the assembled ones
/// (`Some`) that differ from the page at their index (all of them, and
/// `pages` emptied, when their number changed), or else the `edited`
/// ones, whose text alone changed since their page was made.
fn fresh_docs(
    docs: Option<Vec<Doc>>,
    pages: &mut Vec<Page>,
    edited: &[PathBuf],
    sources: &FxHashMap<OsString, Source>,
) -> Vec<(usize, Doc)> {
    let Some(docs) = docs else {
        return (pages.iter().enumerate())
            .filter_map(|(i, p)| {
                let source = p.doc.source.as_os_str();
                let rel = edited.iter().find(|e| e.as_os_str() == source)?;
                let read = sources.get(rel.as_os_str())?.doc.as_ref()?;
                let mut d = p.doc.clone();
                d.text = Arc::clone(&read.text);
                d.body_offset = read.body_offset;
                (d != p.doc).then_some((i, d))
            })
            .collect();
    };
    if pages.len() != docs.len() {
        pages.clear();
    }
    docs.into_iter()
        .enumerate()
        .filter(|(i, d)| pages.get(*i).is_none_or(|p| p.doc != *d))
        .collect()
}

/// `Renderer::report_view_key`: one hash per view.
type ViewKey = [u64; 3];

/// Every report's view key, computing only the `parts` asked for when
/// `old` has the others (the same reports, as of the last update).
fn report_view_keys(
    renderer: &Renderer,
    n: usize,
    parts: [bool; 3],
    old: &[ViewKey],
) -> Vec<ViewKey> {
    let parts = if old.len() == n { parts } else { [true; 3] };
    diag::timed("view keys", || {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut k = renderer.report_view_key(i, parts);
                for p in 0..3 {
                    if !parts[p] {
                        k[p] = old[i][p];
                    }
                }
                k
            })
            .collect()
    })
}

/// Adds to `c` the aggregate outputs that show the titles of `reports`:
/// the pages of the series and projects they appear in, the project
/// timeline (its columns are named by report), and the incident log if
/// they have incidents.
fn titles_shown(site: &Site, reports: &[usize], c: &mut ViewChanges) {
    for &i in reports {
        for (k, s) in site.metrics.iter().enumerate() {
            if s.point_of_report(i).is_some() {
                c.series.push(k);
            }
        }
        for (k, p) in site.projects.iter().enumerate() {
            if p.entries.iter().any(|e| e.report == i) {
                c.projects.push(k);
            }
        }
        c.incidents |= site.incidents.iter().any(|e| e.report == i);
    }
    c.series.sort_unstable();
    c.series.dedup();
    c.projects.sort_unstable();
    c.projects.dedup();
    c.timeline = !site.projects.is_empty();
}

/// The pages that show something of a changed document: its own page,
/// the neighbours that link to it by title, and its daily notes or, for a
/// daily note, its report and sibling notes.
fn dirty_pages(
    site: &Site,
    changed_reports: &[usize],
    changed_dailies: &[usize],
) -> (Vec<usize>, Vec<usize>) {
    let mut reports = BTreeSet::new();
    let mut dailies = BTreeSet::new();
    for &i in changed_reports {
        // The reports before and after it show its title in their
        // previous/next links (`Site::neighbours` never reaches further).
        reports.extend(i.saturating_sub(1)..(i + 2).min(site.reports.len()));
        dailies.extend(site.reports[i].dailies.iter().copied());
    }
    for &j in changed_dailies {
        dailies.insert(j);
        if let Some(p) = site.dailies[j].doc.parent {
            reports.insert(p);
            let siblings = &site.reports[p].dailies;
            if let Some(pos) = siblings.iter().position(|&k| k == j) {
                dailies.extend(pos.checked_sub(1).map(|k| siblings[k]));
                dailies.extend(siblings.get(pos + 1).copied());
            }
        }
    }
    (reports.into_iter().collect(), dailies.into_iter().collect())
}

/// Untouched outputs are the very same buffers: pointers are compared first.
fn same(a: &Bytes, b: &Bytes) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// Paths whose bytes differ between two outputs, including added and removed ones.
fn diff(old: &Files, new: &Files) -> Vec<String> {
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(k, v)| !old.get(*k).is_some_and(|o| same(o, v)))
        .map(|(k, _)| k.clone())
        .collect();
    changed.extend(old.keys().filter(|k| !new.contains_key(*k)).cloned());
    changed.sort();
    changed
}

/// `diff` when `new` is `old` with only the `touched` paths removed or
/// written: the same list, from those paths alone.
fn diff_touched(old: &Files, new: &Files, mut touched: Vec<String>) -> Vec<String> {
    touched.sort_unstable();
    touched.dedup();
    touched.retain(|k| match (old.get(k), new.get(k)) {
        (Some(a), Some(b)) => !same(a, b),
        (None, None) => false,
        _ => true,
    });
    touched
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn site(n: u32) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        for w in 1..=n {
            let date = NaiveDate::from_isoywd_opt(2024, w, chrono::Weekday::Fri).unwrap();
            std::fs::write(
                content.join(format!("{date}.md")),
                format!("# 第{w}周 {date}\n\n- 进度{w}0%\n"),
            )
            .unwrap();
        }
        dir
    }

    #[test]
    fn a_moved_canary_renders_every_page() {
        let dir = site(6);
        let mut engine = Engine::new(Paths {
            root: dir.path().to_path_buf(),
            ..Paths::default()
        });
        let first = engine.update(&[]).unwrap();
        let last = dir.path().join("content/2024-02-09.md");
        std::fs::write(&last, "# 第6周 2024-02-09\n\n- 进度61%\n").unwrap();
        let normal = engine.update(std::slice::from_ref(&last)).unwrap();
        // The edited page, its neighbour and one canary: three of the six
        // report pages, and none of the aggregate outputs.
        assert!(
            normal.stats.rendered + 3 <= first.stats.rendered,
            "{} of {}",
            normal.stats.rendered,
            first.stats.rendered
        );

        // Pretend an untouched page came out differently last time, as if
        // it showed something site-wide: every page is rendered again.
        let canary = "reports/2024-w01.html";
        let st = engine.state.as_mut().unwrap();
        Arc::make_mut(&mut st.files).insert(canary.into(), Bytes::from_static(b"stale"));
        std::fs::write(&last, "# 第6周 2024-02-09\n\n- 进度62%\n").unwrap();
        let out = engine.update(std::slice::from_ref(&last)).unwrap();
        assert_eq!(out.stats.rendered, first.stats.rendered);
        assert_eq!(out.files[canary], first.files[canary]);
    }

    #[test]
    fn a_diff_of_the_touched_paths_is_the_whole_diff() {
        let b = |s: &str| Bytes::from(s.as_bytes().to_vec());
        let old: Files = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|k| (k.to_string(), b(k)))
            .collect();
        let mut new = old.clone();
        // Written again with the same bytes (another buffer), written with
        // other bytes, removed, added, and removed then written again.
        new.insert("a".into(), b("a"));
        new.insert("b".into(), b("B"));
        new.remove("c");
        new.insert("f".into(), b("f"));
        new.remove("d");
        new.insert("d".into(), b("d2"));
        let touched = ["a", "b", "c", "f", "d", "d", "x"]
            .map(String::from)
            .to_vec();
        let whole = diff(&old, &new);
        assert_eq!(whole, ["b", "c", "d", "f"]);
        assert_eq!(diff_touched(&old, &new, touched), whole);
    }
}
