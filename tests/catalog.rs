//! Catalogue meta-tests: unique codes, complete docs, consistent message style, and the README's
//! rules table in sync with the catalogue.

use cargo_jwtlint::catalog::{DOC_HEADINGS, RULE_FILES, catalog, markdown_table, parse_rule_page};

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let rules = &catalog().rules;
    assert!(rules.len() >= 9, "catalogue has only {} rules", rules.len());
    let mut codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
    let mut names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    codes.sort();
    names.sort();
    let n = codes.len();
    codes.dedup();
    names.dedup();
    assert_eq!(codes.len(), n, "duplicate rule codes");
    assert_eq!(names.len(), n, "duplicate rule names");
    for r in rules {
        assert!(
            r.code.len() == 6
                && r.code.starts_with("JWT")
                && r.code[3..].chars().all(|c| c.is_ascii_digit()),
            "{}",
            r.code
        );
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "name {} is not kebab-case",
            r.name
        );
        assert!(
            r.file.starts_with(&format!("{}-{}", r.code, r.name)),
            "rules/{} should be named {}-{}.md",
            r.file,
            r.code,
            r.name
        );
    }
}

#[test]
fn every_rule_page_parses_and_has_every_heading() {
    for (file, text) in RULE_FILES.iter().filter(|(f, _)| f.starts_with("JWT")) {
        let r = parse_rule_page(file, text).unwrap_or_else(|e| panic!("rules/{file}: {e}"));
        for h in DOC_HEADINGS {
            assert!(r.docs.contains(h), "rules/{file} lacks the heading `{h}`");
        }
        for h in DOC_HEADINGS {
            let body = cargo_jwtlint::catalog::section(&r.docs, h).unwrap_or_default();
            assert!(!body.is_empty(), "rules/{file}: section `{h}` is empty");
        }
    }
}

#[test]
fn summaries_and_help_follow_the_message_style() {
    for r in &catalog().rules {
        for (what, s) in [("summary", &r.summary), ("help", &r.help)] {
            assert!(!s.is_empty(), "{}: {what} is empty", r.code);
            let first = s.chars().next().unwrap();
            assert!(
                !first.is_uppercase(),
                "{}: {what} starts with a capital: {s}",
                r.code
            );
            assert!(
                !s.ends_with('.'),
                "{}: {what} ends with a period: {s}",
                r.code
            );
        }
        assert!(!r.cwe.is_empty(), "{}: no CWE id", r.code);
        assert!(
            ["very-high", "high", "medium", "low"].contains(&r.precision.as_str()),
            "{}: precision",
            r.code
        );
        let sev: f64 = r.security_severity.parse().unwrap_or(-1.0);
        assert!(
            (0.0..=10.0).contains(&sev),
            "{}: security_severity must be 0.0-10.0",
            r.code
        );
    }
}

#[test]
fn readme_rules_table_matches_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (start, end) = ("<!-- rules-table-start -->\n", "<!-- rules-table-end -->");
    let a = readme
        .find(start)
        .expect("README has the rules table start marker")
        + start.len();
    let b = readme
        .find(end)
        .expect("README has the rules table end marker");
    let want = markdown_table();
    if readme[a..b] != want {
        if std::env::var_os("UPDATE_README").is_some() {
            std::fs::write(path, format!("{}{}{}", &readme[..a], want, &readme[b..])).unwrap();
            return;
        }
        panic!(
            "README rules table is out of date; run `UPDATE_README=1 cargo test --test catalog`.\nExpected:\n{want}"
        );
    }
}

#[test]
fn readme_first_lines_give_install_and_test_commands() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let head: String = readme.lines().take(8).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("cargo install --locked --path ."),
        "README must start with the install command"
    );
    assert!(
        head.contains("cargo jwtlint"),
        "README must show how to run the linter"
    );
    assert!(
        head.contains("cargo test"),
        "README must give the test command"
    );
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run must run the README's test command"
    );
}

#[test]
fn readme_documents_the_json_schema() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let schema = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/emit/json_schema.md"
    ))
    .unwrap();
    assert!(
        readme.contains(schema.trim()),
        "README must contain src/emit/json_schema.md verbatim"
    );
}
