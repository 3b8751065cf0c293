//! The extract stage: reads facts out of a report's section tree — metric
//! figures, project updates, incidents. Each report is extracted on its own
//! (in parallel, and cacheable by `serve`); the site stage joins the facts
//! of all reports into series, project timelines and the incident log.
//!
//! What is specific to one archive (metric names, section names, aliases)
//! comes from config.toml; the code only knows how reports are written.

pub mod incidents;
pub mod metrics;
pub mod projects;
pub mod text;

use crate::config::Config;
use crate::content::Doc;
use crate::diag::Diagnostic;
use crate::markdown::Section;

/// Everything extracted from one report.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Figures of the configured metrics.
    pub figures: Vec<metrics::Figure>,
    /// Label–number pairs for discovery (only when no metric is configured).
    pub candidates: Vec<metrics::Candidate>,
    /// Project updates, in document order.
    pub projects: Vec<projects::Update>,
    /// Incidents, in document order.
    /// Shared (`Arc`) with the incident log's entries, not copied.
    pub incidents: Vec<std::sync::Arc<incidents::Incident>>,
}

/// Extracts the facts of one weekly report. Daily notes are not extracted:
/// their figures are not the week's figures.
pub fn extract(doc: &Doc, tree: &Section, config: &Config) -> (Facts, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let figures = metrics::figures(tree, config.compiled_metrics());
    for f in &figures {
        let def = &config.metrics[f.metric];
        if (def.unit == "%" || f.percent) && !(0.0..=100.0).contains(&f.value) {
            diags.push(Diagnostic::warning(
                &doc.source,
                Some(f.line),
                format!(
                    "{} is {}%, which is impossible for a percentage",
                    def.name, f.value
                ),
            ));
        }
    }
    let candidates = if config.metrics.is_empty() {
        metrics::candidates(tree, config)
    } else {
        Vec::new()
    };
    let projects = match doc.meta.date {
        Some(date) => projects::updates(tree, date, &config.projects),
        None => Vec::new(),
    };
    let incidents = match doc.meta.date {
        Some(date) => incidents::incidents(tree, date, &config.incidents),
        None => Vec::new(),
    };
    for i in incidents.iter().filter(|i| i.date.is_none()) {
        let what: String = i.summary.chars().take(30).collect();
        diags.push(Diagnostic::warning(
            &doc.source,
            Some(i.line),
            format!("incident with no date: `{what}` (listed at the report's date)"),
        ));
    }
    (
        Facts {
            figures,
            candidates,
            projects,
            incidents: incidents.into_iter().map(std::sync::Arc::new).collect(),
        },
        diags,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    /// The texts of the sample archive (`content/`), which the tests of
    /// the hand-written scanners run over beside their own cases.
    pub fn sample_archive() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/content");
        std::fs::read_dir(dir)
            .unwrap()
            .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
            .collect()
    }
}
