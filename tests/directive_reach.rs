//! What a `// jwtlint: allow(..)` directive alone on its line covers comes from the syntax
//! tree: the whole statement, item or expression below it, however its lines end.

mod common;

use common::{code_lines as codes, report};

const MANIFEST: &str = "[package]\nname = \"r\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"10.3\", features = [\"rust_crypto\"] }\n";

/// Each case: a directive, then a construct whose finding is on a line the old line-ending
/// rule did not reach.
const CASES: &str = r#"pub fn wrap<A, B>(a: A, _b: B) -> A { a }

/// A multi-line statement ending in `)` (a tail expression, no `;`).
pub fn tail(t: &str) -> u8 {
    // jwtlint: allow(JWT101) reason one
    wrap(
        1,
        jsonwebtoken::dangerous::insecure_decode::<u8>(t),
    )
}

/// A method chain over many lines, with a closure.
pub fn chain(t: Option<&str>) {
    // jwtlint: allow(JWT101) reason two
    let _c = t
        .map(|t| {
            jsonwebtoken::dangerous::insecure_decode::<u8>(t)
        })
        .is_some();
}

// jwtlint: allow(JWT101) reason three
#[inline]
#[allow(dead_code)]
/// An item with attributes and docs between it and the directive.
pub fn attributed(t: &str) {
    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);
}
"#;

/// A directive before a closing brace covers that line only, not the next item.
const AT_BLOCK_END: &str = r#"pub fn a() {
    let _x = 1;
    // jwtlint: allow(JWT101) nothing here
}
pub fn b(t: &str) {
    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);
}
"#;

fn lint(lib: &str) -> serde_json::Value {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("src")).unwrap();
    std::fs::write(t.path().join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::write(t.path().join("src/lib.rs"), lib).unwrap();
    report(t.path(), &[])
}

#[test]
fn a_directive_covers_the_whole_statement_or_item_below_it() {
    // Without the directives: three findings, on lines past each directive's first line.
    let bare: String = CASES
        .lines()
        .filter(|l| !l.contains("jwtlint:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let v = lint(&bare);
    assert_eq!(
        codes(&v).iter().filter(|c| c.0 == "JWT101").count(),
        3,
        "{v}"
    );
    let v = lint(CASES);
    assert_eq!(codes(&v), [], "{v}");
    assert_eq!(v["summary"]["suppressed"], 3, "{v}");
}

#[test]
fn a_directive_before_a_closing_brace_does_not_reach_the_next_item() {
    let v = lint(AT_BLOCK_END);
    assert_eq!(
        codes(&v),
        [("JWT002".to_string(), 3), ("JWT101".to_string(), 6)],
        "{v}"
    );
}
