//! In a git work tree the files checked are the tracked files plus the untracked ones no ignore
//! rule matches: a `.gitignore` or `.ignore` added by a pull request cannot hide a committed file.
//! (The test spawns `git` to build the repository; the linter reads the index itself.)

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-jwtlint");
const MANIFEST: &str = "[package]\nname = \"g\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"10.3\", features = [\"rust_crypto\"] }\n";
const INSECURE: &str =
    "pub fn f(t: &str) {\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);\n}\n";

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(st.status.success(), "git {args:?}: {st:?}");
}

/// (code, path, line) of every finding, from a JSON run.
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, String, u64)> {
    let o = Command::new(BIN)
        .current_dir(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
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

#[test]
fn ignore_files_do_not_hide_tracked_files() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir_all(root.join("src/deep")).unwrap();
    std::fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(root.join("src/lib.rs"), INSECURE).unwrap();
    std::fs::write(root.join("src/deep/x.rs"), INSECURE).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "init"]);
    let before = findings(root, &[]);
    assert!(before.iter().any(|f| f.1 == "src/lib.rs"), "{before:?}");
    assert!(before.iter().any(|f| f.1 == "src/deep/x.rs"), "{before:?}");
    // The pull request: ignore entries for the tracked files, committed.
    std::fs::write(root.join(".gitignore"), "src/lib.rs\nsrc/deep/\n").unwrap();
    std::fs::write(root.join(".ignore"), "*.rs\n").unwrap();
    git(root, &["add", "-f", ".gitignore", ".ignore"]);
    git(root, &["commit", "-qm", "hide"]);
    for args in [&[][..], &["."][..], &["src"][..]] {
        assert_eq!(findings(root, args), before, "{args:?}");
    }
    // An untracked file an ignore rule matches is still skipped (as outside git).
    std::fs::write(root.join("src/untracked.rs"), INSECURE).unwrap();
    let after = findings(root, &[]);
    assert!(
        !after.iter().any(|f| f.1 == "src/untracked.rs"),
        "{after:?}"
    );
}
