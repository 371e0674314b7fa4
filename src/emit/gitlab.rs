//! `--format gitlab`: a GitLab Code Quality report (the Code Climate issue subset GitLab reads):
//! a JSON array with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin` per finding. GitLab shows `description` in merge
//! requests, so it is sanitised like every text shown to a person; the path is exact.

use std::io::{self, Write};

use serde::Serialize;

use super::sanitize::inline;
use super::{EmitOptions, name_of, region};
use crate::diagnostic::{Diagnostic, Level, Report};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    categories: [&'static str; 1],
    fingerprint: String,
    severity: &'static str,
    engine_name: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// Code Quality severities: info, minor, major, critical, blocker.
fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "critical",
        Level::Warning => "major",
        Level::Note => "minor",
    }
}

fn issue<'a>(report: &'a Report, d: &'a Diagnostic) -> Issue<'a> {
    let r = region(report, &d.primary);
    let name = name_of(d);
    let title = if name.is_empty() {
        d.code.clone()
    } else {
        format!("{} {name}", d.code)
    };
    Issue {
        kind: "issue",
        description: inline(&format!("{title}: {}", d.message)).into_owned(),
        check_name: &d.code,
        categories: ["Security"],
        fingerprint: d.fingerprint.to_string(),
        severity: severity(d.level),
        engine_name: "cargo-jwtlint",
        location: Location {
            path: &d.primary.file,
            lines: Lines {
                begin: r.start_line,
                end: r.end_line.max(r.start_line),
            },
        },
    }
}

pub(super) fn emit(report: &Report, _opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .map(|d| issue(report, d))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
