//! cargo-jwtlint: a static-analysis linter for risky JWT usage in Rust code and manifests.
//!
//! The path of a finding: `cli` → `config` → `discover` → `prefilter` → `parse` → `index` →
//! `detect` → `suppress` → `report` → `emit`. Each stage is a module with one job.

pub mod catalog;
pub mod cli;
pub mod deps;
pub mod diagnostic;
pub mod emit;
pub mod manifest;
pub mod source;
