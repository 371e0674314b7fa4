//! Emitters: one file per output format, all reading the same [`Report`].
//!
//! Emitters only read the model. Line and column numbers are computed here from
//! `report.sources`: lines are 1-based, columns are 1-based UTF-16 code units (except in the
//! human output, where codespan counts chars), and a label whose file has no source text (an
//! unreadable file) is placed at line 1, column 1.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::catalog::{Rule, catalog};
use crate::diagnostic::{Diagnostic, Label, Level, Report};

mod excerpt;
mod github;
mod human;
mod json;
pub(crate) mod sanitize;
mod sarif;

pub use sarif::line_hashes;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// Colour the human output.
    pub color: bool,
    /// The `--fail-on` level (shown in summaries).
    pub fail_on: Level,
    /// `-v`: the human output lists the files that were not checked.
    pub verbose: bool,
    /// Absolute project root. SARIF declares it as `%SRCROOT%` (a `file://` URI); when `None`,
    /// `%SRCROOT%` only gets a description and the uploader must know the checkout path.
    pub root: Option<PathBuf>,
}

pub fn emit(
    report: &Report,
    format: Format,
    opts: &EmitOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::emit(report, opts, out),
        Format::Json => json::emit(report, opts, out),
        Format::Sarif => sarif::emit(report, opts, out),
        Format::Github => github::emit(report, opts, out),
    }
}

/// Where a label is, in 1-based lines and 1-based UTF-16 columns; the end is exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// False when the file has no source text (line 1, column 1 is a placeholder).
    pub known: bool,
}

pub(crate) fn region(report: &Report, label: &Label) -> Region {
    match report.source(&label.file) {
        Some(src) => {
            let start = label.span.start;
            let end = label.span.end.max(start);
            let (start_line, start_column) = src.line_col(start);
            let (end_line, end_column) = src.line_col(end);
            Region {
                start_line,
                start_column,
                end_line,
                end_column,
                known: true,
            }
        }
        None => Region {
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
            known: false,
        },
    }
}

pub(crate) fn rule_of(d: &Diagnostic) -> Option<&'static Rule> {
    catalog().rules.iter().find(|r| r.code == d.code)
}

/// The diagnostic's kebab name, falling back to the catalogue's.
pub(crate) fn name_of(d: &Diagnostic) -> &str {
    if !d.name.is_empty() {
        return &d.name;
    }
    rule_of(d).map(|r| r.name.as_str()).unwrap_or("")
}

/// The rule's catalogue tags followed by the diagnostic's own, without duplicates.
pub(crate) fn all_tags(d: &Diagnostic) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let rule_tags = rule_of(d).map(|r| r.tags.as_slice()).unwrap_or(&[]);
    for t in rule_tags.iter().chain(&d.tags) {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags
}

/// The diagnostic's tags that its rule does not already carry.
pub(crate) fn extra_tags(d: &Diagnostic) -> Vec<String> {
    let rule_tags = rule_of(d).map(|r| r.tags.as_slice()).unwrap_or(&[]);
    let mut tags: Vec<String> = Vec::new();
    for t in &d.tags {
        if !rule_tags.contains(t) && !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags
}

/// `1 error`, `2 errors`.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
