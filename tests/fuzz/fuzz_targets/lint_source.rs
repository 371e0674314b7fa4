//! Lints one Rust source file (any bytes; non-UTF-8 input is skipped like the linter does).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // The linter parses on threads with a 256 MB stack; do the same.
        let text = text.to_string();
        std::thread::Builder::new()
            .stack_size(256 * 1024 * 1024)
            .spawn(move || cargo_jwtlint::lint::lint_source_text("src/fuzz.rs", &text))
            .unwrap()
            .join()
            .unwrap();
    }
});
