//! `--add-allow "REASON"`: a directive above each finding, indented like it, idempotent.

mod common;

use common::*;

#[test]
fn directives_are_added_above_each_finding_once() {
    let (_t, dir) = copy_fixture("svc");
    let lib = dir.join("src/lib.rs");
    let original = read(&lib);
    let o = run(&dir, &["--add-allow", "accepted when adopting jwtlint"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("added 2 suppressions in 1 file"));
    let after = read(&lib);
    let want = original
        .replace(
            "    jsonwebtoken::dangerous",
            "    // jwtlint: allow(JWT101) accepted when adopting jwtlint\n    jsonwebtoken::dangerous",
        )
        .replace(
            "    EncodingKey::from_secret",
            "    // jwtlint: allow(JWT801) accepted when adopting jwtlint\n    EncodingKey::from_secret",
        );
    assert_eq!(after, want);
    let (got, code, _) = lint(&dir, &[]);
    assert_eq!(
        (got, code),
        (vec![], 0),
        "the directives suppress what they were written for"
    );
    // A second run finds nothing to add and leaves the file as it is.
    let o = run(&dir, &["--add-allow", "accepted when adopting jwtlint"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("added 0 suppressions"));
    assert_eq!(read(&lib), want);
}

#[test]
fn manifests_get_the_hash_form_naming_the_advisories() {
    let (_t, dir) = copy_fixture("advisory");
    let o = run(&dir, &["--add-allow", "reviewed in SEC-12"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let manifest = read(&dir.join("Cargo.toml"));
    assert!(
        manifest.contains(
            "# jwtlint: allow(JWT012: GHSA-h395-gr6q-cpjc, JWT012: jwtlint-jsonwebtoken-aud) reviewed in SEC-12\njsonwebtoken = \"8.3\""
        ),
        "{manifest}"
    );
    let (got, code, _) = lint(&dir, &[]);
    assert_eq!((got, code), (vec![], 0));
}

#[test]
fn a_reason_is_required_and_must_be_one_line() {
    let (_t, dir) = copy_fixture("svc");
    let before = read(&dir.join("src/lib.rs"));
    assert_eq!(run(&dir, &["--add-allow", " "]).status.code(), Some(2));
    assert_eq!(run(&dir, &["--add-allow", "a\nb"]).status.code(), Some(2));
    assert_eq!(read(&dir.join("src/lib.rs")), before);
}
