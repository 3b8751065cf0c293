//! The project timeline, one page per project, project links on report
//! pages, and `data/projects.json`.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::{json, Value};

use super::charts::{self, ChartPoint, Line, LineChart};
use super::theme::{escape_html, push_escaped};
use super::{OutFile, Renderer};
use crate::content::iso;
use crate::diag::Diagnostic;
use crate::extract::projects::Status;
use crate::site::projects::{short_date, Project, ProjectStatus};
use crate::site::{anchored_url, relative_url};

const LABEL_W: i64 = 260;
const CELL_W: i64 = 44;
const ROW_H: i64 = 30;
const HEAD_H: i64 = 46;
const GROUP_H: i64 = 30;
const STATUS_W: i64 = 120;

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

impl Renderer<'_> {
    pub(super) fn project_url(&self, p: &Project) -> String {
        format!("projects/{}.html", p.id)
    }

    fn status_label(&self, s: ProjectStatus) -> &str {
        self.theme.string(match s {
            ProjectStatus::Active => "status_active",
            ProjectStatus::Done => "status_done",
            ProjectStatus::Stalled => "status_stalled",
        })
    }

    fn entry_status_label(&self, s: Option<Status>) -> &str {
        match s {
            Some(Status::Done) => self.theme.string("status_done"),
            Some(Status::Risk) => self.theme.string("risk"),
            Some(Status::Testing) => self.theme.string("testing"),
            None => "",
        }
    }

    /// Projects grouped by section (in order of first appearance), most
    /// recently active first within a group.
    fn project_groups(&self) -> Vec<(String, Vec<&Project>)> {
        let mut groups: Vec<(String, Vec<&Project>)> = Vec::new();
        for p in &self.site.projects {
            match groups.iter_mut().find(|(g, _)| *g == p.section) {
                Some((_, list)) => list.push(p),
                None => groups.push((p.section.clone(), vec![p])),
            }
        }
        for (_, list) in &mut groups {
            list.sort_by(|a, b| {
                b.last_seen()
                    .cmp(&a.last_seen())
                    .then_with(|| a.name.cmp(&b.name))
            });
        }
        groups
    }

    /// The timeline: one row per project, one column per dated report,
    /// each cell shaded by progress and marked for done, risk and slips.
    fn timeline_svg(&self, page: &str, cols: &[usize]) -> String {
        let col_of: HashMap<usize, usize> = cols.iter().enumerate().map(|(c, &i)| (i, c)).collect();
        let mut groups = self.project_groups();
        // Only the projects mentioned in the window get a row.
        for (_, list) in &mut groups {
            list.retain(|p| p.entries.iter().any(|e| col_of.contains_key(&e.report)));
        }
        groups.retain(|(_, list)| !list.is_empty());
        let rows: usize = groups.iter().map(|(_, l)| l.len()).sum();
        let width = LABEL_W + CELL_W * cols.len() as i64 + STATUS_W;
        let height = HEAD_H + GROUP_H * groups.len() as i64 + ROW_H * rows as i64 + 8;
        let mut s = String::new();
        s.push_str(&format!(
            "<svg class=\"timeline\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"tl-t tl-d\">\n<title id=\"tl-t\">{}</title>\n<desc id=\"tl-d\">{}</desc>\n",
            escape_html(self.theme.string("projects_title")),
            escape_html(&format!("{} {} × {} {}", rows, self.theme.string("projects"), cols.len(), self.theme.string("reports")))
        ));
        // Column heads: week number, and the month where it changes.
        let mut last_month = String::new();
        for (c, &i) in cols.iter().enumerate() {
            let d = &self.site.reports[i].doc;
            let x = LABEL_W + CELL_W * c as i64 + CELL_W / 2;
            let month = d
                .meta
                .date
                .map(|d| d.format("%Y-%m").to_string())
                .unwrap_or_default();
            if month != last_month {
                let label = d
                    .meta
                    .date
                    .map(|d| d.format(self.theme.string("month_format")).to_string())
                    .unwrap_or_default();
                s.push_str(&format!(
                    "<text class=\"tl-month\" x=\"{}\" y=\"16\">{}</text>",
                    x - CELL_W / 2 + 2,
                    escape_html(&label)
                ));
                last_month = month;
            }
            let week = d.week.map(|w| format!("W{}", w.1)).unwrap_or_default();
            s.push_str(&format!(
                "<a href=\"{}\"><text class=\"tl-week\" x=\"{x}\" y=\"36\" text-anchor=\"middle\">{}<title>{}</title></text></a>",
                escape_html(&relative_url(page, &d.url)),
                escape_html(&week),
                escape_html(d.title())
            ));
        }
        let mut y = HEAD_H;
        for (group, list) in &groups {
            s.push_str(&format!(
                "<rect class=\"tl-group\" x=\"0\" y=\"{y}\" width=\"{width}\" height=\"{GROUP_H}\"/><text class=\"tl-group-t\" x=\"8\" y=\"{}\">{}</text>\n",
                y + 20,
                escape_html(group)
            ));
            y += GROUP_H;
            for (k, p) in list.iter().enumerate() {
                if k % 2 == 1 {
                    s.push_str(&format!("<rect class=\"tl-alt\" x=\"0\" y=\"{y}\" width=\"{width}\" height=\"{ROW_H}\"/>"));
                }
                let url = relative_url(page, &self.project_url(p));
                s.push_str(&format!(
                    "<a href=\"{}\"><text class=\"tl-label\" x=\"10\" y=\"{}\">{}<title>{}</title></text></a>",
                    escape_html(&url),
                    y + 20,
                    escape_html(&truncate(&p.name, 17)),
                    escape_html(&p.name)
                ));
                // The span from first to last mention, behind the cells.
                let span: Vec<usize> = p
                    .entries
                    .iter()
                    .filter_map(|e| col_of.get(&e.report).copied())
                    .collect();
                if let (Some(a), Some(b)) = (span.first(), span.last()) {
                    let (x1, x2) = (
                        LABEL_W + CELL_W * *a as i64 + CELL_W / 2,
                        LABEL_W + CELL_W * *b as i64 + CELL_W / 2,
                    );
                    s.push_str(&format!(
                        "<line class=\"tl-span\" x1=\"{x1}\" y1=\"{}\" x2=\"{x2}\" y2=\"{}\"/>",
                        y + ROW_H / 2,
                        y + ROW_H / 2
                    ));
                }
                for e in &p.entries {
                    let Some(&c) = col_of.get(&e.report) else {
                        continue;
                    };
                    let x = LABEL_W + CELL_W * c as i64 + 3;
                    let (w, h) = (CELL_W - 6, ROW_H - 6);
                    let mut tip = vec![format!("{} · {}", self.date_display(e.date), e.name)];
                    if let Some(pr) = e.progress {
                        tip.push(format!(
                            "{} {}%",
                            self.theme.string("progress"),
                            charts::format_value(pr, 2)
                        ));
                    }
                    for (k, v) in e.parts.iter() {
                        tip.push(format!("{k} {}%", charts::format_value(*v, 2)));
                    }
                    let st = self.entry_status_label(e.status);
                    if !st.is_empty() {
                        tip.push(st.to_string());
                    }
                    for pl in e.planned.iter() {
                        tip.push(pl.text.clone());
                    }
                    for sl in p.slips.iter().filter(|sl| sl.report == e.report) {
                        tip.push(format!(
                            "{}: {}",
                            self.theme.string("slipped"),
                            sl.describe()
                        ));
                    }
                    let cell = match e.progress {
                        Some(pr) => format!(
                            "<rect class=\"tl-cell tl-p\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{h}\" rx=\"4\" fill-opacity=\"{:.2}\"/><text class=\"tl-v{}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                            y + 3,
                            0.12 + 0.78 * pr.clamp(0.0, 100.0) / 100.0,
                            if pr >= 60.0 { " on-dark" } else { "" },
                            x + w / 2,
                            y + 19,
                            charts::format_value(pr, 0)
                        ),
                        None => format!("<rect class=\"tl-cell tl-none\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{h}\" rx=\"4\"/>", y + 3),
                    };
                    let marker = match (e.slipped, e.status) {
                        (true, _) => Some(("tl-slip", "»")),
                        (_, Some(Status::Done)) => Some(("tl-done", "✓")),
                        (_, Some(Status::Risk)) => Some(("tl-risk", "!")),
                        (_, Some(Status::Testing)) => Some(("tl-test", "T")),
                        _ => None,
                    };
                    let marker = marker
                        .map(|(cls, ch)| {
                            format!(
                                "<circle class=\"{cls}\" cx=\"{}\" cy=\"{}\" r=\"7\"/><text class=\"tl-mk\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{ch}</text>",
                                x + w - 2,
                                y + 5,
                                x + w - 2,
                                y + 9
                            )
                        })
                        .unwrap_or_default();
                    s.push_str(&format!(
                        "<a href=\"{}\">{cell}{marker}<title>{}</title></a>",
                        escape_html(&anchored_url(page, &e.url, &e.anchor)),
                        escape_html(&tip.join("\n"))
                    ));
                }
                let mut status = self.status_label(p.status).to_string();
                if p.risk {
                    status = format!("{status} · {}", self.theme.string("risk"));
                }
                s.push_str(&format!(
                    "<text class=\"tl-status st-{}{}\" x=\"{}\" y=\"{}\">{}</text>\n",
                    match p.status {
                        ProjectStatus::Active => "active",
                        ProjectStatus::Done => "done",
                        ProjectStatus::Stalled => "stalled",
                    },
                    if p.risk { " risk" } else { "" },
                    width - STATUS_W + 12,
                    y + 20,
                    escape_html(&status)
                ));
                y += ROW_H;
            }
        }
        s.push_str("</svg>");
        s
    }

    fn project_summary(&self, p: &Project, page: &str) -> Value {
        json!({
            "name": p.name,
            "url": relative_url(page, &self.project_url(p)),
            "status": p.status,
            "status_label": self.status_label(p.status),
            "risk": p.risk,
            "section": p.section,
            "last_seen": p.last_seen().map(|d| self.date_display(d)),
            "progress": p.latest_progress().map(|v| charts::format_value(v, 2)),
            // The overview shows the latest two slips; the project page has them all.
            "slips": p.slips.iter().rev().take(2).rev().map(|s| s.describe()).collect::<Vec<_>>(),
            "slip_count": p.slips.len(),
            "overdue": p.overdue.as_ref().map(|o| format!("{} ({}{})", o.text, short_date(o.date), self.theme.string("passed"))),
        })
    }

    pub(super) fn projects_index(&self) -> Result<OutFile, Diagnostic> {
        let page = "projects.html";
        let mut ctx = self.base_context(page, "projects");
        // The timeline shows the latest reports; a project last mentioned
        // before them is listed in the table of earlier projects instead.
        let dated: Vec<usize> = (0..self.site.reports.len())
            .filter(|&i| self.site.reports[i].doc.meta.date.is_some())
            .collect();
        let window = &dated[dated
            .len()
            .saturating_sub(self.site.config.projects.timeline_reports.max(1))..];
        let since = window
            .first()
            .and_then(|&i| self.site.reports[i].doc.meta.date);
        let recent = |p: &&Project| match (since, p.last_seen()) {
            (Some(a), Some(b)) => b >= a,
            _ => true,
        };
        let (ps, earlier): (Vec<&Project>, Vec<&Project>) =
            self.site.projects.iter().partition(recent);
        let earlier: Vec<Value> = earlier
            .iter()
            .rev()
            .map(|p| self.project_summary(p, page))
            .collect();
        ctx.insert("earlier", &earlier);
        ctx.insert("window_from", &since.map(|d| self.date_display(d)));
        ctx.insert("window_reports", &window.len());
        let done: Vec<Value> = ps
            .iter()
            .filter(|p| p.status == ProjectStatus::Done)
            .map(|p| self.project_summary(p, page))
            .collect();
        let slipped: Vec<Value> = ps
            .iter()
            .filter(|p| !p.slips.is_empty() || p.overdue.is_some())
            .map(|p| self.project_summary(p, page))
            .collect();
        let mut stuck: Vec<&Project> = ps
            .iter()
            .copied()
            .filter(|p| p.risk || p.status == ProjectStatus::Stalled)
            .collect();
        stuck.sort_by(|a, b| b.risk.cmp(&a.risk).then(b.last_seen().cmp(&a.last_seen())));
        let stuck: Vec<Value> = stuck
            .iter()
            .map(|p| self.project_summary(p, page))
            .collect();
        let count = |s: ProjectStatus| ps.iter().filter(|p| p.status == s).count();
        ctx.insert("timeline", &self.timeline_svg(page, window));
        ctx.insert("done", &done);
        ctx.insert("slipped", &slipped);
        ctx.insert("stuck", &stuck);
        ctx.insert("count_total", &ps.len());
        ctx.insert("count_active", &count(ProjectStatus::Active));
        ctx.insert("count_done", &count(ProjectStatus::Done));
        ctx.insert("count_stalled", &count(ProjectStatus::Stalled));
        ctx.insert("count_risk", &ps.iter().filter(|p| p.risk).count());
        ctx.insert(
            "stalled_after",
            &self.site.config.projects.stalled_after_weeks,
        );
        self.render("projects.html", &ctx, page)
    }

    /// The progress chart (overall and parts) and its legend.
    fn progress_chart(&self, p: &Project, page: &str) -> (String, Vec<(String, String)>) {
        let point = |k: usize, v: f64| ChartPoint {
            date: p.entries[k].date,
            value: v,
            missed: false,
            key: k,
        };
        // The tooltip names the line: overall progress, or a part.
        let label = |name: &str, part: bool| -> charts::Label<'_> {
            let name = name.to_string();
            Box::new(move |k: usize| {
                let e = &p.entries[k];
                let v = match part {
                    true => e.parts.get(&name).copied(),
                    false => e.progress,
                };
                let tooltip = [
                    &self.date_display(e.date),
                    " · ",
                    &name,
                    " ",
                    &charts::format_value(v.unwrap_or_default(), 2),
                    "%",
                ]
                .concat();
                (tooltip, Some(anchored_url(page, &e.url, &e.anchor)))
            })
        };
        let overall = self.theme.string("progress");
        let mut lines = vec![Line {
            name: overall.to_string(),
            class: "s0".into(),
            points: p
                .entries
                .iter()
                .enumerate()
                .filter_map(|(k, e)| e.progress.map(|v| point(k, v)))
                .collect(),
            label: label(overall, false),
        }];
        let mut part_names: Vec<&String> = p.entries.iter().flat_map(|e| e.parts.keys()).collect();
        part_names.sort();
        part_names.dedup();
        for (k, name) in part_names.iter().enumerate() {
            lines.push(Line {
                name: (*name).clone(),
                class: format!("s{}", (k + 1) % 4),
                points: p
                    .entries
                    .iter()
                    .enumerate()
                    .filter_map(|(j, e)| e.parts.get(*name).map(|v| point(j, *v)))
                    .collect(),
                label: label(name, true),
            });
        }
        lines.retain(|l| !l.points.is_empty());
        if lines.is_empty() {
            return (String::new(), Vec::new());
        }
        let legend: Vec<(String, String)> = lines
            .iter()
            .map(|l| (l.name.clone(), l.class.clone()))
            .collect();
        let svg = charts::line_chart(&LineChart {
            id: &format!("pc-{}", p.id),
            title: &p.name,
            desc: &lines
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            unit: "%",
            lines,
            target: None,
            width: 960,
            height: 300,
            y_range: Some((0.0, 105.0)),
            target_label: "",
            x_range: p.first_seen().zip(p.last_seen()),
        })
        .unwrap_or_default();
        (svg, legend)
    }

    /// A project's updates, newest first, as the values a template loops
    /// over (`entries` in project.html).
    fn entry_values(&self, p: &Project, url: &str) -> tera::Value {
        #[derive(serde::Serialize)]
        struct Part<'a> {
            name: &'a str,
            value: String,
        }
        #[derive(serde::Serialize)]
        struct EntryView<'a> {
            date: String,
            date_display: String,
            week: Option<u32>,
            week_label: String,
            name: &'a str,
            report: &'a str,
            url: String,
            progress: Option<String>,
            parts: Vec<Part<'a>>,
            status: Option<Status>,
            status_label: &'a str,
            slipped: bool,
            text: &'a str,
        }
        super::list_value(p.entries.par_iter().rev().map(|e| {
            EntryView {
                date: iso(e.date),
                date_display: self.date_display(e.date),
                week: e.week,
                week_label: self.week_label(e.week),
                name: &e.name,
                report: self.site.reports[e.report].doc.title(),
                url: anchored_url(url, &e.url, &e.anchor),
                progress: e.progress.map(|v| charts::format_value(v, 2)),
                parts: e
                    .parts
                    .iter()
                    .map(|(k, v)| Part {
                        name: k,
                        value: charts::format_value(*v, 2),
                    })
                    .collect(),
                status: e.status,
                status_label: self.entry_status_label(e.status),
                slipped: e.slipped,
                text: &e.text,
            }
        }))
    }

    /// A project's updates, newest first, as the `<li>` items of the
    /// project page's list (`entries_html` in project.html): the markup the
    /// default theme's loop wrote, escaped as Tera escapes, written once
    /// per item instead of interpreted.
    fn entries_html(&self, p: &Project, url: &str) -> String {
        let (progress, slipped) = (self.theme.string("progress"), self.theme.string("slipped"));
        // One string, sized once, on one core: the projects are rendered
        // on all cores, and per-item strings joined at the end held the
        // list twice at the build's peak.
        let size: usize = (p.entries.iter())
            .map(|e| 360 + e.text.len() + e.name.len())
            .sum();
        let mut out = String::with_capacity(size);
        for e in p.entries.iter().rev() {
            out.push_str("\n      <li class=\"card update\">\n        <header><a href=\"");
            push_escaped(&mut out, &anchored_url(url, &e.url, &e.anchor));
            out.push_str("\">");
            self.push_time(&mut out, e.date);
            out.push(' ');
            push_escaped(&mut out, &self.week_label(e.week));
            out.push_str("</a>");
            if let Some(v) = e.progress {
                out.push_str(" <span class=\"pill\">");
                push_escaped(&mut out, progress);
                out.push(' ');
                out.push_str(&charts::format_value(v, 2));
                out.push_str("%</span>");
            }
            for (name, v) in e.parts.iter() {
                out.push_str(" <span class=\"pill soft\">");
                push_escaped(&mut out, name);
                out.push(' ');
                out.push_str(&charts::format_value(*v, 2));
                out.push_str("%</span>");
            }
            let label = self.entry_status_label(e.status);
            if let (Some(status), false) = (e.status, label.is_empty()) {
                out.push_str(" <span class=\"badge es-");
                out.push_str(status.as_str());
                out.push_str("\">");
                push_escaped(&mut out, label);
                out.push_str("</span>");
            }
            if e.slipped {
                out.push_str(" <span class=\"badge bad\">");
                push_escaped(&mut out, slipped);
                out.push_str("</span>");
            }
            if *e.name != *p.name.as_str() {
                out.push_str(" <span class=\"muted\">「");
                push_escaped(&mut out, &e.name);
                out.push_str("」</span>");
            }
            out.push_str("</header>\n        <div class=\"update-text\">");
            push_escaped(&mut out, &e.text);
            out.push_str("</div>\n      </li>");
        }
        out
    }

    pub(super) fn project_page(&self, p: &Project, sink: super::Sink) -> Result<(), Diagnostic> {
        let url = self.project_url(p);
        let mut ctx = self.base_context(&url, "projects");
        // The update list is built in Rust when the template shows it
        // (`entries_html`, the default theme), and as values for a template
        // that loops over them itself (`entries`): a long-running project
        // has thousands of updates, and Tera's loop over them took about a
        // fifteenth of a 10,000-report build.
        let entries_html = self
            .theme
            .names("project.html", "entries_html")
            .then(|| self.entries_html(p, &url));
        let entries = self
            .theme
            .names("project.html", "entries")
            .then(|| self.entry_values(p, &url));
        let page = url.as_str();
        // The slip (if any) behind each stated date, found by key: a scan
        // of all slips per plan was quadratic in a long-running project.
        let mut slips = HashMap::new();
        for s in &p.slips {
            slips.entry((s.report, s.to, s.what.as_str())).or_insert(s);
        }
        let slips = &slips;
        // Each stated date with the entry that stated it and its slip.
        let stated = || {
            p.entries.iter().flat_map(move |e| {
                e.planned.iter().filter(|pl| !pl.nested).map(move |pl| {
                    let slip = slips.get(&(e.report, pl.date, pl.what.as_str())).copied();
                    (e, pl, slip)
                })
            })
        };
        // The table of stated dates likewise: HTML for a template that
        // shows `plans_html` (the default theme), values for one that loops
        // over `plans` (tens of thousands of rows on a big archive).
        let plans_html = self.theme.names("project.html", "plans_html").then(|| {
            let mut out = String::new();
            for (e, pl, slip) in stated() {
                let slip = slip.map(|s| s.describe());
                out.push_str(if slip.is_some() {
                    "<tr class=\"slipped\"><td><a href=\""
                } else {
                    "<tr><td><a href=\""
                });
                push_escaped(&mut out, &anchored_url(page, &e.url, &e.anchor));
                out.push_str("\">");
                push_escaped(&mut out, &self.date_display(e.date));
                out.push_str("</a></td><td>");
                push_escaped(&mut out, &pl.text);
                out.push_str("</td><td>");
                push_escaped(&mut out, &self.date_display(pl.date));
                out.push_str("</td><td>");
                if let Some(slip) = slip {
                    out.push_str("<span class=\"slip\">");
                    push_escaped(&mut out, &slip);
                    out.push_str("</span>");
                }
                out.push_str("</td></tr>");
            }
            out
        });
        // Straight into Tera values, like the entries: a `json!` map per
        // plan was built, converted and dropped again.
        #[derive(serde::Serialize)]
        struct PlanView<'a> {
            stated: String,
            url: String,
            text: &'a str,
            date: String,
            slip: Option<String>,
        }
        let plans = self.theme.names("project.html", "plans").then(|| {
            let plans: Vec<PlanView> = stated()
                .map(|(e, pl, slip)| PlanView {
                    stated: self.date_display(e.date),
                    url: anchored_url(page, &e.url, &e.anchor),
                    text: &pl.text,
                    date: self.date_display(pl.date),
                    slip: slip.map(|s| s.describe()),
                })
                .collect();
            super::list_value(plans.into_par_iter())
        });
        ctx.insert("project", &self.project_summary(p, &url));
        ctx.insert("aliases", &p.aliases);
        let (chart, legend) = self.progress_chart(p, &url);
        ctx.insert("chart", &chart);
        ctx.insert(
            "legend",
            &legend
                .iter()
                .map(|(n, c)| json!({"name": n, "class": c}))
                .collect::<Vec<_>>(),
        );
        if let Some(html) = entries_html {
            ctx.insert("entries_html", &html);
        }
        if let Some(entries) = entries {
            ctx.insert_value("entries", entries);
        }
        if let Some(html) = plans_html {
            ctx.insert("plans_html", &html);
        }
        if let Some(plans) = plans {
            ctx.insert("plans", &plans);
        }
        ctx.insert("first_seen", &p.first_seen().map(|d| self.date_display(d)));
        self.render_streamed("project.html", &ctx, &url, sink)
    }

    /// The overview, `data/projects.json` and the pages of the projects
    /// `only` lists (indices into `Site::projects`), or of every project;
    /// nothing when there are none.
    pub(super) fn project_pages(
        &self,
        sink: super::Sink,
        only: Option<&[usize]>,
    ) -> Result<(), Diagnostic> {
        let projects = &*super::listed_or_all(only, self.site.projects.len());
        if projects.is_empty() {
            return Ok(());
        }
        sink(crate::diag::timed("projects.html", || {
            self.projects_index()
        })?)?;
        // The data file (one thread, the longest single job on a big
        // archive) beside the pages, not before them.
        let (json, pages) = rayon::join(
            || {
                crate::diag::timed("projects.json", || {
                    super::data::projects_json_to(self.site, |p| self.project_url(p), sink)
                })
            },
            || {
                projects
                    .par_iter()
                    .try_for_each(|&k| self.project_page(&self.site.projects[k], sink))
            },
        );
        json.and(pages)
    }

    /// Each project's link as the report pages in each folder show it (a
    /// page's links are relative to its folder, so one list serves all
    /// its reports): made once, rather than once per update on every page.
    pub(super) fn project_links(&self) -> HashMap<String, Vec<String>> {
        let label = self.theme.string("project");
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for r in &self.site.reports {
            let page = &r.doc.url;
            if out.contains_key(folder_of(page)) {
                continue;
            }
            let links = self
                .site
                .projects
                .iter()
                .map(|p| {
                    format!(
                        "<a class=\"project-link\" href=\"{}\" title=\"{}\">{}</a>",
                        escape_html(&relative_url(page, &self.project_url(p))),
                        escape_html(&format!("{label}: {}", p.name)),
                        escape_html(label)
                    )
                })
                .collect();
            out.insert(folder_of(page).to_string(), links);
        }
        out
    }

    /// Links each project update in report `i` to its project page: a small
    /// labelled link at the start of the bullet, or after the heading. One
    /// pass over the page for the bullets (searching the page once per
    /// update was 3% of a large build); headings are rare and searched.
    pub(super) fn link_projects<'h>(&self, i: usize, html: &'h str) -> Cow<'h, str> {
        let entries = &self.entries_of[i];
        if entries.is_empty() {
            return html.into();
        }
        let page = &self.site.reports[i].doc.url;
        let Some(here) = self.project_links.get(folder_of(page)) else {
            return html.into();
        };
        let link_of = |pi: usize| here[pi].as_str();
        let anchor_of = |pi: usize, ei: usize| self.site.projects[pi].entries[ei].anchor.as_ref();
        // Bullet anchor → its updates' links, in document order. Fx rather
        // than SipHash: short keys, hashed for every update of every report.
        let mut links: rustc_hash::FxHashMap<&str, Vec<&str>> = Default::default();
        for &(pi, ei) in entries {
            links
                .entry(anchor_of(pi, ei))
                .or_default()
                .push(link_of(pi));
        }
        const ITEM: &str = crate::markdown::ITEM_ANCHOR;
        const CLOSE: &str = "\">";
        let mut out = String::with_capacity(html.len() + entries.len() * 200);
        let mut rest = html;
        // No scan past the last anchor that takes a link.
        while let Some(pos) = (!links.is_empty())
            .then(|| super::find_item_anchor(rest))
            .flatten()
        {
            let after = &rest[pos + ITEM.len()..];
            let Some(q) = after.find('"') else { break };
            let list = if after[q..].starts_with(CLOSE) {
                links.remove(&after[..q])
            } else {
                None
            };
            let Some(list) = list else {
                out.push_str(&rest[..pos + ITEM.len()]);
                rest = after;
                continue;
            };
            let end = pos + ITEM.len() + q + CLOSE.len();
            out.push_str(&rest[..end]);
            // Each link went in right after the anchor, so the last
            // update's comes first.
            for l in list.iter().rev() {
                out.push_str(l);
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        if links.is_empty() {
            return out.into();
        }
        // Updates whose anchor is not a bullet's (still in `links`): at the
        // end of the element with that id, a heading. One more pass finds
        // them all: a search of the page for each, and an insertion that
        // moved the rest of the page, were a third of this function.
        const ID: &str = " id=\"";
        static FIND_ID: std::sync::LazyLock<memchr::memmem::Finder> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(ID));
        let mut ends: rustc_hash::FxHashMap<&str, usize> = Default::default();
        for pos in FIND_ID.find_iter(out.as_bytes()) {
            let start = pos + ID.len();
            let after = &out[start..];
            let Some(q) = after.find('"') else { break };
            let id = &after[..q];
            if !after[q..].starts_with(CLOSE) || !links.contains_key(id) || ends.contains_key(id) {
                continue;
            }
            if let Some(end) = after[q..].find("</h") {
                ends.insert(id, start + q + end);
            }
        }
        // Each link went in at its heading's end, so at one place the last
        // update's comes first.
        let mut inserts: Vec<(usize, &str)> = entries
            .iter()
            .rev()
            .filter_map(|&(pi, ei)| Some((*ends.get(anchor_of(pi, ei))?, link_of(pi))))
            .collect();
        if inserts.is_empty() {
            return out.into();
        }
        inserts.sort_by_key(|&(at, _)| at);
        let added: usize = inserts.iter().map(|(_, link)| 1 + link.len()).sum();
        let mut linked = String::with_capacity(out.len() + added);
        let mut from = 0;
        for (at, link) in inserts {
            linked.push_str(&out[from..at]);
            linked.push(' ');
            linked.push_str(link);
            from = at;
        }
        linked.push_str(&out[from..]);
        linked.into()
    }
}

/// The folder part of an output path: `reports` for `reports/2023-w16.html`.
fn folder_of(url: &str) -> &str {
    url.rsplit_once('/').map_or("", |(folder, _)| folder)
}
