//! Risky settings that only an explicit opt-in switch reaches (`if cfg.allow_missing_exp`) are
//! notes that name the switch; the same setting behind any other condition keeps its level.

use std::path::Path;
use std::process::Command;

#[test]
fn an_opt_in_branch_is_a_note_that_names_the_switch() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust/JWT202-opt-in-branch");
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"))
        .current_dir(&dir)
        .args(["--select", "JWT202", "--format", "json"])
        .output()
        .expect("run cargo-jwtlint");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let f = v["findings"].as_array().unwrap();
    let text = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1;
    let at = |line: u64| {
        f.iter()
            .find(|d| d["line"].as_u64() == Some(line))
            .unwrap_or_else(|| panic!("no finding on line {line}: {v:#}"))
    };
    let opted = at(line_of("remove(\"exp\")"));
    assert_eq!(opted["level"], "note", "{opted:#}");
    let notes = opted["notes"].to_string();
    assert!(notes.contains("`allow_missing_exp` is set"), "{notes}");
    let lax = at(line_of("validate_exp = false"));
    assert_eq!(lax["level"], "error", "{lax:#}");
    assert_eq!(f.len(), 2, "{v:#}");
}
