//! `--format rustc-json` (also `--message-format json`): one JSON object per line in the shape
//! cargo prints for `cargo clippy --message-format json` (`reason: "compiler-message"` wrapping
//! rustc's diagnostic JSON), then `reason: "build-finished"`. rust-analyzer's
//! `check.overrideCommand`, reviewdog and clippy-sarif read it.
//!
//! The linter has no cargo target, so every message names the project root as its package and a
//! target named `jwtlint` whose `src_path` is the finding's file. The primary label is the one
//! top-level span; secondary labels are `note` children with spans. Columns are 1-based characters
//! and byte offsets are the file's, as rustc writes them. `rendered` is the human output's text
//! for the finding (sanitised; ANSI colour with `--color always`); the other strings keep the
//! exact text, their JSON encoder escapes it.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::EmitOptions;
use super::human::Renderer;
use crate::diagnostic::{Diagnostic, Label, Level, Report};
use crate::source::SourceText;

#[derive(Serialize)]
struct CompilerMessage {
    reason: &'static str,
    package_id: String,
    manifest_path: String,
    target: Target,
    message: RustcDiagnostic,
}

#[derive(Serialize)]
struct Target {
    kind: [&'static str; 1],
    crate_types: [&'static str; 1],
    name: &'static str,
    src_path: String,
    edition: &'static str,
    doc: bool,
    doctest: bool,
    test: bool,
}

#[derive(Serialize)]
struct RustcDiagnostic {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

pub(super) fn emit(report: &Report, opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    let renderer = Renderer::new(report, opts.color);
    let root = opts.root.as_deref().unwrap_or(Path::new("."));
    let root_str = root.to_string_lossy().replace('\\', "/");
    for d in &report.diagnostics {
        let mut rendered = Vec::new();
        renderer.render(d, &mut rendered)?;
        let msg = CompilerMessage {
            reason: "compiler-message",
            package_id: format!("path+file://{root_str}"),
            manifest_path: root.join("Cargo.toml").to_string_lossy().into_owned(),
            target: Target {
                kind: ["lib"],
                crate_types: ["lib"],
                name: "jwtlint",
                src_path: root.join(&d.primary.file).to_string_lossy().into_owned(),
                edition: "2024",
                doc: false,
                doctest: false,
                test: false,
            },
            message: diagnostic(report, d, String::from_utf8_lossy(&rendered).into_owned()),
        };
        serde_json::to_writer(&mut *out, &msg)?;
        writeln!(out)?;
    }
    let done = BuildFinished {
        reason: "build-finished",
        success: report.count_at_or_above(opts.fail_on) == 0,
    };
    serde_json::to_writer(&mut *out, &done)?;
    writeln!(out)
}

fn level_str(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// The finding as rustc's JSON: the primary label is the only top-level span (clippy-sarif makes
/// one result per top-level span); each secondary label is a `note` child with its own span, as
/// rustc's `span_note` writes it (clippy-sarif: `relatedLocations`; rust-analyzer: related
/// information); then the notes and the help.
fn diagnostic(report: &Report, d: &Diagnostic, rendered: String) -> RustcDiagnostic {
    let child = |level: &'static str, message: &str, spans: Vec<Span>| RustcDiagnostic {
        message_type: "diagnostic",
        message: message.to_string(),
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    };
    let mut children: Vec<RustcDiagnostic> = d
        .secondary
        .iter()
        .map(|l| {
            let message = if l.message.is_empty() {
                "related location"
            } else {
                &l.message
            };
            child("note", message, vec![span(report, l, true)])
        })
        .collect();
    children.extend(d.notes.iter().map(|n| child("note", n, Vec::new())));
    children.extend(d.help.iter().map(|h| child("help", h, Vec::new())));
    RustcDiagnostic {
        message_type: "diagnostic",
        message: d.message.clone(),
        code: Some(Code {
            code: d.code.clone(),
            explanation: None,
        }),
        level: level_str(d.level),
        spans: vec![span(report, &d.primary, true)],
        children,
        rendered: Some(rendered),
    }
}

/// 1-based column in characters of a byte offset (a BOM on line 1 is not one).
fn char_column(src: &SourceText, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.text.len());
    while !src.text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = src.line_of(offset);
    let mut start = src.line_start(line);
    if start == 0 && src.text.starts_with('\u{feff}') {
        start = 3.min(offset);
    }
    (line, src.text[start..offset].chars().count() + 1)
}

fn span(report: &Report, l: &Label, is_primary: bool) -> Span {
    let label = (!l.message.is_empty()).then(|| l.message.clone());
    let Some(src) = report.source(&l.file) else {
        return Span {
            file_name: l.file.clone(),
            byte_start: 0,
            byte_end: 0,
            line_start: 1,
            line_end: 1,
            column_start: 1,
            column_end: 1,
            is_primary,
            text: Vec::new(),
            label,
            suggested_replacement: None,
            suggestion_applicability: None,
            expansion: None,
        };
    };
    let start = l.span.start.min(src.text.len());
    let end = l.span.end.clamp(start, src.text.len());
    let (line_start, column_start) = char_column(src, start);
    let (line_end, column_end) = char_column(src, end);
    let text = (line_start..=line_end)
        .map(|n| {
            let t = src.line_text(n).trim_start_matches('\u{feff}');
            SpanLine {
                text: t.to_string(),
                highlight_start: if n == line_start { column_start } else { 1 },
                highlight_end: if n == line_end {
                    column_end
                } else {
                    t.chars().count() + 1
                },
            }
        })
        .collect();
    Span {
        file_name: l.file.clone(),
        byte_start: start,
        byte_end: end,
        line_start,
        line_end,
        column_start,
        column_end,
        is_primary,
        text,
        label,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}
