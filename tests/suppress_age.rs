//! Suppressions that age and name what they accept: `until=` dates, advisory ids in comments
//! and in `[advisories] ignore`, block comments, `allow-file`, per-entry unused tracking, and
//! JWT002/JWT003 under the rule selection. The date is fixed by `JWTLINT_TODAY` (2026-06-15,
//! see `common::bin`).

mod common;

use common::*;

/// The svc fixture with `directive` on its own line above the hard-coded secret.
fn svc_with(directive: &str) -> (tempfile::TempDir, std::path::PathBuf, u64) {
    let (t, dir) = copy_fixture("svc");
    let lib = dir.join("src/lib.rs");
    let text = read(&lib).replace(
        "    EncodingKey::from_secret(b\"a-hard",
        &format!("    {directive}\n    EncodingKey::from_secret(b\"a-hard"),
    );
    write(&lib, &text);
    let line = line_of(&text, "a-hard-coded");
    (t, dir, line)
}

fn codes(got: &[(String, u64)]) -> Vec<&str> {
    got.iter().map(|(c, _)| c.as_str()).collect()
}

#[test]
fn until_applies_through_its_day_and_not_after() {
    let (_t, dir, secret) =
        svc_with("// jwtlint: allow(JWT801) local test tenant until=2026-06-15");
    let (got, _, _) = lint(&dir, &[]);
    assert_eq!(
        codes(&got),
        ["JWT101"],
        "on the day itself it still applies"
    );
    let o = bin()
        .current_dir(&dir)
        .env("JWTLINT_TODAY", "2026-06-16")
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    let expired = f
        .iter()
        .find(|f| f["code"] == "JWT003")
        .expect("expired report");
    assert_eq!(expired["line"], secret - 1);
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2026-06-15"),
        "{expired}"
    );
    assert!(
        f.iter()
            .any(|f| f["code"] == "JWT801" && f["line"] == secret)
    );
    // A date that does not exist applies to nothing and says so.
    let (_t, dir, _) = svc_with("// jwtlint: allow(JWT801) tenant until=2026-02-30");
    let (got, code, _) = lint(&dir, &[]);
    assert_eq!(codes(&got), ["JWT101", "JWT003", "JWT801"]);
    assert_eq!(code, 1);
}

#[test]
fn a_bad_today_override_is_a_usage_error() {
    let (_t, dir) = copy_fixture("svc");
    let o = bin()
        .current_dir(&dir)
        .env("JWTLINT_TODAY", "tomorrow")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn block_comments_and_file_level_directives_suppress() {
    let (_t, dir, _) = svc_with("/* jwtlint: allow(JWT801) local test tenant */");
    let (got, _, _) = lint(&dir, &[]);
    assert_eq!(codes(&got), ["JWT101"]);
    let (_t, dir) = copy_fixture("svc");
    let lib = dir.join("src/lib.rs");
    let text = read(&lib).replace(
        "b\"a-hard-coded-secret-that-is-long-enough-1\")",
        "/* jwtlint: allow(JWT801) test tenant */ b\"a-hard-coded-secret-that-is-long-enough-1\")",
    );
    write(&lib, &text);
    let (got, _, _) = lint(&dir, &[]);
    assert_eq!(codes(&got), ["JWT101"], "a block comment inside the line");
    let (_t, dir) = copy_fixture("svc");
    let lib = dir.join("src/lib.rs");
    write(
        &lib,
        &format!(
            "//! jwtlint: allow-file(JWT801, JWT101) generated examples\n{}",
            read(&lib)
        ),
    );
    let (got, code, _) = lint(&dir, &[]);
    assert_eq!((got, code), (vec![], 0));
    // `allow(..)` in an inner doc comment describes the syntax: not a directive.
    let (_t, dir) = copy_fixture("svc");
    let lib = dir.join("src/lib.rs");
    write(
        &lib,
        &format!("//! jwtlint: allow(JWT801) docs\n{}", read(&lib)),
    );
    let (got, _, _) = lint(&dir, &[]);
    assert_eq!(codes(&got), ["JWT101", "JWT801"]);
}

#[test]
fn unused_suppressions_are_tracked_per_code_and_obey_the_selection() {
    let (_t, dir, _) = svc_with("// jwtlint: allow(JWT801, JWT101) local test tenant");
    let v = report(&dir, &[]);
    let f = v["findings"].as_array().unwrap();
    let unused: Vec<&serde_json::Value> = f.iter().filter(|f| f["code"] == "JWT002").collect();
    assert_eq!(unused.len(), 1, "{f:?}");
    assert!(
        unused[0]["message"]
            .as_str()
            .unwrap()
            .contains("JWT101 entry"),
        "{}",
        unused[0]
    );
    assert!(!f.iter().any(|f| f["code"] == "JWT801"));
    let (got, _, _) = lint(&dir, &["--ignore", "JWT002"]);
    assert_eq!(codes(&got), ["JWT101"]);
    // JWT003 too: an unknown rule is reported only while JWT003 runs.
    let (_t, dir, _) = svc_with("// jwtlint: allow(JWT8011) typo");
    let (got, _, _) = lint(&dir, &[]);
    assert!(codes(&got).contains(&"JWT003"), "{got:?}");
    let (got, _, _) = lint(&dir, &["--select", "JWT801"]);
    assert_eq!(codes(&got), ["JWT801"]);
}

#[test]
fn an_advisory_id_accepts_that_advisory_only() {
    let (_t, dir) = copy_fixture("advisory");
    let manifest = dir.join("Cargo.toml");
    let original = read(&manifest);
    let dep = "jsonwebtoken = \"8.3\"";
    // One of the two advisories accepted: the finding stays, and says what was accepted.
    write(
        &manifest,
        &original.replace(
            dep,
            &format!(
                "# jwtlint: allow(JWT012: GHSA-h395-gr6q-cpjc) exp is always an integer here\n{dep}"
            ),
        ),
    );
    let v = report(&dir, &[]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["code"], "JWT012");
    assert!(
        f[0]["notes"]
            .to_string()
            .contains("accepted here: GHSA-h395-gr6q-cpjc")
    );
    // Both accepted (one by its alias): suppressed.
    write(
        &manifest,
        &original.replace(
            dep,
            &format!("# jwtlint: allow(JWT012: CVE-2026-25537, JWT012: jwtlint-jsonwebtoken-aud) reviewed\n{dep}"),
        ),
    );
    let (got, code, _) = lint(&dir, &[]);
    assert_eq!((got, code), (vec![], 0));
}

#[test]
fn advisories_ignored_in_the_configuration_expire_too() {
    let (_t, dir) = copy_fixture("advisory");
    let cfg = |until: &str| {
        format!(
            "[advisories]\nignore = [\n  {{ id = \"GHSA-h395-gr6q-cpjc\", reason = \"exp is an integer\", until = \"{until}\" }},\n  {{ id = \"jwtlint-jsonwebtoken-aud\", reason = \"aud is always set\" }},\n]\n"
        )
    };
    write(&dir.join("jwtlint.toml"), &cfg("2026-12-31"));
    let (got, code, stderr) = lint(&dir, &[]);
    assert_eq!((got, code), (vec![], 0), "{stderr}");
    write(&dir.join("jwtlint.toml"), &cfg("2026-01-31"));
    let v = report(&dir, &[]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0]["notes"].to_string().contains("expired on 2026-01-31"),
        "{}",
        f[0]
    );
    // Only `jwtlint-jsonwebtoken-aud`: a new advisory on the same line still fails.
    write(
        &dir.join("jwtlint.toml"),
        "[advisories]\nignore = [{ id = \"jwtlint-jsonwebtoken-aud\", reason = \"aud is set\" }]\n",
    );
    let (got, code, _) = lint(&dir, &[]);
    assert_eq!(codes(&got), ["JWT012"]);
    assert_eq!(code, 1);
    // A missing reason or a bad date is a configuration error.
    write(
        &dir.join("jwtlint.toml"),
        "[advisories]\nignore = [{ id = \"X\" }]\n",
    );
    assert_eq!(run(&dir, &[]).status.code(), Some(2));
    write(
        &dir.join("jwtlint.toml"),
        "[advisories]\nignore = [{ id = \"X\", reason = \"r\", until = \"soon\" }]\n",
    );
    assert_eq!(run(&dir, &[]).status.code(), Some(2));
}

/// An `[advisories] ignore` entry that accepts no finding is reported (JWT002) at the entry in
/// the configuration file, in every format, and obeys the rule selection.
#[test]
fn unused_advisory_ignores_in_the_configuration_are_reported() {
    let (_t, dir) = copy_fixture("advisory");
    let text = "[advisories]\nignore = [\n  { id = \"GHSA-h395-gr6q-cpjc\", reason = \"exp is an integer\" },\n  { id = \"jwtlint-jsonwebtoken-aud\", reason = \"aud is always set\" },\n  { id = \"RUSTSEC-2099-0001\", reason = \"no longer a dependency\" },\n]\n";
    write(&dir.join("jwtlint.toml"), text);
    let v = report(&dir, &[]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["code"], "JWT002");
    assert_eq!(f[0]["path"], "jwtlint.toml");
    assert_eq!(f[0]["line"], 5, "{}", f[0]);
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("RUSTSEC-2099-0001"),
        "{}",
        f[0]
    );
    // The human output shows the entry's line from the configuration file.
    let o = run(&dir, &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("jwtlint.toml:5:"), "{out}");
    assert!(out.contains("no longer a dependency"), "{out}");
    // Not a finding when the dependency rule did not run, nor when JWT002 is off.
    for sel in [&["--ignore", "JWT012"][..], &["--ignore", "JWT002"][..]] {
        let v = report(&dir, sel);
        let codes: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(!codes.contains(&"JWT002"), "{sel:?}: {v}");
    }
}

/// SARIF's audit trail names the `[advisories] ignore` entry and its reason, not per-path
/// ignores.
#[test]
fn advisory_ignores_are_justified_by_their_reason_in_sarif() {
    let (_t, dir) = copy_fixture("advisory");
    write(
        &dir.join("jwtlint.toml"),
        "[advisories]\nignore = [\n  { id = \"GHSA-h395-gr6q-cpjc\", reason = \"exp is an integer\" },\n  { id = \"jwtlint-jsonwebtoken-aud\", reason = \"aud is always set\" },\n]\n",
    );
    let out = run(&dir, &["--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let s = results
        .iter()
        .find(|r| r["suppressions"].is_array())
        .unwrap_or_else(|| panic!("no suppressed result: {results:?}"));
    let j = s["suppressions"][0]["justification"].as_str().unwrap();
    assert_eq!(s["suppressions"][0]["kind"], "external");
    assert!(
        j.contains("[advisories] ignore GHSA-h395-gr6q-cpjc: exp is an integer"),
        "{j}"
    );
    assert!(!j.contains("per-path-ignores"), "{j}");
}
