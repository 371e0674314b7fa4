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
    EmitOptions {
        color: false,
        fail_on: Level::Warning,
        root: Some(PathBuf::from("/work/project root")),
    }
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
    insta::assert_snapshot!(render(&sample_report(), Format::Sarif, &opts()));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(render(&sample_report(), Format::Github, &opts()));
}
