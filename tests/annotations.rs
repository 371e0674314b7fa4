//! Annotation harness: every fixture package `fixtures/rust/<CODE>-<name>/` is linted with only
//! rule `<CODE>` enabled, and the findings are compared with the `//~ CODE` annotations in its
//! sources, both ways: every annotation must fire and every finding must be annotated.
//!
//! `//~ JWT101` expects a finding of JWT101 whose primary label starts on that line;
//! `//~^ JWT101` expects it on the line above (one `^` per line up). Several codes may follow
//! one marker (`//~ JWT801 JWT801` expects two findings on the line). A finding in test code
//! (`#[cfg(test)]`, `tests/`, `examples/` ...) carries the `test-code` tag; its annotation says
//! so: `//~ JWT101 test-code`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_jwtlint::catalog::catalog;
use cargo_jwtlint::config::Config;
use cargo_jwtlint::lint::{LintRequest, run};

/// (file relative to the fixture, 1-based line, rule code) → how many.
type Expect = BTreeMap<(String, usize, String), usize>;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust")
}

/// Parses the `//~` annotations of one source text.
fn annotations(rel: &str, text: &str) -> Expect {
    let mut out = Expect::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("//~") else {
            continue;
        };
        let rest = &line[pos + 3..];
        let ups = rest.chars().take_while(|c| *c == '^').count();
        let target = (i + 1).saturating_sub(ups);
        let words: Vec<&str> = rest[ups..].split_whitespace().collect();
        let test = words.contains(&"test-code");
        for code in words {
            if code == "test-code" {
                continue;
            }
            if !code.starts_with("JWT") {
                break;
            }
            let code = if test {
                format!("{code} test-code")
            } else {
                code.to_string()
            };
            *out.entry((rel.to_string(), target, code)).or_default() += 1;
        }
    }
    out
}

fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Lints a fixture with one rule on; returns the findings as (file, line, code) counts plus a
/// printable line per finding.
fn findings(dir: &Path, code: &str) -> (Expect, BTreeMap<(String, usize, String), String>) {
    // Test-code findings are hidden by default; the harness shows them so that their
    // `test-code` annotations are checked too.
    let config = Config {
        enabled: vec![code.to_string()],
        test_code: cargo_jwtlint::config::TestCode::Report,
        ..Config::default()
    };
    let report = run(&LintRequest {
        root: dir.to_path_buf(),
        paths: vec![dir.to_path_buf()],
        config,
        advisory_db: None,
        today: cargo_jwtlint::suppress::today().unwrap(),
        nested: Vec::new(),
        all_test_code: false,
    });
    let mut got = Expect::new();
    let mut msgs = BTreeMap::new();
    for d in &report.diagnostics {
        let line = report
            .source(&d.primary.file)
            .map(|s| s.line_of(d.primary.span.start))
            .unwrap_or(0);
        let code = if d.tags.iter().any(|t| t == "test-code") {
            format!("{} test-code", d.code)
        } else {
            d.code.clone()
        };
        let key = (d.primary.file.clone(), line, code);
        *got.entry(key.clone()).or_default() += 1;
        msgs.insert(key, format!("{}: {}", d.level.as_str(), d.message));
    }
    (got, msgs)
}

/// Compares expected and actual findings; returns a readable diff, or None when they agree.
fn diff(
    fixture: &str,
    want: &Expect,
    got: &Expect,
    msgs: &BTreeMap<(String, usize, String), String>,
) -> Option<String> {
    let mut out = String::new();
    let keys: std::collections::BTreeSet<_> = want.keys().chain(got.keys()).collect();
    for k in keys {
        let w = want.get(k).copied().unwrap_or(0);
        let g = got.get(k).copied().unwrap_or(0);
        let (file, line, code) = k;
        if g < w {
            out.push_str(&format!(
                "  missing    {fixture}/{file}:{line} {code} (annotated {w}, found {g})\n"
            ));
        } else if g > w {
            let m = msgs.get(k).map(String::as_str).unwrap_or("");
            out.push_str(&format!(
                "  unexpected {fixture}/{file}:{line} {code} (annotated {w}, found {g}) {m}\n"
            ));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Runs every fixture directory of one rule; panics with the diff when any disagrees.
fn check_rule(code: &str) {
    let root = fixtures_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/rust exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{code}-")))
        })
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixture directory for {code}");
    let mut report = String::new();
    let mut annotated = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            dir.join("Cargo.toml").is_file(),
            "{name}: fixture needs a Cargo.toml"
        );
        let mut want = Expect::new();
        for f in source_files(dir) {
            let text = std::fs::read_to_string(&f).unwrap();
            for (k, n) in annotations(&rel(dir, &f), &text) {
                if k.2.split(' ').next() == Some(code) {
                    annotated += n;
                }
                *want.entry(k).or_default() += n;
            }
        }
        let (got, msgs) = findings(dir, code);
        // Parse errors and internal errors are always reported; they must be annotated too.
        want.retain(|k, _| {
            let c = k.2.split(' ').next().unwrap_or("");
            c == code || c == "JWT000" || c == "JWT001"
        });
        if let Some(d) = diff(&name, &want, &got, &msgs) {
            report.push_str(&d);
        }
    }
    assert!(annotated > 0, "{code}: fixtures hold no `//~ {code}`");
    assert!(
        report.is_empty(),
        "{code}: findings and annotations disagree:\n{report}"
    );
}

#[test]
fn jwt101_unverified_decode() {
    check_rule("JWT101");
}

#[test]
fn jwt102_algorithm_from_token() {
    check_rule("JWT102");
}

#[test]
fn jwt201_long_token_lifetime() {
    check_rule("JWT201");
}

#[test]
fn jwt401_token_in_browser_storage() {
    check_rule("JWT401");
}

#[test]
fn jwt801_hardcoded_secret() {
    check_rule("JWT801");
}

#[test]
fn jwt104_mixed_alg_allowlist() {
    check_rule("JWT104");
}

#[test]
fn jwt103_alg_none() {
    check_rule("JWT103");
}

#[test]
fn jwt204_token_without_exp() {
    check_rule("JWT204");
}

#[test]
fn jwt202_exp_validation_disabled() {
    check_rule("JWT202");
}

#[test]
fn jwt203_excessive_leeway() {
    check_rule("JWT203");
}

#[test]
fn jwt402_insecure_token_cookie() {
    check_rule("JWT402");
}

#[test]
fn jwt501_aud_iss_not_validated() {
    check_rule("JWT501");
}

#[test]
fn jwt701_sensitive_claims() {
    check_rule("JWT701");
}

#[test]
fn jwt301_hmac_shared_across_services() {
    check_rule("JWT301");
}

#[test]
fn jwt601_refresh_token_reuse() {
    check_rule("JWT601");
}

#[test]
fn jwt901_no_revocation() {
    check_rule("JWT901");
}

/// Every source rule (JWT1xx–JWT9xx) of the catalogue has a fixture and a test above.
#[test]
fn every_source_rule_has_a_fixture() {
    let root = fixtures_dir();
    let names: Vec<String> = std::fs::read_dir(&root)
        .expect("fixtures/rust exists")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    let this = include_str!("annotations.rs");
    let mut missing = Vec::new();
    for r in &catalog().rules {
        let n: u32 = r.code.trim_start_matches("JWT").parse().unwrap_or(0);
        if !(100..1000).contains(&n) {
            continue;
        }
        if !names.iter().any(|d| d.starts_with(&format!("{}-", r.code))) {
            missing.push(format!("{}: no fixtures/rust/{}-<name>/", r.code, r.code));
        }
        if !this.contains(&format!("check_rule(\"{}\")", r.code)) {
            missing.push(format!("{}: no test calls check_rule for it", r.code));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn annotation_syntax() {
    let a = annotations(
        "src/lib.rs",
        "let a = 1; //~ JWT101\nlet b = 2;\n//~^ JWT102 JWT102\nfoo(); // JWT801 not a marker\nbar(); //~ JWT201 test-code\n",
    );
    assert_eq!(a.get(&("src/lib.rs".into(), 1, "JWT101".into())), Some(&1));
    assert_eq!(a.get(&("src/lib.rs".into(), 2, "JWT102".into())), Some(&2));
    assert_eq!(
        a.get(&("src/lib.rs".into(), 5, "JWT201 test-code".into())),
        Some(&1)
    );
    assert_eq!(a.len(), 3);
}

/// The harness must be able to fail: a missing and an unexpected finding both show in the diff.
#[test]
fn harness_reports_mismatches() {
    let mut want = Expect::new();
    want.insert(("src/lib.rs".into(), 3, "JWT101".into()), 1);
    let mut got = Expect::new();
    got.insert(("src/lib.rs".into(), 7, "JWT101".into()), 1);
    let mut msgs = BTreeMap::new();
    msgs.insert(
        ("src/lib.rs".into(), 7, "JWT101".into()),
        "error: something".to_string(),
    );
    let d = diff("JWT101-x", &want, &got, &msgs).expect("a mismatch is reported");
    assert!(d.contains("missing    JWT101-x/src/lib.rs:3 JWT101"), "{d}");
    assert!(d.contains("unexpected JWT101-x/src/lib.rs:7 JWT101"), "{d}");
    assert!(d.contains("error: something"), "{d}");
    assert!(diff("JWT101-x", &want, &want, &msgs).is_none());
}

/// End to end: a real fixture linted with a wrong annotation set disagrees.
#[test]
fn harness_fails_on_a_real_fixture_with_annotations_removed() {
    let dir = fixtures_dir().join("JWT101-jsonwebtoken");
    let (got, msgs) = findings(&dir, "JWT101");
    assert!(!got.is_empty(), "the fixture has findings");
    assert!(diff("JWT101-jsonwebtoken", &Expect::new(), &got, &msgs).is_some());
}
