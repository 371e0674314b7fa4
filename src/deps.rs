//! Dependency rules (placeholder until the deps branch lands).
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::manifest::{Lockfile, Manifest};

#[derive(Default, Clone, Debug)]
pub struct DepsOptions {
    pub strict_exact: bool,
    pub advisory_db: Option<PathBuf>,
}

pub fn check(_manifests: &[Manifest], _locks: &[Lockfile], _opts: &DepsOptions) -> Vec<Diagnostic> {
    Vec::new()
}
