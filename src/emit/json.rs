//! `--format json`: one pretty-printed document (schema in `json_schema.md`).

use std::io::{self, Write};

use serde::Serialize;

use super::{EmitOptions, Region, all_tags, name_of, region};
use crate::diagnostic::{Level, Report};

#[derive(Serialize)]
struct Document<'a> {
    tool: Tool,
    findings: Vec<Finding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Finding<'a> {
    code: &'a str,
    name: &'a str,
    level: Level,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<&'a str>,
    notes: &'a [String],
    tags: Vec<String>,
    fingerprint: &'a crate::diagnostic::Fingerprint,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    hidden_test_code: usize,
    hidden_out_of_reach: usize,
}

pub(super) fn emit(report: &Report, _opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    let findings = report
        .diagnostics
        .iter()
        .map(|d| {
            let Region {
                start_line,
                start_column,
                end_line,
                end_column,
                ..
            } = region(report, &d.primary);
            Finding {
                code: &d.code,
                name: name_of(d),
                level: d.level,
                message: &d.message,
                path: &d.primary.file,
                line: start_line,
                column: start_column,
                end_line,
                end_column,
                help: d.help.as_deref(),
                notes: &d.notes,
                tags: all_tags(d),
                fingerprint: &d.fingerprint,
                labels: d
                    .secondary
                    .iter()
                    .map(|l| {
                        let r = region(report, l);
                        JsonLabel {
                            path: &l.file,
                            line: r.start_line,
                            column: r.start_column,
                            end_line: r.end_line,
                            end_column: r.end_column,
                            message: &l.message,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let doc = Document {
        tool: Tool {
            name: "cargo-jwtlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        summary: Summary {
            files: report.files_scanned,
            findings: report.diagnostics.len(),
            errors: report.count(Level::Error),
            warnings: report.count(Level::Warning),
            notes: report.count(Level::Note),
            suppressed: report.suppressed,
            hidden_test_code: report.hidden_test_code,
            hidden_out_of_reach: report.hidden_out_of_reach,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
