//! Parses one Cargo.lock (and scans it for `# jwtlint:` directives).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cargo_jwtlint::lint::lint_lockfile_text("Cargo.lock", text);
    }
});
