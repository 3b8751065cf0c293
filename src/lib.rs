//! chronicle: a static site generator for archives of weekly reports.
//!
//! The build is a one-way pipeline, one module per stage:
//! `config` → `content` → `markdown` → `extract` → `site` → `render` → `output`.
//! `serve` (the writing loop) and `cli` (in main.rs) sit on top; `new`
//! scaffolds next week's report.

pub mod config;
pub mod content;
pub mod diag;
pub mod extract;
pub mod markdown;
pub mod new;
pub mod output;
pub mod render;
pub mod serve;
pub mod site;
pub mod synth;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use config::Config;
use diag::{Diagnostic, Level};

/// Where things are, as the command line gave them.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub root: PathBuf,
    /// An explicit config file (must exist) instead of `root/config.toml`.
    pub config: Option<PathBuf>,
    pub content: Option<PathBuf>,
    pub output: Option<PathBuf>,
}

/// A build's outcome for the summary line and the exit status.
#[derive(Debug, Default)]
pub struct Summary {
    pub reports: usize,
    pub dailies: usize,
    pub pages: usize,
    pub files: usize,
    pub warnings: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub output: PathBuf,
}

/// A site loaded and rendered in memory, ready to write or to check.
pub struct Built {
    pub site: site::Site,
    pub files: Vec<render::OutFile>,
    pub content_dir: PathBuf,
    pub output_dir: PathBuf,
}

fn resolve_dirs(paths: &Paths, config: &Config) -> (PathBuf, PathBuf) {
    let content = paths
        .content
        .clone()
        .unwrap_or_else(|| paths.root.join(&config.content_dir));
    let output = paths
        .output
        .clone()
        .unwrap_or_else(|| paths.root.join(&config.output_dir));
    (content, output)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// What a build needs before it reads a single report: the config, the
/// folders and the theme. A problem here is fatal: nothing can be built.
pub struct Setup {
    pub config: Config,
    /// Findings about the config itself (unknown keys).
    pub diags: Vec<Diagnostic>,
    pub content_dir: PathBuf,
    pub output_dir: PathBuf,
    /// The absolute output folder, which the content walk must skip.
    pub exclude: PathBuf,
    pub theme: render::Theme,
}

/// Reads the config and the theme and checks the folders. Shared by
/// `build_in_memory` and `serve`'s incremental rebuilds, so both refuse the
/// same things.
pub fn setup(paths: &Paths) -> Result<Setup, Vec<Diagnostic>> {
    let folders = folders(paths)?;
    let theme = folders.theme(paths)?;
    Ok(folders.with_theme(theme))
}

/// The config and the folders: a `Setup` waiting for its theme.
struct Folders {
    config: Config,
    diags: Vec<Diagnostic>,
    content_dir: PathBuf,
    output_dir: PathBuf,
    exclude: PathBuf,
}

impl Folders {
    fn theme(&self, paths: &Paths) -> Result<render::Theme, Vec<Diagnostic>> {
        render::theme::load(&paths.root, &self.config.theme, &self.config.language)
            .map_err(|d| vec![d])
    }

    fn with_theme(self, theme: render::Theme) -> Setup {
        Setup {
            config: self.config,
            diags: self.diags,
            content_dir: self.content_dir,
            output_dir: self.output_dir,
            exclude: self.exclude,
            theme,
        }
    }
}

fn folders(paths: &Paths) -> Result<Folders, Vec<Diagnostic>> {
    let config_path = paths
        .config
        .clone()
        .unwrap_or_else(|| paths.root.join("config.toml"));
    let (config, diags) =
        Config::load(&config_path, paths.config.is_some()).map_err(|e| vec![e.0])?;
    let (content_dir, output_dir) = resolve_dirs(paths, &config);
    if !content_dir.is_dir() {
        return Err(vec![Diagnostic::error(
            &content_dir,
            None,
            "content folder not found",
        )]);
    }
    let (abs_content, abs_output) = (absolute(&content_dir), absolute(&output_dir));
    if abs_content.starts_with(&abs_output) {
        return Err(vec![Diagnostic::error(
            &output_dir,
            None,
            "the output folder is the content folder or contains it; refusing to build (it would be replaced)",
        )]);
    }
    Ok(Folders {
        config,
        diags,
        content_dir,
        output_dir,
        exclude: abs_output,
    })
}

/// Reads the archive and prepares its documents, parsing the theme
/// meanwhile: everything before the views. With a `spill` (a build's, in
/// its staging folder) and an archive big enough to need it
/// (`site::spill::worth_it`), the pages' HTML and texts wait there rather
/// than in memory.
fn load_pages(
    folders: Folders,
    paths: &Paths,
    spill: Option<std::sync::Arc<site::spill::Spill>>,
) -> Result<(site::Pages, Setup), Vec<Diagnostic>> {
    // Parsing the templates is most of a small build's fixed cost, and
    // nothing before rendering needs them: they are parsed while the
    // content is read and modelled.
    let (theme, pages) = rayon::join(
        || folders.theme(paths),
        || {
            let archive = diag::timed("load", || {
                content::load(
                    &folders.content_dir,
                    &folders.config,
                    std::slice::from_ref(&folders.exclude),
                )
            });
            let bytes: u64 = (archive.reports.iter().chain(&archive.dailies))
                .map(|d| d.text.len() as u64)
                .sum();
            let spill = spill.filter(|_| site::spill::worth_it(bytes));
            diag::timed("site", || {
                site::prepare_all(archive, &folders.config, spill)
            })
        },
    );
    Ok((pages, folders.with_theme(theme?)))
}

/// The site from its pages and views, the findings about the config
/// first, all in order.
fn finish_site(pages: site::Pages, views: site::Views, setup: &mut Setup) -> site::Site {
    let (mut site, _) = site::with_views(pages, setup.config.clone(), views);
    let mut diags = std::mem::take(&mut setup.diags);
    diags.append(&mut site.diags);
    diag::sort(&mut diags);
    site.diags = diags;
    site
}

/// Loads and models the archive: everything before rendering.
fn load_site(paths: &Paths) -> Result<(site::Site, Setup), Vec<Diagnostic>> {
    let (pages, mut setup) = load_pages(folders(paths)?, paths, None)?;
    let views = site::views(&pages.reports, &setup.config, site::Kept::default());
    let site = finish_site(pages, views, &mut setup);
    Ok((site, setup))
}

/// Loads, parses and renders the archive. `Err` is a fatal problem (config,
/// theme, templates, folders) that leaves nothing to write; problems in
/// single reports are diagnostics in the result instead.
pub fn build_in_memory(paths: &Paths) -> Result<Built, Vec<Diagnostic>> {
    let (site, setup) = load_site(paths)?;
    let renderer = render::Renderer::new(&site, &setup.theme);
    let files = diag::timed("render", || renderer.render_all()).map_err(|d| vec![d])?;
    Ok(Built {
        site,
        files,
        content_dir: setup.content_dir,
        output_dir: setup.output_dir,
    })
}

/// Builds the site and swaps it into the output folder. Files are written
/// as they are rendered (into the staging folder, swapped in at the end),
/// so the finished site is never held in memory whole. The pages of a big
/// archive's site keep their HTML and section texts in its spill file
/// (`Site::html` reads them back), not in memory.
pub fn build(paths: &Paths) -> Result<(Built, Summary), Vec<Diagnostic>> {
    let start = Instant::now();
    let folders = folders(paths)?;
    let staging = output::Staging::new(&folders.output_dir).map_err(|d| vec![d])?;
    // Where no spill file can be made, the pages keep their HTML and texts
    // in memory: the build needs more of it, but goes on.
    let spill = site::spill::Spill::new_in(staging.folder())
        .ok()
        .map(std::sync::Arc::new);
    let (pages, mut setup) = load_pages(folders, paths, spill)?;
    let (page_count, files) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let sink = |f: render::OutFile| {
        // The later parts of a streamed file are the same file.
        if !f.append {
            files.fetch_add(1, Ordering::Relaxed);
            if f.path.extension().is_some_and(|e| e == "html") {
                page_count.fetch_add(1, Ordering::Relaxed);
            }
        }
        staging.write(&f)
    };
    // The views; the report and daily pages, each reading its HTML back
    // from the spill file, beside the search index, reading the texts
    // back; then everything else.
    let views = diag::timed("views", || {
        site::views(&pages.reports, &setup.config, site::Kept::default())
    });
    let mut site = finish_site(pages, views, &mut setup);
    let theme = &setup.theme;
    // The pages beside the search index: writing pages waits on the disk
    // (the folder's lock, the page cache), counting tokens does not, so
    // together they keep both cores busy. The pages hold only the few
    // being rendered, so the peak stays the index's.
    diag::timed("pages and search", || {
        let r = render::Renderer::new(&site, theme);
        r.render_feed_to(&sink)?;
        let (pages, search) = rayon::join(
            || diag::timed("pages", || r.render_every_page_to(&sink)),
            || r.render_search_to(&sink),
        );
        pages.and(search)
    })
    .map_err(|d| vec![d])?;
    // Nothing reads the spill file after the pages and the index. Let go
    // of it beside the rest rather than at exit: freeing a few hundred MB
    // of file (10,000 reports) takes tens of milliseconds, and at exit
    // nothing else runs.
    let spill = site.spill.take();
    let (rest, ()) = rayon::join(
        || {
            diag::timed("the rest", || {
                render::Renderer::new(&site, theme).render_rest_to(&sink)
            })
        },
        || drop(spill),
    );
    rest.map_err(|d| vec![d])?;
    diag::timed("swap", || staging.commit()).map_err(|d| vec![d])?;
    let built = Built {
        site,
        files: Vec::new(),
        content_dir: setup.content_dir,
        output_dir: setup.output_dir,
    };
    let mut summary = summarize(&built, start.elapsed());
    summary.pages = page_count.into_inner();
    summary.files = files.into_inner();
    Ok((built, summary))
}

pub fn summarize(built: &Built, elapsed: Duration) -> Summary {
    let count = |l| built.site.diags.iter().filter(|d| d.level == l).count();
    Summary {
        reports: built.site.reports.len(),
        dailies: built.site.dailies.len(),
        pages: built
            .files
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "html"))
            .count(),
        files: built.files.len(),
        warnings: count(Level::Warning),
        errors: count(Level::Error),
        elapsed,
        output: built.output_dir.clone(),
    }
}
