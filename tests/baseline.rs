//! `--write-baseline` / `--baseline`: today's findings are accepted, new ones fail, and the
//! matching survives edits that move or surround the accepted findings.

mod common;

use common::*;

#[test]
fn baseline_survives_inserted_lines_and_a_rename_and_catches_one_new_secret() {
    let (_t, dir) = copy_fixture("svc");
    let (before, code, _) = lint(&dir, &[]);
    assert_eq!(before.len(), 2, "{before:?}");
    assert_eq!(code, 1);
    let o = run(&dir, &["--write-baseline", "jwtlint-baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let b: serde_json::Value =
        serde_json::from_str(&read(&dir.join("jwtlint-baseline.json"))).unwrap();
    assert_eq!(b["version"], 1);
    assert_eq!(b["findings"].as_array().unwrap().len(), 2);

    // Lines inserted at the top, and the function holding a finding renamed.
    let lib = dir.join("src/lib.rs");
    let text = read(&lib).replace("pub fn peek(", "pub fn peek_claims(");
    write(
        &lib,
        &format!("//! Token helpers.\n\n// More lines above.\n{text}"),
    );
    let (got, code, stderr) = lint(&dir, &["--baseline", "jwtlint-baseline.json"]);
    assert_eq!(got, [], "{stderr}");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("2 findings accepted by the baseline, 0 entries"),
        "{stderr}"
    );

    // One new hard-coded secret at the end: exactly that finding, and the run fails.
    let text = read(&lib) + NEW_SECRET;
    write(&lib, &text);
    let new_line = line_of(&text, "another-hard-coded-secret");
    let (got, code, _) = lint(&dir, &["--baseline", "jwtlint-baseline.json"]);
    assert_eq!(got, [("JWT801".to_string(), new_line)]);
    assert_eq!(code, 1);

    // Accepted by a suppression above it: clean again.
    let allowed = text.replace(
        "    EncodingKey::from_secret(b\"another",
        "    // jwtlint: allow(JWT801) key of the local test tenant\n    EncodingKey::from_secret(b\"another",
    );
    write(&lib, &allowed);
    let (got, code, _) = lint(&dir, &["--baseline", "jwtlint-baseline.json"]);
    assert_eq!((got, code), (vec![], 0));

    // The same suppression past its date: the finding is back, and so is a report of the
    // expired suppression (JWT003 on the directive's line).
    let expired = allowed.replace("test tenant\n", "test tenant until=2026-03-31\n");
    write(&lib, &expired);
    let (got, code, _) = lint(&dir, &["--baseline", "jwtlint-baseline.json"]);
    let directive = line_of(&expired, "until=2026-03-31");
    assert_eq!(
        got,
        [
            ("JWT003".to_string(), directive),
            ("JWT801".to_string(), directive + 1)
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn stale_entries_are_listed_and_fail_only_with_fail_on_stale() {
    let (_t, dir) = copy_fixture("svc");
    assert_eq!(
        run(&dir, &["--write-baseline", "b.json"]).status.code(),
        Some(0)
    );
    let lib = dir.join("src/lib.rs");
    let text = read(&lib).replace(
        "EncodingKey::from_secret(b\"a-hard-coded-secret-that-is-long-enough-1\")",
        "EncodingKey::from_secret(std::env::var(\"KEY\").unwrap().as_bytes())",
    );
    write(&lib, &text);
    let (got, code, stderr) = lint(&dir, &["--baseline", "b.json"]);
    assert_eq!((got, code), (vec![], 0), "{stderr}");
    assert!(stderr.contains("1 entry no longer matches"), "{stderr}");
    assert!(stderr.contains("stale: src/lib.rs:15: JWT801"), "{stderr}");
    let (_, code, _) = lint(&dir, &["--baseline", "b.json", "--fail-on-stale"]);
    assert_eq!(code, 1);
    // Entries of rules that did not run are not stale.
    let (_, code, stderr) = lint(
        &dir,
        &[
            "--baseline",
            "b.json",
            "--fail-on-stale",
            "--select",
            "JWT101",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    // Rewriting the baseline drops the stale entry.
    assert_eq!(
        run(&dir, &["--write-baseline", "b.json"]).status.code(),
        Some(0)
    );
    let (_, code, stderr) = lint(&dir, &["--baseline", "b.json", "--fail-on-stale"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn equal_lines_are_counted_so_a_copy_of_an_accepted_line_is_new() {
    let (_t, dir) = copy_fixture("svc");
    assert_eq!(
        run(&dir, &["--write-baseline", "b.json"]).status.code(),
        Some(0)
    );
    let lib = dir.join("src/lib.rs");
    let copy = "\npub fn second_key() -> EncodingKey {\n    EncodingKey::from_secret(b\"a-hard-coded-secret-that-is-long-enough-1\") //~ JWT801\n}\n";
    write(&lib, &(read(&lib) + copy));
    let (got, code, _) = lint(&dir, &["--baseline", "b.json"]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "JWT801");
    assert_eq!(code, 1);
}

#[test]
fn a_baseline_of_another_version_or_shape_is_a_usage_error() {
    let (_t, dir) = copy_fixture("svc");
    write(
        &dir.join("v2.json"),
        r#"{"version": 2, "tool": "cargo-jwtlint", "findings": []}"#,
    );
    let o = run(&dir, &["--baseline", "v2.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("version 2 baseline"));
    write(&dir.join("bad.json"), r#"{"findings": 3}"#);
    assert_eq!(
        run(&dir, &["--baseline", "bad.json"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&dir, &["--baseline", "missing.json"]).status.code(),
        Some(2)
    );
    // --fail-on-stale needs a baseline; --write-baseline and --baseline exclude each other.
    assert_eq!(run(&dir, &["--fail-on-stale"]).status.code(), Some(2));
    assert_eq!(
        run(&dir, &["--baseline", "a", "--write-baseline", "b"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn stale_entries_are_printed_sanitised() {
    // A baseline comes with the project (maybe from a pull request): its text is not trusted.
    let (_t, dir) = copy_fixture("svc");
    write(
        &dir.join("b.json"),
        r#"{"version": 1, "tool": "cargo-jwtlint", "findings": [
            {"code": "JWT801", "path": "src/\u001b[31mevil\n::error::x.rs", "fingerprint": "0000000000000001:1",
             "line": 3, "message": "m\u202e"}]}"#,
    );
    let o = run(&dir, &["--baseline", "b.json"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("stale: src/␛[31mevil␊::error::x.rs:3: JWT801 m\\u{202e}"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains("\n::error"),
        "{stderr}"
    );
}

/// Findings the baseline accepts stay in the audit trail: SARIF results with an `external`
/// suppression justified by the baseline, and the `suppressed` count of JSON and human output.
#[test]
fn baseline_accepted_findings_are_suppressed_results_and_counted() {
    let (_t, dir) = copy_fixture("svc");
    let o = run(&dir, &["--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v = report(&dir, &["--baseline", "b.json"]);
    assert_eq!(v["summary"]["findings"], 0, "{v}");
    assert_eq!(v["summary"]["suppressed"], 2, "{v}");
    let o = run(&dir, &["--baseline", "b.json", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif}");
    for r in results {
        assert_eq!(
            r["suppressions"],
            serde_json::json!([{ "kind": "external", "justification": "baseline" }]),
            "{r}"
        );
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
    }
    let human = run(&dir, &["--baseline", "b.json"]);
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(out.contains("2 suppressed"), "{out}");
    // `--format github` prints no annotation for them.
    let gh = run(&dir, &["--baseline", "b.json", "--format", "github"]);
    assert!(!String::from_utf8_lossy(&gh.stdout).contains("::error"));
}
