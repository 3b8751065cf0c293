//! Data files under `data/`, so other tools can use the archive without
//! parsing HTML. Shapes are documented in the README and kept stable.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use super::json::{opt_text, Each, Line, Text};
use super::OutFile;
use crate::content::iso;
use crate::diag::Diagnostic;
use crate::site::Site;

// The files are serialised from typed views that borrow from the site,
// not from `json!` trees: building and dropping a `serde_json::Value` per
// field was most of the cost of `data/` on a large archive. Fields are in
// alphabetical order, the order the files have always had.

/// A date as chrono's own `Serialize` writes it (`2023-04-28`), made
/// without `fmt`: chrono's goes through `Display` and serde_json's
/// `collect_str`, which escapes each piece it is handed, and the data files
/// of a big archive hold hundreds of thousands of dates. Years outside
/// 0–9999 (`+10000-01-01`) go the way chrono's does (`iso_ascii`).
#[derive(Clone, Copy)]
struct Day(NaiveDate);

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = crate::content::iso_ascii(self.0);
        match text.as_ref().map(|t| std::str::from_utf8(t)) {
            Some(Ok(t)) => s.serialize_str(t),
            _ => self.0.serialize(s),
        }
    }
}

/// JSON with one record per line (`Records`): the files are meant to be
/// read, grepped and diffed as well as parsed, and are streamed to `sink` in
/// parts: every one grows with the archive (at 10,000 reports
/// `projects.json` is 75 MB), and none is ever in memory whole. `lines` is
/// how many levels of containers break their values onto lines of their
/// own; anything deeper (a record) is written on one line.
fn records_to(
    path: &str,
    value: &impl Serialize,
    lines: usize,
    sink: super::Sink,
) -> Result<(), Diagnostic> {
    let mut out = super::Streamed::new(path, sink);
    let written = value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        Records::new(lines),
    ));
    match (written, out.finish()) {
        (_, Err(d)) => Err(d),
        (Err(e), Ok(())) => Err(Diagnostic::error(path, None, format!("cannot write: {e}"))),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// Records per line: serde_json's pretty printing (two spaces a level) for
/// the first `lines` levels of containers, and its compact form inside
/// them, so that each record (a report, a metric's point, a project's
/// weekly entry) is one line. Pretty printing throughout made a quarter of
/// `projects.json` indentation (100 MB at 10,000 reports instead of 75),
/// and a record spread over fifteen lines is harder to grep than one.
/// Each line break is written together with its indentation: serde_json's
/// `PrettyFormatter` writes the indentation one level at a time, and the
/// data files of a big archive are millions of lines.
struct Records {
    level: usize,
    has_value: bool,
    lines: usize,
}

/// The levels that `data/reports.json` and `data/incidents.json` break into
/// lines: the object and its list (one report or incident a line).
const LIST_LINES: usize = 2;
/// The levels that `data/metrics.json` and `data/projects.json` break into
/// lines: the object, its list, each item's fields and their lists (one
/// point or weekly entry a line).
const NESTED_LINES: usize = 4;

impl Records {
    fn new(lines: usize) -> Self {
        Self::at(0, lines)
    }

    /// A formatter for a value that sits `level` containers deep.
    fn at(level: usize, lines: usize) -> Self {
        Self {
            level,
            has_value: false,
            lines,
        }
    }

    /// Whether the values of the innermost open container share a line.
    fn flat(&self) -> bool {
        self.level > self.lines
    }

    /// Before a value: `,` (unless `first`), and a line break with the
    /// indentation of the level unless the container is written flat.
    fn line<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        if self.flat() {
            return if first { Ok(()) } else { w.write_all(b",") };
        }
        Self::break_at(w, first, self.level)
    }

    /// `,` (unless `first`), a line break and the indentation of `level`.
    fn break_at<W: ?Sized + std::io::Write>(
        w: &mut W,
        first: bool,
        level: usize,
    ) -> std::io::Result<()> {
        const LINE: &[u8] = b",\n                                                                ";
        let from = usize::from(first);
        match LINE.get(from..2 + 2 * level) {
            Some(line) => w.write_all(line),
            None => {
                w.write_all(&LINE[from..2])?;
                (0..level).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }

    /// An array's or object's opening bracket, a level deeper.
    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// Its closing bracket: on a line of its own unless it is empty or
    /// written flat.
    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        let flat = self.flat();
        self.level -= 1;
        if self.has_value && !flat {
            Self::break_at(w, true, self.level)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Records {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.flat() { b":" } else { b": " })
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    /// A `Text` or `Raw` value (see `json`).
    fn write_byte_array<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        value: &[u8],
    ) -> std::io::Result<()> {
        super::json::write_bytes(w, value)
    }
}

/// `value` in memory as `Records` writes it `level` containers deep.
fn records_vec(value: &impl Serialize, level: usize, lines: usize) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        Records::at(level, lines),
    ))?;
    Ok(out)
}

#[derive(Serialize)]
struct ReportView<'a> {
    daily: Vec<&'a str>,
    date: Option<Day>,
    source: Cow<'a, str>,
    tags: &'a [String],
    title: &'a str,
    url: &'a str,
    week: Option<u32>,
    week_year: Option<i32>,
}

pub fn reports_json_to(site: &Site, sink: super::Sink) -> Result<(), Diagnostic> {
    #[derive(Serialize)]
    struct Body<'a> {
        reports: Vec<ReportView<'a>>,
        week_convention: crate::content::dates::Weeks,
    }
    let reports = site
        .reports
        .iter()
        .map(|p| {
            let d = &p.doc;
            ReportView {
                daily: p
                    .dailies
                    .iter()
                    .map(|&j| site.dailies[j].doc.url.as_str())
                    .collect(),
                date: d.meta.date.map(Day),
                source: d.source.to_string_lossy(),
                tags: &d.meta.tags,
                title: d.title(),
                url: &d.url,
                week: d.week.map(|w| w.1),
                week_year: d.week.map(|w| w.0),
            }
        })
        .collect();
    records_to(
        "data/reports.json",
        &Body {
            reports,
            week_convention: site.weeks,
        },
        LIST_LINES,
        sink,
    )
}

#[derive(Serialize)]
struct PointView<'a> {
    anchor: &'a str,
    date: Day,
    report: &'a str,
    value: f64,
    week: Option<u32>,
}

#[derive(Serialize)]
struct SeriesView<'a> {
    better: crate::config::Better,
    discovered: bool,
    group: &'a str,
    id: &'a str,
    name: &'a str,
    points: Vec<PointView<'a>>,
    target: Option<f64>,
    unit: &'a str,
    url: String,
}

fn series_view(s: &crate::site::Series) -> SeriesView<'_> {
    SeriesView {
        better: s.better,
        discovered: s.discovered,
        group: &s.group,
        id: &s.id,
        name: &s.name,
        points: s
            .points
            .iter()
            .map(|p| PointView {
                anchor: &p.anchor,
                date: Day(p.date),
                report: &p.url,
                value: p.value,
                week: p.week,
            })
            .collect(),
        target: s.target,
        unit: &s.unit,
        url: format!("metrics/{}.html", s.id),
    }
}

const METRICS_JSON: &str = "data/metrics.json";

/// What `data/metrics.json` holds: every series with its points.
fn metrics_body(site: &Site) -> impl Serialize + '_ {
    BTreeMap::from([("metrics", Each(|| site.metrics.iter().map(series_view)))])
}

/// `data/metrics.json`, streamed.
pub fn metrics_json_to(site: &Site, sink: super::Sink) -> Result<(), Diagnostic> {
    records_to(METRICS_JSON, &metrics_body(site), NESTED_LINES, sink)
}

/// Each series' parts of `data/metrics.json` and `data/metrics.csv`, kept
/// by `serve` from one edit to the next with the series they were made
/// from. A figure edit changes one series; the others' parts are reused
/// rather than made again (on a long archive, these two files were a
/// third of a figure edit's rendering). A part is reused only for a series
/// equal to the one it was made from, so the files are always exactly
/// what a build writes.
#[derive(Default)]
pub struct SeriesParts {
    parts: std::sync::Mutex<std::collections::HashMap<String, Arc<Part>>>,
    reused: std::sync::atomic::AtomicUsize,
}

/// One series' parts: its JSON object as it sits in the file (indented two
/// levels), its CSV rows.
struct Part {
    series: crate::site::Series,
    json: Vec<u8>,
    csv: String,
}

impl SeriesParts {
    /// The parts of every series of `site`, in order: kept ones where the
    /// series is unchanged, the rest made on all cores. Afterwards only the
    /// parts of `site`'s series are kept.
    fn of(&self, site: &Site) -> serde_json::Result<Vec<Arc<Part>>> {
        use rayon::prelude::*;
        let kept = std::mem::take(&mut *self.parts.lock().unwrap_or_else(|e| e.into_inner()));
        let parts = site
            .metrics
            .par_iter()
            .map(|s| match kept.get(&s.id) {
                Some(p) if p.series == *s => Ok(Arc::clone(p)),
                _ => Part::of(s).map(Arc::new),
            })
            .collect::<serde_json::Result<Vec<_>>>()?;
        let reused = (site.metrics.iter().zip(&parts))
            .filter(|(s, p)| kept.get(&s.id).is_some_and(|k| Arc::ptr_eq(k, p)))
            .count();
        self.reused
            .store(reused, std::sync::atomic::Ordering::Relaxed);
        let mut map = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        for (s, p) in site.metrics.iter().zip(&parts) {
            map.insert(s.id.clone(), Arc::clone(p));
        }
        Ok(parts)
    }

    /// How many series' parts the last `metrics_files` reused.
    pub fn reused(&self) -> usize {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Part {
    fn of(s: &crate::site::Series) -> serde_json::Result<Self> {
        // The series as it sits in the file: two levels deep, after the
        // indentation of its first line.
        let mut json = b"    ".to_vec();
        json.extend(records_vec(&series_view(s), 2, NESTED_LINES)?);
        let mut csv = String::new();
        csv_rows(&mut csv, s);
        Ok(Part {
            series: s.clone(),
            json,
            csv,
        })
    }
}

/// `metrics_json_to`'s file and `metrics_csv`'s, whole, from each series'
/// parts: for `serve` after a figure edit, where a long series' data files
/// were among the slowest outputs (a build streams the JSON instead, to
/// hold less). The same bytes.
pub fn metrics_files(site: &Site, cache: &SeriesParts) -> Result<[OutFile; 2], Diagnostic> {
    let err =
        |e: serde_json::Error| Diagnostic::error(METRICS_JSON, None, format!("cannot write: {e}"));
    let parts = cache.of(site).map_err(err)?;
    let json = if parts.is_empty() {
        // `[]`, not a list with nothing between its lines.
        records_vec(&metrics_body(site), 0, NESTED_LINES).map_err(err)?
    } else {
        let mut out =
            Vec::with_capacity(parts.iter().map(|p| p.json.len() + 2).sum::<usize>() + 32);
        out.extend_from_slice(b"{\n  \"metrics\": [\n");
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(&part.json);
        }
        out.extend_from_slice(b"\n  ]\n}");
        out
    };
    let mut csv = String::with_capacity(parts.iter().map(|p| p.csv.len()).sum::<usize>() + 64);
    csv.push_str(CSV_HEADER);
    for part in &parts {
        csv.push_str(&part.csv);
    }
    Ok([
        OutFile::new(METRICS_JSON, json),
        OutFile::new(METRICS_CSV, csv),
    ])
}

/// Appends a CSV field, quoted when it needs it (RFC 4180).
fn push_csv(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

const METRICS_CSV: &str = "data/metrics.csv";

/// The first line of `data/metrics.csv`, after a UTF-8 BOM so Excel opens
/// the Chinese names correctly.
const CSV_HEADER: &str = "\u{feff}metric_id,metric,unit,group,date,week,value,target,report\n";

/// `data/metrics.csv`: one row per point, for spreadsheets.
pub fn metrics_csv(site: &Site) -> OutFile {
    let mut out = String::from(CSV_HEADER);
    for s in &site.metrics {
        csv_rows(&mut out, s);
    }
    OutFile::new(METRICS_CSV, out)
}

/// A series' rows of `data/metrics.csv`.
fn csv_rows(out: &mut String, s: &crate::site::Series) {
    use std::fmt::Write;
    // What every row of the series starts with, made once: a series can
    // have thousands of rows.
    let mut head = String::new();
    for f in [&s.id, &s.name, &s.unit, &s.group] {
        push_csv(&mut head, f);
        head.push(',');
    }
    let target = s.target.map(|t| t.to_string()).unwrap_or_default();
    for p in &s.points {
        out.push_str(&head);
        out.push_str(&iso(p.date));
        out.push(',');
        if let Some(w) = p.week {
            let _ = write!(out, "{w}");
        }
        let _ = write!(out, ",{},{target},", p.value);
        push_csv(out, &p.url);
        out.push('\n');
    }
}

/// `data/incidents.json`: the incident log, newest first. `report` is the
/// report page and `anchor` the id of the item there; unknowns are null.
pub fn incidents_json_to(site: &Site, sink: super::Sink) -> Result<(), Diagnostic> {
    #[derive(Serialize)]
    struct View<'a> {
        action: Option<Text<'a>>,
        anchor: &'a str,
        cause: Option<Text<'a>>,
        date: Option<Day>,
        id: &'a str,
        impact: Option<Text<'a>>,
        line: usize,
        report: &'a str,
        report_date: Option<Day>,
        source: Cow<'a, str>,
        summary: Text<'a>,
        text: Text<'a>,
        time: Option<Text<'a>>,
        week: Option<u32>,
        week_year: Option<i32>,
    }
    let incidents: Vec<View> = site
        .incidents
        .iter()
        .map(|e| {
            let p = &site.reports[e.report];
            let i = &e.incident;
            View {
                action: opt_text(&i.action),
                anchor: &i.anchor,
                cause: opt_text(&i.cause),
                date: i.date.map(Day),
                id: &e.id,
                impact: opt_text(&i.impact),
                line: i.line,
                report: &p.doc.url,
                report_date: p.doc.meta.date.map(Day),
                source: p.doc.source.to_string_lossy(),
                summary: Text(&i.summary),
                text: Text(&i.text),
                time: opt_text(&i.time),
                week: p.doc.week.map(|w| w.1),
                week_year: p.doc.week.map(|w| w.0),
            }
        })
        .collect();
    records_to(
        "data/incidents.json",
        &BTreeMap::from([("incidents", incidents)]),
        LIST_LINES,
        sink,
    )
}

/// `data/projects.json`: every project with its weekly entries and slips,
/// streamed to `sink` (at 10,000 reports it is 100 MB; built in one buffer,
/// with that buffer's growth, it was the build's peak memory).
pub fn projects_json_to(
    site: &Site,
    url_of: impl Fn(&crate::site::projects::Project) -> String,
    sink: super::Sink,
) -> Result<(), Diagnostic> {
    use crate::site::projects::ProjectStatus;
    #[derive(Serialize)]
    struct Overdue<'a> {
        date: Day,
        text: Text<'a>,
        what: Text<'a>,
    }
    #[derive(Serialize)]
    struct Slip<'a> {
        from: Day,
        from_text: Text<'a>,
        report: Text<'a>,
        text: String,
        to: Day,
        to_text: Text<'a>,
        what: Text<'a>,
    }
    #[derive(Serialize)]
    struct Planned<'a> {
        date: Day,
        intent: &'a Option<String>,
        nested: bool,
        text: Text<'a>,
        what: Text<'a>,
    }
    /// A project's weekly entries, each written by `Line` (see `json::Raw`)
    /// as it is serialised.
    struct Entries<'a>(&'a [crate::site::projects::Entry]);
    impl Serialize for Entries<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error, SerializeSeq};
            let mut seq = s.serialize_seq(Some(self.0.len()))?;
            for e in self.0 {
                let planned: Vec<Planned> = e
                    .planned
                    .iter()
                    .map(|pl| Planned {
                        date: Day(pl.date),
                        intent: &pl.intent,
                        nested: pl.nested,
                        text: Text(&pl.text),
                        what: Text(&pl.what),
                    })
                    .collect();
                let mut line = Line::new(e.text.len() + 256);
                line.text("anchor", &e.anchor)
                    .value("date", &Day(e.date))
                    .text("name", &e.name)
                    .value("parts", &*e.parts)
                    .value("planned", &planned)
                    .value("progress", &e.progress)
                    .text("report", &e.url)
                    .text("section", &e.section)
                    .value("slipped", &e.slipped)
                    .value("status", &e.status)
                    .text("text", &e.text)
                    .value("week", &e.week);
                let raw = line
                    .finish()
                    .ok_or_else(|| S::Error::custom("a weekly entry could not be written"))?;
                seq.serialize_element(&raw)?;
            }
            seq.end()
        }
    }
    #[derive(Serialize)]
    struct Project<'a> {
        aliases: &'a [String],
        entries: Entries<'a>,
        first_seen: Option<Day>,
        id: Text<'a>,
        last_seen: Option<Day>,
        name: Text<'a>,
        overdue: Option<Overdue<'a>>,
        risk: bool,
        section: Text<'a>,
        slips: Vec<Slip<'a>>,
        status: ProjectStatus,
        url: String,
    }
    let projects = Each(|| {
        site.projects.iter().map(|p| Project {
            aliases: &p.aliases,
            entries: Entries(&p.entries),
            first_seen: p.first_seen().map(Day),
            id: Text(&p.id),
            last_seen: p.last_seen().map(Day),
            name: Text(&p.name),
            overdue: p.overdue.as_ref().map(|o| Overdue {
                date: Day(o.date),
                text: Text(&o.text),
                what: Text(&o.what),
            }),
            risk: p.risk,
            section: Text(&p.section),
            slips: p
                .slips
                .iter()
                .map(|s| Slip {
                    from: Day(s.from),
                    from_text: Text(&s.from_text),
                    report: Text(&site.reports[s.report].doc.url),
                    text: s.describe(),
                    to: Day(s.to),
                    to_text: Text(&s.to_text),
                    what: Text(&s.what),
                })
                .collect(),
            status: p.status,
            url: url_of(p),
        })
    });
    records_to(
        "data/projects.json",
        &BTreeMap::from([("projects", projects)]),
        NESTED_LINES,
        sink,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn records(v: &serde_json::Value, lines: usize) -> String {
        String::from_utf8(records_vec(v, 0, lines).unwrap()).unwrap()
    }

    #[test]
    fn days_are_written_as_chrono_writes_dates() {
        let mut dates: Vec<NaiveDate> = [(2023, 4, 28), (1, 1, 1), (0, 12, 31), (9999, 12, 31)]
            .iter()
            .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
            .collect();
        dates.extend([10000, -1, -44].map(|y| NaiveDate::from_ymd_opt(y, 3, 5).unwrap()));
        let mut d = NaiveDate::from_ymd_opt(1999, 12, 25).unwrap();
        while d.year() < 2001 {
            dates.push(d);
            d = d.succ_opt().unwrap();
        }
        for d in dates {
            let ours = serde_json::to_string(&Day(d)).unwrap();
            assert_eq!(ours, serde_json::to_string(&d).unwrap());
            assert_eq!(
                serde_json::to_string(&Some(Day(d))).unwrap(),
                ours,
                "optional"
            );
        }
        assert!(
            serde_json::to_string(&Day(NaiveDate::from_ymd_opt(2023, 4, 8).unwrap()))
                .unwrap()
                .contains("2023-04-08")
        );
    }

    #[test]
    fn records_are_pretty_above_and_compact_within() {
        let mut deep = serde_json::json!("bottom");
        for i in 0..80 {
            deep = if i % 2 == 0 {
                serde_json::json!([deep, 1])
            } else {
                serde_json::json!({ "k": deep, "e": {} })
            };
        }
        for v in [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"projects": [{"name": "支付\n\"网关\"", "parts": {}, "entries": [], "progress": 45.5, "planned": [{"date": "2023-05-06"}]}], "n": null}),
            serde_json::json!([[], [[]], {"a": [1, 2, {"b": []}]}]),
            deep,
        ] {
            assert_eq!(
                records(&v, usize::MAX),
                serde_json::to_string_pretty(&v).unwrap()
            );
            assert_eq!(records(&v, 0), serde_json::to_string(&v).unwrap());
            for lines in 1..4 {
                let text = records(&v, lines);
                assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
            }
        }
        let v = serde_json::json!({"items": [{"a": 1, "b": [1, 2], "c": {}}, {"a": "x y"}], "none": [], "n": 2});
        assert_eq!(
            records(&v, LIST_LINES),
            "{\n  \"items\": [\n    {\"a\":1,\"b\":[1,2],\"c\":{}},\n    {\"a\":\"x y\"}\n  ],\n  \"n\": 2,\n  \"none\": []\n}"
        );
    }
}
