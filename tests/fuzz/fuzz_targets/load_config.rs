//! Builds a configuration from one `jwtlint.toml` text; errors must be values, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cargo_jwtlint::config::parse_text(std::path::Path::new("jwtlint.toml"), text);
    }
});
