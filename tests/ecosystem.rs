//! ECOSYSTEM coverage meta-test. `rules/ecosystem/*.toml` lists every risky API or default that
//! `../shared/design/ECOSYSTEM.md` describes, one `[[risk]]` per row or bullet:
//!
//! ```toml
//! section = 2                  # the `## N.` section of ECOSYSTEM.md the rows come from
//! [[risk]]
//! api = "VerificationOptions"  # text that occurs verbatim in that section
//! what = "allowed_issuers left None: any issuer accepted"
//! code = "JWT501"
//! flagged = "rust/JWT501-jwt-simple/src/lib.rs"  # under fixtures/; holds a `//~ JWT501` mark
//! find = "VerificationOptions" # optional (default: api); occurs within 3 lines of such a mark
//! clean = "rust/JWT501-jwt-simple/src/lib.rs"    # optional: a safe counterpart in that file
//! clean_find = "allowed_issuers: Some"           # optional: text of the safe counterpart
//! limit = "..."                # instead of `flagged`: why it is not detected; the rule
//!                              # page's Known limits must mention `api`
//! ```
//!
//! The test fails on a row with neither a fixture nor a stated limit, on a fixture that does not
//! hold the API next to a mark of the rule, and (when the shared design folder sits next to the
//! repository, as in CI) on a row whose `api` the named section never mentions. The annotation
//! harness (`tests/annotations.rs`) separately proves that every mark fires.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    section: u32,
    #[serde(default)]
    risk: Vec<Risk>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Risk {
    api: String,
    what: String,
    code: String,
    flagged: Option<String>,
    find: Option<String>,
    clean: Option<String>,
    clean_find: Option<String>,
    limit: Option<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tables() -> Vec<(String, File)> {
    let dir = repo().join("rules/ecosystem");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir)
        .expect("rules/ecosystem exists")
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let f: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            out.push((name, f));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Lines (0-based) holding a `//~` or `#~` mark naming `code`, with the line the mark targets.
fn marked_lines(text: &str, code: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line
            .find("//~")
            .map(|p| p + 3)
            .or_else(|| line.find("#~").map(|p| p + 2))
        else {
            continue;
        };
        let rest = &line[pos..];
        let ups = rest.chars().take_while(|c| *c == '^').count();
        if rest[ups..].split_whitespace().any(|w| w == code) {
            out.push(i.saturating_sub(ups));
        }
    }
    out
}

fn lines_with(text: &str, needle: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i)
        .collect()
}

fn near(a: &[usize], b: &[usize]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.abs_diff(*y) <= 3))
}

fn check_flagged(r: &Risk, rel: &str) -> Result<(), String> {
    let path = repo().join("fixtures").join(rel);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
    let find = r.find.as_deref().unwrap_or(&r.api);
    let marks = marked_lines(&text, &r.code);
    let hits = lines_with(&text, find);
    if hits.is_empty() {
        return Err(format!("{rel} never mentions `{find}`"));
    }
    if !near(&marks, &hits) {
        return Err(format!(
            "{rel}: no `{}` mark within 3 lines of `{find}`",
            r.code
        ));
    }
    Ok(())
}

fn check_clean(r: &Risk, rel: &str) -> Result<(), String> {
    let path = repo().join("fixtures").join(rel);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
    let find = r
        .clean_find
        .as_deref()
        .or(r.find.as_deref())
        .unwrap_or(&r.api);
    let hits = lines_with(&text, find);
    let marks = marked_lines(&text, &r.code);
    if hits.is_empty() {
        return Err(format!("{rel} never mentions `{find}`"));
    }
    if hits.iter().all(|h| near(&[*h], &marks)) {
        return Err(format!(
            "{rel}: every `{find}` sits next to a `{}` mark",
            r.code
        ));
    }
    Ok(())
}

fn rule_limits(code: &str) -> String {
    let dir = repo().join("rules");
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("{code}-")) && name.ends_with(".md") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            return cargo_jwtlint::catalog::section(&text, "## Known limits").unwrap_or_default();
        }
    }
    String::new()
}

fn check_row(r: &Risk) -> Result<(), String> {
    match (&r.flagged, &r.limit) {
        (Some(f), _) => check_flagged(r, f)?,
        (None, Some(_)) => {
            if !rule_limits(&r.code).contains(&r.api) {
                return Err(format!(
                    "{}'s Known limits do not mention `{}`",
                    r.code, r.api
                ));
            }
        }
        (None, None) => return Err("neither a flagged fixture nor a stated limit".into()),
    }
    if let Some(c) = &r.clean {
        check_clean(r, c)?;
    }
    Ok(())
}

/// The text of `## N.` up to the next `## ` heading.
fn design_section(doc: &str, n: u32) -> Option<&str> {
    let head = format!("\n## {n}. ");
    let start = doc.find(&head)? + 1;
    let end = doc[start + 3..]
        .find("\n## ")
        .map_or(doc.len(), |e| start + 3 + e);
    Some(&doc[start..end])
}

fn design_doc() -> Option<String> {
    let p: &Path = &repo().join("../shared/design/ECOSYSTEM.md");
    std::fs::read_to_string(p).ok()
}

#[test]
fn every_ecosystem_risk_has_a_fixture_or_a_stated_limit() {
    let doc = design_doc();
    let mut errors = Vec::new();
    let mut limits = Vec::new();
    let mut rows = 0;
    for (name, f) in tables() {
        let section = doc.as_deref().map(|d| {
            design_section(d, f.section)
                .unwrap_or_else(|| panic!("{name}: ECOSYSTEM.md has no section {}", f.section))
        });
        for r in &f.risk {
            rows += 1;
            assert!(
                !r.what.is_empty(),
                "{name}: `{}` has an empty `what`",
                r.api
            );
            if let Some(s) = section
                && !s.contains(&r.api)
            {
                errors.push(format!(
                    "{name}: section {} never mentions `{}`",
                    f.section, r.api
                ));
            }
            if let Err(e) = check_row(r) {
                errors.push(format!("{name}: `{}` ({}): {e}", r.api, r.code));
            }
            if r.flagged.is_none() {
                limits.push(format!(
                    "{name}: `{}` ({}): {}",
                    r.api,
                    r.code,
                    r.limit.as_deref().unwrap_or("")
                ));
            }
        }
    }
    // The rows without a fixture, each with the reason its rule page states.
    eprintln!(
        "{rows} ECOSYSTEM risks listed; {} without a fixture:",
        limits.len()
    );
    for l in &limits {
        eprintln!("  {l}");
    }
    assert!(rows > 0, "rules/ecosystem lists no risks");
    assert!(
        errors.is_empty(),
        "ECOSYSTEM coverage:\n  {}",
        errors.join("\n  ")
    );
}

#[test]
fn the_mark_reader_sees_both_comment_forms() {
    let text = "a\nb //~ JWT101\nc\n//~^ JWT501 JWT101\n[x] #~ JWT012\n";
    assert_eq!(marked_lines(text, "JWT101"), vec![1, 2]);
    assert_eq!(marked_lines(text, "JWT012"), vec![4]);
    assert!(marked_lines(text, "JWT999").is_empty());
}
