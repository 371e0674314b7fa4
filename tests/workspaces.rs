//! Runs that cover several Cargo workspaces: with no Cargo.toml above the current directory
//! every workspace below it is linted, PATHs in different projects are each analysed as their
//! own workspace, and a nested workspace (a cargo-fuzz `fuzz/` crate) is its own root, with
//! paths relative to where the run started.

mod common;

use std::path::{Path, PathBuf};

use common::{bin, code_path_lines, copy_dir};

/// (code, path, line) of every finding, the exit code, and the JSON document.
fn lint(dir: &Path, args: &[&str]) -> (Vec<(String, String, u64)>, i32, serde_json::Value) {
    let o = bin()
        .current_dir(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (code_path_lines(&v), o.status.code().unwrap(), v)
}

/// The findings of a run inside `dir`, their paths prefixed with `prefix/`.
fn alone(dir: &Path, prefix: &str) -> Vec<(String, String, u64)> {
    let (f, _, _) = lint(dir, &[]);
    f.into_iter()
        .map(|(c, p, l)| (c, format!("{prefix}/{p}"), l))
        .collect()
}

fn sorted(mut v: Vec<(String, String, u64)>) -> Vec<(String, String, u64)> {
    v.sort();
    v
}

/// A folder (no Cargo.toml) holding two copies of the fixture workspace, `rust/` and
/// `tools/ws`, which differ in configuration and lockfile, and a `jwtlint.toml` of its own that
/// no workspace may use.
fn two_workspaces() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let top = t.path().to_path_buf();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/workspace");
    copy_dir(&fixture, &top.join("rust"));
    copy_dir(&fixture, &top.join("tools/ws"));
    // Each workspace's own configuration and lockfile.
    std::fs::write(top.join("rust/jwtlint.toml"), "ignore = [\"JWT401\"]\n").unwrap();
    std::fs::write(
        top.join("tools/ws/Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"jsonwebtoken\"\nversion = \"10.3.0\"\n",
    )
    .unwrap();
    // The folder's own config, which today's fallback applied to every path: it must not count.
    std::fs::write(
        top.join("jwtlint.toml"),
        "ignore = [\"JWT101\", \"JWT201\"]\n",
    )
    .unwrap();
    (t, top)
}

#[test]
fn with_no_cargo_toml_above_every_workspace_below_is_linted_on_its_own() {
    let (_t, top) = two_workspaces();
    let (found, code, v) = lint(&top, &[]);
    assert_eq!(code, 1, "{v}");
    let expected = sorted(
        [
            alone(&top.join("rust"), "rust"),
            alone(&top.join("tools/ws"), "tools/ws"),
        ]
        .concat(),
    );
    assert_eq!(sorted(found.clone()), expected);
    // Each workspace's own settings and lockfile held, the folder's config did not.
    let has = |code: &str, path: &str| found.iter().any(|f| f.0 == code && f.1 == path);
    assert!(!has("JWT401", "rust/web/src/lib.rs"), "{found:?}");
    assert!(has("JWT401", "tools/ws/web/src/lib.rs"), "{found:?}");
    // One missing-lockfile finding per workspace, at its root manifest.
    assert!(has("JWT015", "rust/Cargo.toml"), "{found:?}");
    assert!(!has("JWT015", "rust/worker/Cargo.toml"), "{found:?}");
    assert!(!has("JWT015", "tools/ws/Cargo.toml"), "{found:?}");
    assert!(has("JWT101", "rust/api/src/lib.rs"), "{found:?}");
    // The same from a folder above it, and with the folder given as a PATH.
    let (from_above, _, _) = lint(top.parent().unwrap(), &[top.to_str().unwrap()]);
    let name = top.file_name().unwrap().to_str().unwrap();
    let stripped: Vec<_> = from_above
        .into_iter()
        .map(|(c, p, l)| {
            (
                c,
                p.strip_prefix(&format!("{name}/")).unwrap().to_string(),
                l,
            )
        })
        .collect();
    assert_eq!(sorted(stripped), expected);
    let (dot, _, _) = lint(&top, &["."]);
    assert_eq!(sorted(dot), expected);
}

#[test]
fn a_folder_without_any_cargo_project_is_still_a_usage_error() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("notes.txt"), "x").unwrap();
    let o = bin().current_dir(t.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no Cargo.toml"));
}

#[test]
fn paths_in_several_projects_are_each_analysed_as_their_own_workspace() {
    let (_t, top) = two_workspaces();
    let args = ["rust/api/src/lib.rs", "tools/ws/worker", "tools/ws/web/src"];
    let (found, code, _) = lint(&top, &args);
    assert_eq!(code, 1);
    let expected: Vec<_> = [
        alone(&top.join("rust"), "rust"),
        alone(&top.join("tools/ws"), "tools/ws"),
    ]
    .concat()
    .into_iter()
    .filter(|f| {
        f.1 == "rust/api/src/lib.rs"
            || f.1.starts_with("tools/ws/worker/")
            || f.1.starts_with("tools/ws/web/src/")
    })
    .collect();
    assert!(expected.iter().any(|f| f.0 == "JWT101"), "{expected:?}");
    assert_eq!(sorted(found), sorted(expected));
    // Each given path, run alone from inside its workspace, gives the same findings.
    let (one, _, _) = lint(&top.join("rust"), &["api/src/lib.rs"]);
    assert_eq!(one.len(), 4, "{one:?}");
}

/// A package with an insecure decode in `src/lib.rs` and a cargo-fuzz crate in `fuzz/` (its
/// own `[workspace]`, its own lockfile) holding one too.
fn with_fuzz() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().to_path_buf();
    let insecure =
        "pub fn f(t: &str) {\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);\n}\n";
    let manifest = |name: &str, extra: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = {{ version = \"10.3\", features = [\"rust_crypto\"] }}\n{extra}"
        )
    };
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("fuzz/fuzz_targets")).unwrap();
    std::fs::write(root.join("Cargo.toml"), manifest("app", "")).unwrap();
    std::fs::write(root.join("src/lib.rs"), insecure).unwrap();
    std::fs::write(
        root.join("fuzz/Cargo.toml"),
        manifest(
            "app-fuzz",
            "\n[package.metadata]\ncargo-fuzz = true\n\n[workspace]\n\n[[bin]]\nname = \"t\"\npath = \"fuzz_targets/t.rs\"\n",
        ),
    )
    .unwrap();
    std::fs::write(root.join("fuzz/fuzz_targets/t.rs"), insecure).unwrap();
    std::fs::write(
        root.join("fuzz/.gitignore"),
        "target\ncorpus\nartifacts\ncoverage\n",
    )
    .unwrap();
    // The outer project's rule levels; the fuzz workspace has no configuration of its own.
    std::fs::write(
        root.join("jwtlint.toml"),
        "[rules.JWT101]\nlevel = \"note\"\n",
    )
    .unwrap();
    (t, root)
}

#[test]
fn a_nested_fuzz_workspace_is_linted_as_its_own_root() {
    let (_t, root) = with_fuzz();
    let (found, _, v) = lint(&root, &[]);
    let fuzz_alone = alone(&root.join("fuzz"), "fuzz");
    // Its own root: linted alone it reads no configuration, and so in the run from the root.
    let level = |path: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["level"].as_str().unwrap().to_string())
    };
    assert_eq!(level("src/lib.rs").as_deref(), Some("note"), "{v}");
    assert_eq!(
        level("fuzz/fuzz_targets/t.rs").as_deref(),
        Some("error"),
        "{v}"
    );
    assert!(fuzz_alone.iter().any(|f| f.0 == "JWT101"), "{fuzz_alone:?}");
    // Its findings are in the run from the root, exactly as when it is linted alone...
    let in_fuzz: Vec<_> = found
        .iter()
        .filter(|f| f.1.starts_with("fuzz/"))
        .cloned()
        .collect();
    assert_eq!(sorted(in_fuzz), sorted(fuzz_alone));
    // ... and the outer package's findings are those of the outer package alone.
    assert!(found.iter().any(|f| f.0 == "JWT101" && f.1 == "src/lib.rs"));
    // Not silently dropped by an ignore file a pull request adds.
    std::fs::write(root.join(".ignore"), "fuzz/\n").unwrap();
    let (hidden, _, _) = lint(&root, &[]);
    assert!(
        !hidden.iter().any(|f| f.1.starts_with("fuzz/")),
        "outside git an ignore file decides, as for any folder"
    );
    std::fs::remove_file(root.join(".ignore")).unwrap();
    // The enclosing project's configuration decides whether it is linted.
    std::fs::write(root.join("jwtlint.toml"), "exclude = [\"fuzz\"]\n").unwrap();
    std::fs::write(root.join("fuzz/jwtlint.toml"), "exclude = []\n").unwrap();
    let (excluded, _, _) = lint(&root, &[]);
    assert!(
        !excluded.iter().any(|f| f.1.starts_with("fuzz/")),
        "{excluded:?}"
    );
    // A file of it, named from the root, is linted in its own workspace.
    let (one, _, _) = lint(&root, &["fuzz/fuzz_targets/t.rs"]);
    assert_eq!(
        one,
        [("JWT101".to_string(), "fuzz_targets/t.rs".to_string(), 2)]
    );
}

/// Cargo makes a path dependency of the workspace root a member even when `members` does not
/// list it: it is linted in the root's workspace, not as a workspace of its own.
#[test]
fn a_path_dependency_of_the_root_is_a_member_of_its_workspace() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("lib/src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[workspace.dependencies]\njsonwebtoken = { version = \"10.3\", features = [\"rust_crypto\"] }\n\n[dependencies]\nlib = { path = \"./lib\" }\n",
    )
    .unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub fn ok() {}\n").unwrap();
    std::fs::write(
        root.join("lib/Cargo.toml"),
        "[package]\nname = \"lib\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { workspace = true }\n",
    )
    .unwrap();
    std::fs::write(
        root.join("lib/src/lib.rs"),
        "pub fn f(t: &str) {\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);\n}\n",
    )
    .unwrap();
    let (whole, _, _) = lint(root, &[]);
    let (one, _, _) = lint(&root.join("lib"), &["src/lib.rs"]);
    assert!(whole.iter().any(|f| f.1 == "lib/src/lib.rs"), "{whole:?}");
    let in_lib: Vec<_> = whole
        .into_iter()
        .filter(|f| f.1 == "lib/src/lib.rs")
        .collect();
    assert_eq!(one, in_lib);
}
