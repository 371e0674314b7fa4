//! The linter opens no network connection and writes nothing into the tree it checks (except
//! the `--output` file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-jwtlint");

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bad/project");
    for rel in ["Cargo.toml", "src/real.rs", "src/bom_crlf.rs", "src/cjk.rs"] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixtures.join(rel), to).unwrap();
    }
    dir
}

/// Every path under `root` with its length and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            out.insert(e.path(), (m.len(), m.modified().unwrap()));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

#[test]
fn writes_nothing_into_the_linted_tree_except_output() {
    let dir = project();
    let before = snapshot(dir.path());
    for format in ["human", "json", "sarif", "github"] {
        let st = Command::new(BIN)
            .current_dir(dir.path())
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(st.status.code(), Some(1), "{format}");
    }
    // Workspace mode (no PATH) too.
    let st = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--format", "json", "--output", "report.json"])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1));
    let mut after = snapshot(dir.path());
    assert!(after.remove(&dir.path().join("report.json")).is_some());
    assert_eq!(before, after, "the linter changed the tree");
}

/// `unshare -n` runs the binary in a network namespace with no interfaces (root only); the run
/// must succeed exactly as with a network.
#[test]
fn runs_without_network() {
    let dir = project();
    let probe = Command::new("unshare").args(["-n", "true"]).status();
    if !matches!(probe, Ok(s) if s.success()) {
        eprintln!(
            "note: `unshare -n` is not available here (needs root or user namespaces); skipped"
        );
        return;
    }
    let with = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    let without = Command::new("unshare")
        .arg("-n")
        .arg(BIN)
        .current_dir(dir.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(
        without.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&without.stderr)
    );
    assert_eq!(with.stdout, without.stdout);
}

/// Under an address-space limit the parser threads (256 MiB stacks) cannot start: the run is
/// refused with the reason (exit 2), never parsed on small stacks.
#[cfg(unix)]
#[test]
fn without_room_for_the_parser_stacks_the_run_is_refused_with_the_reason() {
    let dir = project();
    let o = Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -v 150000 && exec \"$0\" jwtlint --format json")
        .arg(BIN)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot start the parser threads"), "{err}");
    assert!(err.contains("ulimit -v"), "{err}");
    assert!(o.stdout.is_empty(), "no partial report");
}
