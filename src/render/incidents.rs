//! The incident log page and incident marks on report pages.
//!
//! `incidents.html` shows the log newest first, grouped by month, under a
//! chart of how many incidents each weekly report listed. Report pages get
//! a badge on each incident item linking to its entry in the log; the badge
//! is inserted after the item's `<a class="anchor" id="L…">`, which the
//! Markdown stage emits for every list item, so no HTML is parsed.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};

use super::charts::{self, Bar, BarChart};
use super::theme::{escape_html, push_escaped};
use super::Renderer;
use crate::content::iso;
use crate::diag::Diagnostic;
use crate::site::incidents::Entry;
use crate::site::{anchored_url, relative_url};

const PAGE: &str = "incidents.html";

/// One entry of the log as the template sees it: typed and borrowing, so
/// the log's text is copied once, into the template context (a `json!`
/// per entry was built and then copied again by `insert`).
#[derive(serde::Serialize)]
struct IncidentView<'e> {
    id: &'e str,
    date: Option<String>,
    day: Option<String>,
    weekday: Option<String>,
    dated_by_report: bool,
    time: &'e Option<String>,
    summary: &'e str,
    cause: &'e Option<String>,
    action: &'e Option<String>,
    impact: &'e Option<String>,
    text: &'e str,
    report: &'e str,
    week: String,
    url: String,
}

impl Renderer<'_> {
    /// "2 起" / "2 incidents".
    fn incident_count(&self, n: usize) -> String {
        let unit = if n == 1 {
            self.theme.string("incident_one")
        } else {
            self.theme.string("incident_many")
        };
        format!("{n}{unit}")
    }

    /// One bar per dated report: the incidents it lists, over its week.
    fn incident_chart(&self) -> String {
        let site = self.site;
        let mut counts = vec![0usize; site.reports.len()];
        for e in &site.incidents {
            counts[e.report] += 1;
        }
        let bars: Vec<Bar> = site
            .reports
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let date = p.doc.meta.date?;
                let start = p
                    .doc
                    .week
                    .and_then(|(y, w)| site.weeks.monday_of(y, w))
                    .filter(|m| *m <= date && date - *m < Duration::days(7))
                    .unwrap_or(date - Duration::days(date.weekday().num_days_from_monday() as i64));
                // Link to the first incident the report lists, or the report.
                let first = p
                    .facts
                    .incidents
                    .first()
                    .map(|inc| format!("#{}", inc.anchor));
                Some(Bar {
                    start,
                    end: start + Duration::days(6),
                    value: counts[i] as u32,
                    tooltip: format!(
                        "{} · {} · {}",
                        self.week_label(p.doc.week.map(|w| w.1)),
                        self.date_display(date),
                        self.incident_count(counts[i])
                    ),
                    href: Some(format!(
                        "{}{}",
                        relative_url(PAGE, &p.doc.url),
                        first.unwrap_or_default()
                    )),
                })
            })
            .collect();
        let per_report: Vec<String> = bars.iter().map(|b| b.value.to_string()).collect();
        let desc = format!(
            "{}: {}",
            self.theme.string("incidents_per_week"),
            per_report.join(", ")
        );
        charts::bar_chart(&BarChart {
            id: "incidents-chart",
            title: self.theme.string("incidents_per_week"),
            desc: &desc,
            bars,
            width: 1000,
            height: 240,
        })
        .unwrap_or_default()
    }

    fn incident_view<'e>(&'e self, e: &'e Entry) -> IncidentView<'e> {
        let p = &self.site.reports[e.report];
        let i = &e.incident;
        let date = e.date(&self.site.reports);
        IncidentView {
            id: &e.id,
            date: date.map(iso),
            day: date.map(|d| {
                d.format(self.theme.string("incident_day_format"))
                    .to_string()
            }),
            weekday: date.map(|d| {
                self.theme
                    .string("incident_weekdays")
                    .split(',')
                    .nth(d.weekday().num_days_from_monday() as usize)
                    .unwrap_or("")
                    .trim()
                    .to_string()
            }),
            dated_by_report: i.date.is_none(),
            time: &i.time,
            summary: &i.summary,
            cause: &i.cause,
            action: &i.action,
            impact: &i.impact,
            text: &i.text,
            report: p.doc.title(),
            week: self.week_label(p.doc.week.map(|w| w.1)),
            url: anchored_url(PAGE, &p.doc.url, &i.anchor),
        }
    }
}

/// A value as Tera tests it: absent and empty are both false.
fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl Renderer<'_> {
    /// The values of `list` for a template's own loop, none if `as_html`.
    fn incident_views<'e>(&'e self, list: &[&'e Entry], as_html: bool) -> Vec<IncidentView<'e>> {
        if as_html {
            return Vec::new();
        }
        list.iter().map(|e| self.incident_view(e)).collect()
    }

    /// Entries of the log as the `<li>` items the default theme's
    /// `incident_entry` component writes, byte for byte: a big archive's
    /// log has tens of thousands, and Tera took a thirtieth of a build to
    /// interpret the component for each, from a context of their values
    /// as large as the page.
    fn log_entries_html<'e>(&'e self, entries: impl ExactSizeIterator<Item = &'e Entry>) -> String {
        let t = |key: &'static str| self.theme.string(key);
        let mut out = String::with_capacity(entries.len() * 720);
        for e in entries {
            let v = self.incident_view(e);
            out.push_str("\n<li class=\"incident-entry\" id=\"");
            push_escaped(&mut out, v.id);
            out.push_str("\">\n  <div class=\"when\">");
            let time = some(v.time);
            let date = some(&v.date);
            if let Some(date) = date {
                out.push_str("<time datetime=\"");
                push_escaped(&mut out, date);
                if let Some(time) = time {
                    out.push('T');
                    push_escaped(&mut out, time);
                }
                out.push_str("\">");
                push_escaped(&mut out, v.day.as_deref().unwrap_or(""));
                out.push_str("</time>");
                if let Some(wd) = some(&v.weekday) {
                    out.push_str("<span class=\"wd\">");
                    push_escaped(&mut out, wd);
                    out.push_str("</span>");
                }
            }
            if let Some(time) = time {
                out.push_str("<span class=\"time\">");
                push_escaped(&mut out, time);
                out.push_str("</span>");
            } else if v.dated_by_report && date.is_some() {
                out.push_str("<span class=\"wd\" title=\"");
                push_escaped(&mut out, t("incident_dated_by_report_title"));
                out.push_str("\">");
                push_escaped(&mut out, t("incident_dated_by_report"));
                out.push_str("</span>");
            }
            out.push_str("</div>\n  <div class=\"what\">\n    <p class=\"summary-line\">");
            push_escaped(
                &mut out,
                if v.summary.is_empty() {
                    v.text
                } else {
                    v.summary
                },
            );
            out.push_str("</p>\n    ");
            let facts = [
                ("impact", "incident_impact", some(v.impact)),
                ("cause", "incident_cause", some(v.cause)),
                ("action", "incident_action", some(v.action)),
            ];
            if facts.iter().any(|f| f.2.is_some()) {
                out.push_str("<dl class=\"facts\">");
                for (class, label, value) in facts {
                    out.push_str("\n      ");
                    let Some(value) = value else { continue };
                    out.push_str("<div class=\"");
                    out.push_str(class);
                    out.push_str("\"><dt>");
                    push_escaped(&mut out, t(label));
                    out.push_str("</dt><dd>");
                    push_escaped(&mut out, value);
                    out.push_str("</dd></div>");
                }
                out.push_str("\n    </dl>");
            }
            out.push_str("\n    <a class=\"src\" href=\"");
            push_escaped(&mut out, &v.url);
            out.push_str("\">");
            push_escaped(&mut out, &v.week);
            if !v.week.is_empty() {
                out.push_str(" · ");
            }
            push_escaped(&mut out, t("incident_in_report"));
            out.push_str(" →</a>\n  </div>\n</li>\n");
        }
        out
    }

    /// `incidents.html` (and its data file is in `data`).
    pub(super) fn incident_pages(&self, sink: super::Sink) -> Result<(), Diagnostic> {
        let site = self.site;
        if site.incidents.is_empty() {
            return Ok(());
        }
        let mut ctx = self.base_context(PAGE, "incidents");
        // The entries as HTML (`entries_html` of each month, `undated_html`)
        // while components.html is the default theme's and incidents.html
        // shows them; otherwise as values for the template's own loop
        // (`entries`, `undated`), which are then all it gets.
        let as_html = self.theme.is_builtin("components.html")
            && self.theme.mentions("incidents.html", "entries_html");
        // Months newest first, entries in log order (already newest first).
        let mut months: Vec<((i32, u32), Vec<&Entry>)> = Vec::new();
        let mut undated = Vec::new();
        for e in &site.incidents {
            let Some(d) = e.date(&site.reports) else {
                undated.push(e);
                continue;
            };
            let key = (d.year(), d.month());
            match months.last_mut() {
                Some((k, list)) if *k == key => list.push(e),
                _ => months.push((key, vec![e])),
            }
        }
        #[derive(serde::Serialize)]
        struct Month<'e> {
            id: String,
            label: String,
            count: String,
            entries: Vec<IncidentView<'e>>,
            entries_html: Option<String>,
        }
        let months: Vec<Month> = months
            .into_iter()
            .map(|((y, m), entries)| {
                let label = NaiveDate::from_ymd_opt(y, m, 1)
                    .map(|d| {
                        d.format(self.theme.string("incidents_month_format"))
                            .to_string()
                    })
                    .unwrap_or_default();
                Month {
                    id: format!("m{y}-{m:02}"),
                    label,
                    count: self.incident_count(entries.len()),
                    entries_html: as_html.then(|| self.log_entries_html(entries.iter().copied())),
                    entries: self.incident_views(&entries, as_html),
                }
            })
            .collect();
        let undated_html = (as_html && !undated.is_empty())
            .then(|| self.log_entries_html(undated.iter().copied()));
        let undated = self.incident_views(&undated, as_html);
        let reports_with: BTreeMap<usize, ()> =
            site.incidents.iter().map(|e| (e.report, ())).collect();
        let dates: Vec<NaiveDate> = site
            .incidents
            .iter()
            .filter_map(|e| e.date(&site.reports))
            .collect();
        ctx.insert("total", &self.incident_count(site.incidents.len()));
        ctx.insert("report_count", &reports_with.len());
        ctx.insert(
            "with_cause",
            &site
                .incidents
                .iter()
                .filter(|e| e.incident.cause.is_some())
                .count(),
        );
        ctx.insert("count", &site.incidents.len());
        ctx.insert(
            "span",
            &dates
                .iter()
                .min()
                .zip(dates.iter().max())
                .map(|(a, b)| format!("{} – {}", self.date_display(*a), self.date_display(*b))),
        );
        ctx.insert("chart", &self.incident_chart());
        ctx.insert("months", &months);
        ctx.insert("undated", &undated);
        ctx.insert("undated_html", &undated_html);
        self.render_streamed("incidents.html", &ctx, PAGE, sink)
    }

    /// Marks the incidents of report `i` in its rendered body: each incident
    /// item gets a class on its anchor and a badge linking to its entry in
    /// the log. An incident read from a table or paragraphs (anchored at its
    /// heading) puts the badge in that heading instead.
    pub(super) fn mark_incidents<'h>(&self, i: usize, html: &'h str) -> Cow<'h, str> {
        let page = &self.site.reports[i].doc.url;
        // anchor → (log ids, tooltip lines), in document order.
        let mut marks: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for e in self.incidents_of[i]
            .iter()
            .map(|&k| &self.site.incidents[k])
        {
            marks.entry(e.incident.anchor.as_str()).or_default().push(e);
        }
        if marks.is_empty() {
            return html.into();
        }
        let badge = |entries: &[&Entry]| -> String {
            let e = entries[0];
            let when: Vec<String> = entries
                .iter()
                .map(|e| {
                    let d = e.incident.date.map(iso).unwrap_or_default();
                    let t = e.incident.time.clone().unwrap_or_default();
                    format!("{d} {t}").trim().to_string()
                })
                .filter(|s| !s.is_empty())
                .collect();
            let label = if entries.len() > 1 {
                format!("{} ×{}", self.theme.string("incident_badge"), entries.len())
            } else {
                self.theme.string("incident_badge").to_string()
            };
            let title = format!(
                "{}{}{}",
                self.theme.string("incident_badge_title"),
                if when.is_empty() { "" } else { " · " },
                when.join(", ")
            );
            format!(
                "<a class=\"incident-mark\" href=\"{}#{}\" title=\"{}\">{}</a>",
                escape_html(&relative_url(page, PAGE)),
                escape_html(&e.id),
                escape_html(&title),
                escape_html(&label)
            )
        };
        let mut out = String::with_capacity(html.len() + marks.len() * 160);
        let mut rest = html;
        const ITEM: &str = crate::markdown::ITEM_ANCHOR;
        // Every list item has an anchor: the scan stops at the last one
        // that takes a mark.
        while let Some(pos) = (!marks.is_empty())
            .then(|| super::find_item_anchor(rest))
            .flatten()
        {
            let after = &rest[pos + ITEM.len()..];
            let Some(q) = after.find('"') else { break };
            let id = &after[..q];
            out.push_str(&rest[..pos]);
            match marks.remove(id) {
                Some(entries) => {
                    out.push_str(ITEM);
                    out.push_str(id);
                    out.push_str("\" class=\"incident\">");
                    let tail = &after[q..];
                    let tail = tail.strip_prefix("\">").unwrap_or(tail);
                    // In a loose list the text is in a <p>: the badge goes
                    // inside it, on the text's line.
                    match tail.trim_start().strip_prefix("<p>") {
                        Some(para) => {
                            out.push_str("\n<p>");
                            out.push_str(&badge(&entries));
                            rest = para;
                        }
                        None => {
                            out.push_str(&badge(&entries));
                            rest = tail;
                        }
                    }
                }
                None => {
                    out.push_str(ITEM);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        // Incidents anchored at a heading: the badge goes inside it.
        for (id, entries) in marks {
            let open_re = format!(" id=\"{}\">", escape_html(id));
            let Some(pos) = out.find(&open_re) else {
                continue;
            };
            let from = pos + open_re.len();
            if !out[..pos]
                .rsplit('<')
                .next()
                .is_some_and(|t| t.starts_with('h'))
            {
                continue;
            }
            if let Some(close) = out[from..].find("</h") {
                let b = format!(" {}", badge(&entries));
                out.insert_str(from + close, &b);
            }
        }
        out.into()
    }
}
