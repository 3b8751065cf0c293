//! The incident log page and incident marks on report pages.

use super::{OutFile, Renderer};
use crate::diag::Diagnostic;

impl Renderer<'_> {
    /// `incidents.html` (and its data file is in `data`).
    pub(super) fn incident_pages(&self) -> Vec<Result<OutFile, Diagnostic>> {
        Vec::new()
    }

    /// Marks the incidents of report `i` in its rendered body.
    pub(super) fn mark_incidents(&self, _i: usize, html: &str) -> String {
        html.to_string()
    }
}
