//! Project updates: each bullet or sub-heading in a project section.

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::ProjectsConfig;
use crate::markdown::Section;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Update {
    pub name: String,
}

/// The project updates of one report dated `report_date`.
pub fn updates(_tree: &Section, _report_date: NaiveDate, _config: &ProjectsConfig) -> Vec<Update> {
    Vec::new()
}
