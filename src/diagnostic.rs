//! The one diagnostic model every stage produces and every emitter reads.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::source::SourceText;

/// Severity of a finding. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "note" => Some(Level::Note),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// A place in a file: path relative to the project root (forward slashes) and a byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: String,
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// `JWT101`
    pub code: String,
    /// `unverified-decode`
    pub name: String,
    pub level: Level,
    /// What is wrong and why it matters (lowercase, no trailing period).
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// What to write instead.
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// Extra tags on top of the rule's own (`test-code`, ...).
    pub tags: Vec<String>,
    /// Stable identity across runs, filled in by [`Report::finish`].
    pub fingerprint: Fingerprint,
    /// The advisories a dependency finding (JWT012) is about: what a suppression naming an
    /// advisory id (`allow(JWT012: GHSA-..)`, `[advisories] ignore`) accepts.
    pub advisories: Vec<AdvisoryRef>,
}

/// An advisory a finding is about: its primary id and its aliases (CVE ids, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvisoryRef {
    pub id: String,
    pub aliases: Vec<String>,
}

impl AdvisoryRef {
    /// Does `id` name this advisory (its id or an alias, ASCII case ignored)?
    pub fn is_named(&self, id: &str) -> bool {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .any(|a| a.eq_ignore_ascii_case(id))
    }
}

/// The identity of a finding across runs: a hash of the code, the path and the
/// whitespace-normalised text of the finding's line, and which of the findings with that hash in
/// the file this is (1-based, in report order). Written `<16 hex digits>:<n>`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint {
    pub line_hash: u64,
    pub occurrence: usize,
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}:{}", self.line_hash, self.occurrence)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a fingerprint (`<16 hex digits>:<n>`)");
        let (h, n) = s.split_once(':').ok_or_else(bad)?;
        if h.len() != 16 {
            return Err(bad());
        }
        Ok(Fingerprint {
            line_hash: u64::from_str_radix(h, 16).map_err(|_| bad())?,
            occurrence: n.parse().map_err(|_| bad())?,
        })
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Diagnostic {
    /// A diagnostic for a catalogue rule, with the rule's default level and help.
    pub fn new(
        code: &str,
        file: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let rule = crate::catalog::catalog().get(code);
        Diagnostic {
            code: code.to_string(),
            name: rule.map(|r| r.name.clone()).unwrap_or_default(),
            level: rule.map(|r| r.level).unwrap_or(Level::Warning),
            message: message.into(),
            primary: Label {
                file: file.to_string(),
                span,
                message: String::new(),
            },
            secondary: Vec::new(),
            help: rule.map(|r| r.help.clone()).filter(|h| !h.is_empty()),
            notes: Vec::new(),
            tags: Vec::new(),
            fingerprint: Fingerprint::default(),
            advisories: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.primary.message = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Makes the finding a note that says why: `{prefix}: {message}; {why}`, plus `note`.
    pub fn demote(&mut self, prefix: &str, why: &str, note: &str) {
        self.level = Level::Note;
        self.message = format!("{prefix}: {}; {why}", self.message);
        self.notes.push(note.to_string());
    }

    pub fn with_secondary(
        mut self,
        file: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        self.secondary.push(Label {
            file: file.to_string(),
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    pub fn with_tag(mut self, tag: &str) -> Self {
        if !self.tags.iter().any(|t| t == tag) {
            self.tags.push(tag.to_string());
        }
        self
    }

    /// Marks a finding in test code (the `test-code` tag); what happens to it is the
    /// `test-code` setting's choice, applied once for the whole report.
    pub fn in_test_code(self) -> Self {
        self.with_tag("test-code")
    }

    fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (
            &self.primary.file,
            self.primary.span.start,
            self.primary.span.end,
            &self.code,
            &self.message,
        )
    }
}

/// A finding that a suppression silenced, kept for the audit trail.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub diagnostic: Diagnostic,
    pub by: SuppressedBy,
}

/// What silenced a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SuppressedBy {
    /// A `jwtlint: allow(..)` comment in the source: where it is (the comment) and its reason.
    Directive { at: Label, reason: String },
    /// The configuration (`per-path-ignores`).
    Config,
    /// The configuration's `[advisories] ignore` entries: each accepted advisory id with the
    /// entry's reason.
    AdvisoryIgnore { accepted: Vec<(String, String)> },
    /// The `--baseline` file holds it (an accepted finding of the past).
    Baseline,
}

/// Everything the emitters need: the sorted diagnostics and the text of each file they name.
#[derive(Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Relative path -> text, for every file a diagnostic points into.
    pub sources: BTreeMap<String, Arc<SourceText>>,
    /// Number of files looked at (sources and manifests).
    pub files_scanned: usize,
    /// Number of findings silenced by suppression comments or config.
    pub suppressed: usize,
    /// The silenced findings themselves, with what silenced them (SARIF's `suppressions`, an
    /// audit trail); not in `diagnostics` and never counted by the exit code.
    pub suppressions: Vec<Suppressed>,
    /// Number of findings in test code not reported (`test-code = "hide"`).
    pub hidden_test_code: usize,
    /// Advisory findings about operations this code never performs, left out
    /// (`[advisories] out-of-reach = "hide"`, the default).
    pub hidden_out_of_reach: usize,
}

impl Report {
    pub fn source(&self, file: &str) -> Option<&SourceText> {
        self.sources.get(file).map(|s| s.as_ref())
    }

    /// Sorts, removes exact duplicates and computes fingerprints. Call once before emitting.
    pub fn finish(&mut self) {
        self.diagnostics
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.diagnostics
            .dedup_by(|a, b| a.sort_key() == b.sort_key());
        self.suppressions
            .sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
        let mut seen: BTreeMap<(String, String, u64), usize> = BTreeMap::new();
        // One hash per (file, line): many findings on one long line hash it once.
        let mut line_hashes: BTreeMap<(&str, &str, usize), u64> = BTreeMap::new();
        for d in &mut self.diagnostics {
            let line = self.sources.get(&d.primary.file).map(|s| {
                let line = s.line_of(d.primary.span.start);
                (s, line)
            });
            let h = match line {
                Some((s, line)) => *line_hashes
                    .entry((d.code.as_str(), d.primary.file.as_str(), line))
                    .or_insert_with(|| line_hash(&d.code, &d.primary.file, s.line_text(line))),
                None => line_hash(&d.code, &d.primary.file, ""),
            };
            let n = seen
                .entry((d.code.clone(), d.primary.file.clone(), h))
                .or_insert(0);
            *n += 1;
            d.fingerprint = Fingerprint {
                line_hash: h,
                occurrence: *n,
            };
        }
    }

    /// Adds the report of another analysis whose paths are relative to `prefix` (a folder
    /// relative to this report's root, `.` for the same root), so one report covers several
    /// workspaces. Call [`Report::finish`] afterwards.
    pub fn absorb(&mut self, other: Report, prefix: &str) {
        let join = |p: &mut String| {
            if prefix != "." && !prefix.is_empty() {
                *p = if p == "." {
                    prefix.to_string()
                } else {
                    format!("{prefix}/{p}")
                };
            }
        };
        let relabel = |d: &mut Diagnostic| {
            for l in std::iter::once(&mut d.primary).chain(d.secondary.iter_mut()) {
                join(&mut l.file);
            }
        };
        for mut d in other.diagnostics {
            relabel(&mut d);
            self.diagnostics.push(d);
        }
        for mut s in other.suppressions {
            relabel(&mut s.diagnostic);
            if let SuppressedBy::Directive { at, .. } = &mut s.by {
                join(&mut at.file);
            }
            self.suppressions.push(s);
        }
        for (mut k, v) in other.sources {
            join(&mut k);
            self.sources.insert(k, v);
        }
        self.files_scanned += other.files_scanned;
        self.suppressed += other.suppressed;
        self.hidden_test_code += other.hidden_test_code;
        self.hidden_out_of_reach += other.hidden_out_of_reach;
    }

    /// Moves findings to the suppressed ones (counted in `suppressed`, kept in sorted order).
    pub fn suppress(&mut self, found: Vec<Diagnostic>, by: SuppressedBy) {
        self.suppressed += found.len();
        self.suppressions
            .extend(found.into_iter().map(|diagnostic| Suppressed {
                diagnostic,
                by: by.clone(),
            }));
        self.suppressions
            .sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    }

    pub fn count_at_or_above(&self, level: Level) -> usize {
        self.diagnostics.iter().filter(|d| d.level >= level).count()
    }

    pub fn count(&self, level: Level) -> usize {
        self.diagnostics.iter().filter(|d| d.level == level).count()
    }
}

/// The fingerprint hash: rule, file and the line's text with whitespace runs collapsed.
fn line_hash(code: &str, file: &str, line: &str) -> u64 {
    let words = line.split_whitespace().collect::<Vec<_>>().join(" ");
    fnv1a(&[code.as_bytes(), file.as_bytes(), words.as_bytes()])
}

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.iter().chain(std::iter::once(&0u8)) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}
