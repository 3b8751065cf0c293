//! Metric views: the dashboard, a page per series, the figures on each
//! report page and the headline sparklines on the home page.

use rayon::prelude::*;
use serde_json::{json, Value};

use super::charts::{self, format_value, ChartPoint, Line, LineChart};
use super::theme::push_escaped;
use super::{OutFile, Renderer};
use crate::content::iso;
use crate::diag::Diagnostic;
use crate::site::metrics::{Series, Status};
use crate::site::{anchored_url, relative_url};

/// Values as the reports write them: up to four decimals, no trailing zeros.
pub fn show(v: f64) -> String {
    format_value(v, 4)
}

/// A change since the previous point, as templates show it: signed
/// value, whether it is good, bad or flat, and the arrow for that.
#[derive(serde::Serialize)]
struct Change {
    value: String,
    trend: &'static str,
    symbol: &'static str,
}

/// A change as the default theme's `change` component writes it, for the
/// lists written in Rust (a series' rows, a report's figures); `title` is
/// the theme's `change` label.
fn push_change(out: &mut String, c: &Change, title: &str) {
    out.push_str("<span class=\"change ");
    out.push_str(c.trend);
    out.push_str("\" title=\"");
    push_escaped(out, title);
    out.push_str("\">");
    out.push_str(c.symbol);
    out.push(' ');
    push_escaped(out, &c.value);
    out.push_str("</span>");
}

/// One of this week's figures on a report page. Typed rather than a
/// `json!` map: every report page has a dozen, and a map's keys were
/// allocated, sorted and converted again for each.
#[derive(serde::Serialize)]
pub(super) struct Figure<'a> {
    name: &'a str,
    unit: &'a str,
    value: String,
    anchor: &'a str,
    url: String,
    change: Option<Change>,
    status: Status,
}

fn change_view(s: &Series, c: f64) -> Change {
    let trend = s.trend(c);
    Change {
        value: signed(c),
        trend,
        symbol: match trend {
            "good" => "▲",
            "bad" => "▼",
            _ => "■",
        },
    }
}

fn signed(v: f64) -> String {
    let s = show(v.abs());
    if v > 0.0 {
        format!("+{s}")
    } else if v < 0.0 {
        format!("−{s}")
    } else {
        "±0".to_string()
    }
}

fn unit_suffix(s: &Series) -> &str {
    &s.unit
}

impl Renderer<'_> {
    pub(super) fn series_url(&self, s: &Series) -> String {
        format!("metrics/{}.html", s.id)
    }

    /// The chart of one series, with links relative to `page`.
    /// The span of all dated reports: the dashboard's shared time axis.
    fn archive_span(&self) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
        let mut dates = self.site.reports.iter().filter_map(|r| r.doc.meta.date);
        let first = dates.next()?;
        Some(dates.fold((first, first), |(a, b), d| (a.min(d), b.max(d))))
    }

    pub(super) fn series_chart(
        &self,
        s: &Series,
        page: &str,
        width: u32,
        height: u32,
        shared_axis: bool,
    ) -> String {
        let unit = unit_suffix(s);
        let points = s
            .points
            .iter()
            .enumerate()
            .map(|(key, p)| ChartPoint {
                date: p.date,
                value: p.value,
                missed: s.status_of(p.value) == Status::Missed,
                key,
            })
            .collect();
        let label = move |k: usize| {
            let p = &s.points[k];
            let tooltip = [
                &self.date_display(p.date),
                " · ",
                &self.week_label(p.week),
                " · ",
                &show(p.value),
                unit,
            ]
            .concat();
            let href = anchored_url(page, &p.url, &p.anchor);
            (tooltip, Some(href))
        };
        let desc = match (s.points.first(), s.points.last()) {
            (Some(a), Some(b)) => format!(
                "{} {}: {} – {}, {} → {}{unit}",
                s.name,
                s.points.len(),
                iso(a.date),
                iso(b.date),
                show(a.value),
                show(b.value)
            ),
            _ => s.name.clone(),
        };
        let svg = charts::line_chart(&LineChart {
            id: &format!("c-{}", s.id),
            title: &s.name,
            desc: &desc,
            unit,
            lines: vec![Line {
                name: s.name.clone(),
                class: "s0".into(),
                points,
                label: Box::new(label),
            }],
            target: s.target,
            width,
            height,
            y_range: None,
            target_label: self.theme.string("target"),
            x_range: if shared_axis {
                self.archive_span()
            } else {
                None
            },
        })
        .unwrap_or_default();
        svg
    }

    /// What the dashboard and home page say about a series.
    fn series_summary(&self, s: &Series, page: &str) -> Value {
        let last = s.points.len().checked_sub(1);
        let latest = s.latest();
        let change = last.and_then(|i| s.change_at(i));
        let status = latest
            .map(|p| s.status_of(p.value))
            .unwrap_or(Status::NoTarget);
        json!({
            "id": s.id,
            "name": s.name,
            "unit": s.unit,
            "url": relative_url(page, &self.series_url(s)),
            "count": s.points.len(),
            "discovered": s.discovered,
            "latest": latest.map(|p| json!({
                "value": show(p.value),
                "date": self.date_display(p.date),
                "week": p.week,
                "url": anchored_url(page, &p.url, &p.anchor),
            })),
            "change": change.map(|c| change_view(s, c)),
            "min": s.min().map(show),
            "max": s.max().map(show),
            "target": s.target.map(show),
            "status": status,
        })
    }

    fn groups(&self, page: &str, with_charts: bool) -> Vec<Value> {
        let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
        for s in &self.site.metrics {
            let mut v = self.series_summary(s, page);
            if with_charts {
                v["chart"] = Value::String(self.series_chart(s, page, 560, 230, true));
            }
            match groups.iter_mut().find(|(g, _)| *g == s.group) {
                Some((_, list)) => list.push(v),
                None => groups.push((s.group.clone(), vec![v])),
            }
        }
        groups
            .into_iter()
            .map(|(name, series)| json!({"name": name, "series": series}))
            .collect()
    }

    pub(super) fn metrics_dashboard(&self) -> Result<OutFile, Diagnostic> {
        let mut ctx = self.base_context("metrics.html", "metrics");
        ctx.insert("groups", &self.groups("metrics.html", true));
        let latest: Vec<Status> = self
            .site
            .metrics
            .iter()
            .filter_map(|s| s.latest().map(|p| s.status_of(p.value)))
            .collect();
        ctx.insert("count_series", &self.site.metrics.len());
        ctx.insert(
            "count_met",
            &latest.iter().filter(|s| **s == Status::Met).count(),
        );
        ctx.insert(
            "count_missed",
            &latest.iter().filter(|s| **s == Status::Missed).count(),
        );
        ctx.insert(
            "span",
            &self
                .archive_span()
                .map(|(a, b)| format!("{} – {}", self.date_display(a), self.date_display(b))),
        );
        ctx.insert(
            "report_count",
            &self
                .site
                .reports
                .iter()
                .filter(|r| r.doc.meta.date.is_some())
                .count(),
        );
        self.render("metrics.html", &ctx, "metrics.html")
    }

    /// A series' points, newest first, as the values a template loops over
    /// (`rows` in metric.html). Typed rows, each made into a template value
    /// once (a `json!` per row would be built, then copied by `insert`), on
    /// all cores (`list_value`).
    fn row_values(&self, s: &Series, url: &str) -> tera::Value {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            date: String,
            date_display: String,
            week: Option<u32>,
            week_label: String,
            value: String,
            change: Option<Change>,
            status: Status,
            report: &'a str,
            url: String,
        }
        let points = &s.points;
        super::list_value((0..points.len()).into_par_iter().rev().map(|i| {
            let p = &points[i];
            Row {
                date: iso(p.date),
                date_display: self.date_display(p.date),
                week: p.week,
                week_label: self.week_label(p.week),
                value: show(p.value),
                change: s.change_at(i).map(|c| change_view(s, c)),
                status: s.status_of(p.value),
                report: self.site.reports[p.report].doc.title(),
                url: anchored_url(url, &p.url, &p.anchor),
            }
        }))
    }

    /// A series' points, newest first, as the rows of the metric page's
    /// table (`rows_html` in metric.html): the markup the default theme's
    /// loop wrote, escaped as Tera escapes, written once per row instead
    /// of interpreted.
    fn rows_html(&self, s: &Series, url: &str) -> String {
        let (missed, change) = (
            self.theme.string("status_missed"),
            self.theme.string("change"),
        );
        // One string, sized once, on one core (the series are rendered on
        // all cores), as a project page's list is.
        let mut out = String::with_capacity(s.points.len() * 400);
        for (i, p) in s.points.iter().enumerate().rev() {
            let status = s.status_of(p.value);
            out.push_str("\n      <tr class=\"status-");
            out.push_str(status.as_str());
            out.push_str("\"><td>");
            self.push_time(&mut out, p.date);
            out.push_str("</td><td>");
            push_escaped(&mut out, &self.week_label(p.week));
            out.push_str("</td><td class=\"num\">");
            out.push_str(&show(p.value));
            push_escaped(&mut out, &s.unit);
            if status == Status::Missed {
                out.push_str(" <span class=\"badge bad\">");
                push_escaped(&mut out, missed);
                out.push_str("</span>");
            }
            out.push_str("</td><td class=\"num\">");
            if let Some(c) = s.change_at(i).map(|c| change_view(s, c)) {
                push_change(&mut out, &c, change);
            }
            out.push_str("</td><td><a href=\"");
            push_escaped(&mut out, &anchored_url(url, &p.url, &p.anchor));
            out.push_str("\">");
            push_escaped(&mut out, self.site.reports[p.report].doc.title());
            out.push_str("</a></td></tr>");
        }
        out
    }

    pub(super) fn metric_page(&self, s: &Series, sink: super::Sink) -> Result<(), Diagnostic> {
        let url = self.series_url(s);
        let mut ctx = self.base_context(&url, "metrics");
        // On a long series the table is most of the page's cost: its rows
        // are written in Rust when the template shows them (`rows_html`,
        // the default theme), and made into values only for a template
        // that loops over them itself (`rows`).
        if self.theme.names("metric.html", "rows_html") {
            ctx.insert("rows_html", &self.rows_html(s, &url));
        }
        if self.theme.names("metric.html", "rows") {
            ctx.insert_value("rows", self.row_values(s, &url));
        }
        ctx.insert("series", &self.series_summary(s, &url));
        ctx.insert("chart", &self.series_chart(s, &url, 960, 340, false));
        self.render_streamed("metric.html", &ctx, &url, sink)
    }

    /// The figures of report `i`, with the change since the previous report
    /// that had the same figure.
    pub(super) fn report_figures(&self, i: usize) -> Vec<Figure<'_>> {
        let page = &self.site.reports[i].doc.url;
        self.site
            .metrics
            .iter()
            .filter_map(|s| {
                let k = s.point_of_report(i)?;
                let p = &s.points[k];
                Some(Figure {
                    name: &s.name,
                    unit: &s.unit,
                    value: show(p.value),
                    anchor: &p.anchor,
                    url: relative_url(page, &self.series_url(s)),
                    change: s.change_at(k).map(|c| change_view(s, c)),
                    status: s.status_of(p.value),
                })
            })
            .collect()
    }

    /// A report's figures as report.html's loop writes them with the
    /// default theme's `change` component (`figures_html`), escaped as
    /// Tera escapes.
    pub(super) fn figures_html(&self, figures: &[Figure]) -> String {
        let change = self.theme.string("change");
        let mut out = String::with_capacity(figures.len() * 320);
        for f in figures {
            out.push_str("<li class=\"status-");
            out.push_str(f.status.as_str());
            out.push_str("\"><a class=\"name\" href=\"");
            push_escaped(&mut out, &f.url);
            out.push_str("\">");
            push_escaped(&mut out, f.name);
            out.push_str("</a> <a class=\"val\" href=\"#");
            push_escaped(&mut out, f.anchor);
            out.push_str("\">");
            push_escaped(&mut out, &f.value);
            out.push_str("<small>");
            push_escaped(&mut out, f.unit);
            out.push_str("</small></a> ");
            if let Some(c) = &f.change {
                push_change(&mut out, c, change);
            }
            out.push_str("</li>");
        }
        out
    }

    /// Headline series for the home page, with sparklines.
    pub(super) fn headlines(&self) -> Vec<Value> {
        self.site
            .metrics
            .iter()
            .filter(|s| s.headline)
            .map(|s| {
                let mut v = self.series_summary(s, "index.html");
                let values: Vec<f64> = s.points.iter().map(|p| p.value).collect();
                v["spark"] =
                    Value::String(charts::sparkline(&values, 160, 40, &s.name).unwrap_or_default());
                v
            })
            .collect()
    }

    /// The dashboard and the pages of the series `only` lists (indices into
    /// `Site::metrics`), or of every series; nothing when there are none.
    pub(super) fn metric_pages(
        &self,
        sink: super::Sink,
        only: Option<&[usize]>,
    ) -> Result<(), Diagnostic> {
        let series = &*super::listed_or_all(only, self.site.metrics.len());
        if series.is_empty() {
            return Ok(());
        }
        let (dashboard, pages) = rayon::join(
            || {
                sink(crate::diag::timed("metric dashboard", || {
                    self.metrics_dashboard()
                })?)
            },
            || {
                series.par_iter().try_for_each(|&k| {
                    crate::diag::timed("metric page", || {
                        self.metric_page(&self.site.metrics[k], sink)
                    })
                })
            },
        );
        dashboard.and(pages)
    }
}
