//! Data files under `data/`, so other tools can use the archive without
//! parsing HTML. Shapes are documented in the README and kept stable.

use serde_json::json;

use super::OutFile;
use crate::content::iso;
use crate::site::Site;

pub fn reports_json(site: &Site) -> OutFile {
    let reports: Vec<serde_json::Value> = site
        .reports
        .iter()
        .map(|p| {
            let d = &p.doc;
            json!({
                "title": d.title(),
                "date": d.meta.date.map(iso),
                "week": d.week.map(|w| w.1),
                "week_year": d.week.map(|w| w.0),
                "url": d.url,
                "source": d.source.to_string_lossy(),
                "tags": d.meta.tags,
                "daily": p.dailies.iter().map(|&j| site.dailies[j].doc.url.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let body = json!({ "week_convention": site.weeks, "reports": reports });
    OutFile::new(
        "data/reports.json",
        serde_json::to_vec_pretty(&body).unwrap_or_default(),
    )
}

/// `data/metrics.json`: every series with its points.
pub fn metrics_json(site: &Site) -> OutFile {
    let metrics: Vec<serde_json::Value> = site
        .metrics
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "unit": s.unit,
                "group": s.group,
                "target": s.target,
                "better": s.better,
                "discovered": s.discovered,
                "url": format!("metrics/{}.html", s.id),
                "points": s.points.iter().map(|p| json!({
                    "date": iso(p.date),
                    "week": p.week,
                    "report": p.url,
                    "anchor": p.anchor,
                    "value": p.value,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    OutFile::new(
        "data/metrics.json",
        serde_json::to_vec_pretty(&json!({ "metrics": metrics })).unwrap_or_default(),
    )
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `data/metrics.csv`: one row per point, for spreadsheets. Starts with a
/// UTF-8 BOM so Excel opens the Chinese names correctly.
pub fn metrics_csv(site: &Site) -> OutFile {
    let mut out =
        String::from("\u{feff}metric_id,metric,unit,group,date,week,value,target,report\n");
    for s in &site.metrics {
        for p in &s.points {
            let row = [
                csv_field(&s.id),
                csv_field(&s.name),
                csv_field(&s.unit),
                csv_field(&s.group),
                iso(p.date),
                p.week.map(|w| w.to_string()).unwrap_or_default(),
                p.value.to_string(),
                s.target.map(|t| t.to_string()).unwrap_or_default(),
                csv_field(&p.url),
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    OutFile::new("data/metrics.csv", out)
}

/// `data/incidents.json`: the incident log, newest first. `report` is the
/// report page and `anchor` the id of the item there; unknowns are null.
pub fn incidents_json(site: &Site) -> OutFile {
    let incidents: Vec<serde_json::Value> = site
        .incidents
        .iter()
        .map(|e| {
            let p = &site.reports[e.report];
            let i = &e.incident;
            json!({
                "id": e.id,
                "date": i.date.map(iso),
                "time": i.time,
                "report": p.doc.url,
                "anchor": i.anchor,
                "report_date": p.doc.meta.date.map(iso),
                "week": p.doc.week.map(|w| w.1),
                "week_year": p.doc.week.map(|w| w.0),
                "summary": i.summary,
                "cause": i.cause,
                "action": i.action,
                "impact": i.impact,
                "text": i.text,
                "line": i.line,
                "source": p.doc.source.to_string_lossy(),
            })
        })
        .collect();
    OutFile::new(
        "data/incidents.json",
        serde_json::to_vec_pretty(&json!({ "incidents": incidents })).unwrap_or_default(),
    )
}
