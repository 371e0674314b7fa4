//! JWT101 judged by what happens to the token next: in a package that never verifies a token
//! and holds no verification key, an unverified read of the expiry is a client reading its own
//! token and no finding; the same read in a package that verifies tokens elsewhere stays an
//! error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(dir: &Path) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"))
        .current_dir(dir)
        .args([
            "--select",
            "JWT101",
            "--format",
            "json",
            "--fail-on",
            "warning",
        ])
        .output()
        .expect("run cargo-jwtlint");
    serde_json::from_slice(&o.stdout).expect("json")
}

fn client() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cli/token-client")
}

fn marked_line(dir: &Path) -> u64 {
    let text = std::fs::read_to_string(dir.join("src/cache.rs")).unwrap();
    text.lines()
        .position(|l| l.contains("CLIENT-READ"))
        .unwrap() as u64
        + 1
}

#[test]
fn a_client_reading_its_own_token_is_no_finding() {
    let v = run(&client());
    let f = v["findings"].as_array().unwrap();
    assert!(f.is_empty(), "{v:#}");
}

#[test]
fn the_same_read_in_a_package_that_verifies_stays_an_error() {
    let t = tempfile::tempdir().unwrap();
    let copy = |rel: &str| {
        let to = t.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(client().join(rel), to).unwrap();
    };
    for rel in ["Cargo.toml", "src/lib.rs", "src/cache.rs"] {
        copy(rel);
    }
    // The package now accepts tokens from others: it verifies them in another file.
    std::fs::write(
        t.path().join("src/server.rs"),
        "pub fn accept(t: &str, k: &jsonwebtoken::DecodingKey) -> bool {\n    jsonwebtoken::decode::<serde_json::Value>(t, k, &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256)).is_ok()\n}\n",
    )
    .unwrap();
    let lib = std::fs::read_to_string(t.path().join("src/lib.rs")).unwrap();
    std::fs::write(t.path().join("src/lib.rs"), format!("{lib}\nmod server;\n")).unwrap();
    let v = run(t.path());
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["level"], "error");
    assert_eq!(f[0]["line"].as_u64(), Some(marked_line(t.path())));
}
