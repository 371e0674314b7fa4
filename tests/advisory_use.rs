//! Advisories judged by use: the rsa timing advisory (RUSTSEC-2023-0071) is about RSA
//! private-key operations. A workspace that only verifies, or signs with another algorithm, gets
//! a note that says why when `[advisories] out-of-reach = "note"`, and by default the finding is
//! left out and counted; one that signs with an RSA private key keeps the warning.

use std::path::Path;

use cargo_jwtlint::config::{Config, OutOfReach};
use cargo_jwtlint::diagnostic::Level;
use cargo_jwtlint::lint::{LintRequest, run};

const LOCKED: &str = "fixtures/manifest/vulnerable-jwt-version/fail/modern";

/// A copy of a package whose Cargo.lock brings in rsa through jsonwebtoken, with this lib.rs.
fn lint(lib: &str, out_of_reach: OutOfReach) -> cargo_jwtlint::diagnostic::Report {
    let t = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(LOCKED);
    for f in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(from.join(f), t.path().join(f)).unwrap();
    }
    lint_with_lib(t.path(), lib, out_of_reach)
}

/// Writes `src/lib.rs` into the package at `dir` and lints it with this out-of-reach setting.
fn lint_with_lib(
    dir: &Path,
    lib: &str,
    out_of_reach: OutOfReach,
) -> cargo_jwtlint::diagnostic::Report {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    run(&LintRequest {
        root: dir.to_path_buf(),
        paths: vec![dir.to_path_buf()],
        config: Config {
            out_of_reach,
            ..Config::default()
        },
        advisory_db: None,
        today: cargo_jwtlint::suppress::today().unwrap(),
        nested: Vec::new(),
        all_test_code: false,
    })
}

fn rsa_advisory(
    report: &cargo_jwtlint::diagnostic::Report,
) -> Option<&cargo_jwtlint::diagnostic::Diagnostic> {
    report
        .diagnostics
        .iter()
        .find(|d| d.code == "JWT012" && d.message.contains("RUSTSEC-2023-0071"))
}

/// The rsa finding with out-of-reach advisories shown as notes.
fn rsa_finding(lib: &str) -> (Level, String) {
    let report = lint(lib, OutOfReach::Note);
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.code == "JWT012" && d.message.contains("RUSTSEC-2023-0071"))
        .unwrap_or_else(|| panic!("no rsa finding: {:#?}", report.diagnostics));
    (d.level, d.message.clone())
}

const VERIFY_ONLY: &str = "pub fn check(t: &str, pem: &[u8]) -> bool {\n    let k = jsonwebtoken::DecodingKey::from_rsa_pem(pem).unwrap();\n    jsonwebtoken::decode::<serde_json::Value>(t, &k, &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256)).is_ok()\n}\n";

const SIGNS: &str = "pub fn sign(pem: &[u8]) -> String {\n    let k = jsonwebtoken::EncodingKey::from_rsa_pem(pem).unwrap();\n    jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256), &1u8, &k).unwrap()\n}\n";

#[test]
fn verify_only_code_gets_a_note_that_says_why() {
    let (level, msg) = rsa_finding(VERIFY_ONLY);
    assert_eq!(level, Level::Note, "{msg}");
    assert!(msg.contains("no RSA private-key operation"), "{msg}");
}

#[test]
fn by_default_an_out_of_reach_advisory_is_hidden_and_counted() {
    let report = lint(VERIFY_ONLY, OutOfReach::Hide);
    assert!(rsa_advisory(&report).is_none(), "{:#?}", report.diagnostics);
    // Two findings: the rsa lock entry and the jsonwebtoken requirement that brings it in.
    assert_eq!(report.hidden_out_of_reach, 2);
    let report = lint(SIGNS, OutOfReach::Hide);
    let kept: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "JWT012" && d.message.contains("RUSTSEC-2023-0071"))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:#?}");
    assert!(kept.iter().all(|d| d.level == Level::Warning), "{kept:#?}");
    assert_eq!(report.hidden_out_of_reach, 0);
}

#[test]
fn rsa_signing_keeps_the_warning() {
    let (level, msg) = rsa_finding(SIGNS);
    assert_eq!(level, Level::Warning, "{msg}");
    assert!(!msg.contains("no RSA private-key operation"), "{msg}");
}

#[test]
fn rsa_signing_in_test_code_does_not_count() {
    let lib = format!(
        "{VERIFY_ONLY}\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn t() {{\n        let _ = jsonwebtoken::EncodingKey::from_rsa_pem(b\"\");\n    }}\n}}\n"
    );
    assert_eq!(rsa_finding(&lib).0, Level::Note);
}

/// A package that uses jsonwebtoken 9.3.1 directly, with this lib.rs.
fn lint_v9(lib: &str) -> cargo_jwtlint::diagnostic::Report {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("Cargo.toml"),
        "[package]\nname = \"issuer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = \"=9.3.1\"\nserde_json = \"1\"\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("Cargo.lock"),
        "version = 3\n\n[[package]]\nname = \"issuer\"\nversion = \"0.1.0\"\ndependencies = [\n \"jsonwebtoken\",\n]\n\n[[package]]\nname = \"jsonwebtoken\"\nversion = \"9.3.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    )
    .unwrap();
    lint_with_lib(t.path(), lib, Config::default().out_of_reach)
}

fn claim_type_findings(report: &cargo_jwtlint::diagnostic::Report) -> usize {
    report
        .diagnostics
        .iter()
        .filter(|d| d.code == "JWT012" && d.message.contains("GHSA-h395-gr6q-cpjc"))
        .count()
}

#[test]
fn the_claim_type_advisory_is_out_of_reach_of_code_that_only_signs() {
    let signs = "pub fn sign(k: &[u8]) -> String {\n    let key = jsonwebtoken::EncodingKey::from_secret(k);\n    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &serde_json::json!({\"exp\": 1}), &key).unwrap()\n}\n";
    let report = lint_v9(signs);
    assert_eq!(claim_type_findings(&report), 0, "{:#?}", report.diagnostics);
    // The lock entry and the requirement line, both hidden and counted.
    assert_eq!(report.hidden_out_of_reach, 2);
    // Verifying with the defaults: a wrongly typed `exp` counts as missing, and `exp` is
    // required, so the token is rejected; still out of reach.
    let check = |setup: &str| {
        format!(
            "{signs}\npub fn check(t: &str, k: &[u8]) -> bool {{\n    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);\n    {setup}\n    jsonwebtoken::decode::<serde_json::Value>(t, &jsonwebtoken::DecodingKey::from_secret(k), &v).is_ok()\n}}\n"
        )
    };
    for unreached in [
        "",
        "v.validate_nbf = false;",
        "v.set_required_spec_claims(&[\"exp\", \"sub\"]);",
    ] {
        let report = lint_v9(&check(unreached));
        assert_eq!(claim_type_findings(&report), 0, "{unreached}");
        assert_eq!(report.hidden_out_of_reach, 2, "{unreached}");
    }
    // Checking nbf, or dropping `exp` from the required claims, is what the flaw bypasses.
    for reached in [
        "v.validate_nbf = true;",
        "v.set_required_spec_claims(&[\"sub\"]);",
        "v.required_spec_claims = Default::default();",
        "let _ = jsonwebtoken::Validation { validate_nbf: true, ..v.clone() };",
    ] {
        let report = lint_v9(&check(reached));
        assert_eq!(
            claim_type_findings(&report),
            2,
            "{reached}: {:#?}",
            report.diagnostics
        );
        assert_eq!(report.hidden_out_of_reach, 0, "{reached}");
    }
}

/// A workspace of two members without a lockfile: `loadgen` requires jsonwebtoken 9.3 (in the
/// claim-type advisory's range), `api` the fixed 10.4. Only `api` decodes checking `nbf`,
/// unless `loadgen_decodes`; `wrapper` gives loadgen jwt-authorizer, which decodes for it.
fn lint_members(loadgen_decodes: bool, wrapper: bool) -> cargo_jwtlint::diagnostic::Report {
    let t = tempfile::tempdir().unwrap();
    let w = |rel: &str, text: &str| {
        let p = t.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "Cargo.toml",
        "[workspace]\nmembers = [\"api\", \"loadgen\"]\n",
    );
    let manifest = |name: &str, req: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = {{ version = \"{req}\", features = [\"rust_crypto\"] }}\nserde_json = \"1\"\n"
        )
    };
    w("api/Cargo.toml", &manifest("api", "10.4"));
    let mut loadgen = manifest("loadgen", "9.3");
    if wrapper {
        loadgen.push_str("jwt-authorizer = \"0.15\"\n");
    }
    w("loadgen/Cargo.toml", &loadgen);
    let decode = "pub fn check(t: &str, k: &[u8]) -> bool {\n    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);\n    v.validate_nbf = true;\n    jsonwebtoken::decode::<serde_json::Value>(t, &jsonwebtoken::DecodingKey::from_secret(k), &v).is_ok()\n}\n";
    let sign = "pub fn sign(k: &[u8]) -> String {\n    let key = jsonwebtoken::EncodingKey::from_secret(k);\n    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &serde_json::json!({\"exp\": 1}), &key).unwrap()\n}\n";
    w("api/src/lib.rs", decode);
    w(
        "loadgen/src/lib.rs",
        &if loadgen_decodes {
            format!("{sign}\n{decode}")
        } else {
            sign.to_string()
        },
    );
    run(&LintRequest {
        root: t.path().to_path_buf(),
        paths: vec![t.path().to_path_buf()],
        config: Config::default(),
        advisory_db: None,
        today: cargo_jwtlint::suppress::today().unwrap(),
        nested: Vec::new(),
        all_test_code: false,
    })
}

#[test]
fn a_requirement_line_is_judged_by_the_operations_of_its_own_package() {
    // Another member decodes, but the member that requires 9.3 only signs: out of its reach.
    let report = lint_members(false, false);
    assert_eq!(claim_type_findings(&report), 0, "{:#?}", report.diagnostics);
    assert_eq!(report.hidden_out_of_reach, 1);
    // A wrapper that decodes with the same jsonwebtoken reaches it for the package.
    let report = lint_members(false, true);
    assert_eq!(claim_type_findings(&report), 1, "{:#?}", report.diagnostics);
    let report = lint_members(true, false);
    assert_eq!(claim_type_findings(&report), 1, "{:#?}", report.diagnostics);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.code == "JWT012" && d.primary.file == "loadgen/Cargo.toml")
    );
}

/// No lockfile: jsonwebtoken's `rust_crypto` feature brings in rsa, which no release fixes.
/// The requirement is reported where the package is seen to sign with an RSA private key.
#[test]
fn without_a_lockfile_a_feature_that_brings_in_rsa_is_reported_where_rsa_keys_sign() {
    let lint = |lib: &str| {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(
            t.path().join("Cargo.toml"),
            "[package]\nname = \"minter\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"10.4\", features = [\"rust_crypto\"] }\n",
        )
        .unwrap();
        lint_with_lib(t.path(), lib, Config::default().out_of_reach)
    };
    let rsa_lines = |r: &cargo_jwtlint::diagnostic::Report| {
        r.diagnostics
            .iter()
            .filter(|d| d.code == "JWT012" && d.message.contains("RUSTSEC-2023-0071"))
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    let signs = "pub fn key(pem: &[u8]) -> jsonwebtoken::EncodingKey {\n    jsonwebtoken::EncodingKey::from_rsa_pem(pem).unwrap()\n}\n";
    let found = rsa_lines(&lint(signs));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("`rust_crypto` feature"), "{}", found[0]);
    let verifies = "pub fn key(pem: &[u8]) -> jsonwebtoken::DecodingKey {\n    jsonwebtoken::DecodingKey::from_rsa_pem(pem).unwrap()\n}\n";
    assert!(rsa_lines(&lint(verifies)).is_empty());
}

/// RUSTSEC-2021-0125 (simple_asn1 0.6.0, a panic on a malformed date) is fixed by
/// `cargo update -p simple_asn1` whatever requires it: one finding at the lock entry, none at
/// the requirement on jsonwebtoken that brings it in (`lock_only` in rules/advisories.toml).
#[test]
fn a_lock_only_advisory_is_reported_at_the_lock_entry_alone() {
    let t = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(LOCKED);
    std::fs::copy(from.join("Cargo.toml"), t.path().join("Cargo.toml")).unwrap();
    let lock = std::fs::read_to_string(from.join("Cargo.lock")).unwrap();
    let old = "name = \"simple_asn1\"\nversion = \"0.6.3\"";
    assert!(lock.contains(old));
    let lock = lock.replace(old, "name = \"simple_asn1\"\nversion = \"0.6.0\"");
    std::fs::write(t.path().join("Cargo.lock"), lock).unwrap();
    let report = lint_with_lib(t.path(), "pub fn f() {}\n", OutOfReach::Note);
    let places: Vec<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "JWT012" && d.message.contains("RUSTSEC-2021-0125"))
        .map(|d| d.primary.file.as_str())
        .collect();
    assert_eq!(places, ["Cargo.lock"], "{:#?}", report.diagnostics);
    // The rsa advisory on the same requirement is still reported there.
    assert!(report.diagnostics.iter().any(|d| d.code == "JWT012"
        && d.primary.file == "Cargo.toml"
        && d.message.contains("RUSTSEC-2023-0071")));
}
