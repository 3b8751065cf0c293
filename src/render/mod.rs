//! The render stage: turns the site model into output files (pages through
//! Tera, data files as JSON) in memory. Writing them is `output`'s job, so a
//! failure here leaves the previous site untouched.

pub mod charts;
#[cfg(test)]
mod contrast;
pub mod data;
pub mod feeds;
mod incidents;
mod json;
mod metrics;
mod projects;
mod scan;
pub mod search;
pub mod theme;

use std::borrow::Cow;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use tera::Context;

use crate::diag::Diagnostic;
use crate::markdown::TocEntry;
use crate::site::{relative_url, root_of, Page, Site};
pub use theme::Theme;

/// One file of the finished site, path relative to the output folder.
pub struct OutFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// The rest of a file whose start was handed over before (`Streamed`):
    /// the sink appends it.
    pub append: bool,
}

impl OutFile {
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            bytes: bytes.into(),
            append: false,
        }
    }
}

/// A file written to a sink in parts of about `Streamed::PART` bytes, so a
/// large one (`data/projects.json` is 100 MB at 10,000 reports) is never
/// in memory whole. Parts of one file come from one thread, in order.
pub struct Streamed<'s> {
    path: PathBuf,
    buf: Vec<u8>,
    started: bool,
    sink: Sink<'s>,
    /// What the sink refused a part with: `io::Write` can only say that it
    /// failed, `finish` says why.
    failed: Option<Diagnostic>,
}

impl<'s> Streamed<'s> {
    const PART: usize = 1 << 20;

    pub fn new(path: impl Into<PathBuf>, sink: Sink<'s>) -> Self {
        Self {
            path: path.into(),
            buf: Vec::with_capacity(Self::PART + Self::PART / 4),
            started: false,
            sink,
            failed: None,
        }
    }

    /// Hands `bytes` over as the next part.
    fn hand_over(&mut self, bytes: Vec<u8>) -> Result<(), Diagnostic> {
        let part = OutFile {
            path: self.path.clone(),
            bytes,
            append: self.started,
        };
        self.started = true;
        (self.sink)(part)
    }

    /// Hands over what is left (the whole file, if it stayed small), or
    /// returns the sink's refusal of an earlier part.
    pub fn finish(mut self) -> Result<(), Diagnostic> {
        match self.failed.take() {
            Some(d) => Err(d),
            None => {
                let rest = std::mem::take(&mut self.buf);
                self.hand_over(rest)
            }
        }
    }
}

impl std::io::Write for Streamed<'_> {
    #[inline]
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= Self::PART {
            let full = std::mem::replace(
                &mut self.buf,
                Vec::with_capacity(Self::PART + Self::PART / 4),
            );
            if let Err(d) = self.hand_over(full) {
                self.failed = Some(d);
                return Err(std::io::Error::other("the sink refused a part"));
            }
        }
        Ok(b.len())
    }

    /// `write` always takes every byte: serde_json writes a data file a
    /// token at a time (a million calls for `projects.json` at 1,000
    /// reports), and the default `write_all` loops around `write`.
    #[inline]
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.write(b).map(|_| ())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the next list item's anchor (`markdown::ITEM_ANCHOR`) starts in
/// `html`, by one searcher built once: `str::find` builds one per call, and
/// a page has an anchor per list item.
fn find_item_anchor(html: &str) -> Option<usize> {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(crate::markdown::ITEM_ANCHOR));
    FINDER.find(html.as_bytes())
}

#[derive(Serialize)]
struct Link {
    title: String,
    url: String,
}

#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    url: &'a str,
    date: Option<String>,
    date_display: Option<String>,
    week: Option<u32>,
    week_label: String,
    year: Option<i32>,
    source: String,
    content: Cow<'a, str>,
    toc: Vec<TocEntry<'a>>,
    /// The table of contents as the default theme's `toc` component writes
    /// it (`Renderer::toc_html`), for a report.html that shows it.
    #[serde(skip_serializing_if = "String::is_empty")]
    toc_html: String,
}

#[derive(Serialize)]
struct ListItem<'a> {
    title: String,
    url: String,
    date: Option<String>,
    date_display: Option<String>,
    week: Option<u32>,
    week_label: String,
    daily_count: usize,
    toc: Vec<TocEntry<'a>>,
}

pub struct Renderer<'a> {
    pub site: &'a Site,
    pub theme: &'a Theme,
    /// What every page's context shares (site, strings, navigation), built
    /// once: serialising the theme's strings per page was a measurable share
    /// of a large build.
    base: Context,
    /// For each report, its incidents (indices into `Site::incidents`) and
    /// its project entries (project, entry): looked up once per page, so a
    /// scan of the whole log per page would make the build quadratic.
    incidents_of: Vec<Vec<usize>>,
    entries_of: Vec<Vec<(usize, usize)>>,
    /// Each project's link from a report page, by the page's folder
    /// (`Renderer::project_links`).
    project_links: std::collections::HashMap<String, Vec<String>>,
    /// The theme's `date_format`, parsed once: it formats every date shown.
    date_items: Vec<chrono::format::Item<'a>>,
    /// The theme's `week_prefix` and `week_suffix` (`第`, `周`), looked up
    /// once: every row of a long table has a week label.
    week_words: (&'a str, &'a str),
    /// `serve`'s series parts of the metric data files, kept between edits
    /// (`with_series_parts`).
    series_parts: Option<&'a data::SeriesParts>,
    /// Whether report pages get their table of contents and their figures
    /// as HTML written here (`toc_html`, `figures_html`): only while the
    /// default theme's components are in use and report.html shows them.
    /// The two lists were over a third of Tera's time on a report page
    /// (callgrind, 1,000 reports).
    report_lists: (bool, bool),
}

impl<'a> Renderer<'a> {
    pub fn new(site: &'a Site, theme: &'a Theme) -> Self {
        let mut incidents_of = vec![Vec::new(); site.reports.len()];
        for (k, e) in site.incidents.iter().enumerate() {
            if let Some(v) = incidents_of.get_mut(e.report) {
                v.push(k);
            }
        }
        let mut entries_of = vec![Vec::new(); site.reports.len()];
        for (p, project) in site.projects.iter().enumerate() {
            for (k, e) in project.entries.iter().enumerate() {
                if let Some(v) = entries_of.get_mut(e.report) {
                    v.push((p, k));
                }
            }
        }
        let mut r = Renderer {
            site,
            theme,
            base: Context::new(),
            incidents_of,
            entries_of,
            project_links: Default::default(),
            date_items: theme.date_items(),
            week_words: (theme.string("week_prefix"), theme.string("week_suffix")),
            series_parts: None,
            report_lists: {
                let ours = theme.is_builtin("components.html");
                (
                    ours && theme.mentions("report.html", "toc_html"),
                    ours && theme.mentions("report.html", "figures_html"),
                )
            },
        };
        let c = &site.config;
        let mut base = Context::new();
        base.insert("site", &json!({"title": c.title, "description": c.description, "language": c.language, "base_url": c.base_url}));
        base.insert("t", &theme.strings);
        base.insert("nav", &r.nav());
        base.insert("inline_assets", &false);
        r.base = base;
        r.project_links = r.project_links();
        r
    }

    /// Makes the metric data files from `parts`, reusing those of series
    /// that did not change since they were kept (`data::SeriesParts`).
    pub fn with_series_parts(mut self, parts: &'a data::SeriesParts) -> Self {
        self.series_parts = Some(parts);
        self
    }

    /// `data/metrics.json` and `data/metrics.csv` whole, from `serve`'s
    /// kept parts (or from new ones).
    fn metrics_files_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        let fresh;
        let parts = match self.series_parts {
            Some(p) => p,
            None => {
                fresh = data::SeriesParts::default();
                &fresh
            }
        };
        let [json, csv] =
            crate::diag::timed("metric data", || data::metrics_files(self.site, parts))?;
        sink(json)?;
        sink(csv)
    }

    /// `第16周` / `Week 16`, computed here rather than by a template macro
    /// per row (macro calls were Tera's largest cost on big archives).
    pub(super) fn week_label(&self, week: Option<u32>) -> String {
        let Some(w) = week else {
            return String::new();
        };
        let (prefix, suffix) = &self.week_words;
        let mut digits = itoa::Buffer::new();
        [prefix, digits.format(w), suffix].concat()
    }

    pub fn date_display(&self, date: NaiveDate) -> String {
        theme::show_date(&self.date_items, date)
    }

    /// `<time datetime="2023-04-14">2023年4月14日</time>`: a date as the
    /// lists chronicle writes in Rust show it (a project's updates, a
    /// series' rows), the same markup the templates give it.
    fn push_time(&self, out: &mut String, date: NaiveDate) {
        out.push_str("<time datetime=\"");
        crate::content::push_iso(out, date);
        out.push_str("\">");
        theme::push_escaped(out, &self.date_display(date));
        out.push_str("</time>");
    }

    fn base_context(&self, page_url: &str, section: &str) -> Context {
        let mut ctx = self.base.clone();
        ctx.insert("root", &root_of(page_url));
        ctx.insert("section", section);
        ctx
    }

    /// The site-wide navigation: (section key, label, URL from the root).
    /// A view appears only when the archive has something to show in it.
    fn nav(&self) -> Vec<serde_json::Value> {
        let items = [
            ("home", "archive", "index.html", true),
            (
                "metrics",
                "metrics",
                "metrics.html",
                !self.site.metrics.is_empty(),
            ),
            (
                "projects",
                "projects",
                "projects.html",
                !self.site.projects.is_empty(),
            ),
            (
                "incidents",
                "incidents",
                "incidents.html",
                !self.site.incidents.is_empty(),
            ),
            ("search", "search", "search.html", true),
        ];
        items
            .iter()
            .filter(|i| i.3)
            .map(|(key, label, url, _)| json!({"key": key, "label": self.theme.string(label), "url": url}))
            .collect()
    }

    fn render(&self, template: &str, ctx: &Context, out: &str) -> Result<OutFile, Diagnostic> {
        // Into bytes directly: `Tera::render` checks that its own output is
        // UTF-8 before returning a String, 2% of a build for nothing. Sized
        // for a report page, so most pages never grow the buffer.
        let mut html = Vec::with_capacity(32 * 1024);
        self.theme
            .tera
            .render_to(template, ctx, &mut html)
            .map(|()| OutFile::new(out, html))
            .map_err(|e| self.render_error(&e, template, out))
    }

    /// `render` for the pages that grow with the archive (the incident
    /// log, a long-lived project's or series' page: megabytes at 10,000
    /// reports), handed to `sink` in parts as they are rendered rather
    /// than grown whole in memory, with every copy its growth makes.
    fn render_streamed(
        &self,
        template: &str,
        ctx: &Context,
        out: &str,
        sink: Sink,
    ) -> Result<(), Diagnostic> {
        let mut parts = Streamed::new(out, sink);
        let rendered = self.theme.tera.render_to(template, ctx, &mut parts);
        match (rendered, parts.finish()) {
            (_, Err(refused)) => Err(refused),
            (Err(e), Ok(())) => Err(self.render_error(&e, template, out)),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    fn render_error(&self, e: &tera::Error, template: &str, out: &str) -> Diagnostic {
        let (msg, line, name) = theme::tera_error_at(e);
        let name = name.unwrap_or_else(|| template.to_string());
        let path = self.theme.paths.get(&name).cloned();
        Diagnostic::error(
            path.unwrap_or_else(|| format!("templates/{name}").into()),
            line,
            format!("cannot render {out}: {msg}"),
        )
    }

    /// What a page template shows of page `p`, with `html` (the page's,
    /// decorated) as its content.
    fn page_view_with<'p>(&self, p: &'p Page, html: Cow<'p, str>) -> PageView<'p> {
        let d = &p.doc;
        PageView {
            title: d.title(),
            url: &d.url,
            date: d.meta.date.map(crate::content::iso),
            date_display: d.meta.date.map(|x| self.date_display(x)),
            week: d.week.map(|w| w.1),
            week_label: self.week_label(d.week.map(|w| w.1)),
            year: d.week.map(|w| w.0).or(d.meta.date.map(|x| x.year())),
            source: d.source.to_string_lossy().into_owned(),
            content: self.localize(p, html),
            toc: p.rendered.toc(),
            toc_html: String::new(),
        }
    }

    /// A table of contents with the markup of the default theme's `toc`
    /// component (three levels, as it shows), escaped as Tera escapes.
    fn toc_html(entries: &[TocEntry]) -> String {
        fn item(out: &mut String, e: &TocEntry) {
            out.push_str("<li><a href=\"#");
            theme::push_escaped(out, e.id);
            out.push_str("\">");
            theme::push_escaped(out, e.title);
            out.push_str("</a>");
        }
        let mut out = String::with_capacity(64 + entries.len() * 96);
        out.push_str("\n<ol>\n");
        for e in entries {
            item(&mut out, e);
            if !e.children.is_empty() {
                out.push_str("\n<ol>");
                for c in &e.children {
                    item(&mut out, c);
                    if !c.children.is_empty() {
                        out.push_str("\n<ol>");
                        for g in &c.children {
                            item(&mut out, g);
                            out.push_str("</li>");
                        }
                        out.push_str("</ol>");
                    }
                    out.push_str("</li>");
                }
                out.push_str("</ol>");
            }
            out.push_str("</li>\n");
        }
        out.push_str("\n</ol>\n");
        out
    }

    /// Page HTML with the markdown stage's English marker for missing
    /// links in the site's language. Only pages the markdown stage found
    /// missing links in are searched: scanning every page's HTML for the
    /// marker was a tenth of rendering the pages.
    fn localize<'h>(&self, p: &Page, html: Cow<'h, str>) -> Cow<'h, str> {
        if p.rendered.missing_links.is_empty() {
            return html;
        }
        let marker = format!("title=\"{}", crate::markdown::MISSING_TITLE);
        let label = format!("title=\"{}", self.theme.string("missing_link"));
        html.replace(&marker, &label).into()
    }

    /// A report's body with its incidents marked and its project updates
    /// linked to their project pages; borrowed when it has neither.
    fn decorate_report<'h>(&self, i: usize, html: &'h str) -> Cow<'h, str> {
        match self.mark_incidents(i, html) {
            Cow::Borrowed(h) => self.link_projects(i, h),
            Cow::Owned(h) => Cow::Owned(self.link_projects(i, &h).into_owned()),
        }
    }

    fn link(&self, from: &str, p: &Page) -> Link {
        Link {
            title: p.doc.title().to_string(),
            url: relative_url(from, &p.doc.url),
        }
    }

    fn report(&self, i: usize) -> Result<OutFile, Diagnostic> {
        self.report_with(i, &self.site.html(&self.site.reports[i])?)
    }

    /// Report `i`'s page with `html` as its body.
    fn report_with(&self, i: usize, html: &str) -> Result<OutFile, Diagnostic> {
        let p = &self.site.reports[i];
        let url = &p.doc.url;
        let mut ctx = self.base_context(url, "report");
        let (prev, next) = self.site.neighbours(i);
        let mut view = self.page_view_with(p, self.decorate_report(i, html));
        let (toc_html, figures_html) = self.report_lists;
        if toc_html && !view.toc.is_empty() {
            view.toc_html = Self::toc_html(&view.toc);
        }
        ctx.insert("page", &view);
        ctx.insert("prev", &prev.map(|j| self.link(url, &self.site.reports[j])));
        ctx.insert("next", &next.map(|j| self.link(url, &self.site.reports[j])));
        let dailies: Vec<Link> = p
            .dailies
            .iter()
            .map(|&j| self.link(url, &self.site.dailies[j]))
            .collect();
        ctx.insert("dailies", &dailies);
        let figures = self.report_figures(i);
        if figures_html && !figures.is_empty() {
            ctx.insert("figures_html", &self.figures_html(&figures));
        }
        ctx.insert("figures", &figures);
        self.render("report.html", &ctx, url)
    }

    fn daily(&self, i: usize) -> Result<OutFile, Diagnostic> {
        self.daily_with(i, &self.site.html(&self.site.dailies[i])?)
    }

    /// Daily note `i`'s page with `html` as its body.
    fn daily_with(&self, i: usize, html: &str) -> Result<OutFile, Diagnostic> {
        let p = &self.site.dailies[i];
        let url = &p.doc.url;
        let parent = &self.site.reports[p.doc.parent.unwrap_or(0)];
        let siblings = &parent.dailies;
        let pos = siblings.iter().position(|&j| j == i).unwrap_or(0);
        let mut ctx = self.base_context(url, "report");
        ctx.insert("page", &self.page_view_with(p, html.into()));
        ctx.insert("parent", &self.link(url, parent));
        ctx.insert(
            "prev",
            &pos.checked_sub(1)
                .map(|k| self.link(url, &self.site.dailies[siblings[k]])),
        );
        ctx.insert(
            "next",
            &siblings
                .get(pos + 1)
                .map(|&k| self.link(url, &self.site.dailies[k])),
        );
        self.render("daily.html", &ctx, url)
    }

    fn list_item<'p>(&self, p: &'p Page) -> ListItem<'p> {
        ListItem {
            title: p.doc.title().to_string(),
            url: p.doc.url.clone(),
            date: p.doc.meta.date.map(crate::content::iso),
            date_display: p.doc.meta.date.map(|d| self.date_display(d)),
            week: p.doc.week.map(|w| w.1),
            week_label: self.week_label(p.doc.week.map(|w| w.1)),
            daily_count: p.dailies.len(),
            toc: Vec::new(),
        }
    }

    /// Dated reports, newest first, as the home page's archive lists them
    /// (`reports_html` in index.html): the markup of the default theme's
    /// loop over `reports`, escaped as Tera escapes.
    fn list_items_html(&self, pages: &[&Page]) -> String {
        let daily_notes = self.theme.string("daily_notes");
        let mut out = String::with_capacity(pages.len() * 240);
        for p in pages.iter().rev() {
            out.push_str("\n        <li><a href=\"");
            theme::push_escaped(&mut out, &p.doc.url);
            out.push_str("\"><span class=\"wk\">");
            theme::push_escaped(&mut out, &self.week_label(p.doc.week.map(|w| w.1)));
            out.push_str("</span><span class=\"title\">");
            theme::push_escaped(&mut out, p.doc.title());
            out.push_str("</span></a>");
            // The archive's months list dated reports only.
            self.push_time(&mut out, p.doc.meta.date.unwrap_or_default());
            let n = p.dailies.len();
            if n > 0 {
                out.push_str("<span class=\"badge\">");
                out.push_str(itoa::Buffer::new().format(n));
                out.push(' ');
                theme::push_escaped(&mut out, daily_notes);
                out.push_str("</span>");
            }
            out.push_str("</li>\n      ");
        }
        out
    }

    fn index(&self) -> Result<OutFile, Diagnostic> {
        let mut ctx = self.base_context("index.html", "home");
        let dated: Vec<&Page> = self
            .site
            .reports
            .iter()
            .filter(|p| p.doc.meta.date.is_some())
            .collect();
        // Typed, serialised once: on a large archive this list is most of
        // the page.
        #[derive(serde::Serialize)]
        struct Month<'a> {
            month: u32,
            label: String,
            count: usize,
            /// The month's list items, written in Rust for an index.html
            /// that shows them (`reports_html`, the default theme); then
            /// `reports` is empty.
            #[serde(skip_serializing_if = "String::is_empty")]
            reports_html: String,
            reports: Vec<ListItem<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Year<'a> {
            year: i32,
            count: usize,
            months: Vec<Month<'a>>,
        }
        // Newest first: the archive is read from the top. Grouped first,
        // then each year's entries made and turned into template values on
        // all cores (`list_value`): `serve` re-renders this page whenever a
        // headline figure changes. The list items are most of the page and
        // most of its cost, so they are written in Rust when index.html
        // shows them that way (`reports_html`), as a metric page's rows
        // are; a site's own index.html that loops over `reports` gets them
        // as values.
        let as_html = self.theme.mentions("index.html", "reports_html");
        let mut by_year: std::collections::BTreeMap<
            i32,
            std::collections::BTreeMap<u32, Vec<&Page>>,
        > = Default::default();
        for p in &dated {
            let d = p.doc.meta.date.unwrap_or_default();
            by_year
                .entry(d.year())
                .or_default()
                .entry(d.month())
                .or_default()
                .push(p);
        }
        let by_year: Vec<_> = by_year.into_iter().rev().collect();
        let years = list_value(by_year.into_par_iter().map(|(year, months)| {
            let count: usize = months.values().map(Vec::len).sum();
            let months: Vec<Month> = months
                .into_iter()
                .rev()
                .map(|(month, pages)| {
                    let label = NaiveDate::from_ymd_opt(year, month, 1)
                        .map(|d| d.format(self.theme.string("month_format")).to_string())
                        .unwrap_or_default();
                    let (reports_html, reports) = if as_html {
                        (self.list_items_html(&pages), Vec::new())
                    } else {
                        (
                            String::new(),
                            pages.iter().rev().map(|p| self.list_item(p)).collect(),
                        )
                    };
                    Month {
                        month,
                        label,
                        count: pages.len(),
                        reports_html,
                        reports,
                    }
                })
                .collect();
            Year {
                year,
                count,
                months,
            }
        }));
        let undated: Vec<ListItem> = self
            .site
            .reports
            .iter()
            .filter(|p| p.doc.meta.date.is_none())
            .map(|p| self.list_item(p))
            .collect();
        let latest = dated.last().map(|p| {
            let mut item = self.list_item(p);
            item.toc = p.rendered.toc();
            item
        });
        ctx.insert_value("years", years);
        ctx.insert("undated", &undated);
        ctx.insert("latest", &latest);
        ctx.insert("total", &self.site.reports.len());
        ctx.insert("headlines", &self.headlines());
        ctx.insert(
            "first_date",
            &dated
                .first()
                .and_then(|p| p.doc.meta.date)
                .map(|d| self.date_display(d)),
        );
        ctx.insert(
            "last_date",
            &dated
                .last()
                .and_then(|p| p.doc.meta.date)
                .map(|d| self.date_display(d)),
        );
        self.render("index.html", &ctx, "index.html")
    }

    /// Hosts serve 404.html at whatever address was not found, at any
    /// depth, so it inlines its CSS and script instead of linking them.
    fn not_found(&self) -> Result<OutFile, Diagnostic> {
        let mut ctx = self.base_context("404.html", "404");
        let asset = |name: &str| {
            self.theme
                .statics
                .iter()
                .find(|(p, _)| p.as_os_str() == name)
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        ctx.insert("inline_assets", &true);
        // `</` cannot end a <style> or <script> element early in our own
        // files, but a site's override could contain it.
        ctx.insert("inline_css", &asset("style.css").replace("</", "<\\/"));
        ctx.insert("inline_js", &asset("site.js").replace("</", "<\\/"));
        self.render("404.html", &ctx, "404.html")
    }

    /// Renders every output file into memory. Pages render in parallel;
    /// the first template error stops the build (a broken template breaks
    /// every page).
    pub fn render_all(&self) -> Result<Vec<OutFile>, Diagnostic> {
        collect(|sink| self.render_all_to(sink))
    }

    /// Renders every output file and hands each to `sink` as soon as it is
    /// made. `chronicle build` writes them to disk from there, so the site
    /// is never held in memory whole (600 MB at 10,000 reports) and writing
    /// overlaps rendering.
    pub fn render_all_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        let (pages, site_wide) = rayon::join(
            || crate::diag::timed("pages", || self.render_every_page_to(sink)),
            || {
                crate::diag::timed("site-wide", || {
                    self.render_feed_to(sink)?;
                    self.render_search_to(sink)?;
                    self.render_rest_to(sink)
                })
            },
        );
        pages.and(site_wide)
    }

    /// For `crate::build`: everything but the feed and the report and
    /// daily pages, after the search index (`render_search_to`). Not side
    /// by side with the index: the index's postings and the aggregate
    /// pages' contexts were a third of a 10,000-report build's peak memory,
    /// for a tenth of a second.
    pub fn render_rest_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        let home = HomeParts {
            feed: false,
            ..HomeParts::ALL
        };
        let (home, aggregates) = rayon::join(
            || self.render_home_parts(home, sink),
            || crate::diag::timed("aggregates", || self.render_aggregates_to(sink)),
        );
        home.and(aggregates)
    }

    /// For `crate::build`: the search index.
    pub fn render_search_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        crate::diag::timed("search", || search::write_unless(self, &|| false, sink)).map(|_| ())
    }

    /// The feed alone: besides the report pages, the one output that shows
    /// page HTML, so `crate::build` writes it before the pages take theirs.
    pub fn render_feed_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        let feed = HomeParts {
            index: false,
            feed: true,
            rest: false,
        };
        self.render_home_parts(feed, sink)
    }

    /// Every report and daily page. In a build each page reads its HTML
    /// back from the spill file as it is rendered (see `site::spill`), so
    /// only the pages being rendered have theirs in memory.
    pub fn render_every_page_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        let reports: Vec<usize> = (0..self.site.reports.len()).collect();
        let dailies: Vec<usize> = (0..self.site.dailies.len()).collect();
        self.render_pages_to(&reports, &dailies, sink)
    }

    /// Renders the pages of the given reports and daily notes (indices into
    /// `Site::reports` and `Site::dailies`). A page depends only on its own
    /// document, its neighbours and its daily notes or parent, so `serve`
    /// re-renders just the pages around an edit with this.
    pub fn render_pages(
        &self,
        reports: &[usize],
        dailies: &[usize],
    ) -> Result<Vec<OutFile>, Diagnostic> {
        collect(|sink| self.render_pages_to(reports, dailies, sink))
    }

    fn render_pages_to(
        &self,
        reports: &[usize],
        dailies: &[usize],
        sink: Sink,
    ) -> Result<(), Diagnostic> {
        reports
            .par_iter()
            .try_for_each(|&i| sink(self.report(i)?))?;
        dailies.par_iter().try_for_each(|&i| sink(self.daily(i)?))
    }

    /// The metric, project and incident pages and their data files: what
    /// the site's facts (`Site::metrics`, `projects`, `incidents`) feed.
    /// `serve` re-renders these only when those facts change.
    pub fn render_aggregates(&self) -> Result<Vec<OutFile>, Diagnostic> {
        collect(|sink| self.render_aggregates_to(sink))
    }

    fn render_aggregates_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        // One pool of independent jobs rather than pages first and data
        // files after: the data files are written by one thread each, and
        // left for the end they were a tail the other core sat out.
        type Job<'j> = &'j (dyn Fn() -> Result<(), Diagnostic> + Sync);
        let jobs: [Job; 6] = [
            &|| crate::diag::timed("project pages", || self.project_pages(sink, None)),
            &|| crate::diag::timed("metric pages", || self.metric_pages(sink, None)),
            &|| crate::diag::timed("incident pages", || self.incident_pages(sink)),
            &|| data::incidents_json_to(self.site, sink),
            // `serve` keeps each series' part of these for the next edit;
            // a build streams them, holding less.
            &|| match self.series_parts {
                Some(_) => self.metrics_files_to(sink),
                None => data::metrics_json_to(self.site, sink),
            },
            &|| match self.series_parts {
                Some(_) => Ok(()),
                None => sink(data::metrics_csv(self.site)),
            },
        ];
        jobs.par_iter().with_max_len(1).try_for_each(|job| job())
    }

    /// The aggregate outputs that changed views feed: for each view with
    /// any change, its index page and data files, and the pages of the
    /// series and projects listed (indices into `Site::metrics` and
    /// `Site::projects`). `serve` uses it when an edit moved facts but no
    /// title, date or order, so only those can have changed.
    pub fn render_aggregates_for(&self, changed: &ViewChanges) -> Result<Vec<OutFile>, Diagnostic> {
        collect(|sink| {
            let metrics = || -> Result<(), Diagnostic> {
                if changed.series.is_empty() {
                    return Ok(());
                }
                // The series' pages beside the data files, which `serve`
                // joins from the parts it kept (`with_series_parts`).
                let (pages, data) = rayon::join(
                    || {
                        crate::diag::timed("metric pages", || {
                            self.metric_pages(sink, Some(&changed.series))
                        })
                    },
                    || self.metrics_files_to(sink),
                );
                pages.and(data)
            };
            let projects = || -> Result<(), Diagnostic> {
                if changed.timeline && changed.projects.is_empty() {
                    return sink(self.projects_index()?);
                }
                self.project_pages(sink, Some(&changed.projects))
            };
            let incidents = || -> Result<(), Diagnostic> {
                if changed.incidents {
                    self.incident_pages(sink)?;
                    data::incidents_json_to(self.site, sink)?;
                }
                Ok(())
            };
            let (m, (p, i)) = rayon::join(metrics, || rayon::join(projects, incidents));
            m.and(p).and(i)
        })
    }

    /// What report `i`'s page draws from the site's views rather than from
    /// its own document: its figures (with the change since the previous
    /// point, from another report), its project links, its incident marks,
    /// and the navigation. `serve` compares these between updates to find
    /// the pages an edit of facts reaches.
    ///
    /// A hash of the inputs rather than the rendered parts: it is computed
    /// for every report whenever facts move. One hash per view (series,
    /// projects, incidents), of the views `parts` asks for (0 for the
    /// others): an edit that changed one view needs only that one's.
    pub fn report_view_key(&self, i: usize, parts: [bool; 3]) -> [u64; 3] {
        use std::hash::{Hash, Hasher};
        let mut keys = [0; 3];
        if parts[0] {
            let mut h = rustc_hash::FxHasher::default();
            for (k, s) in self.site.metrics.iter().enumerate() {
                if let Some(j) = s.point_of_report(i) {
                    let p = &s.points[j];
                    (k, p.value.to_bits(), &p.anchor).hash(&mut h);
                    s.change_at(j).map(f64::to_bits).hash(&mut h);
                }
            }
            self.site.metrics.is_empty().hash(&mut h);
            keys[0] = h.finish();
        }
        if parts[1] {
            let mut h = rustc_hash::FxHasher::default();
            for &(p, e) in &self.entries_of[i] {
                let p = &self.site.projects[p];
                (&p.id, &p.name, &p.entries[e].anchor).hash(&mut h);
            }
            self.site.projects.is_empty().hash(&mut h);
            keys[1] = h.finish();
        }
        if parts[2] {
            let mut h = rustc_hash::FxHasher::default();
            for &k in &self.incidents_of[i] {
                let e = &self.site.incidents[k];
                let i = &e.incident;
                (&e.id, i.date, &i.time, &i.summary, &i.cause, &i.action).hash(&mut h);
                (&i.impact, &i.text, i.line, &i.anchor).hash(&mut h);
            }
            self.site.incidents.is_empty().hash(&mut h);
            keys[2] = h.finish();
        }
        keys
    }

    /// The home page, 404, `data/reports.json`, the feeds and the static
    /// files, which `serve` re-renders after any content change (the search
    /// index is `render_search`).
    pub fn render_home(&self) -> Result<Vec<OutFile>, Diagnostic> {
        collect(|sink| self.render_home_to(sink))
    }

    /// The search index (`search::files`). Every document feeds it, so any
    /// content change changes it; `serve` builds it after the pages, off the
    /// path from save to reload.
    pub fn render_search_unless(&self, cancel: &(dyn Fn() -> bool + Sync)) -> Option<Vec<OutFile>> {
        search::files_unless(self, cancel)
    }

    /// The search index, whatever it takes.
    pub fn render_search(&self) -> Vec<OutFile> {
        crate::diag::timed("search", || search::files(self))
    }

    fn render_home_to(&self, sink: Sink) -> Result<(), Diagnostic> {
        self.render_home_parts(HomeParts::ALL, sink)
    }

    /// The home outputs `parts` asks for.
    fn render_home_parts(&self, parts: HomeParts, sink: Sink) -> Result<(), Diagnostic> {
        if parts.index {
            sink(crate::diag::timed("index", || self.index())?)?;
        }
        if parts.feed {
            sink(self.feed()?)?;
        }
        if parts.rest {
            sink(self.not_found()?)?;
            sink(self.search_page()?)?;
            data::reports_json_to(self.site, sink)?;
            for (rel, bytes) in &self.theme.statics {
                sink(OutFile::new(
                    PathBuf::from("static").join(rel),
                    bytes.clone(),
                ))?;
            }
            if let Some(sitemap) = self.sitemap()? {
                sink(sitemap)?;
            }
        }
        Ok(())
    }

    /// Some of `render_home`, for `serve`: see `HomeParts`.
    pub fn render_home_only(&self, parts: HomeParts) -> Result<Vec<OutFile>, Diagnostic> {
        collect(|sink| self.render_home_parts(parts, sink))
    }

    /// Whether report `i` may be in the Atom feed (the latest dated
    /// reports; a tie at the cut counts as in).
    pub fn in_feed(&self, i: usize) -> bool {
        let Some(date) = self.site.reports[i].doc.meta.date else {
            return false;
        };
        let newer = self
            .site
            .reports
            .iter()
            .filter(|p| p.doc.meta.date.is_some_and(|d| d > date))
            .count();
        newer < feeds::FEED_ENTRIES
    }
}

/// Which of the home outputs to render. What each depends on:
/// - `index`: every report's title, date, week and daily-note count, the
///   latest report's headings, and the headline series;
/// - `feed`: the latest reports' titles, dates and bodies;
/// - `rest` (404, search page, `data/reports.json`, sitemap, static files):
///   metadata, the views' presence, the theme.
#[derive(Debug, Clone, Copy)]
pub struct HomeParts {
    pub index: bool,
    pub feed: bool,
    pub rest: bool,
}

impl HomeParts {
    pub const ALL: HomeParts = HomeParts {
        index: true,
        feed: true,
        rest: true,
    };
}

/// Which views changed, for `Renderer::render_aggregates_for`.
#[derive(Debug, Default)]
pub struct ViewChanges {
    /// Indices into `Site::metrics` of the series that changed.
    pub series: Vec<usize>,
    /// Indices into `Site::projects` of the projects that changed.
    pub projects: Vec<usize>,
    pub incidents: bool,
    /// `projects.html` even when no project changed (a report's title,
    /// which names a column of its timeline).
    pub timeline: bool,
}

/// A long list for a template (a series' rows, a project's updates, the
/// home page's years) as one value, each item made and turned into a
/// template value on whichever core is free: the same value
/// `Context::insert` makes of the list. On a 10,000-reading series, making
/// and converting the rows took as long as rendering them (17 ms and 17
/// ms), all on the core that had the page. It is for a core that would
/// otherwise wait (the largest project page is a big build's last job);
/// where both are busy, as during `serve`'s figure edit, it moves work
/// without saving any.
fn list_value<R: serde::Serialize>(items: impl IndexedParallelIterator<Item = R>) -> tera::Value {
    let values: Vec<tera::Value> = items.map(|r| tera::Value::from_serializable(&r)).collect();
    tera::Value::from(values)
}

/// The indices `only` lists, or every index below `len` when it lists
/// none: the aggregate renderers take either a subset (`serve`) or all.
fn listed_or_all(only: Option<&[usize]>, len: usize) -> std::borrow::Cow<'_, [usize]> {
    match only {
        Some(k) => k.into(),
        None => (0..len).collect::<Vec<_>>().into(),
    }
}

/// Where rendered files go: written to disk by `chronicle build`, kept in
/// memory by `check` and `serve`. Called from many threads at once.
pub type Sink<'s> = &'s (dyn Fn(OutFile) -> Result<(), Diagnostic> + Sync);

/// Runs a render into memory.
fn collect(
    render: impl FnOnce(Sink) -> Result<(), Diagnostic>,
) -> Result<Vec<OutFile>, Diagnostic> {
    let files = std::sync::Mutex::new(Vec::<OutFile>::new());
    render(&|f| {
        let mut files = files.lock().unwrap_or_else(|e| e.into_inner());
        // A part of a streamed file joins its start (the latest file of
        // that path: one thread streams it, others may have handed over
        // files in between).
        if f.append {
            if let Some(start) = files.iter_mut().rev().find(|g| g.path == f.path) {
                start.bytes.extend_from_slice(&f.bytes);
                return Ok(());
            }
        }
        files.push(OutFile { append: false, ..f });
        Ok(())
    })?;
    Ok(files.into_inner().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod stream_tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_list_value_is_the_value_insert_makes_of_the_list_in_order() {
        #[derive(serde::Serialize)]
        struct Row {
            n: usize,
            text: String,
            change: Option<f64>,
        }
        let rows: Vec<Row> = (0..1000)
            .map(|n| Row {
                n,
                text: "热点账户".repeat(n % 7),
                change: (n % 3 == 0).then_some(n as f64 / 4.0),
            })
            .collect();
        let want = tera::Value::from_serializable(&rows.iter().rev().collect::<Vec<_>>());
        assert_eq!(list_value(rows.par_iter().rev()), want);
        assert_ne!(list_value(rows.par_iter()), want);
    }

    #[test]
    fn streamed_parts_join_their_file_in_memory() {
        let files = collect(|sink| {
            let mut w = Streamed::new("data/big.json", sink);
            for i in 0..3000 {
                // Another file handed over between the parts.
                if i == 1500 {
                    sink(OutFile::new("other.html", "x"))?;
                }
                write!(w, "{i:0>1000}").unwrap();
            }
            w.finish()
        })
        .unwrap();
        assert_eq!(files.len(), 2);
        let big = files
            .iter()
            .find(|f| f.path == std::path::Path::new("data/big.json"))
            .unwrap();
        assert_eq!(big.bytes.len(), 3000 * 1000);
        assert!(!big.append);
        let text = String::from_utf8(big.bytes.clone()).unwrap();
        assert!(text.starts_with(&format!("{:0>1000}", 0)));
        assert!(text.ends_with(&format!("{:0>1000}", 2999)));
    }

    #[test]
    fn a_refused_part_is_the_streams_error() {
        let refuse = |f: OutFile| -> Result<(), Diagnostic> {
            Err(Diagnostic::error(&f.path, None, "disk full"))
        };
        let mut w = Streamed::new("data/big.json", &refuse);
        let wrote = w.write_all(&vec![b'x'; 3 << 20]);
        assert!(wrote.is_err());
        let err = w.finish().unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
    }
}
