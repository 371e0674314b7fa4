//! The formats CI tools and editors read (rustc JSON lines, GitLab Code Quality, JUnit XML,
//! concise lines, statistics), several outputs in one run, SARIF's audit trail and category, and
//! the GitHub job summary, through the built binary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"));
    c.current_dir(dir)
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin(dir).args(args).output().expect("run cargo-jwtlint")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

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

/// The CLI workspace fixture (findings in three members, secondary labels), copied, with one
/// finding silenced in source (with HTML in its reason), the web member's JWT401 findings
/// silenced by the configuration, and a storage key holding HTML and Markdown.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/workspace");
    copy_dir(&fixture, dir.path());
    let lib = dir.path().join("api/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    let text = text.replace(
        "    jwt::dangerous::insecure_decode::<Claims>(token).ok().map(|d| d.claims)\n",
        "    jwt::dangerous::insecure_decode::<Claims>(token).ok().map(|d| d.claims) // jwtlint: allow(JWT101) <b>our</b> cached token\n",
    );
    std::fs::write(&lib, text).unwrap();
    let web = dir.path().join("web/src/lib.rs");
    let text = std::fs::read_to_string(&web).unwrap();
    assert!(text.contains("\"jwt\""), "{text}");
    let text = text.replacen(
        "\"jwt\"",
        "\"jwt<img src=x onerror=alert(1)>*[x](javascript:y)|\"",
        1,
    );
    std::fs::write(&web, text).unwrap();
    std::fs::write(
        dir.path().join("jwtlint.toml"),
        "ignore = [\"JWT301\"]\n[per-path-ignores]\n\"worker/src/**\" = [\"JWT201\"]\n",
    )
    .unwrap();
    dir
}

/// (code, path, line, column) of the JSON report's findings.
fn json_findings(v: &Value) -> Vec<(String, String, u64, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn json_report(dir: &Path) -> Value {
    let o = run(dir, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    serde_json::from_slice(&o.stdout).unwrap()
}

fn sarif_log(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "sarif"];
    args.extend(extra);
    let o = run(dir, &args);
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn rustc_json_parses_as_cargo_messages_and_matches_the_findings() {
    let dir = project();
    let expected = json_report(dir.path());
    let o = run(dir.path(), &["--message-format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let alias = run(dir.path(), &["--format", "rustc-json"]);
    assert_eq!(
        o.stdout, alias.stdout,
        "--message-format json = --format rustc-json"
    );
    let mut got = Vec::new();
    let mut finished = None;
    for m in cargo_metadata::Message::parse_stream(&o.stdout[..]) {
        match m.expect("a cargo message") {
            cargo_metadata::Message::CompilerMessage(cm) => {
                let d = cm.message;
                assert_eq!(d.spans.len(), 1, "one top-level span: {d:?}");
                let s = &d.spans[0];
                assert!(s.is_primary);
                assert!(!s.text.is_empty(), "{s:?}");
                assert!(d.rendered.as_deref().unwrap().contains(&d.message));
                let code = d.code.unwrap().code;
                assert!(
                    d.rendered
                        .unwrap()
                        .starts_with(&format!("{}[{code}]", level(&d.level))),
                    "rendered like rustc"
                );
                got.push((
                    code,
                    s.file_name.clone(),
                    s.line_start as u64,
                    s.column_start as u64,
                ));
            }
            cargo_metadata::Message::BuildFinished(b) => finished = Some(b.success),
            other => panic!("unexpected message {other:?}"),
        }
    }
    // The fixture is ASCII, so character columns equal UTF-16 columns.
    assert_eq!(got, json_findings(&expected));
    assert_eq!(
        finished,
        Some(false),
        "findings at --fail-on: not a success"
    );
}

fn level(l: &cargo_metadata::diagnostic::DiagnosticLevel) -> &'static str {
    use cargo_metadata::diagnostic::DiagnosticLevel as L;
    match l {
        L::Error => "error",
        L::Warning => "warning",
        L::Note => "note",
        _ => "other",
    }
}

/// (rule, file, line, related (file, line)s) of one SARIF result.
type ClippySarifResult = (String, String, usize, Vec<(String, usize)>);

/// What clippy-sarif makes of rustc JSON (serde-sarif `converters/cargo.rs`): one result per
/// top-level span, with `relatedLocations` from the children's spans. Applied to our rustc JSON
/// it must give our own SARIF's (unsuppressed) results.
#[test]
fn rustc_json_gives_clippy_sarif_the_same_results_as_our_sarif() {
    let dir = project();
    let o = run(dir.path(), &["--message-format", "json"]);
    let mut from_rustc = Vec::new();
    for m in cargo_metadata::Message::parse_stream(&o.stdout[..]) {
        if let cargo_metadata::Message::CompilerMessage(cm) = m.unwrap() {
            let d = cm.message;
            let related: Vec<(String, usize)> = d
                .children
                .iter()
                .flat_map(|c| c.spans.iter().map(|s| (s.file_name.clone(), s.line_start)))
                .collect();
            for s in &d.spans {
                from_rustc.push((
                    d.code.as_ref().unwrap().code.clone(),
                    s.file_name.clone(),
                    s.line_start,
                    related.clone(),
                ));
            }
        }
    }
    let log = sarif_log(dir.path(), &[]);
    let ours: Vec<ClippySarifResult> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| {
            let loc = |l: &Value| {
                (
                    l["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    l["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap() as usize,
                )
            };
            let (file, line) = loc(&r["locations"][0]);
            let related = r
                .get("relatedLocations")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(loc).collect())
                .unwrap_or_default();
            (
                r["ruleId"].as_str().unwrap().to_string(),
                file,
                line,
                related,
            )
        })
        .collect();
    assert!(
        ours.iter().any(|r| !r.3.is_empty()),
        "a result with related locations"
    );
    assert_eq!(from_rustc, ours);
}

/// Validates the JUnit report against the Jenkins JUnit schema (`junit-10.xsd`, shipped in
/// pytest's source distribution) with Python's `xmlschema`, when `JWTLINT_JUNIT_XSD` names the
/// schema file (`.ci/run` fetches both). Findings, a clean run and hostile file names.
#[test]
fn junit_validates_against_the_published_schema() {
    let Ok(xsd) = std::env::var("JWTLINT_JUNIT_XSD") else {
        eprintln!("skipped: set JWTLINT_JUNIT_XSD=/path/to/junit-10.xsd to run it");
        return;
    };
    let dir = project();
    let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/clean");
    for (root, code) in [(dir.path(), 1), (clean.as_path(), 0)] {
        let report = dir.path().join(format!("junit-{code}.xml"));
        let o = run(root, &["--format", "junit", "-o", report.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(code), "{o:?}");
        let check = Command::new("python3")
            .args([
                "-c",
                "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
                &xsd,
                report.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(check.status.success(), "{check:?}");
    }
}

/// Runs clippy-sarif itself when `JWTLINT_CLIPPY_SARIF` names its binary.
#[test]
fn clippy_sarif_when_asked() {
    let Ok(tool) = std::env::var("JWTLINT_CLIPPY_SARIF") else {
        eprintln!("skipped: set JWTLINT_CLIPPY_SARIF=/path/to/clippy-sarif to run it");
        return;
    };
    let dir = project();
    let input = dir.path().join("rustc.jsonl");
    let output = dir.path().join("clippy.sarif");
    let o = run(
        dir.path(),
        &["--message-format", "json", "-o", "rustc.jsonl"],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let st = Command::new(tool)
        .args([
            "--input".as_ref(),
            input.as_os_str(),
            "--output".as_ref(),
            output.as_os_str(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let theirs: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let key = |r: &Value| {
        let l = &r["locations"][0]["physicalLocation"];
        (
            r["ruleId"].as_str().unwrap().to_string(),
            l["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            l["region"]["startLine"].as_u64().unwrap(),
            l["region"]["startColumn"].as_u64().unwrap(),
            r["relatedLocations"].as_array().map_or(0, Vec::len),
        )
    };
    let theirs: Vec<_> = theirs["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let ours = sarif_log(dir.path(), &[]);
    let ours: Vec<_> = ours["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(key)
        .collect();
    assert_eq!(theirs, ours);
}

#[test]
fn gitlab_code_quality_has_the_required_fields() {
    let dir = project();
    let o = run(dir.path(), &["--format", "gitlab"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let issues = v.as_array().expect("a JSON array");
    let expected = json_findings(&json_report(dir.path()));
    assert_eq!(issues.len(), expected.len());
    let mut fingerprints = BTreeSet::new();
    for (i, (code, path, line, _)) in issues.iter().zip(&expected) {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                i[field].as_str().is_some_and(|s| !s.is_empty()),
                "{field}: {i}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap()),
            "{i}"
        );
        assert_eq!(&i["check_name"], code);
        assert_eq!(&i["location"]["path"], path);
        assert_eq!(i["location"]["lines"]["begin"].as_u64(), Some(*line));
        assert!(fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()));
    }
    // The HTML in the storage key is in the description, made printable but not removed:
    // GitLab escapes it; the JSON encoder escapes nothing that matters here.
    assert!(
        issues
            .iter()
            .any(|i| i["description"].as_str().unwrap().contains("<img"))
    );
}

#[test]
fn junit_is_well_formed_with_one_failing_case_per_finding() {
    let dir = project();
    let o = run(dir.path(), &["--format", "junit"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let expected = json_findings(&json_report(dir.path()));
    assert_eq!(
        root.attribute("tests"),
        Some(expected.len().to_string().as_str())
    );
    let mut cases = Vec::new();
    for suite in root.children().filter(|n| n.is_element()) {
        assert_eq!(suite.tag_name().name(), "testsuite");
        let n: usize = suite.attribute("tests").unwrap().parse().unwrap();
        let f: usize = suite.attribute("failures").unwrap().parse().unwrap();
        let in_suite: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
        assert_eq!((n, f), (in_suite.len(), in_suite.len()));
        for case in in_suite {
            assert_eq!(case.tag_name().name(), "testcase");
            assert!(case.attribute("name").is_some() && case.attribute("classname").is_some());
            let failure = case.children().find(|n| n.is_element()).unwrap();
            assert_eq!(failure.tag_name().name(), "failure");
            assert!(failure.attribute("message").is_some());
            let body = failure.text().unwrap();
            assert!(
                body.starts_with("error[")
                    || body.starts_with("warning[")
                    || body.starts_with("note[")
            );
            let name = case.attribute("name").unwrap();
            let (_, at) = name.rsplit_once(" at ").unwrap();
            let (line, _col) = at.split_once(':').unwrap();
            cases.push((
                failure.attribute("type").unwrap().to_string(),
                case.attribute("classname").unwrap().to_string(),
                line.parse::<u64>().unwrap(),
            ));
        }
    }
    let mut want: Vec<_> = expected
        .iter()
        .map(|(c, p, l, _)| (c.clone(), p.clone(), *l))
        .collect();
    want.sort();
    cases.sort();
    assert_eq!(cases, want);
    assert!(
        xml.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "escaped: {xml}"
    );

    // A clean run is still a report: one suite with one passing case.
    let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/clean");
    let o = run(&clean, &["--format", "junit"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1);
    assert!(doc.descendants().all(|n| !n.has_tag_name("failure")));
}

#[test]
fn concise_lines_and_statistics() {
    let dir = project();
    let expected = json_findings(&json_report(dir.path()));
    let o = run(dir.path(), &["--format", "concise"]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), expected.len() + 1, "{out}");
    for (l, (code, path, line, col)) in lines.iter().zip(&expected) {
        let head = format!("./{path}:{line}:{col}: ");
        assert!(l.starts_with(&head), "{l} / {head}");
        assert!(l.contains(&format!("[{code}] ")), "{l}");
    }
    assert!(lines.last().unwrap().starts_with("jwtlint: "));
    let quiet = run(dir.path(), &["--message-format", "short", "-q"]);
    assert_eq!(
        stdout(&quiet).lines().count(),
        expected.len(),
        "-q: no summary line"
    );

    let o = run(dir.path(), &["--statistics", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "the gate still applies: {o:?}");
    let stats: Value = serde_json::from_slice(&o.stdout).unwrap();
    let total: u64 = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, expected.len());
    let jwt801 = expected.iter().filter(|f| f.0 == "JWT801").count() as u64;
    assert!(
        stats
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "JWT801"
                && s["name"] == "hardcoded-secret"
                && s["count"] == jwt801)
    );
    let text = stdout(&run(dir.path(), &["--statistics"]));
    assert!(
        text.lines().any(|l| l
            .trim_start()
            .starts_with(&format!("{jwt801}  JWT801  hardcoded-secret"))),
        "{text}"
    );
    let bad = run(dir.path(), &["--statistics", "--format", "sarif"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
}

#[test]
fn several_outputs_in_one_run_equal_separate_runs() {
    let dir = project();
    let formats = [
        "sarif",
        "json",
        "gitlab",
        "junit",
        "rustc-json",
        "concise",
        "human",
    ];
    let mut args: Vec<String> = vec!["--format".into(), "github".into()];
    args.extend(["--sarif-output".into(), "out/a.sarif".into()]);
    args.extend(["--json-output".into(), "out/a.json".into()]);
    for f in &formats[2..] {
        args.extend(["--report".into(), format!("{f}=out/r.{f}")]);
    }
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let together = run(dir.path(), &args);
    assert_eq!(together.status.code(), Some(1), "{together:?}");
    let github = run(dir.path(), &["--format", "github"]);
    assert_eq!(together.stdout, github.stdout);
    for f in formats {
        let file = match f {
            "sarif" => "out/a.sarif".to_string(),
            "json" => "out/a.json".to_string(),
            f => format!("out/r.{f}"),
        };
        let alone = run(dir.path(), &["--format", f, "--color", "never"]);
        let written = std::fs::read(dir.path().join(&file)).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&alone.stdout),
            "{f}"
        );
    }
    // Two outputs on stdout, or one file twice, are usage errors.
    let o = run(dir.path(), &["--sarif-output", "-"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = run(
        dir.path(),
        &["-o", "x.sarif", "--sarif-output", "./x.sarif"],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

#[test]
fn summary_line_on_stderr_with_output_and_dash_for_stdout() {
    let dir = project();
    let o = run(dir.path(), &["--format", "sarif", "-o", "j.sarif"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("jwtlint: ") && err.lines().count() == 1,
        "{err}"
    );
    let q = run(dir.path(), &["--format", "sarif", "-o", "j.sarif", "-q"]);
    assert!(q.stderr.is_empty(), "{q:?}");
    let dash = run(dir.path(), &["--format", "sarif", "-o", "-"]);
    assert_eq!(
        dash.stdout,
        std::fs::read(dir.path().join("j.sarif")).unwrap()
    );
    assert!(dash.stderr.is_empty());
    let human = run(dir.path(), &["-q"]);
    assert!(
        !stdout(&human).contains("jwtlint: "),
        "-q drops the human summary"
    );
}

#[test]
fn sarif_records_suppressions_category_and_invocation() {
    let dir = project();
    let log = sarif_log(dir.path(), &[]);
    let run0 = &log["runs"][0];
    assert!(run0.get("automationDetails").is_none());
    let results = run0["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    let in_source = suppressed
        .iter()
        .find(|r| r["ruleId"] == "JWT101")
        .expect("the JWT101 silenced in source");
    assert_eq!(in_source["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        in_source["suppressions"][0]["justification"],
        "<b>our</b> cached token"
    );
    assert!(
        suppressed
            .iter()
            .any(|r| r["ruleId"] == "JWT201" && r["suppressions"][0]["kind"] == "external")
    );
    // The unsuppressed results are the JSON report's findings.
    let expected = json_findings(&json_report(dir.path()));
    assert_eq!(results.len() - suppressed.len(), expected.len());
    let inv = &run0["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let notes: Vec<&str> = inv["toolConfigurationNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&"configuration read from jwtlint.toml"),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("rules not run: ") && n.contains("JWT301"))
    );
    // The help is in the message.
    let jwt801 = results.iter().find(|r| r["ruleId"] == "JWT801").unwrap();
    assert!(
        jwt801["message"]["text"]
            .as_str()
            .unwrap()
            .contains("\nhelp: ")
    );

    let cat = sarif_log(dir.path(), &["--sarif-category", "jwtlint/api"]);
    assert_eq!(cat["runs"][0]["automationDetails"]["id"], "jwtlint/api/");
}

/// One annotation per SARIF result that is not suppressed, at the same place.
#[test]
fn github_prints_one_annotation_per_sarif_result() {
    let dir = project();
    let log = sarif_log(dir.path(), &[]);
    let sarif: Vec<(String, u64)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .map(|r| {
            let l = &r["locations"][0]["physicalLocation"];
            (
                l["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                l["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    let gh = stdout(&run(dir.path(), &["--format", "github"]));
    let annotations: Vec<(String, u64)> = gh
        .lines()
        .map(|l| {
            let props = l.split("::").nth(1).unwrap();
            let props = props.split_once(' ').unwrap().1;
            let get = |k: &str| {
                props
                    .split(',')
                    .find_map(|p| p.strip_prefix(&format!("{k}=")))
                    .unwrap()
                    .to_string()
            };
            (
                get("file").replace("%2C", ","),
                get("line").parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(annotations, sarif);
}

fn summary_env(cmd: &mut Command, file: &Path) {
    cmd.env("GITHUB_STEP_SUMMARY", file)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "octo/repo")
        .env("GITHUB_SHA", "0123abc")
        .env_remove("GITHUB_WORKSPACE");
}

#[test]
fn step_summary_is_appended_with_links_and_no_raw_html() {
    let dir = project();
    let file: PathBuf = dir.path().join("summary.md");
    std::fs::write(&file, "earlier step\n").unwrap();
    let mut cmd = bin(dir.path());
    summary_env(&mut cmd, &file);
    let o = cmd.args(["--format", "github"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(
        md.starts_with("earlier step\n## cargo-jwtlint\n"),
        "appended: {md}"
    );
    assert!(!md.contains('<') && !md.contains('>'), "no raw HTML: {md}");
    assert!(
        md.contains("&lt;img src\\=x onerror\\=alert\\(1\\)&gt;\\*\\[x\\]\\(javascript\\:y\\)\\|"),
        "{md}"
    );
    assert!(
        !md.contains("our</b>"),
        "suppression reasons are not listed"
    );
    assert!(
        md.contains("| JWT801 | hardcoded\\-secret | error | 2 |"),
        "{md}"
    );
    assert!(
        md.contains("](https://github.example/octo/repo/blob/0123abc/api/src/lib.rs#L13)"),
        "{md}"
    );
    for line in md.lines().skip(1) {
        assert!(
            line.is_empty()
                || line.starts_with('#')
                || line.starts_with("| ")
                || line.starts_with("jwtlint: ")
                || line.starts_with('_'),
            "a line starts with something else: {line:?}"
        );
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "{line:?}"
        );
    }

    let before = std::fs::read_to_string(&file).unwrap();
    let mut cmd = bin(dir.path());
    summary_env(&mut cmd, &file);
    cmd.args(["--no-step-summary"]).output().unwrap();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "--no-step-summary"
    );
    let o = run(dir.path(), &["--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "unset: nothing written"
    );
}

/// The README's CI recipes: current action majors, the permissions, the fork guard, a pinned
/// install, settings from the base branch (`--isolated --config`), `cargo-jwtlint` called
/// directly, and only flags the binary knows.
#[test]
fn readme_recipes_are_current_and_use_real_flags() {
    let readme = include_str!("../README.md");
    let section = |title: &str| {
        let start = readme
            .find(title)
            .unwrap_or_else(|| panic!("{title} in README"));
        let rest = &readme[start..];
        let body = &rest[rest.find("```yaml\n").unwrap() + 8..];
        body[..body.find("```").unwrap()].to_string()
    };
    let gh = section("## GitHub Actions");
    for must in [
        "contents: read",
        "security-events: write",
        "actions: read",
        "actions/checkout@v6",
        "actions/cache@v5",
        "github/codeql-action/upload-sarif@v4",
        "if: github.event.pull_request.head.repo.full_name == github.repository || github.event_name != 'pull_request'",
        "cargo install cargo-jwtlint --locked --version",
        "cargo-jwtlint --isolated --config \"$RUNNER_TEMP/jwtlint.toml\" --exit-zero",
        "--diff-base \"origin/${{ github.base_ref }}\"",
        "fetch-depth: 0",
    ] {
        assert!(gh.contains(must), "the workflow lacks {must:?}:\n{gh}");
    }
    assert!(!gh.contains("continue-on-error"), "hides exit 2");
    assert!(!gh.contains("cargo jwtlint"), "call cargo-jwtlint directly");
    let gitlab = section("## GitLab CI");
    assert!(gitlab.contains("codequality:") && gitlab.contains("junit:"));
    let help = run(Path::new("."), &["--help"]);
    let help = stdout(&help);
    for text in [&gh, &gitlab] {
        for line in text
            .lines()
            .filter(|l| l.contains("cargo-jwtlint --") || l.contains("bin/cargo-jwtlint --"))
        {
            for flag in line.split_whitespace().filter(|w| w.starts_with("--")) {
                if flag == "--locked" || flag == "--version" || flag == "--root" {
                    continue; // cargo install's
                }
                assert!(help.contains(flag), "{flag} is not in --help: {line}");
            }
        }
    }
    let hooks = include_str!("../.pre-commit-hooks.yaml");
    assert!(hooks.contains("- id: cargo-jwtlint\n") && hooks.contains("entry: cargo-jwtlint\n"));
}
