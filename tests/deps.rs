//! Annotation harness for the dependency rules (JWT011-JWT016).
//!
//! Each fixture directory `fixtures/manifest/<rule>/{fail,pass}` is one project: every
//! `Cargo.toml` and `Cargo.lock` below it is loaded with its path relative to the directory and
//! handed to `deps::check`. Expected findings are trailing comments `#~ JWT011` (several codes:
//! `#~ JWT012 JWT013`) on the line the finding's primary span starts on; every other line must
//! stay clean. Findings and annotations are compared both ways.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cargo_jwtlint::deps::{self, DepsOptions};
use cargo_jwtlint::diagnostic::Diagnostic;
use cargo_jwtlint::manifest::{Lockfile, Manifest};
use cargo_jwtlint::source::SourceText;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/manifest")
}

/// All manifests and lockfiles below `dir`, as (relative path, text), sorted.
fn read_project(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| matches!(e.file_name().to_str(), Some("Cargo.toml" | "Cargo.lock")))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no Cargo.toml below {}", dir.display());
    files
}

struct Project {
    manifests: Vec<Manifest>,
    locks: Vec<Lockfile>,
    texts: BTreeMap<String, Arc<SourceText>>,
}

fn parse_project(dir: &Path, files: &[(String, String)]) -> Project {
    let mut p = Project {
        manifests: vec![],
        locks: vec![],
        texts: BTreeMap::new(),
    };
    for (rel, text) in files {
        let src = Arc::new(SourceText::new(text.clone()));
        let abs_dir = dir.join(rel).parent().unwrap().to_path_buf();
        if rel.ends_with("Cargo.toml") {
            let m = Manifest::parse(rel, abs_dir, src.clone())
                .unwrap_or_else(|e| panic!("{rel}: {}", e.message));
            p.manifests.push(m);
        } else {
            let l = Lockfile::parse(rel, abs_dir, src.clone())
                .unwrap_or_else(|e| panic!("{rel}: {}", e.message));
            p.locks.push(l);
        }
        p.texts.insert(rel.clone(), src);
    }
    p
}

type Key = (String, usize, String);

/// `#~ CODE...` annotations: (file, line, code) → count.
fn expected(texts: &BTreeMap<String, Arc<SourceText>>) -> BTreeMap<Key, usize> {
    let mut out = BTreeMap::new();
    for (file, src) in texts {
        for line in 1..=src.line_count() {
            let text = src.line_text(line);
            let Some(i) = text.find("#~") else { continue };
            for code in text[i + 2..].split_whitespace() {
                assert!(
                    code.starts_with("JWT"),
                    "{file}:{line}: bad annotation `{code}`"
                );
                *out.entry((file.clone(), line, code.to_string()))
                    .or_insert(0) += 1;
            }
        }
    }
    out
}

/// Compares findings with annotations; returns one line per difference (empty: all agree).
fn compare(p: &Project, diags: &[Diagnostic]) -> Vec<String> {
    let want = expected(&p.texts);
    let mut got: BTreeMap<Key, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diags {
        let src = p.texts.get(&d.primary.file);
        let line = src.map(|s| s.line_of(d.primary.span.start)).unwrap_or(0);
        got.entry((d.primary.file.clone(), line, d.code.clone()))
            .or_default()
            .push(d);
    }
    let mut diff = Vec::new();
    for (k, n) in &want {
        let g = got.get(k).map_or(0, Vec::len);
        if g < *n {
            diff.push(format!(
                "- missing    {}:{} {} (expected {n}, got {g})",
                k.0, k.1, k.2
            ));
        }
    }
    for (k, ds) in &got {
        let n = want.get(k).copied().unwrap_or(0);
        if ds.len() > n {
            for d in &ds[n..] {
                diff.push(format!(
                    "+ unexpected {}:{} {}: {}",
                    k.0, k.1, k.2, d.message
                ));
            }
        }
    }
    diff
}

/// Checks what every finding must satisfy regardless of the fixture.
fn check_shape(p: &Project, diags: &[Diagnostic]) -> Vec<String> {
    let mut bad = Vec::new();
    for d in diags {
        let at = format!("{} {}", d.primary.file, d.code);
        let Some(src) = p.texts.get(&d.primary.file) else {
            bad.push(format!("{at}: points outside the project"));
            continue;
        };
        let span = &d.primary.span;
        if span.is_empty()
            || span.end > src.text.len()
            || src.line_of(span.start) != src.line_of(span.end - 1)
        {
            bad.push(format!(
                "{at}: primary span {span:?} is not a non-empty range on one line"
            ));
        }
        if d.name.is_empty() {
            bad.push(format!("{at}: code is not in the catalogue"));
        }
        let first = d.message.chars().next().unwrap_or('.');
        if first.is_uppercase() || d.message.ends_with('.') {
            bad.push(format!(
                "{at}: message style (lowercase, no trailing period): {}",
                d.message
            ));
        }
        if d.help.as_deref().is_none_or(str::is_empty) {
            bad.push(format!("{at}: no help"));
        }
        for s in &d.secondary {
            let ok = p
                .texts
                .get(&s.file)
                .is_some_and(|t| !s.span.is_empty() && s.span.end <= t.text.len());
            if !ok {
                bad.push(format!("{at}: bad secondary label {}:{:?}", s.file, s.span));
            }
        }
    }
    bad
}

fn opts_for(rule: &str) -> DepsOptions {
    DepsOptions {
        strict_exact: rule == "non-exact-jwt-requirement",
        advisory_db: (rule == "advisory-db").then(|| fixtures().join("advisory-db")),
        operations: None,
        operations_by_dir: None,
    }
}

fn run_dir(rule: &str, case: &str) -> (Project, Vec<Diagnostic>) {
    let dir = fixtures().join(rule).join(case);
    let p = parse_project(&dir, &read_project(&dir));
    let diags = deps::check(&p.manifests, &p.locks, &opts_for(rule));
    (p, diags)
}

fn run(rule: &str) {
    let mut report = Vec::new();
    for case in ["fail", "pass"] {
        let (p, diags) = run_dir(rule, case);
        let want = expected(&p.texts);
        if case == "fail" {
            assert!(!want.is_empty(), "{rule}/fail has no `#~` annotation");
        } else {
            assert!(want.is_empty(), "{rule}/pass must not carry annotations");
        }
        let diff: Vec<String> = compare(&p, &diags)
            .into_iter()
            .chain(check_shape(&p, &diags))
            .collect();
        if !diff.is_empty() {
            report.push(format!(
                "fixtures/manifest/{rule}/{case}:\n  {}",
                diff.join("\n  ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "findings differ from annotations:\n{}",
        report.join("\n")
    );
}

#[test]
fn unpinned_jwt_dependency() {
    run("unpinned-jwt-dependency");
}

#[test]
fn vulnerable_jwt_version() {
    run("vulnerable-jwt-version");
}

#[test]
fn unmaintained_jwt_crate() {
    run("unmaintained-jwt-crate");
}

#[test]
fn missing_crypto_backend() {
    run("missing-crypto-backend");
}

#[test]
fn missing_lockfile() {
    run("missing-lockfile");
}

#[test]
fn non_exact_jwt_requirement() {
    run("non-exact-jwt-requirement");
}

#[test]
fn advisory_db() {
    run("advisory-db");
}

/// Each fail fixture exercises the rule it is named after.
#[test]
fn fail_fixtures_exercise_their_rule() {
    let codes = [
        ("unpinned-jwt-dependency", "JWT011"),
        ("vulnerable-jwt-version", "JWT012"),
        ("unmaintained-jwt-crate", "JWT013"),
        ("missing-crypto-backend", "JWT014"),
        ("missing-lockfile", "JWT015"),
        ("non-exact-jwt-requirement", "JWT016"),
        ("advisory-db", "JWT012"),
    ];
    for (rule, code) in codes {
        let (_, diags) = run_dir(rule, "fail");
        assert!(
            diags.iter().any(|d| d.code == code),
            "{rule}/fail yields no {code}"
        );
        let page = cargo_jwtlint::catalog::catalog()
            .get(code)
            .expect("rule page");
        assert_eq!(
            page.name,
            rule.replace("advisory-db", "vulnerable-jwt-version")
        );
    }
}

/// The harness itself must fail when an annotation is missing or one is too many.
#[test]
fn harness_catches_missing_and_extra_annotations() {
    let dir = fixtures().join("unpinned-jwt-dependency/fail");
    let mut files = read_project(&dir);
    let (_, root) = files.iter_mut().find(|(f, _)| f == "Cargo.toml").unwrap();
    // Drop the annotation of the `josekit = "*"` line, annotate a clean line instead.
    *root = root
        .replace("josekit = \"*\" #~ JWT011", "josekit = \"*\"")
        .replace("jwt-simple = \"0.15\"", "jwt-simple = \"0.15\" #~ JWT011");
    let p = parse_project(&dir, &files);
    let diff = compare(
        &p,
        &deps::check(&p.manifests, &p.locks, &DepsOptions::default()),
    );
    assert_eq!(diff.len(), 2, "{diff:#?}");
    assert!(
        diff.iter()
            .any(|l| l.starts_with("+ unexpected Cargo.toml:") && l.contains("josekit")),
        "{diff:#?}"
    );
    assert!(
        diff.iter()
            .any(|l| l.starts_with("- missing    Cargo.toml:6 JWT011")),
        "{diff:#?}"
    );
}

/// An inherited entry is reported once, at the workspace line, with the members as secondaries.
#[test]
fn inherited_entries_report_at_the_workspace_line() {
    let (_, diags) = run_dir("unpinned-jwt-dependency", "fail");
    let ws = diags
        .iter()
        .find(|d| d.code == "JWT011" && d.message.contains("`jsonwebtoken`"))
        .expect("JWT011 on the workspace entry");
    assert_eq!(ws.primary.file, "Cargo.toml");
    assert_eq!(ws.secondary.len(), 1, "{:#?}", ws.secondary);
    assert_eq!(ws.secondary[0].file, "member/Cargo.toml");

    let (p, diags) = run_dir("missing-crypto-backend", "fail");
    let d = diags
        .iter()
        .find(|d| d.primary.file == "Cargo.toml")
        .expect("JWT014 at the workspace entry");
    let members: Vec<&str> = d.secondary.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(
        members,
        ["a/Cargo.toml"],
        "only the member without a provider"
    );
    assert!(p.texts["a/Cargo.toml"].text[d.secondary[0].span.clone()].contains("true"));
}

/// Lock findings name the chain, the level follows the worst advisory, the help names the fix.
#[test]
fn lock_findings_are_actionable() {
    let (p, diags) = run_dir("vulnerable-jwt-version", "fail");
    let text = |d: &Diagnostic| p.texts[&d.primary.file].text[d.primary.span.clone()].to_string();
    let ring = diags
        .iter()
        .find(|d| d.message.starts_with("ring 0.16.20"))
        .expect("ring finding");
    assert_eq!(text(ring), "\"0.16.20\"");
    assert!(
        ring.message
            .contains("through jsonwebtoken 8.3.0 → ring 0.16.20"),
        "{}",
        ring.message
    );
    assert!(
        ring.message.contains("RUSTSEC-2025-0010") && ring.message.contains("RUSTSEC-2025-0009")
    );
    assert!(
        ring.help.as_deref().unwrap().contains("0.17.12"),
        "{:?}",
        ring.help
    );
    assert_eq!(ring.level, cargo_jwtlint::diagnostic::Level::Warning);

    let jwt = diags
        .iter()
        .find(|d| d.message.starts_with("jsonwebtoken 8.3.0"))
        .expect("lock entry finding");
    assert_eq!(jwt.level, cargo_jwtlint::diagnostic::Level::Error);
    assert!(
        jwt.help.as_deref().unwrap().contains("\"10.3\""),
        "{:?}",
        jwt.help
    );
    assert_eq!(jwt.secondary.len(), 1, "points back at the requirement");
    assert_eq!(jwt.secondary[0].file, "svc/Cargo.toml");

    let ws = diags
        .iter()
        .find(|d| d.primary.file == "Cargo.toml")
        .expect("workspace requirement");
    assert!(
        ws.message.contains("allows jsonwebtoken 7.0.0"),
        "{}",
        ws.message
    );
    assert!(
        ws.message.contains("GHSA-h395-gr6q-cpjc (CVE-2026-25537)"),
        "{}",
        ws.message
    );
    assert!(
        diags
            .iter()
            .all(|d| !d.message.contains("RUSTSEC-2025-0007"))
    );
}

#[test]
fn resolved_versions_prefer_the_lockfile() {
    let dir = fixtures().join("vulnerable-jwt-version/pass");
    let p = parse_project(&dir, &read_project(&dir));
    let mid = p
        .manifests
        .iter()
        .find(|m| m.path == "mid/Cargo.toml")
        .unwrap();
    let got = deps::resolved_jwt_versions(mid, &p.locks);
    assert_eq!(
        got,
        [("jsonwebtoken".to_string(), semver::Version::new(10, 4, 0))]
    );

    let dir = fixtures().join("vulnerable-jwt-version/fail");
    let p = parse_project(&dir, &read_project(&dir));
    let api = p
        .manifests
        .iter()
        .find(|m| m.path == "api/Cargo.toml")
        .unwrap();
    let got: Vec<String> = deps::resolved_jwt_versions(api, &p.locks)
        .into_iter()
        .map(|(c, v)| format!("{c} {v}"))
        .collect();
    assert_eq!(got, ["jsonwebtoken 3.0.0", "jsonwebtoken 10.2.0"]);
}

#[test]
fn unreadable_advisory_db_is_a_finding_not_a_crash() {
    let (p, _) = run_dir("unpinned-jwt-dependency", "pass");
    let opts = DepsOptions {
        strict_exact: false,
        advisory_db: Some(fixtures().join("no-such-db")),
        operations: None,
        operations_by_dir: None,
    };
    let diags = deps::check(&p.manifests, &p.locks, &opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, "JWT000");
}

/// `aws-lc-rs` (the optional dependency) is not the provider feature `aws_lc_rs`: say so.
#[test]
fn provider_feature_typo_gets_a_note() {
    let (_, diags) = run_dir("missing-crypto-backend", "fail");
    let d = diags
        .iter()
        .find(|d| d.message.contains("10.4.0"))
        .expect("JWT014 on the build dependency");
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("`aws-lc-rs`") && n.contains("`aws_lc_rs`")),
        "{:?}",
        d.notes
    );
    assert!(
        d.message.contains("neither `rust_crypto` nor `aws_lc_rs`"),
        "{}",
        d.message
    );
}

/// Messages name the table the entry is in, in TOML syntax.
#[test]
fn messages_name_the_dependency_table() {
    let (_, diags) = run_dir("unpinned-jwt-dependency", "fail");
    let tables: Vec<&str> = [
        "[workspace.dependencies]",
        "[dev-dependencies]",
        "[build-dependencies]",
        "[target.'cfg(unix)'.dependencies]",
    ]
    .into_iter()
    .filter(|t| !diags.iter().any(|d| d.message.contains(t)))
    .collect();
    assert!(tables.is_empty(), "no message names {tables:?}");
}

/// The dependency rules' pages carry every documentation heading and the catalogue fields.
#[test]
fn rule_pages_are_complete() {
    for code in ["JWT011", "JWT012", "JWT013", "JWT014", "JWT015", "JWT016"] {
        let r = cargo_jwtlint::catalog::catalog()
            .get(code)
            .unwrap_or_else(|| panic!("{code} has no rule page"));
        for h in cargo_jwtlint::catalog::DOC_HEADINGS {
            assert!(r.docs.contains(h), "rules/{}: missing `{h}`", r.file);
        }
        assert!(
            !r.help.is_empty() && !r.cwe.is_empty() && !r.summary.is_empty(),
            "rules/{}",
            r.file
        );
        assert!(
            r.security_severity.parse::<f32>().is_ok(),
            "rules/{}",
            r.file
        );
    }
}

/// The primary span's text of a finding.
fn primary_text(p: &Project, d: &Diagnostic) -> String {
    p.texts[&d.primary.file].text[d.primary.span.clone()].to_string()
}

/// A lock entry brought in through a wrapper crate or a feature is reported at the member
/// requirement that starts the chain too, with the chain in the message and the lock entry as a
/// secondary label.
#[test]
fn advisories_are_reported_at_the_requirement_that_brings_them_in() {
    let (p, diags) = run_dir("vulnerable-jwt-version", "fail");
    let at = |file: &str, needle: &str| {
        diags
            .iter()
            .find(|d| d.primary.file == file && d.message.contains(needle))
            .unwrap_or_else(|| panic!("no {file} finding with {needle:?}: {diags:#?}"))
    };

    let wrapper = at("gate/Cargo.toml", "jwt-authorizer");
    assert_eq!(wrapper.code, "JWT012");
    assert_eq!(primary_text(&p, wrapper), "\"0.14\"");
    assert!(
        wrapper.message.starts_with(
            "`jwt-authorizer` requirement \"0.14\" brings in jsonwebtoken 9.2.0 \
             (through jwt-authorizer 0.14.0 → jsonwebtoken 9.2.0), which is affected by \
             GHSA-h395-gr6q-cpjc (CVE-2026-25537)"
        ),
        "{}",
        wrapper.message
    );
    assert_eq!(wrapper.level, cargo_jwtlint::diagnostic::Level::Error);
    let help = wrapper.help.as_deref().unwrap();
    assert!(
        help.contains("`cargo update -p jsonwebtoken`")
            && help.contains("upgrade `jwt-authorizer`"),
        "{help}"
    );
    let lock_label = wrapper
        .secondary
        .iter()
        .find(|s| s.file == "gate/Cargo.lock")
        .expect("the lock entry as a secondary label");
    assert_eq!(
        &p.texts["gate/Cargo.lock"].text[lock_label.span.clone()],
        "\"9.2.0\""
    );

    // An inherited wrapper is reported at the workspace entry, the member entry as secondary.
    let inherited = at("Cargo.toml", "axum-jwt-auth");
    assert_eq!(primary_text(&p, inherited), "\"0.5\"");
    assert!(
        inherited
            .message
            .contains("(through axum-jwt-auth 0.5.1 → jsonwebtoken 9.2.0)"),
        "{}",
        inherited.message
    );
    assert!(
        inherited
            .secondary
            .iter()
            .any(|s| s.file == "gate/Cargo.toml" && s.message.contains("workspace = true")),
        "{:#?}",
        inherited.secondary
    );

    // The lock entry points back at both requirements that bring it in.
    let entry = at("gate/Cargo.lock", "jsonwebtoken 9.2.0 resolved");
    let brings: Vec<&str> = entry
        .secondary
        .iter()
        .filter(|s| s.message == "brings it in")
        .map(|s| s.file.as_str())
        .collect();
    assert_eq!(
        brings,
        ["gate/Cargo.toml", "Cargo.toml"],
        "{:#?}",
        entry.secondary
    );

    // A chain through a feature names it.
    let feature = at("modern/Cargo.toml", "rsa 0.9.6");
    assert_eq!(primary_text(&p, feature), "\">=9.3, <11\"");
    assert!(
        feature.message.contains(
            "brings in rsa 0.9.6 through its `rust_crypto` feature (jsonwebtoken 10.4.0 → rsa 0.9.6)"
        ),
        "{}",
        feature.message
    );
    assert!(feature.help.as_deref().unwrap().contains("aws_lc_rs"));
    // ssh-key brings in the same rsa, but not through a JWT crate.
    assert!(
        !diags
            .iter()
            .any(|d| d.primary.file == "modern/Cargo.toml" && d.message.contains("ssh-key")),
        "{diags:#?}"
    );
}

/// The requirement-line copy of an out-of-reach advisory is an out-of-reach note too.
#[test]
fn brought_in_findings_follow_the_out_of_reach_judgement() {
    let (p, _) = run_dir("vulnerable-jwt-version", "fail");
    let opts = DepsOptions {
        operations: Some(Default::default()),
        operations_by_dir: None,
        ..DepsOptions::default()
    };
    let diags = deps::check(&p.manifests, &p.locks, &opts);
    let rsa: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.message.contains("RUSTSEC-2023-0071"))
        .collect();
    let files: Vec<&str> = rsa.iter().map(|d| d.primary.file.as_str()).collect();
    assert_eq!(files, ["modern/Cargo.lock", "modern/Cargo.toml"]);
    for d in rsa {
        assert_eq!(
            d.level,
            cargo_jwtlint::diagnostic::Level::Note,
            "{}",
            d.message
        );
        assert!(
            d.tags.iter().any(|t| t == deps::OUT_OF_REACH),
            "{:?}",
            d.tags
        );
        assert!(
            d.message.contains("no RSA private-key operation"),
            "{}",
            d.message
        );
    }
}

/// A requirement line that already carries an advisory gets no second finding for it: neither
/// when its own range allows the affected version and its crate brings in another affected
/// release of itself (the semver trick), nor when two lockfiles reach it through one entry.
#[test]
fn brought_in_findings_do_not_repeat_an_advisory_on_one_line() {
    let dir = fixtures().join("vulnerable-jwt-version/fail");
    let mut files = read_project(&dir);
    let (_, lock) = files
        .iter_mut()
        .find(|(f, _)| f == "svc/Cargo.lock")
        .unwrap();
    *lock = lock.replace(" \"pem\",\n", " \"jsonwebtoken 9.2.0\",\n \"pem\",\n")
        + "\n[[package]]\nname = \"jsonwebtoken\"\nversion = \"9.2.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let gate_lock = files
        .iter()
        .find(|(f, _)| f == "gate/Cargo.lock")
        .unwrap()
        .1
        .clone();
    let gate = files
        .iter()
        .find(|(f, _)| f == "gate/Cargo.toml")
        .unwrap()
        .1
        .clone();
    files.push((
        "gate2/Cargo.lock".into(),
        gate_lock.replace("\"gate\"", "\"gate2\""),
    ));
    files.push((
        "gate2/Cargo.toml".into(),
        gate.replace("\"gate\"", "\"gate2\""),
    ));
    let p = parse_project(&dir, &files);
    let diags = deps::check(&p.manifests, &p.locks, &DepsOptions::default());
    let ghsa_at = |file: &str, text: &str| {
        diags
            .iter()
            .filter(|d| d.primary.file == file && primary_text(&p, d) == text)
            .filter(|d| d.advisories.iter().any(|a| a.id == "GHSA-h395-gr6q-cpjc"))
            .count()
    };
    assert_eq!(ghsa_at("svc/Cargo.toml", "\"8.3\""), 1, "{diags:#?}");
    assert_eq!(ghsa_at("Cargo.toml", "\"0.5\""), 1, "{diags:#?}");
    // The 9.2.0 the semver trick brings in is still reported at its own lock entry.
    assert_eq!(ghsa_at("svc/Cargo.lock", "\"9.2.0\""), 1, "{diags:#?}");
}

/// A requirement line gets one JWT012 finding: what it brings in (ring through jsonwebtoken 8.3)
/// joins the line's own finding as notes, with every advisory kept for suppressions by id.
#[test]
fn one_finding_per_requirement_line() {
    let (p, diags) = run_dir("vulnerable-jwt-version", "fail");
    let at_line: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.code == "JWT012" && d.primary.file == "svc/Cargo.toml")
        .collect();
    assert_eq!(at_line.len(), 1, "{at_line:#?}");
    let d = at_line[0];
    assert_eq!(
        p.texts["svc/Cargo.toml"].text[d.primary.span.clone()].to_string(),
        "\"8.3\""
    );
    assert!(
        d.message.starts_with("`jsonwebtoken` requirement"),
        "{}",
        d.message
    );
    let notes = d.notes.join("\n");
    assert!(
        notes.contains("also: ") && notes.contains("ring 0.16.20"),
        "{notes}"
    );
    // simple_asn1's advisory is `lock_only`: reported at its lock entry, not on this line.
    assert!(!notes.contains("simple_asn1"), "{notes}");
    let ids: Vec<&str> = d.advisories.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"GHSA-h395-gr6q-cpjc"), "{ids:?}");
    assert!(ids.contains(&"RUSTSEC-2025-0009"), "{ids:?}");
}
