//! Parses one Cargo.toml.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cargo_jwtlint::lint::lint_manifest_text("Cargo.toml", text);
    }
});
