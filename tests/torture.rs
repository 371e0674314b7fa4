//! Small inputs that used to take minutes, gigabytes or the whole report: values that double
//! per line, thousands of findings on one long line, a 100,000-digit number, a CRLF manifest
//! with an unterminated string in SARIF, and file names that a lossy report path merged. Each
//! must end well inside the deadline with exit 0 or 1 and keep a sibling file's finding.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-jwtlint");
/// Far above what each run takes in a debug build (under two seconds): reaching it is a hang.
const DEADLINE: Duration = Duration::from_secs(90);

const MANIFEST: &str = "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = \"10.3\"\n";
/// The sibling whose finding every case must keep.
const SIBLING: &str = "use jsonwebtoken::dangerous::insecure_decode;\npub fn g(t: &str) { let _ = insecure_decode::<u8>(t); }\n";

/// A package `name` with `src/lib.rs` = `lib` (declaring `mod sibling;`) and `src/sibling.rs`.
fn package(name: &str, lib: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("torture")
        .join(name);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(root.join("src/lib.rs"), format!("mod sibling;\n{lib}")).unwrap();
    std::fs::write(root.join("src/sibling.rs"), SIBLING).unwrap();
    root
}

/// Runs the linter with `args` on `root`; panics past the deadline or on an exit other than 0/1.
fn run(root: &Path, args: &[&str]) -> String {
    let out_file = root.with_extension("out");
    let mut child = Command::new(BIN)
        .arg("jwtlint")
        .args(args)
        .arg(root)
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{} did not finish within {DEADLINE:?}", root.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "{}: exit {status}",
        root.display()
    );
    String::from_utf8_lossy(&std::fs::read(&out_file).unwrap()).into_owned()
}

fn findings(root: &Path) -> Vec<Value> {
    let json: Value = serde_json::from_str(&run(root, &["--format", "json"])).unwrap();
    json["findings"].as_array().unwrap().clone()
}

fn has(findings: &[Value], code: &str, path: &str) -> usize {
    findings
        .iter()
        .filter(|f| f["code"] == code && f["path"] == path)
        .count()
}

#[test]
fn a_string_that_doubles_per_line_is_unknown_not_terabytes() {
    let mut lib = String::from("pub fn f() {\n    let s0 = String::from(\"0123456789abcdef\");\n");
    for i in 1..=48 {
        lib.push_str(&format!(
            "    let s{i} = s{}.clone() + &s{};\n",
            i - 1,
            i - 1
        ));
    }
    lib.push_str("    let _k = jsonwebtoken::EncodingKey::from_secret(s48.as_bytes());\n}\n");
    let root = package("doubling", &lib);
    assert_eq!(has(&findings(&root), "JWT101", "src/sibling.rs"), 1);
}

#[test]
fn copies_of_a_long_value_are_shared() {
    // 4,000 bindings of a 60 kB literal: copied, that is 240 MB; shared, nothing.
    let mut lib = format!(
        "pub fn f() {{\n    let s0 = \"{}\";\n",
        "k".repeat(60 * 1024)
    );
    for i in 1..=4000 {
        lib.push_str(&format!("    let s{i} = s{};\n", i - 1));
    }
    lib.push_str("    let _k = jsonwebtoken::EncodingKey::from_secret(s4000.as_bytes());\n}\n");
    let root = package("copies", &lib);
    let f = findings(&root);
    assert_eq!(has(&f, "JWT101", "src/sibling.rs"), 1);
    assert_eq!(has(&f, "JWT801", "src/lib.rs"), 1, "{f:#?}");
}

#[test]
fn many_findings_on_one_long_line_stay_linear_in_every_format() {
    let n = 8000;
    let call = "let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t); ";
    let lib = format!("pub fn f(t: &str) {{ {} }}\n", call.repeat(n));
    let root = package("one-line", &lib);
    let f = findings(&root);
    assert_eq!(has(&f, "JWT101", "src/lib.rs"), n);
    let fingerprints: std::collections::HashSet<_> =
        f.iter().map(|x| x["fingerprint"].to_string()).collect();
    assert_eq!(fingerprints.len(), f.len(), "fingerprints stay distinct");
    // Each snippet shows a window of the line, not the 480 kB line itself.
    let human = run(&root, &["--format", "human", "--color", "never"]);
    assert!(
        human.len() < n * 1500,
        "{} bytes of human output",
        human.len()
    );
    let columns = human.matches("--> src/lib.rs:2:").count();
    assert_eq!(columns, n);
    let sarif = run(&root, &["--format", "sarif"]);
    assert!(sarif.contains("insecure_decode"));
}

#[test]
fn a_huge_number_is_refused_quickly_and_shown_briefly() {
    let lib = format!("pub const X: u64 = {};\n", "9".repeat(100_000));
    let root = package("huge-number", &format!("use jsonwebtoken as _;\n{lib}"));
    let f = findings(&root);
    assert_eq!(has(&f, "JWT000", "src/lib.rs"), 1, "{f:#?}");
    assert_eq!(has(&f, "JWT101", "src/sibling.rs"), 1);
    let human = run(&root, &["--format", "human", "--color", "never"]);
    assert!(human.len() < 8000, "{human}");
}

#[test]
fn a_crlf_manifest_with_an_unterminated_string_is_a_sarif_result() {
    let root = package("crlf-manifest", "");
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\r\nname = \"t\"\r\nversion = \"0.1.0\"\r\n[dependencies]\r\njsonwebtoken = \"10\r\n",
    )
    .unwrap();
    let sarif: Value = serde_json::from_str(&run(&root, &["--format", "sarif"])).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let uri = |r: &&Value| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone();
    assert!(results.iter().any(|r| uri(&r) == "Cargo.toml"));
    assert!(results.iter().any(|r| uri(&r) == "src/sibling.rs"));
}

#[cfg(unix)]
#[test]
fn file_names_that_a_lossy_path_would_merge_are_all_reported() {
    use std::os::unix::ffi::OsStrExt;
    let root = package("names", "mod a;\n");
    let body = "use jsonwebtoken::dangerous::insecure_decode;\npub fn h(t: &str) { let _ = insecure_decode::<u8>(t); }\n";
    std::fs::create_dir_all(root.join("src/a")).unwrap();
    std::fs::write(root.join("src/a.rs"), "mod b;\n").unwrap();
    std::fs::write(root.join("src/a/b.rs"), body).unwrap();
    std::fs::write(root.join("src/a\\b.rs"), body).unwrap();
    for raw in [&b"\xff\xfe.rs"[..], &b"\xfe\xff.rs"[..]] {
        let name = std::ffi::OsStr::from_bytes(raw);
        std::fs::write(root.join("src").join(name), body).unwrap();
    }
    let f = findings(&root);
    for path in [
        "src/a/b.rs",
        "src/a\\\\b.rs",
        "src/\\xFF\\xFE.rs",
        "src/\\xFE\\xFF.rs",
    ] {
        assert_eq!(has(&f, "JWT101", path), 1, "{path}: {f:#?}");
    }
    let sarif = run(&root, &["--format", "sarif"]);
    assert!(
        sarif.contains("\"src/a%5Cb.rs\""),
        "the URI names the real file"
    );
    assert!(sarif.contains("\"src/%FF%FE.rs\""));
}

/// Recursion syn enters without a bracket, or where a `,` does not end it: each shape is a
/// JWT000 for its file within seconds (one budget over depth and operator runs), and the
/// sibling's finding is kept.
#[test]
fn nested_types_closures_and_where_clauses_are_refused_within_seconds() {
    let n = 40_000;
    let shapes = [
        (
            "generic-args",
            format!("type T = {}u8{};\n", "Vec<".repeat(n), ">".repeat(n)),
        ),
        (
            "generic-args-comma",
            format!("type T = {}u8{};\n", "Result<u8, ".repeat(n), ">".repeat(n)),
        ),
        (
            "closure-params",
            format!("pub fn f() {{ let _ = {}0; }}\n", "|a| ".repeat(100_000)),
        ),
        (
            "fn-pointer-returns",
            format!("type F = {}u8;\n", "fn() -> ".repeat(n)),
        ),
        (
            "fn-pointer-args",
            format!("type F = {}u8{};\n", "fn(u8, ".repeat(n), ")".repeat(n)),
        ),
        (
            "dyn-fn",
            format!("type F = {}u8;\n", "&dyn Fn() -> ".repeat(n)),
        ),
        (
            "dyn-fn-bare",
            format!("type F = Box<{}u8>;\n", "dyn Fn() -> ".repeat(n)),
        ),
        (
            "where-clauses",
            format!(
                "pub fn f<T>() where T: {}u8{}, {{}}\n",
                "Tr<u8, X: ".repeat(n),
                ">".repeat(n)
            ),
        ),
    ];
    for (name, lib) in shapes {
        let root = package(name, &format!("use jsonwebtoken as _;\n{lib}"));
        let start = Instant::now();
        let f = findings(&root);
        let took = start.elapsed();
        assert!(took < Duration::from_secs(30), "{name}: {took:?}");
        assert_eq!(has(&f, "JWT000", "src/lib.rs"), 1, "{name}: {f:#?}");
        assert_eq!(has(&f, "JWT101", "src/sibling.rs"), 1, "{name}");
    }
}
