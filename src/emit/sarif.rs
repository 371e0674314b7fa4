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

use super::{EmitOptions, RunInfo, extra_tags, region};
use crate::catalog::{Rule, catalog};
use crate::diagnostic::{Diagnostic, Label, Level, Report, Suppressed, SuppressedBy};

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
    invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails>,
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
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_configuration_notifications: Vec<Notification>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
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
pub(super) fn encode_uri_path(path: &str) -> String {
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
    let mut hashes = LineHashes::default();
    let mut results = Vec::with_capacity(report.diagnostics.len() + report.suppressions.len());
    for d in &report.diagnostics {
        results.push(result(report, d, &mut hashes, Vec::new()));
    }
    for s in &report.suppressions {
        let suppression = suppression(report, s);
        results.push(result(
            report,
            &s.diagnostic,
            &mut hashes,
            vec![suppression],
        ));
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
            invocations: vec![invocation(report, &opts.run)],
            automation_details: opts.sarif_category.as_deref().map(automation_details),
            original_uri_base_ids: BTreeMap::from([(SRCROOT, srcroot)]),
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// `automationDetails.id` of a category, with the trailing `/` the upload action adds to its
/// own `category:` (github/codeql-action `getAutomationID`), so both name the same analysis.
fn automation_details(category: &str) -> AutomationDetails {
    let mut id = category.to_string();
    if !id.ends_with('/') {
        id.push('/');
    }
    AutomationDetails { id }
}

/// Each file's `primaryLocationLineHash` values, computed once per file.
#[derive(Default)]
struct LineHashes<'r> {
    files: HashMap<&'r str, Vec<String>>,
}

impl<'r> LineHashes<'r> {
    fn of(&mut self, report: &'r Report, label: &'r Label) -> Option<String> {
        let src = report.source(&label.file)?;
        let line = src.line_of(label.span.start);
        let file_hashes = self
            .files
            .entry(label.file.as_str())
            .or_insert_with(|| line_hashes(&src.text));
        file_hashes.get(line - 1).cloned()
    }
}

/// The result's message: the finding's message, then its help and notes (GitHub shows only
/// the message of a result, not the rule's help, next to the code).
fn message_text(d: &Diagnostic) -> String {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    for note in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    text
}

fn result<'r>(
    report: &'r Report,
    d: &'r Diagnostic,
    hashes: &mut LineHashes<'r>,
    suppressions: Vec<Suppression>,
) -> SarifResult {
    let mut partial_fingerprints = BTreeMap::new();
    if let Some(h) = hashes.of(report, &d.primary) {
        partial_fingerprints.insert("primaryLocationLineHash", h);
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
    SarifResult {
        rule_id: d.code.clone(),
        rule_index: catalog().index_of(&d.code),
        level: level_str(d.level),
        message: Text {
            text: message_text(d),
        },
        locations: vec![Location {
            id: None,
            physical_location: physical_location(report, &d.primary),
            message: None,
        }],
        related_locations,
        partial_fingerprints,
        suppressions,
        properties: (!tags.is_empty()).then_some(ResultProperties { tags }),
    }
}

/// A suppressed finding's `suppressions` entry: `inSource` with the directive's reason and
/// place, or `external` for the configuration's `per-path-ignores`, its `[advisories] ignore`
/// entries (with their reasons) and the baseline.
fn suppression(report: &Report, s: &Suppressed) -> Suppression {
    match &s.by {
        SuppressedBy::Directive { at, reason } => Suppression {
            kind: "inSource",
            justification: (!reason.is_empty()).then(|| reason.clone()),
            location: Some(Location {
                id: None,
                physical_location: physical_location(report, at),
                message: None,
            }),
        },
        SuppressedBy::Config => Suppression {
            kind: "external",
            justification: Some("per-path-ignores in the configuration".to_string()),
            location: None,
        },
        SuppressedBy::AdvisoryIgnore { accepted } => Suppression {
            kind: "external",
            justification: Some(
                accepted
                    .iter()
                    .map(|(id, reason)| format!("[advisories] ignore {id}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            location: None,
        },
        SuppressedBy::Baseline => Suppression {
            kind: "external",
            justification: Some("baseline".to_string()),
            location: None,
        },
    }
}

/// The run's one invocation: how it was configured, the files it could not check (JWT000,
/// JWT001; also results), and whether it succeeded (no JWT001: the linter did not fail on a file).
fn invocation(report: &Report, run: &RunInfo) -> Invocation {
    let note = |text: String| Notification {
        level: "note",
        message: Text { text },
        locations: Vec::new(),
    };
    let mut config: Vec<Notification> = run
        .config_files
        .iter()
        .map(|f| note(format!("configuration read from {f}")))
        .collect();
    if config.is_empty() {
        config.push(note(
            "no configuration file; the defaults apply".to_string(),
        ));
    }
    if !run.rules_off.is_empty() {
        config.push(note(format!("rules not run: {}", run.rules_off.join(", "))));
    }
    if report.hidden_test_code > 0 {
        config.push(note(format!(
            "{} findings in test code not reported (test-code = \"hide\")",
            report.hidden_test_code
        )));
    }
    if report.hidden_out_of_reach > 0 {
        config.push(note(format!(
            "{} advisory findings about operations this code never performs not reported ([advisories] out-of-reach = \"hide\")",
            report.hidden_out_of_reach
        )));
    }
    let execution = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "JWT000" || d.code == "JWT001")
        .map(|d| Notification {
            level: if d.code == "JWT001" {
                "error"
            } else {
                "warning"
            },
            message: Text {
                text: format!("not checked: {}", d.message),
            },
            locations: vec![Location {
                id: None,
                physical_location: physical_location(report, &d.primary),
                message: None,
            }],
        })
        .collect();
    Invocation {
        execution_successful: !report.diagnostics.iter().any(|d| d.code == "JWT001"),
        tool_configuration_notifications: config,
        tool_execution_notifications: execution,
    }
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
