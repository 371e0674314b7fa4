//! Test code, exactly: every form of test code in `fixtures/cli/test-code` (lines marked
//! `// TEST ...`) is hidden by default and counted; production lines (`// PROD`) are reported.
//! `--test-code report|note` and the `test-code` config key show them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/test-code")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["--select", "JWT801", "--format", "json"])
        .args(args)
        .output()
        .expect("run cargo-jwtlint")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// (path, line) of the lines holding `marker` in the fixture's sources.
fn marked(marker: &str) -> BTreeSet<(String, u64)> {
    let root = fixture();
    let mut out = BTreeSet::new();
    for e in walkdir::WalkDir::new(&root) {
        let e = e.unwrap();
        if e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let rel = e
            .path()
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(e.path()).unwrap();
        for (i, l) in text.lines().enumerate() {
            if l.contains(&format!("// {marker}")) {
                out.insert((rel.clone(), i as u64 + 1));
            }
        }
    }
    out
}

/// (path, line, has the test-code tag, level) of every finding.
fn found(v: &serde_json::Value) -> Vec<(String, u64, bool, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let tags = f["tags"].as_array().unwrap();
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                tags.iter().any(|t| t == "test-code"),
                f["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn lines(f: &[(String, u64, bool, String)]) -> BTreeSet<(String, u64)> {
    f.iter().map(|x| (x.0.clone(), x.1)).collect()
}

#[test]
fn every_test_code_form_is_hidden_by_default_and_counted() {
    let (prod, test) = (marked("PROD"), marked("TEST"));
    assert!(
        prod.len() >= 3 && test.len() >= 9,
        "fixture lost its markers"
    );
    let o = run(&fixture(), &[]);
    assert_eq!(o.status.code(), Some(1), "production findings fail the run");
    let v = json(&o);
    let f = found(&v);
    assert_eq!(lines(&f), prod, "only production lines are reported");
    assert!(
        f.iter().all(|x| !x.2),
        "no test-code finding is shown: {f:?}"
    );
    assert_eq!(
        v["summary"]["hidden_test_code"].as_u64(),
        Some(test.len() as u64)
    );
}

#[test]
fn report_shows_each_form_with_the_tag_and_note_lowers_it() {
    let (prod, test) = (marked("PROD"), marked("TEST"));
    let f = found(&json(&run(&fixture(), &["--test-code", "report"])));
    let tagged: BTreeSet<(String, u64)> = f
        .iter()
        .filter(|x| x.2)
        .map(|x| (x.0.clone(), x.1))
        .collect();
    assert_eq!(tagged, test, "each TEST line is reported as test code");
    let untagged: BTreeSet<(String, u64)> = f
        .iter()
        .filter(|x| !x.2)
        .map(|x| (x.0.clone(), x.1))
        .collect();
    assert_eq!(untagged, prod);
    assert!(
        f.iter().all(|x| x.3 == "error"),
        "report keeps the rule's level: {f:?}"
    );
    let f = found(&json(&run(&fixture(), &["--test-code", "note"])));
    assert!(f.iter().filter(|x| x.2).all(|x| x.3 == "note"), "{f:?}");
    assert_eq!(f.iter().filter(|x| x.2).count(), test.len());
}

#[test]
fn test_only_findings_do_not_fail_the_run_and_config_can_show_them() {
    let t = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| {
        let p = t.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w(
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = \"10.3\"\n",
    );
    w("src/lib.rs", "#[cfg(test)]\nmod tests;\n");
    w(
        "src/tests.rs",
        "fn k() { let _ = jsonwebtoken::EncodingKey::from_secret(b\"fixed-test-key\"); }\n",
    );
    let o = run(t.path(), &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(json(&o)["summary"]["hidden_test_code"].as_u64(), Some(1));
    w("jwtlint.toml", "test-code = \"report\"\n");
    let o = run(t.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(found(&json(&o)).len(), 1);
    w("jwtlint.toml", "test-code = \"sometimes\"\n");
    let o = run(t.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "a bad value is a config error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("test-code"));
}
