//! Metric series: each configured (or discovered) metric's figures across
//! the dated reports, oldest first.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::Page;
use crate::config::{Better, Config};
use crate::content::{ascii_slug, fnv1a};
use crate::diag::Diagnostic;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// Index of the report in `Site::reports`.
    pub report: usize,
    pub date: NaiveDate,
    pub week: Option<u32>,
    pub value: f64,
    /// The report page, relative to the site root, and the anchor of the
    /// list item or heading the figure was found under.
    pub url: String,
    pub anchor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub group: String,
    pub target: Option<f64>,
    pub better: Better,
    pub headline: bool,
    /// Found by zero-config discovery rather than defined in config.toml.
    pub discovered: bool,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Met,
    Missed,
    NoTarget,
}

impl Status {
    /// The name it is serialized under (`notarget`), for markup written in
    /// Rust.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missed => "missed",
            Status::NoTarget => "notarget",
        }
    }
}

impl Series {
    pub fn latest(&self) -> Option<&Point> {
        self.points.last()
    }

    /// The point before `i`, and the change from it.
    pub fn change_at(&self, i: usize) -> Option<f64> {
        let prev = self.points.get(i.checked_sub(1)?)?;
        Some(self.points[i].value - prev.value)
    }

    pub fn min(&self) -> Option<f64> {
        self.points.iter().map(|p| p.value).reduce(f64::min)
    }

    pub fn max(&self) -> Option<f64> {
        self.points.iter().map(|p| p.value).reduce(f64::max)
    }

    /// Whether a value meets the target (`better = "lower"`: at or below it).
    pub fn status_of(&self, value: f64) -> Status {
        match (self.target, self.better) {
            (None, _) => Status::NoTarget,
            (Some(t), Better::Higher) if value >= t - 1e-9 => Status::Met,
            (Some(t), Better::Lower) if value <= t + 1e-9 => Status::Met,
            _ => Status::Missed,
        }
    }

    /// Whether a change is an improvement, a regression or neither.
    pub fn trend(&self, change: f64) -> &'static str {
        if change.abs() < 1e-12 {
            "flat"
        } else if (change > 0.0) == (self.better == Better::Higher) {
            "good"
        } else {
            "bad"
        }
    }

    /// Points are in report order, so this is a binary search: it runs for
    /// every report and every series, and a scan made that quadratic.
    pub fn point_of_report(&self, report: usize) -> Option<usize> {
        self.points.binary_search_by_key(&report, |p| p.report).ok()
    }
}

/// A stable ASCII id: the configured one, the name's ASCII words, or a hash
/// of the name (`m-1a2b3c4d`) for a name all in Chinese.
pub fn metric_id(name: &str, configured: Option<&str>) -> String {
    if let Some(id) = configured.filter(|s| !s.is_empty()) {
        return id.to_string();
    }
    let slug = ascii_slug(std::path::Path::new(&format!("{name}.md")));
    if name.is_ascii() && !slug.is_empty() {
        slug
    } else {
        format!("m-{:08x}", fnv1a(name.as_bytes()) as u32)
    }
}

fn point(reports: &[Page], i: usize, value: f64, anchor: &str) -> Option<Point> {
    let d = &reports[i].doc;
    Some(Point {
        report: i,
        date: d.meta.date?,
        week: d.week.map(|w| w.1),
        value,
        url: d.url.clone(),
        anchor: anchor.to_string(),
    })
}

/// Builds the series of an archive.
pub fn build(reports: &[Page], config: &Config, diags: &mut Vec<Diagnostic>) -> Vec<Series> {
    let mut series = if config.metrics.is_empty() {
        discover(reports)
    } else {
        configured(reports, config)
    };
    series.retain(|s| !s.points.is_empty());
    let mut ids = HashSet::new();
    for s in &mut series {
        let mut id = s.id.clone();
        let mut n = 1;
        while !ids.insert(id.clone()) {
            n += 1;
            id = format!("{}-{n}", s.id);
        }
        s.id = id;
    }
    missing_figure_diags(reports, &series, diags);
    series
}

fn configured(reports: &[Page], config: &Config) -> Vec<Series> {
    // A series per core: each walks every report, and `serve` rebuilds
    // them all after a figure edit.
    use rayon::prelude::*;
    config
        .metrics
        .par_iter()
        .enumerate()
        .map(|(k, def)| Series {
            id: metric_id(&def.name, def.id.as_deref()),
            name: def.name.clone(),
            unit: def.unit.clone(),
            group: def.group.clone(),
            target: def.target,
            better: def.better,
            headline: def.headline,
            discovered: false,
            points: reports
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let f = r.facts.figures.iter().find(|f| f.metric == k)?;
                    point(reports, i, f.value, &f.anchor)
                })
                .collect(),
        })
        .collect()
}

/// Zero-config: a label with a number in the metric sections of at least
/// two reports is a series of its own.
fn discover(reports: &[Page]) -> Vec<Series> {
    struct Acc {
        points: Vec<Point>,
        percent: usize,
        groups: BTreeMap<String, usize>,
        first: usize,
    }
    let mut by_label: HashMap<&str, Acc> = HashMap::new();
    let mut order = 0;
    for (i, r) in reports.iter().enumerate() {
        for c in &r.facts.candidates {
            let Some(p) = point(reports, i, c.value, &c.anchor) else {
                continue;
            };
            let acc = by_label.entry(&c.label).or_insert_with(|| {
                order += 1;
                Acc {
                    points: Vec::new(),
                    percent: 0,
                    groups: BTreeMap::new(),
                    first: order,
                }
            });
            acc.points.push(p);
            acc.percent += usize::from(c.percent);
            *acc.groups.entry(c.group.clone()).or_default() += 1;
        }
    }
    let mut found: Vec<(usize, Series)> = by_label
        .into_iter()
        .filter(|(_, a)| a.points.len() >= 2)
        .map(|(label, a)| {
            let unit = if a.percent * 2 >= a.points.len() {
                "%"
            } else {
                ""
            };
            let group = a
                .groups
                .iter()
                .max_by_key(|(g, n)| (**n, std::cmp::Reverse((*g).clone())))
                .map(|(g, _)| g.clone())
                .unwrap_or_default();
            let s = Series {
                id: metric_id(label, None),
                name: label.to_string(),
                unit: unit.to_string(),
                group,
                target: None,
                better: Better::Higher,
                headline: false,
                discovered: true,
                points: a.points,
            };
            (a.first, s)
        })
        .collect();
    found.sort_by_key(|(first, _)| *first);
    let mut out: Vec<Series> = found.into_iter().map(|(_, s)| s).collect();
    // With nothing configured, the first few discovered series are the headline.
    for s in out.iter_mut().take(4) {
        s.headline = true;
    }
    out
}

/// `check`: a figure that most reports carry but one report lacks is
/// probably a typo or a changed phrase in that report.
fn missing_figure_diags(reports: &[Page], series: &[Series], diags: &mut Vec<Diagnostic>) {
    let dated: Vec<usize> = (0..reports.len())
        .filter(|&i| reports[i].doc.meta.date.is_some())
        .collect();
    if dated.len() < 3 {
        return;
    }
    for s in series {
        let have: HashSet<usize> = s.points.iter().map(|p| p.report).collect();
        if have.len() * 2 <= dated.len() {
            continue;
        }
        for &i in dated.iter().filter(|i| !have.contains(i)) {
            diags.push(Diagnostic::warning(
                &reports[i].doc.source,
                None,
                format!(
                    "no figure for metric `{}` (found in {} of {} reports)",
                    s.name,
                    have.len(),
                    dated.len()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn a_status_as_str_is_its_serialized_name() {
        for s in [Status::Met, Status::Missed, Status::NoTarget] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
