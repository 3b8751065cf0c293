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
