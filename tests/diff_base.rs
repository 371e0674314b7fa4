//! `--diff-base REF`: only the findings on lines added or changed since REF, in a git
//! repository the test builds with the git CLI (the linter itself reads it with gix).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(o.status.success(), "git {args:?}: {o:?}");
}

fn commit_all(dir: &Path, msg: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
}

#[test]
fn only_findings_on_changed_lines_are_reported() {
    let (_t, dir) = copy_fixture("svc");
    git(&dir, &["init", "-q", "-b", "main"]);
    commit_all(&dir, "first");
    // Second commit: a new secret appended, the old secret's line untouched, lines inserted
    // above everything, and a new file with its own finding.
    let lib = dir.join("src/lib.rs");
    let text = format!("// header\n\n{}{NEW_SECRET}", read(&lib));
    write(&lib, &text);
    write(
        &dir.join("src/extra.rs"),
        "pub fn k() -> jsonwebtoken::DecodingKey {\n    jsonwebtoken::DecodingKey::from_secret(b\"yet-another-hard-coded-secret-long-enough\")\n}\n",
    );
    write(&lib, &format!("pub mod extra;\n{}", read(&lib)));
    commit_all(&dir, "second");
    let (all, _, _) = lint(&dir, &[]);
    assert_eq!(all.len(), 4, "{all:?}");
    let (got, code, stderr) = lint(&dir, &["--diff-base", "HEAD~1"]);
    let lib_text = read(&lib);
    assert_eq!(
        got,
        [
            ("JWT801".to_string(), 2),
            (
                "JWT801".to_string(),
                line_of(&lib_text, "another-hard-coded")
            ),
        ],
        "{stderr}"
    );
    assert_eq!(code, 1);
    // Against HEAD nothing changed: nothing is reported.
    let (got, code, _) = lint(&dir, &["--diff-base", "HEAD"]);
    assert_eq!((got, code), (vec![], 0));
    // Work-tree edits count: a changed line brings its finding back.
    let edited = lib_text.replace(
        "insecure_decode::<Claims>(token)",
        "insecure_decode::<Claims>(token.trim())",
    );
    write(&lib, &edited);
    let (got, _, _) = lint(&dir, &["--diff-base", "HEAD"]);
    assert_eq!(
        got,
        [("JWT101".to_string(), line_of(&edited, "insecure_decode"))]
    );
    // Paths in a sub-directory of the repository map to the tree's paths.
    let (got, _, _) = lint(&dir.join("src"), &["--diff-base", "HEAD", "lib.rs"]);
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn a_project_below_the_work_tree_root_is_compared_at_its_own_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (_t, svc) = copy_fixture("svc");
    let dir = tmp.path().join("services/svc");
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::fs::rename(&svc, &dir).unwrap();
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    commit_all(tmp.path(), "first");
    let lib = dir.join("src/lib.rs");
    write(&lib, &(read(&lib) + NEW_SECRET));
    let (got, _, stderr) = lint(&dir, &["--diff-base", "main"]);
    assert_eq!(got.len(), 1, "{got:?} {stderr}");
}

#[test]
fn a_bad_revision_or_no_repository_is_a_usage_error() {
    let (_t, dir) = copy_fixture("svc");
    let o = run(&dir, &["--diff-base", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(2), "not a repository: {o:?}");
    git(&dir, &["init", "-q", "-b", "main"]);
    commit_all(&dir, "only");
    let o = run(&dir, &["--diff-base", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(2), "no parent commit: {o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--diff-base"));
    let o = run(&dir, &["--diff-base", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
}
