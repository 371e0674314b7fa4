//! JWT101 on reads that can identify no one (every decode of the file reads a claims type made
//! only of time claims: no finding), and one finding, not three, for a switched-off check with
//! the empty placeholder key the API asks for. Expected levels are marked in the fixture's
//! lines; an unmarked line must have no finding.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/cli/time-claims"
    ))
}

/// (file, line) -> levels, as the findings say.
fn found() -> BTreeMap<(String, u64), Vec<String>> {
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"))
        .current_dir(fixture())
        .args(["--select", "JWT101,JWT801", "--format", "json"])
        .output()
        .expect("run cargo-jwtlint");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut out: BTreeMap<(String, u64), Vec<String>> = BTreeMap::new();
    for f in v["findings"].as_array().unwrap() {
        let key = (
            f["path"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
        );
        out.entry(key)
            .or_default()
            .push(f["level"].as_str().unwrap().to_string());
    }
    for levels in out.values_mut() {
        levels.sort();
    }
    out
}

/// (file, line) -> levels, from the `// NOTE` / `// ERROR` marks.
fn expected() -> BTreeMap<(String, u64), Vec<String>> {
    let mut out = BTreeMap::new();
    for file in ["src/refresh.rs", "src/identity.rs", "src/stray_key.rs"] {
        let text = std::fs::read_to_string(fixture().join(file)).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some((_, marks)) = line.split_once("; // ") else {
                continue;
            };
            let mut levels: Vec<String> =
                marks.split_whitespace().map(|m| m.to_lowercase()).collect();
            levels.sort();
            out.insert((file.to_string(), i as u64 + 1), levels);
        }
    }
    out
}

#[test]
fn time_only_reads_are_no_finding_and_placeholder_keys_are_not_reported_twice() {
    let expected = expected();
    assert_eq!(expected.len(), 2, "the fixture's marks");
    assert_eq!(found(), expected);
}
