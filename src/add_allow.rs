//! `--add-allow "REASON"`: writes `// jwtlint: allow(CODE) REASON` (in TOML `# ..`) on a new line
//! above each reported finding, with the indentation and line ending of the finding's line, so
//! a project can accept today's findings in the code itself (like ruff's `--add-noqa`). A
//! second run adds nothing: the findings are suppressed by then. Findings of several rules on
//! one line share one directive; a dependency finding about advisories names them
//! (`allow(JWT012: GHSA-..)`), so a new advisory on that line is reported again.
//!
//! Left alone: unread files (JWT000, JWT001), findings about directives (JWT002, JWT003),
//! `Cargo.lock` (cargo rewrites it; use `[advisories] ignore`), files that changed since they
//! were linted, symlinks, and lines inside a multi-line string literal.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Report};
use crate::source::SourceText;

/// Why a file got no directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Cargo.lock: cargo drops comments when it rewrites the file.
    Lockfile,
    /// The file is a symlink (its target is not edited through the link).
    Symlink,
    /// The file changed on disk since it was linted.
    Changed,
    /// A finding's line starts inside a multi-line string literal (or the file does not
    /// tokenize), so a line inserted there would change the program.
    InsideLiteral,
    /// Reading or writing the file failed.
    Io(String),
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Directives written.
    pub added: usize,
    /// Files changed.
    pub files: usize,
    /// Files left alone, and why.
    pub skipped: Vec<(String, Skip)>,
}

/// The reason must fit on the comment's line.
pub fn check_reason(reason: &str) -> Result<(), String> {
    if reason.trim().is_empty() {
        return Err(
            "error: --add-allow needs a reason: say why these findings are accepted".into(),
        );
    }
    if reason.chars().any(char::is_control) {
        return Err(
            "error: --add-allow: the reason must be one line without control characters".into(),
        );
    }
    Ok(())
}

/// What `allow(..)` lists for one finding.
fn entries_of(d: &Diagnostic) -> Vec<String> {
    if d.advisories.is_empty() {
        return vec![d.code.clone()];
    }
    d.advisories
        .iter()
        .map(|a| format!("{}: {}", d.code, a.id))
        .collect()
}

/// Per file, per 1-based line: the entries a directive above that line must list.
fn plan(report: &Report) -> BTreeMap<String, BTreeMap<usize, Vec<String>>> {
    let mut out: BTreeMap<String, BTreeMap<usize, Vec<String>>> = BTreeMap::new();
    for d in &report.diagnostics {
        if matches!(d.code.as_str(), "JWT000" | "JWT001" | "JWT002" | "JWT003") {
            continue;
        }
        let Some(src) = report.source(&d.primary.file) else {
            continue;
        };
        let line = src.line_of(d.primary.span.start);
        let list = out
            .entry(d.primary.file.clone())
            .or_default()
            .entry(line)
            .or_default();
        for e in entries_of(d) {
            if !list.contains(&e) {
                list.push(e);
            }
        }
    }
    out
}

/// Writes the directives into the files under `root`.
pub fn apply(root: &Path, report: &Report, reason: &str) -> Outcome {
    let mut out = Outcome::default();
    for (rel, lines) in plan(report) {
        let Some(src) = report.source(&rel) else {
            continue;
        };
        match edit_file(&root.join(&rel), &rel, src, &lines, reason) {
            Ok(()) => {
                out.added += lines.len();
                out.files += 1;
            }
            Err(why) => out.skipped.push((rel, why)),
        }
    }
    out
}

fn edit_file(
    abs: &Path,
    rel: &str,
    src: &SourceText,
    lines: &BTreeMap<usize, Vec<String>>,
    reason: &str,
) -> Result<(), Skip> {
    if rel == "Cargo.lock" || rel.ends_with("/Cargo.lock") {
        return Err(Skip::Lockfile);
    }
    let meta = std::fs::symlink_metadata(abs).map_err(|e| Skip::Io(e.to_string()))?;
    if meta.file_type().is_symlink() {
        return Err(Skip::Symlink);
    }
    let now = crate::safe_fs::read_regular(abs).map_err(|e| Skip::Io(e.to_string()))?;
    if now != src.text.as_bytes() {
        return Err(Skip::Changed);
    }
    let toml = rel.ends_with(".toml");
    let literals = if toml {
        Vec::new()
    } else {
        crate::parse::multiline_literals(&src.text).ok_or(Skip::InsideLiteral)?
    };
    let text = insert_directives(src, lines, reason, toml, &literals)?;
    std::fs::write(abs, text).map_err(|e| Skip::Io(e.to_string()))
}

/// The file's text with one directive line inserted above each of `lines`.
fn insert_directives(
    src: &SourceText,
    lines: &BTreeMap<usize, Vec<String>>,
    reason: &str,
    toml: bool,
    literals: &[std::ops::Range<usize>],
) -> Result<String, Skip> {
    let text = &src.text;
    let mut out = String::with_capacity(text.len() + lines.len() * 64);
    let mut copied = 0;
    for (&line, entries) in lines {
        let mut at = src.line_start(line);
        if at == 0 && text.starts_with('\u{feff}') {
            at = 3;
        }
        if literals.iter().any(|r| r.start < at && at < r.end) {
            return Err(Skip::InsideLiteral);
        }
        let own = src.line_text(line).trim_start_matches('\u{feff}');
        let indent = &own[..own.len() - own.trim_start().len()];
        let eol = if text[src.line_range(line).end..].starts_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let opener = if toml { "#" } else { "//" };
        out.push_str(&text[copied..at]);
        out.push_str(&format!(
            "{indent}{opener} jwtlint: allow({}) {reason}{eol}",
            entries.join(", ")
        ));
        copied = at;
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_keep_indentation_line_endings_and_the_bom() {
        let src = SourceText::new("\u{feff}fn f() {\r\n    let k = \"s\";\r\n}\r\n".to_string());
        let lines = BTreeMap::from([
            (1, vec!["JWT101".to_string()]),
            (2, vec!["JWT801".to_string(), "JWT012: GHSA-x".to_string()]),
        ]);
        let got = insert_directives(&src, &lines, "accepted", false, &[]).unwrap();
        assert_eq!(
            got,
            "\u{feff}// jwtlint: allow(JWT101) accepted\r\nfn f() {\r\n    // jwtlint: allow(JWT801, JWT012: GHSA-x) accepted\r\n    let k = \"s\";\r\n}\r\n"
        );
    }

    #[test]
    fn no_line_is_inserted_into_a_multiline_string() {
        let text = "const K: &str = \"a\nb\";\n";
        let src = SourceText::new(text.to_string());
        let lits = crate::parse::multiline_literals(text).unwrap();
        let lines = BTreeMap::from([(2, vec!["JWT801".to_string()])]);
        assert_eq!(
            insert_directives(&src, &lines, "r", false, &lits),
            Err(Skip::InsideLiteral)
        );
    }
}
