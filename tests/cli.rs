//! The CLI as a user meets it, through the built binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"));
    c.env_remove("CARGO_TERM_COLOR").env("NO_COLOR", "1");
    c
}

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cli")
        .join(p)
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run cargo-jwtlint")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// (code, path, line) of every finding in a JSON report.
fn findings(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    common::code_path_lines(v)
}

#[test]
fn help_and_version_work_directly_and_as_cargo_subcommand() {
    for args in [&["--help"][..], &["jwtlint", "--help"][..]] {
        let o = bin().args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("--format"), "{args:?}: {}", stdout(&o));
    }
    for args in [&["--version"][..], &["jwtlint", "--version"][..]] {
        let o = bin().args(args).output().unwrap();
        assert!(o.status.success());
        assert!(
            stdout(&o).contains(env!("CARGO_PKG_VERSION")),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn unknown_option_is_a_usage_error() {
    let o = bin().arg("--no-such-flag").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn workspace_mode_finds_every_kind_and_uses_root_relative_paths() {
    // Run from inside a member: the whole workspace is linted, paths relative to its root.
    let o = run_in(&fixture("workspace/api"), &["jwtlint", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = findings(&json(&o));
    let want = [
        ("JWT102", "api/src/lib.rs", 12),
        ("JWT801", "api/src/lib.rs", 13),
        ("JWT101", "api/src/lib.rs", 18),
        ("JWT801", "api/src/lib.rs", 31),
        ("JWT401", "web/src/lib.rs", 6),
        ("JWT401", "web/src/lib.rs", 7),
        ("JWT201", "worker/src/main.rs", 12),
        ("JWT201", "worker/src/main.rs", 18),
        ("JWT011", "worker/Cargo.toml", 11),
    ];
    for (c, p, l) in want {
        assert!(
            got.iter()
                .any(|(gc, gp, gl)| gc == c && gp == p && *gl == l),
            "missing {c} at {p}:{l}; got {got:?}"
        );
    }
    // Safe code stays quiet: the pinned verifier, the theme and PKCE storage, the 15-minute token,
    // and the secret read with expect().
    for (p, l) in [
        ("api/src/lib.rs", 22),
        ("api/src/lib.rs", 24),
        ("web/src/lib.rs", 11),
        ("web/src/lib.rs", 12),
        ("worker/src/main.rs", 23),
        ("worker/src/main.rs", 29),
    ] {
        assert!(
            !got.iter().any(|(_, gp, gl)| gp == p && *gl == l),
            "false positive at {p}:{l}: {got:?}"
        );
    }
}

#[test]
fn clean_project_exits_zero() {
    let o = run_in(&fixture("clean"), &["jwtlint"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("no findings"), "{}", stdout(&o));
}

#[test]
fn fail_on_error_ignores_warnings_and_select_narrows() {
    let dir = fixture("workspace");
    let o = run_in(&dir, &["--select", "JWT401", "--format", "json"]);
    let got = findings(&json(&o));
    assert!(
        !got.is_empty() && got.iter().all(|(c, _, _)| c == "JWT401"),
        "{got:?}"
    );
    assert_eq!(o.status.code(), Some(1));
    let o = run_in(&dir, &["--select", "JWT401", "--fail-on", "error"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "JWT401 is a warning, below --fail-on error"
    );
    let o = run_in(
        &dir,
        &["--ignore", "JWT1,hardcoded-secret", "--format", "json"],
    );
    let got = findings(&json(&o));
    assert!(
        got.iter()
            .all(|(c, _, _)| !c.starts_with("JWT1") && c != "JWT801"),
        "{got:?}"
    );
    let o = run_in(&dir, &["--select", "JWT999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn output_file_and_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture("workspace");
    let out = tmp.path().join("r.sarif");
    let o = run_in(
        &dir,
        &["--format", "sarif", "--output", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "with --output nothing goes to stdout");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "JWT101"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "api/src/lib.rs"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"));
    let o = run_in(&dir, &["--format", "github"]);
    let s = stdout(&o);
    assert!(
        s.lines()
            .any(|l| l.starts_with("::error file=api/src/lib.rs,line=18,")
                && l.contains("title=JWT101 unverified-decode::")),
        "{s}"
    );
    assert!(
        s.lines()
            .any(|l| l.starts_with("::warning file=web/src/lib.rs,line=6,")),
        "{s}"
    );
    let o = run_in(&dir, &["--format", "human", "--color", "never"]);
    let s = stdout(&o);
    assert!(
        s.contains("error[JWT101]")
            && s.contains("--> api/src/lib.rs:18:5")
            && s.contains("= help:"),
        "{s}"
    );
    assert!(!s.contains('\u{1b}'), "no colour with --color never");
    let o = run_in(&dir, &["--format", "human", "--color", "always"]);
    assert!(stdout(&o).contains('\u{1b}'), "colour with --color always");
}

#[test]
fn rules_and_explain() {
    let o = bin().arg("rules").output().unwrap();
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("JWT101  unverified-decode"),
        "{}",
        stdout(&o)
    );
    let o = bin()
        .args(["jwtlint", "rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "JWT801" && r["level"] == "error")
    );
    for q in ["JWT102", "algorithm-from-token"] {
        let o = bin().args(["explain", q]).output().unwrap();
        assert!(o.status.success());
        assert!(stdout(&o).contains("## Why is this bad?"), "{}", stdout(&o));
    }
    let o = bin().args(["explain", "JWT999"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = t.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    t
}

const MANIFEST: &str = "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"10.3\", features = [\"rust_crypto\"] }\n";

#[test]
fn config_errors_point_into_the_file_and_exit_2() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        ("jwtlint.toml", "select = [\"JWT101\"]\nbogus = 1\n"),
    ]);
    let o = run_in(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("jwtlint.toml:2:1") && err.contains("unknown key `bogus`"),
        "{err}"
    );
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        ("jwtlint.toml", "ignore = [\"JWT777\"]\n"),
    ]);
    let o = run_in(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown rule `JWT777`"));
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        (
            "jwtlint.toml",
            "[rules.long-token-lifetime]\naccess-token-max = \"soon\"\n",
        ),
    ]);
    let o = run_in(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("jwtlint.toml:2:20"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        ("jwtlint.toml", "select = [\n"),
    ]);
    assert_eq!(run_in(t.path(), &[]).status.code(), Some(2));
}

const INSECURE: &str =
    "pub fn f(t: &str) {\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);\n}\n";

#[test]
fn config_in_cargo_metadata_and_thresholds() {
    let lib =
        "struct C { exp: u64 }\npub fn f(now: u64) { let _c = C { exp: now + 60 * 60 * 2 }; }\n";
    let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", lib)]);
    let o = run_in(t.path(), &["--format", "json"]);
    assert!(
        findings(&json(&o))
            .iter()
            .any(|(c, _, l)| c == "JWT201" && *l == 2)
    );
    let m =
        format!("{MANIFEST}\n[package.metadata.jwtlint.rules.JWT201]\naccess-token-max = \"3h\"\n");
    let t = project(&[("Cargo.toml", &m), ("src/lib.rs", lib)]);
    let o = run_in(t.path(), &["--format", "json"]);
    assert!(
        findings(&json(&o)).iter().all(|(c, _, _)| c != "JWT201"),
        "3h limit allows 2h"
    );
    let cfg = "exclude = [\"src/gen\"]\n[per-path-ignores]\n\"src/legacy/**\" = [\"JWT101\"]\n[rules.JWT101]\nlevel = \"note\"\n";
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("jwtlint.toml", cfg),
        ("src/lib.rs", INSECURE),
        ("src/gen/x.rs", INSECURE),
        ("src/legacy/y.rs", INSECURE),
    ]);
    let o = run_in(t.path(), &["--format", "json"]);
    let v = json(&o);
    let got = findings(&v);
    assert_eq!(
        got.iter()
            .filter(|(c, _, _)| c == "JWT101")
            .map(|(_, p, _)| p.as_str())
            .collect::<Vec<_>>(),
        ["src/lib.rs"]
    );
    assert_eq!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "JWT101")
            .unwrap()["level"],
        "note"
    );
    assert_eq!(v["summary"]["suppressed"], 1);
}

#[test]
fn suppressions_need_a_known_rule_and_a_reason_and_must_be_used() {
    let lib = "pub fn f(t: &str) {\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t); // jwtlint: allow(JWT101) reads our own cached token\n    // jwtlint: allow(unverified-decode) statement below\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(\n        t,\n    );\n    let _x = 1; // jwtlint: allow(JWT101) nothing here\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t); // jwtlint: allow(JWT10) typo\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t); // jwtlint: allow(JWT101)\n}\n";
    let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", lib)]);
    let o = run_in(t.path(), &["--format", "json"]);
    let v = json(&o);
    let got = findings(&v);
    let at = |code: &str| {
        got.iter()
            .filter(|(c, _, _)| c == code)
            .map(|(_, _, l)| *l)
            .collect::<Vec<_>>()
    };
    assert_eq!(at("JWT101"), [8], "{got:?}");
    assert_eq!(at("JWT002"), [7], "{got:?}");
    assert_eq!(at("JWT003"), [8, 9], "{got:?}");
    assert_eq!(v["summary"]["suppressed"], 3);
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", lib),
        ("jwtlint.toml", "require-reason = false\n"),
    ]);
    let got = findings(&json(&run_in(t.path(), &["--format", "json"])));
    assert_eq!(
        got.iter().filter(|(c, _, _)| c == "JWT003").count(),
        1,
        "only the unknown rule remains: {got:?}"
    );
}

#[test]
fn unparseable_files_are_findings_and_other_files_still_count() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", INSECURE),
        // A syntax error in a file a rule could match: syn's error.
        (
            "src/bad.rs",
            "fn main() { let k = jsonwebtoken::EncodingKey::from_secret(; }\n",
        ),
        // A lexically broken file that mentions a JWT crate is parsed, so it is named.
        (
            "src/broken.rs",
            "use jsonwebtoken::decode;\nfn main() {\n    let s = \"never closed;\n}\n",
        ),
        // A file no rule could match cannot hide a finding: it is skipped silently, broken or not.
        ("src/irrelevant.rs", "fn main() { let x = ; }\n"),
        (
            "src/unlexable.rs",
            "fn main() {\n    let s = \"never closed;\n}\n",
        ),
    ]);
    let o = run_in(t.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let got = findings(&json(&o));
    assert!(
        got.contains(&("JWT000".into(), "src/bad.rs".into(), 1)),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(c, p, _)| c == "JWT000" && p == "src/broken.rs"),
        "{got:?}"
    );
    for skipped in ["src/irrelevant.rs", "src/unlexable.rs"] {
        assert!(!got.iter().any(|(_, p, _)| p == skipped), "{got:?}");
    }
    assert!(
        got.contains(&("JWT101".into(), "src/lib.rs".into(), 2)),
        "{got:?}"
    );
}

#[test]
fn path_mode_lints_given_paths_relative_to_cwd() {
    let t = project(&[
        ("a/Cargo.toml", MANIFEST),
        ("a/src/lib.rs", INSECURE),
        ("b/src/lib.rs", INSECURE),
    ]);
    // Inside a package, paths filter that package's analysis; paths are relative to its root.
    let o = run_in(t.path(), &["a", "--format", "json"]);
    let got = findings(&json(&o));
    assert_eq!(got, [("JWT101".to_string(), "src/lib.rs".to_string(), 2)]);
    // A loose file without a manifest: known crates are assumed under their own names.
    let o = run_in(t.path(), &["b/src/lib.rs", "--format", "json"]);
    assert_eq!(
        findings(&json(&o)),
        [("JWT101".to_string(), "b/src/lib.rs".to_string(), 2)]
    );
    let o = run_in(t.path(), &["missing.rs", "--format", "json"]);
    assert_eq!(findings(&json(&o))[0].0, "JWT000");
}

#[test]
fn no_manifest_in_workspace_mode_is_a_usage_error() {
    let t = tempfile::tempdir().unwrap();
    let o = run_in(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no Cargo.toml"));
}

#[test]
fn suppressions_in_cargo_toml() {
    let m = "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"*\", features = [\"rust_crypto\"] } # jwtlint: allow(JWT011, JWT012) pinned by our Cargo.lock policy\njwt-simple = \">= 0.10\"\n# jwtlint: allow(unpinned-jwt-dependency)\n";
    let t = project(&[("Cargo.toml", m), ("src/lib.rs", "")]);
    let got = findings(&json(&run_in(t.path(), &["--format", "json"])));
    let at = |code: &str| {
        got.iter()
            .filter(|(c, _, _)| c == code)
            .map(|(_, _, l)| *l)
            .collect::<Vec<_>>()
    };
    assert_eq!(at("JWT011"), [8], "{got:?}");
    assert_eq!(
        at("JWT003"),
        [9],
        "the last directive has no reason: {got:?}"
    );
    // Unused entries are tracked per code: line 7's JWT012 entry matches nothing (its JWT011
    // entry is used), and the last directive matches nothing below it.
    assert_eq!(at("JWT002"), [7, 9], "{got:?}");
}

#[test]
fn macro_bodies_are_checked_with_real_positions() {
    let lib = "lazy_static::lazy_static! {\n    static ref KEY: jsonwebtoken::EncodingKey = jsonwebtoken::EncodingKey::from_secret(b\"lazy-secret\");\n}\npub fn f(t: &str) {\n    println!(\"{:?}\", jsonwebtoken::dangerous::insecure_decode::<u8>(t).is_ok());\n    let v = vec![jsonwebtoken::DecodingKey::from_secret(b\"in-a-vec\")];\n    drop(v);\n}\n";
    let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", lib)]);
    let v = json(&run_in(t.path(), &["--format", "json"]));
    let got: Vec<(String, u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(got.contains(&("JWT801".into(), 2, 49)), "{got:?}");
    assert!(got.contains(&("JWT101".into(), 5, 22)), "{got:?}");
    assert!(got.contains(&("JWT801".into(), 6, 18)), "{got:?}");
}

#[test]
fn findings_know_the_resolved_crate_version() {
    let lib = "pub fn f(t: &str, k: &[u8]) {\n    let h = jsonwebtoken::decode_header(t).unwrap();\n    let v = jsonwebtoken::Validation::new(h.alg);\n    let _ = (v, k);\n}\n";
    let note_of = |manifest: &str| -> String {
        let t = project(&[("Cargo.toml", manifest), ("src/lib.rs", lib)]);
        let v = json(&run_in(
            t.path(),
            &["--format", "json", "--select", "JWT102"],
        ));
        v["findings"][0]["notes"][0]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let old = note_of(
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n\n[dependencies]\njsonwebtoken = \"6\"\n",
    );
    assert!(
        old.contains("jsonwebtoken 6.0.0 has no key-family check"),
        "{old}"
    );
    let new = note_of(MANIFEST);
    assert!(
        new.contains("jsonwebtoken 10.3.0 rejects keys of the wrong family"),
        "{new}"
    );
}

#[test]
fn the_architecture_heuristics_run_by_default_and_can_be_ignored() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust/JWT301-workspace");
    let codes = |args: &[&str]| -> Vec<String> {
        findings(&json(&run_in(&dir, args)))
            .into_iter()
            .map(|(c, _, _)| c)
            .collect()
    };
    // api and worker read `JWT_SECRET`; webhooks takes its secret from its caller.
    let all = codes(&["--format", "json"]);
    assert_eq!(all.iter().filter(|c| *c == "JWT301").count(), 3, "{all:?}");
    let without = codes(&["--format", "json", "--ignore", "JWT301"]);
    assert!(!without.contains(&"JWT301".to_string()), "{without:?}");
    let o = bin().args(["rules"]).output().unwrap();
    assert!(!stdout(&o).contains("(opt-in)"), "{}", stdout(&o));
}

#[test]
fn an_empty_rule_selection_is_a_usage_error() {
    let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", INSECURE)]);
    for args in [
        &["--select", ""][..],
        &["--select", ","][..],
        &["--select", "JWT101", "--ignore", "JWT1"][..],
        &["--ignore", "ALL"][..],
    ] {
        let o = run_in(t.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("no rule would run"), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", INSECURE),
        ("jwtlint.toml", "select = []\n"),
    ]);
    let o = run_in(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    // A selection that names a rule still runs.
    let o = run_in(t.path(), &["--select", "JWT101"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
}

#[test]
fn files_not_checked_are_counted_in_the_summary_and_listed_with_v() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", INSECURE),
        // Broken, and it mentions the JWT crate, so it is parsed (and not checked).
        (
            "src/broken.rs",
            "use jsonwebtoken::decode;\nfn main() {\n    let s = \"never closed;\n}\n",
        ),
        ("src/latin1.rs", "// caf\u{e9}\n"),
    ]);
    std::fs::write(t.path().join("src/latin1.rs"), b"// caf\xe9\n").unwrap();
    let o = run_in(t.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let last = out.lines().last().unwrap();
    assert!(
        last.ends_with("(2 files not checked; -v lists them)"),
        "{out}"
    );
    assert!(!out.contains("\nnot checked: "), "{out}");
    for flag in ["-v", "--verbose"] {
        let o = run_in(t.path(), &[flag]);
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        let n = lines.len();
        assert_eq!(
            lines[n - 3..],
            [
                "not checked: src/broken.rs",
                "not checked: src/latin1.rs",
                "jwtlint: 3 errors in 4 files (2 files not checked)"
            ],
            "{out}"
        );
    }
}

/// (code, path, line, message) of every finding, sorted.
fn full_findings(v: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    let messages = v["findings"].as_array().unwrap().iter();
    let mut out: Vec<_> = findings(v)
        .into_iter()
        .zip(messages)
        .map(|((c, p, l), f)| (c, p, l, f["message"].as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn linting_one_file_gives_the_workspace_runs_findings_for_that_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for fixture in [
        "fixtures/rust/JWT202-verify-only",
        "fixtures/rust/JWT501-self-issued-aud",
        "fixtures/rust/JWT101-jsonwebtoken",
        "fixtures/cli/test-code",
    ] {
        let dir = root.join(fixture);
        let args = ["--format", "json", "--test-code", "report"];
        let whole = full_findings(&json(&run_in(&dir, &args)));
        assert!(!whole.is_empty(), "{fixture}: no findings at all");
        let files: Vec<String> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|p| p.ends_with(".rs") || p.ends_with("Cargo.toml"))
            .collect();
        for f in files {
            let mut a = args.to_vec();
            a.push(&f);
            let one = full_findings(&json(&run_in(&dir, &a)));
            let want: Vec<_> = whole.iter().filter(|x| x.1 == f).cloned().collect();
            assert_eq!(
                one, want,
                "{fixture}: `cargo jwtlint {f}` differs from the workspace run"
            );
        }
    }
}

#[test]
fn the_project_root_is_the_workspace_that_lists_the_package() {
    let ws = "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/tool\"]\n";
    let t = project(&[
        ("Cargo.toml", ws),
        ("crates/api/Cargo.toml", MANIFEST),
        ("crates/api/src/lib.rs", INSECURE),
        // Excluded from the outer workspace: its own root.
        ("crates/tool/Cargo.toml", MANIFEST),
        ("crates/tool/src/lib.rs", INSECURE),
        // A nested workspace is linted on its own.
        (
            "vendor/inner/Cargo.toml",
            "[workspace]\nmembers = [\"m\"]\n",
        ),
        ("vendor/inner/m/Cargo.toml", MANIFEST),
        ("vendor/inner/m/src/lib.rs", INSECURE),
    ]);
    let paths = |dir: &str| -> Vec<String> {
        let o = run_in(
            &t.path().join(dir),
            &["--format", "json", "--select", "JWT101"],
        );
        findings(&json(&o)).into_iter().map(|f| f.1).collect()
    };
    // From a member: the outer workspace; its run covers the whole tree below it (excluded
    // packages and nested workspaces too, each with its own package facts), paths from its root.
    assert_eq!(
        paths("crates/api/src"),
        [
            "crates/api/src/lib.rs",
            "crates/tool/src/lib.rs",
            "vendor/inner/m/src/lib.rs"
        ]
    );
    // From an excluded package or inside a nested workspace: that project on its own.
    assert_eq!(paths("crates/tool"), ["src/lib.rs"]);
    assert_eq!(paths("vendor/inner/m"), ["m/src/lib.rs"]);
}
