//! `--write-baseline FILE` / `--baseline FILE`: accept today's findings, gate on new ones.
//!
//! A finding is matched by its rule, its path and the hash of its line's whitespace-normalised
//! text (the [`Fingerprint`] of the JSON output), not by its line number, so inserting lines
//! above it, appending code below it or renaming a function elsewhere in the file keeps it
//! matched. Equal hashes in one file are counted: two baselined copies of a line accept two
//! findings, and a third one is new. Baseline entries that match nothing are stale: they are
//! listed so the baseline can shrink (`--fail-on-stale` makes them fail the run).
//!
//! The file is JSON, versioned (`"version": 1`), documented in the README; unknown fields are
//! ignored so later versions can add some.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Fingerprint, Report};

/// The version this build writes and reads.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub tool: String,
    pub findings: Vec<Entry>,
}

/// One accepted finding. `line` and `message` are for people reading the file (and the stale
/// list); matching uses `code`, `path` and the hash part of `fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub code: String,
    pub path: String,
    pub fingerprint: Fingerprint,
    pub line: usize,
    pub message: String,
}

/// What applying a baseline did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings left out because the baseline has them.
    pub matched: usize,
    /// Entries that matched no finding (only those the run could have matched).
    pub stale: Vec<Entry>,
}

/// Findings that never go into a baseline: an unread file is a hole in the scan.
fn always_reported(code: &str) -> bool {
    code == "JWT000" || code == "JWT001"
}

type Key = (String, String, u64);

fn key(code: &str, path: &str, fp: Fingerprint) -> Key {
    (code.to_string(), path.to_string(), fp.line_hash)
}

/// The baseline of a finished report (fingerprints computed).
pub fn of_report(report: &Report) -> Baseline {
    let findings = report
        .diagnostics
        .iter()
        .filter(|d| !always_reported(&d.code))
        .map(|d| Entry {
            code: d.code.clone(),
            path: d.primary.file.clone(),
            fingerprint: d.fingerprint,
            line: report
                .source(&d.primary.file)
                .map(|s| s.line_of(d.primary.span.start))
                .unwrap_or(1),
            message: d.message.clone(),
        })
        .collect();
    Baseline {
        version: VERSION,
        tool: "cargo-jwtlint".to_string(),
        findings,
    }
}

pub fn write(path: &Path, b: &Baseline) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(b).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("error: cannot write the baseline {}: {e}", path.display()))
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let shown = crate::emit::sanitize::inline(&path.display().to_string()).into_owned();
    let bytes = crate::safe_fs::read_regular(path)
        .map_err(|e| format!("error: cannot read the baseline {shown}: {e}"))?;
    let b: Baseline = serde_json::from_slice(&bytes).map_err(|e| {
        let e = e.to_string();
        format!(
            "error: {shown} is not a cargo-jwtlint baseline: {}",
            crate::emit::sanitize::inline(&e)
        )
    })?;
    if b.version != VERSION {
        return Err(format!(
            "error: {shown} is a version {} baseline; this cargo-jwtlint reads version {VERSION}",
            b.version
        ));
    }
    Ok(b)
}

/// Moves the findings the baseline holds to the report's suppressed findings (by the baseline)
/// and returns the count and the stale
/// entries; `in_play` says which entries this run could have matched (rules that ran, paths in
/// scope), so the others are never called stale.
pub fn apply(report: &mut Report, b: &Baseline, in_play: impl Fn(&Entry) -> bool) -> Outcome {
    let mut left: BTreeMap<Key, usize> = BTreeMap::new();
    for e in &b.findings {
        *left
            .entry(key(&e.code, &e.path, e.fingerprint))
            .or_insert(0) += 1;
    }
    let (accepted, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut report.diagnostics)
        .into_iter()
        .partition(|d| {
            if always_reported(&d.code) {
                return false;
            }
            match left.get_mut(&key(&d.code, &d.primary.file, d.fingerprint)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        });
    report.diagnostics = kept;
    let matched = accepted.len();
    // Accepted findings stay in the audit trail (SARIF `suppressions`, the `suppressed` count).
    report.suppress(accepted, crate::diagnostic::SuppressedBy::Baseline);
    // Of the entries with one key, the last ones (highest occurrence) are the stale ones.
    let mut by_key: BTreeMap<Key, Vec<&Entry>> = BTreeMap::new();
    for e in &b.findings {
        by_key
            .entry(key(&e.code, &e.path, e.fingerprint))
            .or_default()
            .push(e);
    }
    let mut stale = Vec::new();
    for (k, mut entries) in by_key {
        let n = left.get(&k).copied().unwrap_or(0);
        entries.sort_by_key(|e| e.fingerprint.occurrence);
        stale.extend(entries.iter().rev().take(n).map(|e| (*e).clone()));
    }
    stale.retain(|e| in_play(e));
    stale.sort_by(|a, b| (&a.path, a.line, &a.code).cmp(&(&b.path, b.line, &b.code)));
    Outcome { matched, stale }
}
