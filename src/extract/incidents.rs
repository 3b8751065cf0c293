//! Incidents: each item under an incident heading (生产稳定性事件, 生产事件,
//! 线上问题…) or under a list item or paragraph that acts as one.

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::IncidentsConfig;
use crate::markdown::Section;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// When it happened (year from the report's date, nearest), if written.
    pub date: Option<NaiveDate>,
    /// `HH:MM`, if written.
    pub time: Option<String>,
    pub summary: String,
    pub cause: Option<String>,
    pub action: Option<String>,
    /// The whole item text.
    pub text: String,
    pub line: usize,
    /// Anchor of the list item in the report page.
    pub anchor: String,
}

/// The incidents of one report dated `report_date`.
pub fn incidents(
    _tree: &Section,
    _report_date: NaiveDate,
    _config: &IncidentsConfig,
) -> Vec<Incident> {
    Vec::new()
}
