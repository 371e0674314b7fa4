//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning.
//!
//! One run; the driver lists every catalogue rule in catalogue order, so a result's `ruleIndex`
//! is the rule's position in the catalogue. Locations are relative URIs under `%SRCROOT%`,
//! columns are UTF-16 code units, and `primaryLocationLineHash` is the value GitHub's upload
//! action (`github/codeql-action`, `src/fingerprints.ts`) would compute for the same line.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::{EmitOptions, extra_tags, region};
use crate::catalog::{Rule, catalog};
use crate::diagnostic::{Label, Level, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// GitHub shows at most this many tags per rule.
const MAX_TAGS: usize = 20;

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: MultiformatMessage,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: String,
    #[serde(rename = "security-severity")]
    security_severity: String,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
struct ResultProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

fn level_str(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// GitHub's `problem.severity` for non-security queries: error, warning or recommendation.
fn problem_severity(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "recommendation",
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    ReportingDescriptor {
        id: rule.code.clone(),
        name: rule.name.clone(),
        short_description: Text {
            text: rule.summary.clone(),
        },
        full_description: Text {
            text: rule.full_description(),
        },
        help: MultiformatMessage {
            text: rule.docs.clone(),
            markdown: rule.docs.clone(),
        },
        help_uri: rule.help_uri(),
        default_configuration: Configuration {
            level: level_str(rule.level),
        },
        properties: RuleProperties {
            tags: rule.tags.iter().take(MAX_TAGS).cloned().collect(),
            precision: rule.precision.clone(),
            security_severity: rule.security_severity.clone(),
            problem_severity: problem_severity(rule.level),
        },
    }
}

/// A region SARIF validators and GitHub accept: `endColumn > startColumn` on one line; an empty
/// span covers the character at its start if there is one, else the region has no end column.
fn sarif_region(report: &Report, label: &Label) -> SarifRegion {
    let r = region(report, label);
    let Some(src) = report.source(&label.file).filter(|_| r.known) else {
        return SarifRegion {
            start_line: 1,
            start_column: None,
            end_line: None,
            end_column: None,
        };
    };
    let mut end_column = Some(r.end_column);
    if r.end_line == r.start_line && r.end_column <= r.start_column {
        // Empty span: widen to the character under it, if it is on this line.
        let line_end = src.line_range(r.start_line).end;
        let mut at = label.span.start.min(src.text.len());
        if at < 3 && src.text.starts_with('\u{feff}') {
            at = 3; // the BOM is not a character of line 1
        }
        while !src.text.is_char_boundary(at) {
            at -= 1;
        }
        // `at` can lie past the line's end (a span at a CRLF or at the end of the text).
        end_column = src
            .text
            .get(at..line_end.max(at))
            .and_then(|rest| rest.chars().next())
            .map(|c| r.start_column + c.len_utf16());
    }
    SarifRegion {
        start_line: r.start_line,
        start_column: Some(r.start_column),
        end_line: Some(r.end_line),
        end_column,
    }
}

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986), byte by byte, of
/// the bytes a report path stands for (its escaped backslashes and raw bytes decoded).
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in crate::discover::report_path_bytes(path) {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `file:///abs/root/` for an absolute project root (forward slashes, trailing slash).
fn root_uri(root: &Path) -> String {
    let abs = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut p = crate::discover::rel_path(Path::new(""), &abs);
    if !p.starts_with('/') {
        p.insert(0, '/'); // C:/x -> /C:/x
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    let mut encoded = encode_uri_path(&p);
    // Keep a Windows drive letter's colon readable (`/C:/`).
    if p.as_bytes().get(2) == Some(&b':') {
        encoded = encoded.replacen("%3A", ":", 1);
    }
    format!("file://{encoded}")
}

pub(super) fn emit(report: &Report, opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    let cat = catalog();
    let mut hashes: HashMap<&str, Vec<String>> = HashMap::new();
    let mut results = Vec::with_capacity(report.diagnostics.len());
    for d in &report.diagnostics {
        let rule_index = cat.index_of(&d.code);
        let mut partial_fingerprints = BTreeMap::new();
        if let Some(src) = report.source(&d.primary.file) {
            let line = src.line_of(d.primary.span.start);
            let file_hashes = hashes
                .entry(d.primary.file.as_str())
                .or_insert_with(|| line_hashes(&src.text));
            if let Some(h) = file_hashes.get(line - 1) {
                partial_fingerprints.insert("primaryLocationLineHash", h.clone());
            }
        }
        let related_locations = d
            .secondary
            .iter()
            .enumerate()
            .map(|(i, l)| Location {
                id: Some(i),
                physical_location: physical_location(report, l),
                message: Some(Text {
                    text: if l.message.is_empty() {
                        "related location".to_string()
                    } else {
                        l.message.clone()
                    },
                }),
            })
            .collect();
        let tags = extra_tags(d);
        results.push(SarifResult {
            rule_id: d.code.clone(),
            rule_index,
            level: level_str(d.level),
            message: Text {
                text: d.message.clone(),
            },
            locations: vec![Location {
                id: None,
                physical_location: physical_location(report, &d.primary),
                message: None,
            }],
            related_locations,
            partial_fingerprints,
            properties: (!tags.is_empty()).then_some(ResultProperties { tags }),
        });
    }
    let srcroot = match &opts.root {
        Some(root) => ArtifactLocation {
            uri: Some(root_uri(root)),
            ..Default::default()
        },
        None => ArtifactLocation {
            description: Some(Text {
                text: "the project root".to_string(),
            }),
            ..Default::default()
        },
    };
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "cargo-jwtlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: cat.rules.iter().map(descriptor).collect(),
                },
            },
            automation_details: AutomationDetails {
                id: "cargo-jwtlint/",
            },
            original_uri_base_ids: BTreeMap::from([(SRCROOT, srcroot)]),
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn physical_location(report: &Report, label: &Label) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: Some(encode_uri_path(&label.file)),
            uri_base_id: Some(SRCROOT),
            description: None,
        },
        region: sarif_region(report, label),
    }
}

/// The `primaryLocationLineHash` of every line of `text`, index 0 being line 1, exactly as
/// `hash()` in github/codeql-action `src/fingerprints.ts` computes them: a rolling hash (base
/// 37, 64-bit wrapping like `Long`) over the 100 UTF-16 code units that start at the line's first
/// hashed unit, where spaces and tabs are skipped, CR and CRLF count as one LF, the end of the
/// file is a 65535 unit followed by zeros, and `:N` numbers repeated hashes in file order.
/// Its lines end at CR, LF or CRLF, which is also how the upload action numbers them.
pub fn line_hashes(text: &str) -> Vec<String> {
    const BLOCK_SIZE: usize = 100;
    const MOD: u64 = 37;
    const TAB: u64 = '\t' as u64;
    const SPACE: u64 = ' ' as u64;
    const LF: u64 = '\n' as u64;
    const CR: u64 = '\r' as u64;
    const EOF: u64 = 65535;

    struct State {
        window: [u64; BLOCK_SIZE],
        line_numbers: [Option<usize>; BLOCK_SIZE],
        hash: u64,
        first_mod: u64,
        index: usize,
        line_number: usize,
        line_start: bool,
        prev_cr: bool,
        counts: HashMap<u64, usize>,
        out: Vec<String>,
    }

    impl State {
        fn output_hash(&mut self) {
            let n = self.counts.entry(self.hash).or_insert(0);
            *n += 1;
            let line = self.line_numbers[self.index].take();
            debug_assert_eq!(line, Some(self.out.len() + 1));
            self.out.push(format!("{:x}:{n}", self.hash));
        }

        fn update_hash(&mut self, current: u64) {
            let begin = self.window[self.index];
            self.window[self.index] = current;
            self.hash = MOD
                .wrapping_mul(self.hash)
                .wrapping_add(current)
                .wrapping_sub(self.first_mod.wrapping_mul(begin));
            self.index = (self.index + 1) % BLOCK_SIZE;
        }

        fn process(&mut self, mut current: u64) {
            if current == SPACE || current == TAB || (self.prev_cr && current == LF) {
                self.prev_cr = false;
                return;
            }
            if current == CR {
                current = LF;
                self.prev_cr = true;
            } else {
                self.prev_cr = false;
            }
            if self.line_numbers[self.index].is_some() {
                self.output_hash();
            }
            if self.line_start {
                self.line_start = false;
                self.line_number += 1;
                self.line_numbers[self.index] = Some(self.line_number);
            }
            if current == LF {
                self.line_start = true;
            }
            self.update_hash(current);
        }
    }

    let mut st = State {
        window: [0; BLOCK_SIZE],
        line_numbers: [None; BLOCK_SIZE],
        hash: 0,
        first_mod: MOD.wrapping_pow(BLOCK_SIZE as u32),
        index: 0,
        line_number: 0,
        line_start: true,
        prev_cr: false,
        counts: HashMap::new(),
        out: Vec::new(),
    };
    for unit in text.encode_utf16() {
        st.process(u64::from(unit));
    }
    st.process(EOF);
    for _ in 0..BLOCK_SIZE {
        if st.line_numbers[st.index].is_some() {
            st.output_hash();
        }
        st.update_hash(0);
    }
    st.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(encode_uri_path("src/my file#1.rs"), "src/my%20file%231.rs");
        assert_eq!(encode_uri_path("src/日.rs"), "src/%E6%97%A5.rs");
        assert_eq!(
            root_uri(Path::new("/home/a b/proj")),
            "file:///home/a%20b/proj/"
        );
        assert_eq!(root_uri(Path::new("/proj/")), "file:///proj/");
    }
}
