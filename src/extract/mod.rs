//! The extract stage: reads facts out of a report's section tree — metric
//! figures, project updates, incidents. Each report is extracted on its own
//! (in parallel, and cacheable by `serve`); the site stage joins the facts
//! of all reports into series, project timelines and the incident log.
//!
//! What is specific to one archive (metric names, section names, aliases)
//! comes from config.toml; the code only knows how reports are written.

use crate::config::Config;
use crate::content::Doc;
use crate::diag::Diagnostic;
use crate::markdown::Section;

/// Everything extracted from one report.
#[derive(Debug, Clone, Default)]
pub struct Facts {}

/// Extracts the facts of one weekly report. Daily notes are not extracted:
/// their figures are not the week's figures.
pub fn extract(_doc: &Doc, _tree: &Section, _config: &Config) -> (Facts, Vec<Diagnostic>) {
    (Facts::default(), Vec::new())
}
