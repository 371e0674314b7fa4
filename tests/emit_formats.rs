//! Snapshot tests of every output format over one sample report, plus hand-checked values.

use std::path::PathBuf;
use std::sync::Arc;

use cargo_jwtlint::diagnostic::{Diagnostic, Level, Report};
use cargo_jwtlint::emit::{EmitOptions, Format, emit};
use cargo_jwtlint::source::SourceText;

const AUTH: &str = "use jsonwebtoken::{decode, Validation};\n\
\n\
fn check(token: &str) -> bool {\n\
\x20   let mut v = Validation::default();\n\
\x20   v.insecure_disable_signature_validation();\n\
\x20   let ok = /* 検証 */ decode::<Claims>(token, &KEY, &v).is_ok();\n\
\x20   ok\n\
}\n";

const KEYS: &str = "pub const KEY: &[u8] = b\"secret\";\n";

fn at(text: &str, needle: &str) -> std::ops::Range<usize> {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in sample"));
    start..start + needle.len()
}

/// The sample: four findings in three files, one of them unreadable (no source), one code that is
/// not in the catalogue, all three levels, a secondary label in another file, a path with a space.
pub fn sample_report() -> Report {
    let mut report = Report::default();
    report
        .sources
        .insert("src/auth.rs".into(), Arc::new(SourceText::new(AUTH.into())));
    report.sources.insert(
        "src/my keys.rs".into(),
        Arc::new(SourceText::new(KEYS.into())),
    );
    report.diagnostics.push(
        Diagnostic::new(
            "JWT000",
            "src/auth.rs",
            at(AUTH, "insecure_disable_signature_validation()"),
            "signature validation is switched off",
        )
        .with_label("this turns the check off")
        .with_secondary(
            "src/auth.rs",
            at(AUTH, "Validation::default()"),
            "validation built here",
        )
        .with_secondary(
            "src/my keys.rs",
            at(KEYS, "b\"secret\""),
            "key defined here",
        )
        .with_note("tokens signed by anyone are accepted")
        .with_tag("test-code"),
    );
    let decode = at(AUTH, "decode::<Claims>");
    report.diagnostics.push(
        Diagnostic::new(
            "JWT999",
            "src/auth.rs",
            decode.start..decode.start + "decode".len(),
            "50% of checks, at most: skipped",
        )
        .with_level(Level::Note)
        .with_label("decoded here"),
    );
    report.diagnostics.push(Diagnostic::new(
        "JWT000",
        "src/broken.rs",
        0..0,
        "could not read the file: stream did not contain valid UTF-8",
    ));
    let secret = at(KEYS, "b\"secret\"");
    report.diagnostics.push(
        Diagnostic::new(
            "JWT999",
            "src/my keys.rs",
            secret.start..secret.start,
            "hard-coded key",
        )
        .with_help("read the key from the environment")
        .with_tag("test-code"),
    );
    report.files_scanned = 12;
    report.suppressed = 4;
    report.finish();
    report
}

fn opts() -> EmitOptions {
    EmitOptions::new(Some(PathBuf::from("/work/project root")))
}

pub fn render(report: &Report, format: Format, opts: &EmitOptions) -> String {
    let mut out = Vec::new();
    emit(report, format, opts, &mut out).expect("emit");
    String::from_utf8(out).expect("utf-8 output")
}

#[test]
fn human_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Human, &opts()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Json, &opts()));
}

#[test]
fn sarif_snapshot() {
    // The driver lists the whole catalogue; keep only the rules the results use, so adding a rule
    // does not churn this snapshot (the catalogue order is tested in emit_sarif.rs).
    let out = render(&sample_report(), Format::Sarif, &opts());
    let mut v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let used: Vec<serde_json::Value> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].clone())
        .collect();
    v["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
        .retain(|r| used.contains(&r["id"]));
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Github, &opts()));
}

#[test]
fn human_header_locus_and_summary() {
    let out = render(&sample_report(), Format::Human, &opts());
    assert!(out.starts_with(
        "error[JWT000]: signature validation is switched off\n  --> src/auth.rs:5:7\n"
    ));
    // `decode` follows "    let ok = /* 検証 */ ": 22 chars, so column 23.
    assert!(
        out.contains("note[JWT999]: 50% of checks, at most: skipped\n  --> src/auth.rs:6:23\n")
    );
    // The unreadable file: header and locus, no snippet.
    assert!(out.contains(
        "error[JWT000]: could not read the file: stream did not contain valid UTF-8\n --> src/broken.rs\n = help: "
    ));
    assert!(out.contains("  = note: tokens signed by anyone are accepted\n"));
    assert!(out.ends_with("\njwtlint: 2 errors, 1 warning, 1 note in 12 files (4 suppressed, 2 files not checked; -v lists them)\n"));
    assert!(!out.contains('\x1b'), "no colour unless asked");
}

#[test]
fn human_colour_only_when_asked() {
    let coloured = render(
        &sample_report(),
        Format::Human,
        &EmitOptions {
            color: true,
            ..opts()
        },
    );
    assert!(coloured.contains("\x1b["), "ANSI escapes expected");
    // Same text once the escapes are removed.
    let mut plain = String::new();
    let mut rest = coloured.as_str();
    while let Some(i) = rest.find('\x1b') {
        plain.push_str(&rest[..i]);
        let end = rest[i..].find('m').expect("SGR sequence ends in m");
        rest = &rest[i + end + 1..];
    }
    plain.push_str(rest);
    assert_eq!(plain, render(&sample_report(), Format::Human, &opts()));
}

#[test]
fn human_summary_without_findings() {
    let report = Report {
        files_scanned: 1,
        ..Report::default()
    };
    assert_eq!(
        render(&report, Format::Human, &opts()),
        "jwtlint: no findings in 1 file\n"
    );
    let report = Report {
        files_scanned: 3,
        suppressed: 1,
        ..Report::default()
    };
    assert_eq!(
        render(&report, Format::Human, &opts()),
        "jwtlint: no findings in 3 files (1 suppressed)\n"
    );
}

#[test]
fn human_skips_the_bom_and_handles_crlf() {
    let text = "\u{feff}// 鍵🔑 key\r\nlet x = decode(t);\r\n";
    let mut report = Report::default();
    report
        .sources
        .insert("src/b.rs".into(), Arc::new(SourceText::new(text.into())));
    let key = text.find("key").unwrap();
    let call = text.find("decode").unwrap();
    report
        .diagnostics
        .push(Diagnostic::new("JWT000", "src/b.rs", key..key + 3, "first").with_label("here"));
    report.diagnostics.push(Diagnostic::new(
        "JWT000",
        "src/b.rs",
        call..call + 6,
        "second",
    ));
    report.files_scanned = 1;
    report.finish();
    let out = render(&report, Format::Human, &opts());
    // Chars, not UTF-16 units, and the BOM is not one: "// " 3, 鍵 1, 🔑 1, " " 1 -> column 7.
    assert!(out.contains("  --> src/b.rs:1:7\n"), "{out}");
    assert!(out.contains("1 | // 鍵🔑 key\n"), "{out}");
    assert!(out.contains("  --> src/b.rs:2:9\n"), "{out}");
    assert!(!out.contains('\r') && !out.contains('\u{feff}'), "{out:?}");
}

#[test]
fn json_values_are_utf16_and_tags_merge() {
    let doc: serde_json::Value =
        serde_json::from_str(&render(&sample_report(), Format::Json, &opts())).expect("valid JSON");
    assert_eq!(doc["tool"]["name"], "cargo-jwtlint");
    let f = &doc["findings"];
    assert_eq!(f.as_array().unwrap().len(), 4);
    // `decode` on line 6: "    let ok = /* " 16 units, 検証 2, " */ " 4 -> column 23, 6 long.
    assert_eq!(
        (f[1]["line"].as_u64(), f[1]["column"].as_u64()),
        (Some(6), Some(23))
    );
    assert_eq!(
        (f[1]["end_line"].as_u64(), f[1]["end_column"].as_u64()),
        (Some(6), Some(29))
    );
    assert_eq!(
        f[0]["tags"],
        serde_json::json!([
            "security",
            "external/cwe/cwe-1059",
            "reliability",
            "test-code"
        ])
    );
    assert_eq!(f[0]["labels"][1]["path"], "src/my keys.rs");
    assert_eq!(f[0]["labels"][1]["column"], 24);
    assert_eq!(f[0]["fingerprint"].as_str().unwrap().len(), 18);
    // Unreadable file: line 1, column 1, end = start.
    assert_eq!(
        [
            &f[2]["line"],
            &f[2]["column"],
            &f[2]["end_line"],
            &f[2]["end_column"]
        ]
        .map(|v| v.as_u64().unwrap()),
        [1, 1, 1, 1]
    );
    assert_eq!(f[1]["help"], serde_json::Value::Null);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"files": 12, "findings": 4, "errors": 2, "warnings": 1, "notes": 1, "suppressed": 4, "hidden_test_code": 0, "hidden_out_of_reach": 0})
    );
}

#[test]
fn github_commands_escape_properties_and_message() {
    let out = render(&sample_report(), Format::Github, &opts());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with(
        "::error file=src/auth.rs,line=5,col=7,endLine=5,endColumn=46,title=JWT000 parse-error::signature validation is switched off%0Ahelp: "
    ));
    assert_eq!(
        lines[1],
        "::notice file=src/auth.rs,line=6,col=23,endLine=6,endColumn=29,title=JWT999::50%25 of checks, at most: skipped"
    );

    let mut report = Report::default();
    report.diagnostics.push(
        Diagnostic::new("JWT999", "src/a,b:c%.rs", 0..0, "two\r\nlines")
            .with_level(Level::Warning)
            .with_help("x"),
    );
    report.diagnostics[0].name = "odd,name:here".into();
    let out = render(&report, Format::Github, &opts());
    assert_eq!(
        out,
        "::warning file=src/a%2Cb%3Ac%25.rs,line=1,col=1,endLine=1,endColumn=1,title=JWT999 odd%2Cname%3Ahere::two%0D%0Alines%0Ahelp: x\n"
    );
}

/// Every field of the JSON output is documented in src/emit/json_schema.md, and nothing else is.
#[test]
fn json_schema_doc_lists_every_field() {
    fn walk(v: &serde_json::Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    out.insert(p.clone());
                    walk(v, &p, out);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }
    let doc: serde_json::Value =
        serde_json::from_str(&render(&sample_report(), Format::Json, &opts())).unwrap();
    let mut fields = std::collections::BTreeSet::new();
    walk(&doc, "", &mut fields);
    fields.remove("tool"); // objects whose members are rows of their own
    fields.remove("summary");
    let schema = include_str!("../src/emit/json_schema.md");
    let documented: std::collections::BTreeSet<String> = schema
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(f, _)| f.to_string()))
        .collect();
    assert_eq!(fields, documented);
}

#[test]
fn human_secondary_label_in_unreadable_file_becomes_a_note() {
    let mut report = Report::default();
    report.sources.insert(
        "src/my keys.rs".into(),
        Arc::new(SourceText::new(KEYS.into())),
    );
    let secret = at(KEYS, "b\"secret\"");
    report.diagnostics.push(
        Diagnostic::new("JWT000", "src/my keys.rs", secret, "hard-coded key")
            .with_secondary("src/gone.rs", 5..9, "used here")
            .with_secondary("src/gone.rs", 0..0, ""),
    );
    report.files_scanned = 2;
    report.finish();
    let out = render(&report, Format::Human, &opts());
    assert!(out.contains("  --> src/my keys.rs:1:24\n"), "{out}");
    assert!(
        out.contains("  = note: src/gone.rs: used here\n  = note: see src/gone.rs\n"),
        "{out}"
    );
    assert!(
        !out.contains("--> src/gone.rs"),
        "no snippet or position for a file without text: {out}"
    );
}

#[test]
fn concise_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Concise, &opts()));
}

#[test]
fn rustc_json_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::RustcJson, &opts()));
}

#[test]
fn gitlab_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Gitlab, &opts()));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Junit, &opts()));
}

#[test]
fn step_summary_snapshot() {
    let links = cargo_jwtlint::emit::GithubLinks {
        server_url: "https://github.com".into(),
        repository: "octo/repo".into(),
        sha: "0123abc".into(),
        path_prefix: String::new(),
    };
    let mut out = Vec::new();
    cargo_jwtlint::emit::step_summary(&sample_report(), Some(&links), &opts(), &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}
