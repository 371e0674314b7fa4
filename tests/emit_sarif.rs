//! SARIF structure, UTF-16 regions and GitHub's `primaryLocationLineHash`.

use std::path::PathBuf;
use std::sync::Arc;

use cargo_jwtlint::catalog::catalog;
use cargo_jwtlint::diagnostic::{Diagnostic, Label, Level, Report, Suppressed, SuppressedBy};
use cargo_jwtlint::emit::{EmitOptions, Format, emit, line_hashes};
use cargo_jwtlint::source::SourceText;
use serde_json::Value;

/// BOM, CRLF line ends, CJK text and an astral-plane emoji (a UTF-16 surrogate pair).
const CRLF_PATH: &str = "src/日本/トークン.rs";
const CRLF: &str = "\u{feff}// 鍵🔑 key\r\nfn f() { let 鍵 = \"秘密\"; decode(鍵); }\r\n\t  x\r\n";
/// A file the linter could not read: no entry in `report.sources`.
const GONE: &str = "src/gone.rs";

fn sample() -> Report {
    let mut report = Report::default();
    report
        .sources
        .insert(CRLF_PATH.into(), Arc::new(SourceText::new(CRLF.into())));
    let call = CRLF.find("decode(鍵)").unwrap();
    let key = CRLF.find("key").unwrap();
    let line2_end = CRLF.find("; }\r\n").unwrap() + "; }".len();
    report.diagnostics.push(
        Diagnostic::new(
            "JWT000",
            CRLF_PATH,
            call..call + "decode(鍵)".len(),
            "decoded without a check",
        )
        .with_secondary(CRLF_PATH, key..key + 3, "key named here")
        .with_secondary(GONE, 0..0, "")
        .with_tag("test-code"),
    );
    report.diagnostics.push(
        Diagnostic::new(
            "JWT999",
            CRLF_PATH,
            line2_end..line2_end,
            "at the end of a line",
        )
        .with_level(Level::Note),
    );
    report.diagnostics.push(Diagnostic::new(
        "JWT000",
        GONE,
        10..20,
        "could not read the file",
    ));
    report.files_scanned = 2;
    report.finish();
    report
}

fn sarif(report: &Report, root: Option<PathBuf>) -> String {
    let opts = EmitOptions::new(root);
    let mut out = Vec::new();
    emit(report, Format::Sarif, &opts, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

#[test]
fn log_has_one_run_and_every_rule_in_catalogue_order() {
    let log: Value =
        serde_json::from_str(&sarif(&sample(), Some(PathBuf::from("/srv/my repo")))).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    // No automationDetails unless --sarif-category: upload-sarif's `category:` must apply.
    assert!(run.get("automationDetails").is_none(), "{run:#}");
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///srv/my%20repo/"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = catalog().rules.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(ids, expected);
    let jwt000 = &rules[catalog().index_of("JWT000").unwrap()];
    assert_eq!(jwt000["name"], "parse-error");
    assert_eq!(jwt000["defaultConfiguration"]["level"], "error");
    assert_eq!(jwt000["properties"]["security-severity"], "5.0");
    assert_eq!(jwt000["properties"]["precision"], "very-high");
    assert!(
        jwt000["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it does")
    );
    assert!(jwt000["properties"]["tags"].as_array().unwrap().len() <= 20);
}

#[test]
fn results_point_at_their_rules_and_use_utf16_columns() {
    let log: Value = serde_json::from_str(&sarif(&sample(), None)).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let res = results(&log);
    assert_eq!(res.len(), 3);
    for r in res {
        match r.get("ruleIndex") {
            Some(i) => assert_eq!(rules[i.as_u64().unwrap() as usize]["id"], r["ruleId"]),
            None => assert_eq!(
                r["ruleId"], "JWT999",
                "only codes outside the catalogue lack ruleIndex"
            ),
        }
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    }

    // Sorted by file: the CRLF file ("src/日本/...") sorts after "src/gone.rs".
    let gone = &res[0];
    let text = gone["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("could not read the file\nhelp: "),
        "message, then the help: {text:?}"
    );
    let region = &gone["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        region,
        &serde_json::json!({"startLine": 1}),
        "unreadable file: startLine only"
    );
    assert!(gone.get("partialFingerprints").is_none());

    // `decode(鍵)` on line 2: 23 UTF-16 units precede it ("fn f() { let " 13, 鍵 1, " = " 3,
    // "秘密" in quotes 4, "; " 2), and it is 9 units long.
    let call = &res[1];
    assert_eq!(call["ruleIndex"], 0);
    let loc = &call["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "src/%E6%97%A5%E6%9C%AC/%E3%83%88%E3%83%BC%E3%82%AF%E3%83%B3.rs"
    );
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 2, "startColumn": 24, "endLine": 2, "endColumn": 33})
    );
    // `key` on line 1: the BOM is not a column; "// " 3, 鍵 1, 🔑 2 (surrogate pair), " " 1.
    let related = call["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 2);
    assert_eq!(related[0]["id"], 0);
    assert_eq!(related[0]["message"]["text"], "key named here");
    assert_eq!(
        related[0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1, "startColumn": 8, "endLine": 1, "endColumn": 11})
    );
    assert_eq!(related[1]["id"], 1);
    assert_eq!(
        related[1]["physicalLocation"]["artifactLocation"]["uri"],
        "src/gone.rs"
    );
    assert_eq!(
        related[1]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1})
    );
    assert_eq!(call["properties"]["tags"], serde_json::json!(["test-code"]));
    assert_eq!(
        call["partialFingerprints"]["primaryLocationLineHash"],
        "5b982baa62794d6f:1"
    );

    // An empty span at the end of line 2 (35 units long): no character to cover, no endColumn.
    let eol = &res[2];
    assert!(eol.get("ruleIndex").is_none());
    assert_eq!(eol["level"], "note");
    assert_eq!(
        eol["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 2, "startColumn": 36, "endLine": 2})
    );
    assert!(eol.get("properties").is_none());

    // Without a root, %SRCROOT% is declared with a description only.
    assert_eq!(
        log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"],
        serde_json::json!({"description": {"text": "the project root"}})
    );
}

/// Reference: the rolling hash of fingerprints.ts equals, for each line, the polynomial
/// sum(w[j] * 37^(99 - j)) mod 2^64 over the 100 units w starting at the line's first unit
/// (spaces and tabs dropped, CR/CRLF -> LF, then 65535 and zeros). An independent formulation
/// to check the rolling implementation against.
fn closed_form(units: &[u64]) -> String {
    let mut h: u64 = 0;
    for j in 0..100 {
        let w = units.get(j).copied().unwrap_or(0);
        h = h.wrapping_add(w.wrapping_mul(37u64.wrapping_pow(99 - j as u32)));
    }
    format!("{h:x}")
}

#[test]
fn line_hashes_match_the_codeql_action_on_tiny_inputs() {
    // By hand: "" hashes only the end-of-file unit, 65535 * 37^99 mod 2^64.
    assert_eq!(closed_form(&[65535]), "c129715d7a2bc9a3");
    assert_eq!(line_hashes(""), ["c129715d7a2bc9a3:1"]);
    // "a\nb\n": line 1 = [a, LF, b, LF, EOF], line 2 = [b, LF, EOF], line 3 = [EOF].
    let a_b = line_hashes("a\nb\n");
    assert_eq!(
        a_b[0],
        format!("{}:1", closed_form(&[97, 10, 98, 10, 65535]))
    );
    assert_eq!(a_b[1], format!("{}:1", closed_form(&[98, 10, 65535])));
    // Spaces and tabs are not hashed: "  a \t b\n" hashes like "ab\n".
    assert_eq!(
        line_hashes("  a \t b\n")[0],
        format!("{}:1", closed_form(&[97, 98, 10, 65535]))
    );

    // Expected values from node 20 running a line-by-line JS transcription of `hash()` in
    // github/codeql-action src/fingerprints.ts (commit 0225834c, with the `long` package) on
    // files holding exactly these bytes.
    assert_eq!(
        a_b,
        [
            "81b8d8db678b2bbe:1",
            "ade70578248be16f:1",
            "c129715d7a2bc9a3:1"
        ]
    );
    // A lone CR ends a line for the action, and CR folds to LF: same hashes as "a\nb\n".
    assert_eq!(line_hashes("a\rb\n"), a_b);
    assert_eq!(
        line_hashes("  a \t b\n"),
        ["882bbb3d8de7a640:1", "c129715d7a2bc9a3:1"]
    );
    // Identical 100-unit windows are numbered :1, :2, :3 in file order.
    let xs = format!("{}\n", "x".repeat(120)).repeat(3);
    assert_eq!(
        line_hashes(&xs),
        [
            "52b56201ffb58620:1",
            "52b56201ffb58620:2",
            "52b56201ffb58620:3",
            "c129715d7a2bc9a3:1"
        ]
    );
    // BOM (hashed, as node's utf8 stream keeps it), CRLF, CJK and a surrogate pair.
    assert_eq!(
        line_hashes(CRLF),
        [
            "19e0cefd09cb803e:1",
            "5b982baa62794d6f:1",
            "828973aa50c68d6d:1",
            "c129715d7a2bc9a3:1"
        ]
    );
}

/// Runs `/work/shared/tools/validate-sarif` (or `$JWTLINT_SARIF_VALIDATOR`) when
/// `JWTLINT_VALIDATE_SARIF=1`, on logs with and without a project root.
#[test]
fn validate_sarif_when_asked() {
    if std::env::var("JWTLINT_VALIDATE_SARIF").as_deref() != Ok("1") {
        eprintln!("skipped: set JWTLINT_VALIDATE_SARIF=1 to run validate-sarif");
        return;
    }
    let tool = std::env::var("JWTLINT_SARIF_VALIDATOR")
        .unwrap_or_else(|_| "/work/shared/tools/validate-sarif".into());
    let dir = tempfile::tempdir().unwrap();
    let audit = {
        let mut opts = EmitOptions::new(Some(PathBuf::from("/srv/my repo")));
        opts.sarif_category = Some("jwtlint/api".into());
        opts.run.config_files = vec!["jwtlint.toml".into()];
        opts.run.rules_off = vec!["JWT301".into()];
        let mut out = Vec::new();
        emit(&with_suppressions(), Format::Sarif, &opts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    for (name, log) in [
        (
            "rooted.sarif",
            sarif(&sample(), Some(PathBuf::from("/srv/my repo"))),
        ),
        ("unrooted.sarif", sarif(&sample(), None)),
        ("audit.sarif", audit),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, log).unwrap();
        let out = std::process::Command::new(&tool)
            .arg(&path)
            .output()
            .expect("run validate-sarif");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.lines().any(|l| l.trim() == "PASS"),
            "{name}: validate-sarif did not pass:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The sample plus two suppressed findings (in source, with a reason; by the configuration),
/// an internal error and hidden test code.
fn with_suppressions() -> Report {
    let mut report = sample();
    let call = CRLF.find("decode(鍵)").unwrap();
    let key = CRLF.find("key").unwrap();
    report.suppressions.push(Suppressed {
        diagnostic: Diagnostic::new("JWT101", CRLF_PATH, call..call + 6, "unverified"),
        by: SuppressedBy::Directive {
            at: Label {
                file: CRLF_PATH.into(),
                span: key..key + 3,
                message: String::new(),
            },
            reason: "our own cached token".into(),
        },
    });
    report.suppressions.push(Suppressed {
        diagnostic: Diagnostic::new("JWT801", CRLF_PATH, key..key + 3, "hard-coded"),
        by: SuppressedBy::Config,
    });
    report.suppressed = 2;
    report.hidden_test_code = 3;
    report
        .diagnostics
        .push(Diagnostic::new("JWT001", GONE, 0..0, "the linter failed"));
    report.finish();
    report
}

#[test]
fn suppressed_findings_are_results_with_their_suppression() {
    let mut opts = EmitOptions::new(None);
    opts.sarif_category = Some("jwtlint".into());
    let mut out = Vec::new();
    emit(&with_suppressions(), Format::Sarif, &opts, &mut out).unwrap();
    let log: Value = serde_json::from_slice(&out).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "jwtlint/");
    let res = results(&log);
    assert_eq!(res.len(), 6);
    let sup: Vec<&Value> = res.iter().filter_map(|r| r.get("suppressions")).collect();
    assert_eq!(sup.len(), 2);
    // Sorted like findings: the configuration's (line 1) before the directive's (line 2).
    assert_eq!(sup[0][0]["kind"], "external");
    assert_eq!(
        sup[1][0],
        serde_json::json!({"kind": "inSource", "justification": "our own cached token",
            "location": {"physicalLocation": {"artifactLocation": {"uri": "src/%E6%97%A5%E6%9C%AC/%E3%83%88%E3%83%BC%E3%82%AF%E3%83%B3.rs", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1, "startColumn": 8, "endLine": 1, "endColumn": 11}}}})
    );
    let inv = &run["invocations"][0];
    assert_eq!(
        inv["executionSuccessful"], false,
        "a JWT001 means the run did not fully succeed"
    );
    let texts: Vec<&str> = inv["toolConfigurationNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "no configuration file; the defaults apply",
            "3 findings in test code not reported (test-code = \"hide\")"
        ]
    );
    assert_eq!(
        inv["toolExecutionNotifications"].as_array().unwrap().len(),
        3
    );
}

#[test]
fn empty_span_widens_to_the_character_under_it() {
    let mut report = Report::default();
    report
        .sources
        .insert(CRLF_PATH.into(), Arc::new(SourceText::new(CRLF.into())));
    // Offset 0 is the BOM: the region covers the first real character, `/`.
    report
        .diagnostics
        .push(Diagnostic::new("JWT000", CRLF_PATH, 0..0, "at the start"));
    // An empty span on the emoji covers its two UTF-16 units (columns 5 and 6).
    let emoji = CRLF.find('🔑').unwrap();
    report.diagnostics.push(Diagnostic::new(
        "JWT000",
        CRLF_PATH,
        emoji..emoji,
        "on the emoji",
    ));
    report.finish();
    let log: Value = serde_json::from_str(&sarif(&report, None)).unwrap();
    let regions: Vec<&Value> = results(&log)
        .iter()
        .map(|r| &r["locations"][0]["physicalLocation"]["region"])
        .collect();
    assert_eq!(
        regions[0],
        &serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 2})
    );
    assert_eq!(
        regions[1],
        &serde_json::json!({"startLine": 1, "startColumn": 5, "endLine": 1, "endColumn": 7})
    );
}
