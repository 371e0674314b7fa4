//! Hostile inputs through the built binary: deep nesting, huge files, binary and non-UTF-8 files,
//! BOM + CRLF, wide characters, FIFOs, symlink loops, dangling symlinks, unreadable files and a
//! broken manifest. For each: no crash, abort or hang; every other file's findings are still
//! reported; every file that could not be checked is named in every output format.
//!
//! The tree is built once per test binary (a copy of `fixtures/bad/project` plus generated files)
//! and linted once per output format.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-jwtlint");
/// Far above what a run takes (a few seconds in a debug build): reaching it means a hang.
const DEADLINE: Duration = Duration::from_secs(120);

/// A finding in `src/real.rs` that must survive every hostile neighbour.
const FINDING: &str =
    "pub fn x(t: &str) { let _ = jsonwebtoken::dangerous::insecure_decode::<C>(&t); }\n";

struct Tree {
    root: PathBuf,
    /// Files that must be named by a JWT000 finding.
    unchecked: Vec<String>,
    /// Is `src/unreadable.rs` really unreadable (false when running as root)?
    unreadable_blocks: bool,
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

fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-tree");
        if root.exists() {
            // A previous run may have left an unreadable file or a FIFO behind.
            let _ = Command::new("chmod").arg("-R").arg("u+rwX").arg(&root).status();
            std::fs::remove_dir_all(&root).unwrap();
        }
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/project");
        copy_dir(&fixtures, &root);
        let mut unchecked: Vec<String> = [
            "src/binary.rs",
            "src/latin1.rs",
            "src/unterminated.rs",
            "broken/Cargo.toml",
        ]
        .map(String::from)
        .to_vec();
        // Each deep shape names the crate, so the prefilter sends it to the parser.
        let head = "use jsonwebtoken::dangerous;\nfn f() {\n    let x = ";
        let deep: [(&str, String); 15] = [
            // Keyword and postfix chains: no bracket nesting, but syn recursion or a deeply
            // nested tree (`return return ...` overflowed the stack before the guard knew it).
            ("src/return_chain.rs", "return ".repeat(200_000)),
            ("src/break_chain.rs", "break ".repeat(200_000)),
            ("src/cast_chain.rs", format!("1{}", " as u8".repeat(200_000))),
            ("src/index_chain.rs", format!("a{}", "[0]".repeat(300_000))),
            (
                "src/else_if_chain.rs",
                format!("if a {{}}{} {{}}", " else if a {}".repeat(100_000)),
            ),
            (
                "src/deep_paren.rs",
                format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000)),
            ),
            (
                "src/deep_block.rs",
                format!("{}1{}", "{".repeat(20_000), "}".repeat(20_000)),
            ),
            ("src/deep_closure.rs", format!("{}1", "|x| ".repeat(50_000))),
            (
                "src/long_chain.rs",
                vec!["1"; 200_000].join(" + ").to_string(),
            ),
            ("src/unary_chain.rs", format!("{}1", "-".repeat(100_000))),
            ("src/not_chain.rs", format!("{}true", "!".repeat(100_000))),
            // One budget over every level: a `,` does not end generic arguments or closure
            // parameters, and runs at nested levels add up (160 levels of 4,000 terms).
            (
                "src/deep_generic_comma.rs",
                format!(
                    "None::<{}u8{}>",
                    "Result<u8, ".repeat(40_000),
                    ">".repeat(40_000)
                ),
            ),
            ("src/deep_closure_params.rs", format!("{}0", "|a, b| ".repeat(50_000))),
            (
                "src/deep_dyn_fn.rs",
                format!(
                    "None::<{}u8{}>",
                    "Box<dyn Fn() -> ".repeat(40_000),
                    ">".repeat(40_000)
                ),
            ),
            (
                "src/levels_times_terms.rs",
                format!("{}1{}", format!("{}(", "-".repeat(4_000)).repeat(160), ")".repeat(160)),
            ),
        ];
        for (rel, expr) in deep {
            write(&root, rel, format!("{head}{expr};\n}}\n"));
            unchecked.push(rel.to_string());
        }
        // Deep but legal: just inside the guard's limits, these must be parsed and walked without
        // overflowing the stack of a debug build.
        let near: [(&str, String); 8] = [
            (
                "src/near_paren.rs",
                format!("{}1{}", "(".repeat(250), ")".repeat(250)),
            ),
            (
                "src/near_block.rs",
                format!("{}1{}", "{".repeat(250), "}".repeat(250)),
            ),
            ("src/near_closure.rs", format!("{}1", "|x| ".repeat(2_000))),
            ("src/near_unary.rs", format!("{}1", "-".repeat(4_000))),
            ("src/near_chain.rs", vec!["1"; 4_000].join(" + ").to_string()),
            (
                "src/near_generic.rs",
                format!("Vec::<{}u8{}::new()", "Vec<".repeat(1_300), ">".repeat(1_301)),
            ),
            (
                "src/near_generic_comma.rs",
                format!(
                    "None::<{}u8{}>",
                    "Result<u8, ".repeat(1_300),
                    ">".repeat(1_300)
                ),
            ),
            ("src/near_closure_params.rs", format!("{}0", "|a, b| ".repeat(1_500))),
        ];
        for (rel, expr) in near {
            write(&root, rel, format!("{head}{expr};\n}}\n"));
        }
        // 15 MB of ordinary lines with a finding on the last line.
        let mut big = String::from("use jsonwebtoken::dangerous;\n");
        let filler = "// a comment line of filler text to make the file large enough\n";
        let lines = 15 * 1024 * 1024 / filler.len();
        for _ in 0..lines {
            big.push_str(filler);
        }
        big.push_str("pub fn f(t: &str) { let _ = dangerous::insecure_decode::<C>(&t); }\n");
        write(&root, "src/big.rs", big);
        // A 5 MB single line with a finding at its end.
        let mut line = String::from("use jsonwebtoken::dangerous; pub const PAD: &str = \"");
        line.push_str(&"x".repeat(5 * 1024 * 1024));
        line.push_str("\"; pub fn f(t: &str) { let _ = dangerous::insecure_decode::<C>(&t); }\n");
        write(&root, "src/long_line.rs", line);
        // A directory named like a source file, holding a real one.
        write(&root, "src/dir.rs/inner.rs", FINDING);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{PermissionsExt, symlink};
            let src = root.join("src");
            assert!(
                Command::new("mkfifo")
                    .arg(src.join("fifo.rs"))
                    .status()
                    .unwrap()
                    .success()
            );
            unchecked.push("src/fifo.rs".into());
            symlink(".", src.join("loop")).unwrap();
            symlink("loop_b.rs", src.join("loop_a.rs")).unwrap();
            symlink("loop_a.rs", src.join("loop_b.rs")).unwrap();
            symlink("nowhere.rs", src.join("dangling.rs")).unwrap();
            unchecked.extend(["src/loop_a.rs", "src/loop_b.rs", "src/dangling.rs"].map(String::from));
            write(&root, "src/unreadable.rs", FINDING);
            let p = src.join("unreadable.rs");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
            let unreadable_blocks = std::fs::File::open(&p).is_err();
            if unreadable_blocks {
                unchecked.push("src/unreadable.rs".into());
            } else {
                eprintln!(
                    "note: running as root, chmod 000 does not block reads; the unreadable-file assertion is skipped"
                );
            }
            unchecked.sort();
            return Tree {
                root,
                unchecked,
                unreadable_blocks,
            };
        }
        #[allow(unreachable_code)]
        Tree {
            root,
            unchecked,
            unreadable_blocks: false,
        }
    })
}

/// Runs the binary on the tree; fails on a hang or a signal.
fn run(format: &str, extra_env: &[(&str, &str)]) -> (i32, String) {
    let t = tree();
    let mut cmd = Command::new(BIN);
    cmd.current_dir(&t.root)
        .args(["--format", format, "--color", "never", "."])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(DEADLINE) {
        Ok(o) => o.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("cargo-jwtlint --format {format} hung for {DEADLINE:?}");
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal ({:?}); stderr: {stderr}", out.status));
    eprintln!("--format {format}: {:?}", start.elapsed());
    (
        code,
        String::from_utf8(out.stdout).expect("output is UTF-8"),
    )
}

fn json() -> &'static (i32, Value) {
    static J: OnceLock<(i32, Value)> = OnceLock::new();
    J.get_or_init(|| {
        let (code, out) = run("json", &[]);
        (code, serde_json::from_str(&out).expect("valid JSON"))
    })
}

fn findings(v: &Value) -> Vec<&Value> {
    v["findings"].as_array().unwrap().iter().collect()
}

fn find<'a>(v: &'a Value, code: &str, path: &str) -> Option<&'a Value> {
    findings(v)
        .into_iter()
        .find(|f| f["code"] == code && f["path"] == path)
}

#[test]
fn hostile_tree_exits_with_findings_and_without_crashing() {
    let (code, v) = json();
    assert_eq!(*code, 1, "{v:#}");
    assert!(v["summary"]["findings"].as_u64().unwrap() > 10);
}

#[test]
fn real_findings_survive_hostile_neighbours() {
    let (_, v) = json();
    for (code, path) in [
        ("JWT101", "src/real.rs"),
        ("JWT801", "src/real.rs"),
        ("JWT101", "src/dir.rs/inner.rs"),
        ("JWT101", "src/bom_crlf.rs"),
        ("JWT101", "src/cjk.rs"),
        ("JWT101", "src/big.rs"),
        ("JWT101", "src/long_line.rs"),
    ] {
        assert!(find(v, code, path).is_some(), "no {code} in {path}: {v:#}");
    }
    assert!(
        findings(v).iter().all(|f| f["path"] != "src/empty.rs"),
        "an empty file has no findings"
    );
}

#[test]
fn every_unchecked_file_is_a_jwt000_in_json() {
    let (_, v) = json();
    for p in &tree().unchecked {
        assert!(find(v, "JWT000", p).is_some(), "no JWT000 for {p}: {v:#}");
    }
    // Nothing crashed inside a file either.
    assert!(findings(v).iter().all(|f| f["code"] != "JWT001"), "{v:#}");
}

#[test]
fn unreadable_file_is_reported_unless_root() {
    let t = tree();
    let (_, v) = json();
    if t.unreadable_blocks {
        assert!(find(v, "JWT000", "src/unreadable.rs").is_some());
    } else {
        eprintln!("note: skipped (root can read a chmod 000 file); it is linted instead");
        assert!(find(v, "JWT101", "src/unreadable.rs").is_some());
    }
}

#[test]
fn deep_nesting_is_refused_with_a_reason() {
    let (_, v) = json();
    for p in ["src/deep_paren.rs", "src/deep_block.rs"] {
        let m = find(v, "JWT000", p).unwrap()["message"].as_str().unwrap();
        assert!(m.contains("nesting deeper"), "{p}: {m}");
    }
    for p in [
        "src/return_chain.rs",
        "src/break_chain.rs",
        "src/cast_chain.rs",
        "src/index_chain.rs",
        "src/else_if_chain.rs",
        "src/deep_closure.rs",
        "src/long_chain.rs",
        "src/unary_chain.rs",
        "src/not_chain.rs",
        "src/deep_generic_comma.rs",
        "src/deep_closure_params.rs",
        "src/deep_dyn_fn.rs",
        "src/levels_times_terms.rs",
    ] {
        let m = find(v, "JWT000", p).unwrap()["message"].as_str().unwrap();
        assert!(m.contains("operators in a row"), "{p}: {m}");
    }
}

#[test]
fn deep_but_legal_code_is_parsed_without_overflow() {
    let (_, v) = json();
    for p in [
        "src/near_paren.rs",
        "src/near_block.rs",
        "src/near_closure.rs",
        "src/near_unary.rs",
        "src/near_chain.rs",
        "src/near_generic.rs",
        "src/near_generic_comma.rs",
        "src/near_closure_params.rs",
    ] {
        assert!(
            findings(v).iter().all(|f| f["path"] != p),
            "{p} should parse cleanly: {v:#}"
        );
    }
}

#[test]
fn bom_and_crlf_positions_are_right() {
    let (_, v) = json();
    let f = find(v, "JWT101", "src/bom_crlf.rs").unwrap();
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(13))
    );
}

#[test]
fn wide_characters_count_as_utf16_columns() {
    let (_, v) = json();
    // `    /* 認証🔑 */ let _ = ` is 23 UTF-16 units (the emoji is two).
    let f = find(v, "JWT101", "src/cjk.rs").unwrap();
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(24))
    );
}

#[test]
fn huge_files_have_right_positions() {
    let (_, v) = json();
    let f = find(v, "JWT101", "src/big.rs").unwrap();
    let filler = "// a comment line of filler text to make the file large enough\n";
    let lines = 15 * 1024 * 1024 / filler.len();
    assert_eq!(f["line"].as_u64(), Some(lines as u64 + 2));
    let f = find(v, "JWT101", "src/long_line.rs").unwrap();
    assert_eq!(f["line"].as_u64(), Some(1));
    assert!(f["column"].as_u64().unwrap() > 5 * 1024 * 1024);
}

#[test]
fn every_unchecked_file_is_named_in_human_and_github_output() {
    for format in ["human", "github"] {
        let (code, out) = run(format, &[]);
        assert_eq!(code, 1, "{format}");
        for p in &tree().unchecked {
            assert!(out.contains(p.as_str()), "{format}: {p} not named:\n{out}");
        }
        assert!(out.contains("src/real.rs"), "{format}");
    }
}

#[test]
fn every_unchecked_file_is_a_result_in_sarif() {
    let (code, out) = run("sarif", &[]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let uri = |r: &Value| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    for p in &tree().unchecked {
        assert!(
            results
                .iter()
                .any(|r| r["ruleId"] == "JWT000" && uri(r) == *p),
            "no SARIF result for {p}"
        );
    }
}

#[test]
fn a_panic_in_one_file_is_a_jwt001_finding_and_the_run_goes_on() {
    if !cfg!(debug_assertions) {
        eprintln!("note: the panic hook exists in debug builds only; skipped");
        return;
    }
    let (code, out) = run("json", &[("CARGO_JWTLINT_TEST_PANIC", "src/real.rs")]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(find(&v, "JWT001", "src/real.rs").is_some(), "{v:#}");
    assert!(find(&v, "JWT101", "src/bom_crlf.rs").is_some());
}

#[test]
fn the_prefilter_changes_no_finding() {
    let (_, with) = json();
    let (_, out) = run("json", &[("CARGO_JWTLINT_NO_PREFILTER", "1")]);
    let without: Value = serde_json::from_str(&out).unwrap();
    let key = |v: &Value| -> Vec<String> {
        findings(v)
            .iter()
            .map(|f| format!("{} {} {} {}", f["code"], f["path"], f["line"], f["column"]))
            .collect()
    };
    assert_eq!(key(with), key(&without));
}

/// A deferred check needs a const from a file the prefilter skips (it names no rule's word):
/// the const is found by a byte search in the package's skipped files and parsed lazily.
#[test]
fn a_const_in_a_skipped_file_still_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/project/Cargo.toml"),
        root.join("Cargo.toml"),
    )
    .unwrap();
    write(
        root,
        "src/a.rs",
        "use jsonwebtoken::EncodingKey;\nuse crate::keys::SIGNING;\npub fn k() -> EncodingKey { EncodingKey::from_secret(SIGNING) }\n",
    );
    write(
        root,
        "src/keys.rs",
        "pub const SIGNING: &[u8] = b\"hunter2\";\n",
    );
    for no_prefilter in ["0", "1"] {
        let out = Command::new(BIN)
            .current_dir(root)
            .args(["--format", "json", "."])
            .env("CARGO_JWTLINT_NO_PREFILTER", no_prefilter)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let f = find(&v, "JWT801", "src/a.rs")
            .unwrap_or_else(|| panic!("no JWT801 (no_prefilter={no_prefilter}): {v:#}"));
        assert_eq!(f["line"].as_u64(), Some(3));
    }
}
