//! Projects across reports: updates joined by name, across renames.

use serde::Serialize;

use super::Page;
use crate::config::Config;
use crate::diag::Diagnostic;

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: String,
    pub name: String,
}

pub fn build(_reports: &[Page], _config: &Config, _diags: &mut Vec<Diagnostic>) -> Vec<Project> {
    Vec::new()
}
