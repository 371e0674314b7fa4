//! Output injection: text from the linted project (literals, comments, file names, manifest
//! strings, advisory titles, configuration keys) must not reach a terminal or a CI log raw.
//!
//! `fixtures/bad/hostile-output` carries newlines, `::error`, `::add-mask::`, ESC and OSC 8
//! sequences, CR and bidi overrides; the test adds what should not be committed: file names with
//! a newline and an advisory-db whose titles and URLs carry the same. In every format no line may
//! start with `::` (after leading whitespace, which the GitHub runner trims) unless it is one of
//! the github format's own annotations; in the human, github, concise and junit formats, with
//! colour off, no control character other than LF and TAB, no DEL and no raw bidi or invisible
//! formatting character may appear. JSON, SARIF and rustc-json keep the exact text (rustc-json's
//! `rendered` is the sanitised human text), GitLab's descriptions are sanitised.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-jwtlint");

/// A file name with a newline, an ESC sequence and a bidi override (created at runtime).
const NL_NAME: &str = "src/nl\n::error file=x::name\x1b[31m\u{202e}.rs";
/// A file name that starts with `::` in workspace mode.
const COLON_NAME: &str = "::add-mask::top.rs";
const FLAGGED: &str = "pub fn k() -> jsonwebtoken::EncodingKey { jsonwebtoken::EncodingKey::from_secret(b\"0123\") }\n";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// The hostile project and an advisory-db with hostile texts, in temporary directories.
fn hostile() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/hostile-output");
    copy_dir(&fixture, dir.path());
    for name in [NL_NAME, COLON_NAME] {
        std::fs::write(dir.path().join(name), FLAGGED).unwrap();
    }
    let db = tempfile::tempdir().unwrap();
    let adv = db.path().join("crates/jsonwebtoken");
    std::fs::create_dir_all(&adv).unwrap();
    std::fs::write(
        adv.join("RUSTSEC-2099-0099.md"),
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0099\\n::error file=x::id\"\npackage = \"jsonwebtoken\"\n\
         date = 2099-01-01\nurl = \"https://evil.example/\\n::add-mask::url\\u001b]8;;x\\u0007\"\n\
         title = \"Title\\n::error file=x::title\\u001b[31m\\r\\u202e\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n",
    )
    .unwrap();
    (dir, db)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .env_remove("CARGO_TERM_COLOR")
        .args(args)
        .output()
        .unwrap()
}

/// No line starts with `::` after leading whitespace, except github's own annotations.
fn assert_no_command_lines(format: &str, what: &str, out: &str) {
    for line in out.lines() {
        let t = line.trim_start();
        let own = format == "github"
            && what == "stdout"
            && ["::error file=", "::warning file=", "::notice file="]
                .iter()
                .any(|p| line.starts_with(p));
        assert!(
            !t.starts_with("::") || own,
            "--format {format} {what}: a line starts with `::`: {line:?}\n{out}"
        );
    }
}

/// No control character but LF and TAB, no DEL, no C1 control, no bidi or invisible character.
fn assert_printable(format: &str, what: &str, out: &str) {
    for (i, c) in out.char_indices() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || matches!(
                c,
                '\u{200b}'..='\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
            );
        assert!(
            !bad,
            "--format {format} {what}: raw {c:?} at byte {i}: {:?}",
            &out[i.saturating_sub(60)..]
        );
    }
}

#[test]
fn no_format_lets_project_text_start_a_line_or_control_the_terminal() {
    let (dir, db) = hostile();
    let db = db.path().to_str().unwrap();
    let formats = [
        "human",
        "github",
        "json",
        "sarif",
        "concise",
        "rustc-json",
        "gitlab",
        "junit",
    ];
    for format in formats {
        for extra in [&[][..], &["."][..]] {
            let mut args = vec!["--format", format, "--color", "never", "--advisory-db", db];
            args.extend(extra);
            let o = run(dir.path(), &args);
            assert_eq!(o.status.code(), Some(1), "{format}: {o:?}");
            let stdout = String::from_utf8(o.stdout).unwrap();
            let stderr = String::from_utf8(o.stderr).unwrap();
            assert_no_command_lines(format, "stdout", &stdout);
            assert_no_command_lines(format, "stderr", &stderr);
            if matches!(format, "human" | "github" | "concise" | "junit") {
                assert_printable(format, "stdout", &stdout);
                assert_printable(format, "stderr", &stderr);
            }
        }
    }
}

#[test]
fn the_hostile_text_is_reported_escaped_in_text_formats_and_exact_in_json() {
    let (dir, db) = hostile();
    let db = db.path().to_str().unwrap();
    let json = run(dir.path(), &["--format", "json", "--advisory-db", db]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let has = |code: &str, path: &str| {
        findings
            .iter()
            .any(|f| f["code"] == code && f["path"] == path)
    };
    // Every hostile place produced its finding, with the exact text in JSON.
    assert!(has("JWT801", NL_NAME), "{v:#}");
    assert!(has("JWT801", COLON_NAME), "{v:#}");
    assert!(has("JWT011", "Cargo.toml"), "{v:#}");
    let all = serde_json::to_string(&v).unwrap();
    for exact in [
        "jwt\\n::add-mask::key\\u001b]8;;",
        "title\\n::error file=x::title",
        "::quoted\\u001b[31m\\r\u{202e}.pem",
    ] {
        assert!(all.contains(exact), "JSON lost {exact:?}");
    }
    let human = run(dir.path(), &["--color", "never", "--advisory-db", db]);
    let human = String::from_utf8(human.stdout).unwrap();
    for shown in [
        "src/nl\u{240a}::error file=x::name\u{241b}[31m\\u{202e}.rs",
        "--> ::add-mask::top.rs",
        "`jwt\u{240a}::add-mask::key\u{241b}]8;;https://evil.example/\u{2407}`",
        "title\u{240a}::error file=x::title\u{241b}[31m\u{240d}\\u{202e}",
        "// ::add-mask::c \u{241b}[31mred",
        "15 | | ::error file=src/lib.rs,line=1::a literal over several lines",
    ] {
        assert!(
            human.contains(shown),
            "human output lacks {shown:?}:\n{human}"
        );
    }
    let github = run(dir.path(), &["--format", "github", "--advisory-db", db]);
    let github = String::from_utf8(github.stdout).unwrap();
    assert!(
        github.contains("file=src/nl%0A%3A%3Aerror file=x%3A%3Aname\u{241b}[31m\\u{202e}.rs,"),
        "{github}"
    );
}

#[test]
fn configuration_errors_on_stderr_are_escaped_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("jwtlint.toml"),
        "\"k\\n::error file=x::cfg\\u001b[31m\" = 1 # \u{202e}\n",
    )
    .unwrap();
    let o = run(dir.path(), &["--color", "never"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(stderr.contains("k\u{240a}::error"), "{stderr}");
    assert_no_command_lines("human", "stderr", &stderr);
    assert_printable("human", "stderr", &stderr);
}
