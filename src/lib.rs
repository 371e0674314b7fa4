//! cargo-jwtlint: a static-analysis linter for risky JWT usage in Rust code and manifests.
//!
//! The path of a finding: `cli` → `config` → `discover` → `prefilter` → `parse` → `index` → `detect` →
//! `suppress` → `report` (the [`diagnostic::Report`]) → `emit`. Each stage is a module with one
//! job, and data flows one way. The finished report can be narrowed before it is emitted (by
//! `scope` for PATHs, `baseline`, `diffbase`) or turned into directives (`add_allow`).

pub mod add_allow;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod config_show;
pub mod deps;
pub mod detect;
pub mod diagnostic;
pub mod diffbase;
pub mod discover;
pub mod emit;
pub mod git;
pub mod index;
pub mod lint;
pub mod manifest;
pub mod model;
pub mod outputs;
pub mod parse;
pub mod prefilter;
pub mod safe_fs;
pub mod scope;
pub mod source;
pub mod split;
pub mod suppress;
pub mod workspaces;
