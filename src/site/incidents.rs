//! The incident log: every report's incidents, newest first.

use serde::Serialize;

use super::Page;
use crate::extract::incidents::Incident;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Index of the report in `Site::reports`.
    pub report: usize,
    pub incident: Incident,
}

/// All incidents, newest first.
pub fn build(_reports: &[Page]) -> Vec<Entry> {
    Vec::new()
}
