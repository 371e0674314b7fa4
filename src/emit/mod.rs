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

mod concise;
mod excerpt;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod markdown;
mod rustc_json;
pub(crate) mod sanitize;
mod sarif;
mod statistics;

pub use markdown::{GithubLinks, step_summary};
pub use sarif::line_hashes;
pub use statistics::{RuleCount, emit_statistics, statistics};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with snippets and a summary line
    Human,
    /// one JSON document (schema in the README)
    Json,
    /// SARIF 2.1.0 for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// one line per finding: `./path:line:col: level[CODE] message`
    Concise,
    /// JSON lines in the shape cargo and clippy emit (`--message-format json`)
    RustcJson,
    /// GitLab Code Quality report
    Gitlab,
    /// JUnit XML
    Junit,
}

impl Format {
    /// The name as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Concise => "concise",
            Format::RustcJson => "rustc-json",
            Format::Gitlab => "gitlab",
            Format::Junit => "junit",
        }
    }
}

#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// Colour the human output (and, in `rustc-json`, the `rendered` text).
    pub color: bool,
    /// The `--fail-on` level (shown in summaries).
    pub fail_on: Level,
    /// `-v`: the human output lists the files that were not checked.
    pub verbose: bool,
    /// `-q`: the human and concise outputs end without the summary line.
    pub quiet: bool,
    /// Absolute project root. SARIF declares it as `%SRCROOT%` (a `file://` URI); when `None`,
    /// `%SRCROOT%` only gets a description and the uploader must know the checkout path.
    pub root: Option<PathBuf>,
    /// `--sarif-category`: SARIF's `automationDetails.id` (none: upload-sarif's `category:`
    /// input, or its default, applies).
    pub sarif_category: Option<String>,
    /// Facts about the run that SARIF reports in `invocations`.
    pub run: RunInfo,
}

impl EmitOptions {
    /// Options for a run with no configuration file and every default.
    pub fn new(root: Option<PathBuf>) -> EmitOptions {
        EmitOptions {
            color: false,
            fail_on: Level::Warning,
            verbose: false,
            quiet: false,
            root,
            sarif_category: None,
            run: RunInfo::default(),
        }
    }
}

/// Facts about the run, not about findings.
#[derive(Clone, Debug, Default)]
pub struct RunInfo {
    /// The configuration files that were read (one per workspace analysed with one), relative
    /// to the report's root when inside it (empty: no file, the defaults applied).
    pub config_files: Vec<String>,
    /// Catalogue rules that did not run (left out by the selection, or opt-in).
    pub rules_off: Vec<String>,
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
        Format::Concise => concise::emit(report, opts, out),
        Format::RustcJson => rustc_json::emit(report, opts, out),
        Format::Gitlab => gitlab::emit(report, opts, out),
        Format::Junit => junit::emit(report, opts, out),
    }
}

/// The one-line summary of a run (`jwtlint: 3 errors, 1 warning in 12 files (..)`), as the human
/// output ends; the CLI prints it on standard error when the report goes to a file.
pub fn summary_line(report: &Report, verbose: bool) -> String {
    human::summary(report, human::unchecked_files(report).len(), verbose)
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
