//! Scans one text for `jwtlint:` suppression directives, as Rust source and as TOML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cargo_jwtlint::lint::scan_directives("src/lib.rs", text, false);
        let _ = cargo_jwtlint::lint::scan_directives("Cargo.toml", text, true);
    }
});
