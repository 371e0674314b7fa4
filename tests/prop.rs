//! Property tests: random token soups, truncations and mutations of fixture files never panic
//! and always produce a report. Also replays the regression inputs found by fuzzing
//! (`fixtures/bad/fuzz/`).

use std::path::Path;

use cargo_jwtlint::lint::{self, LintRequest};
use proptest::prelude::*;

/// Runs `f` on a thread with the linter's stack size (deep but legal nesting needs room).
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|_| panic!("the linter panicked"))
}

fn lint_text(text: String) -> usize {
    big_stack(move || lint::lint_source_text("src/prop.rs", &text).len())
}

/// Rust tokens, rule words from the catalogue's tables and hostile pieces.
const VOCAB: &[&str] = &[
    "fn",
    "f",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "::",
    ":",
    ";",
    ",",
    ".",
    "=",
    "==",
    "=>",
    "->",
    "+",
    "-",
    "*",
    "/",
    "!",
    "&",
    "|",
    "||",
    "?",
    "#",
    "'a",
    "\"s\"",
    "b\"secret\"",
    "r#\"x\"#",
    "1",
    "60",
    "86400",
    "1e9",
    "let",
    "const",
    "static",
    "struct",
    "impl",
    "use",
    "mod",
    "match",
    "if",
    "else",
    "return",
    "move",
    "async",
    "await",
    "unsafe",
    "where",
    "as",
    "self",
    "Self",
    "crate",
    "super",
    "jsonwebtoken",
    "jwt",
    "dangerous",
    "insecure_decode",
    "EncodingKey",
    "DecodingKey",
    "from_secret",
    "Validation",
    "new",
    "decode_header",
    "alg",
    "algorithms",
    "exp",
    "key",
    "secret",
    "local_storage",
    "set_item",
    "set",
    "set_cookie",
    "Duration",
    "days",
    "from_secs",
    "format!",
    "vec!",
    "lazy_static!",
    "macro_rules!",
    "// jwtlint: allow(JWT101) r",
    "/* c */",
    "/*",
    "\"",
    "'",
    "\u{feff}",
    "\r\n",
    "\n",
    " ",
    "認証",
    "🔑",
    "\0",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCAB), 0..400).prop_map(|v| v.join(" "))
}

fn fixture_texts() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["fixtures/bad/project/src", "fixtures/rust", "src/detect"] {
        let d = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                out.push(t);
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn token_soups_never_panic(text in soup()) {
        lint_text(text);
    }

    #[test]
    fn truncated_fixtures_never_panic(which in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let texts = fixture_texts();
        prop_assume!(!texts.is_empty());
        let t = which.get(&texts);
        let mut at = cut.index(t.len() + 1);
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        lint_text(t[..at].to_string());
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(VOCAB)), 1..8),
    ) {
        let texts = fixture_texts();
        prop_assume!(!texts.is_empty());
        let mut t = which.get(&texts).clone();
        for (at, piece) in edits {
            let mut i = at.index(t.len() + 1);
            while !t.is_char_boundary(i) {
                i -= 1;
            }
            t.insert_str(i, piece);
        }
        lint_text(t);
    }

    #[test]
    fn manifests_never_panic(text in "[\\[\\]a-z=\"{}.,0-9 \n-]{0,200}") {
        let _ = lint::lint_manifest_text("Cargo.toml", &text);
    }
}

/// Every input fuzzing found lints without a panic (regression inputs).
#[test]
fn fuzz_regressions_lint_without_panic() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/fuzz");
    for e in std::fs::read_dir(d).unwrap().flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if ext != "rs" && ext != "toml" {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if ext == "toml" {
            let _ = lint::lint_manifest_text("Cargo.toml", &text);
        } else {
            lint_text(text);
        }
    }
}

/// The whole pipeline on a directory of soups always produces a report that counts the files.
#[test]
fn the_pipeline_always_produces_a_report() {
    let runner_cfg = ProptestConfig {
        cases: 20,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(runner_cfg);
    runner
        .run(&prop::collection::vec(soup(), 1..4), |soups| {
            let dir = tempfile::tempdir().unwrap();
            for (i, s) in soups.iter().enumerate() {
                std::fs::write(dir.path().join(format!("f{i}.rs")), s).unwrap();
            }
            let root = dir.path().to_path_buf();
            let n = soups.len();
            let report = big_stack(move || {
                lint::run(&LintRequest {
                    root: root.clone(),
                    paths: vec![root],
                    config: Default::default(),
                    advisory_db: None,
                    today: cargo_jwtlint::suppress::today().unwrap(),
                    nested: Vec::new(),
                    all_test_code: false,
                })
                .files_scanned
            });
            prop_assert_eq!(report, n);
            Ok(())
        })
        .unwrap();
}
