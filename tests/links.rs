//! Symlinks and special files in the linted tree, through the built binary: a link out of the
//! tree (to `/proc/self/environ`, to a secret file elsewhere) is a JWT000 naming the link and
//! nothing of the target is printed in any format; a link inside the tree is linted; FIFOs are
//! never waited on, wherever they are (a source file, `./Cargo.toml` in PATH mode).
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-jwtlint");
/// Far above what a run takes: reaching it means a hang.
const DEADLINE: Duration = Duration::from_secs(60);
/// In the environment of the run (so in `/proc/self/environ`) and in the file outside the tree.
const ENV_MARKER: &str = "ENV_MARKER_7c1d0b5e";
const FILE_MARKER: &str = "FILE_MARKER_93af42d1";
const MANIFEST: &str = "[package]\nname = \"links\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"10.3\", features = [\"rust_crypto\"] }\n";
const REAL: &str =
    "pub fn peek(t: &str) { let _ = jsonwebtoken::dangerous::insecure_decode::<C>(t); }\n";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Runs the binary; fails on a hang.
fn run(dir: &Path, args: &[&str]) -> Output {
    let child = Command::new(BIN)
        .current_dir(dir)
        .env(ENV_MARKER, ENV_MARKER)
        .env_remove("CARGO_TERM_COLOR")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(o) => o.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("cargo-jwtlint {args:?} hung for {DEADLINE:?}");
        }
    }
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn find<'a>(v: &'a serde_json::Value, code: &str, path: &str) -> Option<&'a serde_json::Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code && f["path"] == path)
}

/// A project whose `src/env.rs`, `src/outside.rs` and `Cargo.lock` link out of the tree, next to
/// a file with a real finding. The second directory holds the outside file.
fn linked_out() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", MANIFEST);
    write(root, "src/real.rs", REAL);
    // Would be a finding (and a snippet) if it were read.
    let secret = format!(
        "pub fn k() -> jsonwebtoken::EncodingKey {{ jsonwebtoken::EncodingKey::from_secret(b\"{FILE_MARKER}\") }}\n"
    );
    write(outside.path(), "secret.rs", &secret);
    write(
        outside.path(),
        "Cargo.lock",
        &format!("# {FILE_MARKER}\nversion = 3\n"),
    );
    symlink("/proc/self/environ", root.join("src/env.rs")).unwrap();
    symlink(
        outside.path().join("secret.rs"),
        root.join("src/outside.rs"),
    )
    .unwrap();
    symlink(outside.path().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    (dir, outside)
}

#[test]
fn links_out_of_the_tree_are_named_and_never_read_in_any_format() {
    let (dir, _outside) = linked_out();
    let linked = ["src/env.rs", "src/outside.rs", "Cargo.lock"];
    for mode in [
        &[][..],
        &["."][..],
        &["src/env.rs", "src/outside.rs", "src/real.rs", "Cargo.lock"][..],
    ] {
        for format in ["human", "json", "sarif", "github"] {
            let mut args = vec!["--format", format, "--color", "never"];
            args.extend(mode);
            let o = run(dir.path(), &args);
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(o.status.code(), Some(1), "{args:?}: {all}");
            for marker in [ENV_MARKER, FILE_MARKER] {
                assert!(!all.contains(marker), "{args:?} printed {marker}:\n{all}");
            }
            for p in linked {
                assert!(all.contains(p), "{args:?}: {p} not named:\n{all}");
            }
            assert!(all.contains("src/real.rs"), "{args:?}: {all}");
        }
        let mut args = vec!["--format", "json"];
        args.extend(mode);
        let v = json(&run(dir.path(), &args));
        for p in linked {
            let f = find(&v, "JWT000", p)
                .unwrap_or_else(|| panic!("{mode:?}: no JWT000 for {p}: {v:#}"));
            let m = f["message"].as_str().unwrap();
            assert!(
                m.contains("symlink points outside the project root, not read"),
                "{m}"
            );
        }
        assert!(
            find(&v, "JWT101", "src/real.rs").is_some(),
            "{mode:?}: {v:#}"
        );
    }
}

#[test]
fn links_inside_the_tree_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", MANIFEST);
    write(root, "shared/real.rs", REAL);
    std::fs::create_dir_all(root.join("src")).unwrap();
    symlink("../shared/real.rs", root.join("src/alias.rs")).unwrap();
    for args in [
        &["--format", "json"][..],
        &["--format", "json", "src/alias.rs"][..],
    ] {
        let o = run(root, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let v = json(&o);
        assert!(
            find(&v, "JWT101", "src/alias.rs").is_some(),
            "{args:?}: {v:#}"
        );
        assert!(
            find(&v, "JWT000", "src/alias.rs").is_none(),
            "{args:?}: {v:#}"
        );
    }
}

fn mkfifo(p: &Path) {
    assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
}

#[test]
fn fifos_are_named_and_never_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/real.rs", REAL);
    mkfifo(&root.join("src/x.rs"));
    // PATH mode with a FIFO as `./Cargo.toml`: the configuration lookup reads it too.
    mkfifo(&root.join("Cargo.toml"));
    for args in [
        &["--format", "json", "."][..],
        &["--format", "json", "src/x.rs", "src/real.rs"][..],
    ] {
        let o = run(root, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {o:?}");
        let v = json(&o);
        assert!(find(&v, "JWT000", "src/x.rs").is_some(), "{args:?}: {v:#}");
        assert!(
            find(&v, "JWT101", "src/real.rs").is_some(),
            "{args:?}: {v:#}"
        );
    }
    let v = json(&run(root, &["--format", "json", "."]));
    assert!(find(&v, "JWT000", "Cargo.toml").is_some(), "{v:#}");
}
