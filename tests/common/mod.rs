//! Helpers shared by the adoption tests (baseline, suppressions, diff base, add-allow): the
//! binary, fixture copies in a temporary directory, and the findings of a JSON report.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary with colour off and a fixed date for `until=` suppressions.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"));
    c.env_remove("CARGO_TERM_COLOR")
        .env("NO_COLOR", "1")
        .env("JWTLINT_TODAY", "2026-06-15");
    c
}

/// Copies `fixtures/adoption/<name>` into a fresh temporary directory; returns the directory
/// (keep it alive) and the copy's path.
pub fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/adoption")
        .join(name);
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join(name);
    copy_dir(&src, &dst);
    (tmp, dst)
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

/// Runs with `--format json`; returns (code, line) of each finding and the exit code.
pub fn lint(dir: &Path, args: &[&str]) -> (Vec<(String, u64)>, i32, String) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = run(dir, &all);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&o.stdout)
        )
    });
    (code_lines(&v), o.status.code().unwrap(), stderr)
}

/// (code, path, line) of each finding of a JSON report.
pub fn code_path_lines(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("code"), s("path"), f["line"].as_u64().unwrap())
        })
        .collect()
}

/// (code, line) of each finding of a JSON report.
pub fn code_lines(v: &serde_json::Value) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The whole JSON report.
pub fn report(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = run(dir, &all);
    serde_json::from_slice(&o.stdout).unwrap()
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

pub fn write(p: &Path, s: &str) {
    std::fs::write(p, s).unwrap()
}

/// The 1-based line of the first line containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

/// A new hard-coded secret, to append at the end of a file.
pub const NEW_SECRET: &str = "\npub fn other_key() -> EncodingKey {\n    EncodingKey::from_secret(b\"another-hard-coded-secret-long-enough-22\")\n}\n";
