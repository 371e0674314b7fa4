//! `--diff-base REF`: report only the findings on lines added or changed since `REF`.
//!
//! The whole workspace is still analysed (cross-file facts stay right); this stage only filters
//! the finished report. The repository is read with gix (no `git` process, no network, and an
//! isolated configuration: only the repository's own config file): `REF` is resolved to a
//! tree, and for each file with findings the blob at that path is compared with the text that
//! was linted, line by line (`similar`). A file that is not in `REF`'s tree counts as changed
//! everywhere. No worktree filters (`core.autocrlf`, smudge) are applied to the blob. Findings
//! about unread files (JWT000, JWT001) are always kept: an unread file is a hole in the scan.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diagnostic::Report;
use crate::emit::sanitize::inline;

/// How a file differs from the base revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Not in the base tree: every line is new.
    New,
    /// These lines of the current file (1-based, end exclusive) were added or changed.
    Lines(Vec<Range<usize>>),
}

impl FileChange {
    fn touches(&self, lines: Range<usize>) -> bool {
        match self {
            FileChange::New => true,
            FileChange::Lines(rs) => rs
                .iter()
                .any(|r| r.start < lines.end && lines.start < r.end),
        }
    }
}

/// The added or changed lines of the new text against the old one.
pub fn changed_lines(old: &str, new: &str) -> Vec<Range<usize>> {
    use similar::DiffOp;
    similar::TextDiff::from_lines(old, new)
        .ops()
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Insert {
                new_index, new_len, ..
            }
            | DiffOp::Replace {
                new_index, new_len, ..
            } => Some(new_index + 1..new_index + new_len + 1),
            _ => None,
        })
        .collect()
}

fn err(rev: &str, e: impl std::fmt::Display) -> String {
    let e = e.to_string();
    format!("error: --diff-base {}: {}", inline(rev), inline(&e))
}

/// An error with its sources (gix's top-level messages name the step, the sources say why).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The repository around `root`, and the path of `root` inside its work tree.
fn open(root: &Path, rev: &str) -> Result<(gix::Repository, PathBuf), String> {
    let repo = gix::discover_opts(root, Default::default(), gix::open::Options::isolated())
        .map_err(|e| err(rev, format!("not in a git repository ({e})")))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| err(rev, "the repository has no work tree"))?;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let prefix = canon(root)
        .strip_prefix(canon(workdir))
        .map(Path::to_path_buf)
        .map_err(|_| {
            err(
                rev,
                "the project root is not inside the repository's work tree",
            )
        })?;
    Ok((repo, prefix))
}

/// How each file the report points into differs from `rev` (files without text are left out).
pub fn changes(
    root: &Path,
    rev: &str,
    report: &Report,
) -> Result<BTreeMap<String, FileChange>, String> {
    let (repo, prefix) = open(root, rev)?;
    let tree = repo
        .rev_parse_single(rev)
        .map_err(|e| err(rev, format!("cannot resolve this revision: {}", chain(&e))))?
        .object()
        .map_err(|e| err(rev, e))?
        .peel_to_tree()
        .map_err(|e| err(rev, e))?;
    let mut out = BTreeMap::new();
    for (rel, src) in &report.sources {
        let entry = tree
            .lookup_entry_by_path(prefix.join(rel))
            .map_err(|e| err(rev, e))?;
        let old = match entry.filter(|e| e.mode().is_blob()) {
            Some(e) => Some(e.object().map_err(|e| err(rev, e))?.detach().data),
            None => None,
        };
        let change = match old {
            None => FileChange::New,
            Some(bytes) => match std::str::from_utf8(&bytes) {
                Ok(old) => FileChange::Lines(changed_lines(old, &src.text)),
                Err(_) => FileChange::New,
            },
        };
        out.insert(rel.clone(), change);
    }
    Ok(out)
}

/// Keeps the findings whose primary location touches an added or changed line.
pub fn filter(report: &mut Report, changes: &BTreeMap<String, FileChange>) {
    let sources = &report.sources;
    report.diagnostics.retain(|d| {
        if d.code == "JWT000" || d.code == "JWT001" {
            return true;
        }
        let (Some(change), Some(src)) =
            (changes.get(&d.primary.file), sources.get(&d.primary.file))
        else {
            return true;
        };
        let start = src.line_of(d.primary.span.start);
        let end = src.line_of(d.primary.span.end.max(d.primary.span.start));
        change.touches(start..end + 1)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_replaced_lines_count_deleted_ones_do_not() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nB\nc\nnew\nd\n";
        assert_eq!(changed_lines(old, new), [2..3, 4..5]);
        assert_eq!(changed_lines(old, "a\nc\nd\n"), Vec::<Range<usize>>::new());
        let ch = FileChange::Lines(vec![1..2, 4..5]);
        assert!(ch.touches(3..5));
        assert!(!ch.touches(2..4));
    }
}
