//! In a git work tree the files checked are the tracked files plus the untracked ones no ignore
//! rule matches: a `.gitignore` or `.ignore` added by a pull request cannot hide a committed file.
//! (The test spawns `git` to build the repository; the linter reads the index itself.)

mod common;

use std::path::Path;
use std::process::Command;

use common::code_path_lines;

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
    code_path_lines(&v)
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

#[test]
fn tracked_files_under_hidden_folders_are_checked() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn ok() {}\n").unwrap();
    let hidden = [
        ".hidden/src/lib.rs",
        ".github/scripts/gen.rs",
        ".cargo/helper.rs",
    ];
    for h in hidden {
        std::fs::create_dir_all(root.join(h).parent().unwrap()).unwrap();
        std::fs::write(root.join(h), INSECURE).unwrap();
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "init"]);
    // An untracked file in a hidden folder is skipped, as outside git.
    std::fs::create_dir_all(root.join(".untracked")).unwrap();
    std::fs::write(root.join(".untracked/x.rs"), INSECURE).unwrap();
    for args in [&[][..], &["."][..]] {
        let paths: Vec<String> = findings(root, args).into_iter().map(|f| f.1).collect();
        let mut want: Vec<String> = hidden.iter().map(|h| h.to_string()).collect();
        want.sort();
        assert_eq!(paths, want, "{args:?}");
    }
}

#[test]
fn a_committed_fuzz_workspace_is_checked_even_when_an_ignore_file_names_it() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("fuzz/fuzz_targets")).unwrap();
    std::fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn ok() {}\n").unwrap();
    let fuzz = MANIFEST.replace("name = \"g\"", "name = \"g-fuzz\"")
        + "\n[workspace]\n\n[[bin]]\nname = \"t\"\npath = \"fuzz_targets/t.rs\"\n";
    std::fs::write(root.join("fuzz/Cargo.toml"), fuzz).unwrap();
    std::fs::write(root.join("fuzz/fuzz_targets/t.rs"), INSECURE).unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "init"]);
    let before = findings(root, &[]);
    assert!(
        before
            .iter()
            .any(|f| f.0 == "JWT101" && f.1 == "fuzz/fuzz_targets/t.rs"),
        "{before:?}"
    );
    std::fs::write(root.join(".gitignore"), "fuzz/\n").unwrap();
    std::fs::write(root.join(".ignore"), "fuzz\n").unwrap();
    git(root, &["add", "-f", ".gitignore", ".ignore"]);
    git(root, &["commit", "-qm", "hide"]);
    assert_eq!(findings(root, &[]), before);
}
