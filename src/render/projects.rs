//! The project timeline, one page per project, and project links on
//! report pages.

use super::{OutFile, Renderer};
use crate::diag::Diagnostic;

impl Renderer<'_> {
    pub(super) fn project_pages(&self) -> Vec<Result<OutFile, Diagnostic>> {
        Vec::new()
    }

    /// Links each project update in report `i` to its project page.
    pub(super) fn link_projects(&self, _i: usize, html: &str) -> String {
        html.to_string()
    }
}
