//! Large files are parsed item by item (`src/split.rs`): the findings must be those of a
//! whole-file parse. `CARGO_JWTLINT_SPLIT_BYTES` (hidden) moves the size above which a file is
//! split: a huge value parses every file whole, `1` splits every file.

mod common;

use std::fmt::Write as _;
use std::path::Path;

/// A package with one generated file of more than `bytes` bytes: filler items (functions,
/// tables, structs with impls) around JWT code whose findings need facts of other items (an
/// import alias, constants defined from constants, a `lazy_static!`, the signed claims
/// struct, a helper and its caller, test code, suppressions).
fn generated_package(dir: &Path, bytes: usize) {
    common::write(
        &dir.join("Cargo.toml"),
        "[package]\nname = \"big\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\njsonwebtoken = \"=9.3.1\"\nserde = \"1\"\nlazy_static = \"1\"\n",
    );
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let mut s = String::from(
        "#![allow(dead_code)]\n//! Generated.\n\
         use jsonwebtoken::{encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};\n\
         use jsonwebtoken::decode as dec;\nuse serde::{Deserialize, Serialize};\n\n\
         #[derive(Serialize, Deserialize)]\npub struct Claims { pub sub: String }\n\
         const PART: &str = \"generated-hard-coded-secret-value\";\n",
    );
    let mut i = 0;
    let mut placed = 0;
    while s.len() < bytes {
        match i % 100 {
            50 => writeln!(s, "pub struct S{i} {{ a: u64 }}\nimpl S{i} {{ pub fn get(&self) -> u64 {{ self.a * {i} }} }}").unwrap(),
            99 => {
                let row: String = (0..64).map(|k| format!("{}, ", (k * 31 + i) % 997)).collect();
                writeln!(s, "pub static TABLE_{i}: [u64; 64] = [{row}];").unwrap()
            }
            _ => writeln!(s, "pub fn f{i}() -> u64 {{ {i} * 3 }}").unwrap(),
        }
        let third = s.len() * 3 / bytes;
        if third > placed {
            placed = third;
            match third {
                1 => s.push_str(
                    "const SECRET: &str = PART;\n\
                     lazy_static::lazy_static! { static ref LAZY: String = \"lazy-hard-coded-secret-0123456789\".to_string(); }\n\
                     pub fn issue(sub: &str) -> String {\n    let c = Claims { sub: sub.to_string() };\n    \
                     encode(&Header::default(), &c, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()\n}\n\
                     pub fn lazy_key() -> EncodingKey { EncodingKey::from_secret(LAZY.as_bytes()) }\n",
                ),
                2 => s.push_str(
                    "pub fn read(token: &str) -> Claims {\n    let mut v = Validation::new(Algorithm::HS256);\n    \
                     v.validate_exp = false;\n    v.insecure_disable_signature_validation();\n    \
                     dec::<Claims>(token, &DecodingKey::from_secret(b\"k\"), &v).unwrap().claims\n}\n\
                     pub fn caller(token: &str) -> String { read(token).sub }\n\
                     // jwtlint: allow(JWT801) generated on purpose\n\
                     pub fn allowed() -> EncodingKey { EncodingKey::from_secret(b\"allowed-hard-coded-secret-0123\") }\n\
                     // jwtlint: allow(JWT101) nothing here\npub fn nothing() {}\n",
                ),
                _ => {}
            }
        }
        i += 1;
    }
    s.push_str(
        "#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn t() {\n        \
         let _ = EncodingKey::from_secret(b\"test-hard-coded-secret-0123\");\n    }\n}\n",
    );
    common::write(&dir.join("src/lib.rs"), &s);
}

fn report(dir: &Path, split_bytes: &str, path: &str) -> serde_json::Value {
    let o = common::bin()
        .current_dir(dir)
        .env("CARGO_JWTLINT_SPLIT_BYTES", split_bytes)
        .args(["--format", "json", "--test-code", "report", path])
        .output()
        .unwrap();
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_large_file_split_into_items_gives_the_findings_of_a_whole_file_parse() {
    let tmp = tempfile::tempdir().unwrap();
    generated_package(tmp.path(), 1_200_000);
    let split = report(tmp.path(), "1048576", ".");
    let whole = report(tmp.path(), "1000000000", ".");
    assert_eq!(split, whole);
    let got = codes(&split);
    for want in ["JWT801", "JWT202", "JWT101", "JWT002"] {
        assert!(got.iter().any(|c| c == want), "{want} missing: {got:?}");
    }
    // The constant chain, the lazy static, the test code and the suppression all count.
    assert!(
        got.iter().filter(|c| *c == "JWT801").count() >= 3,
        "{got:?}"
    );
    assert_eq!(split["summary"]["suppressed"], 1, "{}", split["summary"]);
}

#[test]
fn every_fixture_split_into_items_gives_the_same_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let split = report(root, "1", "fixtures/rust");
    let whole = report(root, "1000000000", "fixtures/rust");
    assert!(codes(&whole).len() > 50, "{:?}", codes(&whole));
    assert_eq!(split, whole);
}
