//! The rule catalogue: one Markdown page per rule in `rules/`, with TOML front matter between
//! `+++` lines (code, name, level, summary, help, CWE ids, precision, security severity and the
//! rule's API tables under `[data]`), embedded at build time by `build.rs`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::diagnostic::Level;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// Headings every rule page must have (checked by the catalogue tests).
pub const DOC_HEADINGS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Applies to",
    "## Known limits",
    "## References",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    code: String,
    name: String,
    level: Level,
    summary: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    cwe: Vec<u32>,
    #[serde(default)]
    tags: Vec<String>,
    precision: String,
    security_severity: String,
    /// Off unless selected (heuristic, architecture-level rules).
    #[serde(default)]
    opt_in: bool,
    #[serde(default)]
    data: toml::Table,
}

#[derive(Debug)]
pub struct Rule {
    pub code: String,
    pub name: String,
    pub level: Level,
    /// One line: what the rule finds.
    pub summary: String,
    /// One line: what to write instead (the default `help` of its diagnostics).
    pub help: String,
    pub cwe: Vec<u32>,
    /// `security`, `external/cwe/cwe-347`, plus the page's own tags.
    pub tags: Vec<String>,
    /// `very-high`, `high`, `medium` or `low` (SARIF / GitHub precision).
    pub precision: String,
    /// CVSS-like score as a string (GitHub `security-severity`).
    pub security_severity: String,
    /// The Markdown documentation (without front matter).
    pub docs: String,
    /// The rule's knowledge tables (`[data]` in the front matter).
    pub data: toml::Table,
    /// File name in `rules/`.
    pub file: String,
    /// Off unless selected (`select = ["ALL"]`, `extend-select = ["JWT301"]`, `--select`).
    pub opt_in: bool,
}

impl Rule {
    /// Deserializes one knowledge table of this rule (`[data.KEY]` / `[[data.KEY]]`).
    pub fn data<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> T {
        match self.data.get(key) {
            Some(v) => v
                .clone()
                .try_into()
                .unwrap_or_else(|e| panic!("rules/{}: bad [data.{key}]: {e}", self.file)),
            None => T::default(),
        }
    }

    pub fn help_uri(&self) -> String {
        format!(
            "{}/blob/main/rules/{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.file
        )
    }

    pub fn full_description(&self) -> String {
        section(&self.docs, "## What it does").unwrap_or_else(|| self.summary.clone())
    }
}

/// Text under a `## Heading` up to the next `## `.
pub fn section(docs: &str, heading: &str) -> Option<String> {
    let start = docs.find(heading)? + heading.len();
    let rest = &docs[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim().to_string())
}

pub struct Catalog {
    pub rules: Vec<Rule>,
}

impl Catalog {
    pub fn get(&self, code_or_name: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
    }

    /// The codes that run when the configuration selects nothing (every rule but the opt-in ones).
    pub fn default_codes(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|r| !r.opt_in)
            .map(|r| r.code.clone())
            .collect()
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.code == code)
    }

    /// A data file of `rules/` that is not a rule page (for example `advisories.toml`).
    pub fn data_file(&self, name: &str) -> Option<&'static str> {
        RULE_FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

pub fn parse_rule_page(file: &str, text: &str) -> Result<Rule, String> {
    let text = text.trim_start_matches('\u{feff}');
    let body = text
        .strip_prefix("+++\n")
        .ok_or("missing `+++` front matter")?;
    let end = body.find("\n+++\n").ok_or("unterminated front matter")?;
    let fm: FrontMatter = toml::from_str(&body[..end]).map_err(|e| e.to_string())?;
    let docs = body[end + 5..].trim().to_string();
    let mut tags = vec!["security".to_string()];
    tags.extend(fm.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")));
    tags.extend(fm.tags);
    Ok(Rule {
        code: fm.code,
        name: fm.name,
        level: fm.level,
        summary: fm.summary,
        help: fm.help,
        cwe: fm.cwe,
        tags,
        precision: fm.precision,
        security_severity: fm.security_severity,
        docs,
        data: fm.data,
        file: file.to_string(),
        opt_in: fm.opt_in,
    })
}

pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut rules: Vec<Rule> = RULE_FILES
            .iter()
            .filter(|(n, _)| n.starts_with("JWT") && n.ends_with(".md"))
            .map(|(n, t)| parse_rule_page(n, t).unwrap_or_else(|e| panic!("rules/{n}: {e}")))
            .collect();
        rules.sort_by(|a, b| a.code.cmp(&b.code));
        Catalog { rules }
    })
}

/// The README's rules table, generated from the catalogue (a test keeps the README in sync).
pub fn markdown_table() -> String {
    let mut s =
        String::from("| Code | Name | Default level | What it finds |\n|---|---|---|---|\n");
    for r in &catalog().rules {
        let level = if r.opt_in {
            format!("{} (opt-in)", r.level.as_str())
        } else {
            r.level.as_str().to_string()
        };
        s.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            r.code, r.name, level, r.summary
        ));
    }
    s
}

/// A rule's whole `[data]` table as one struct (keys the struct does not name are left to other
/// detectors of the same rule, such as the `[[data.match]]` entries of the API detector).
/// The `[[data.KEY]]` entries of every rule page, each with the code of the rule it belongs to
/// (`[[data.match]]`, `[[data.claim_list]]`, ...): tables that several rules fill.
pub fn rule_entries<T: serde::de::DeserializeOwned>(key: &str) -> Vec<(String, T)> {
    let mut out = Vec::new();
    for r in &catalog().rules {
        let entries: Vec<T> = r.data(key);
        out.extend(entries.into_iter().map(|e| (r.code.clone(), e)));
    }
    out
}

pub fn rule_data<T: serde::de::DeserializeOwned>(code: &str) -> T {
    let r = catalog()
        .get(code)
        .unwrap_or_else(|| panic!("{code} is not in the catalogue"));
    toml::Value::Table(r.data.clone())
        .try_into()
        .unwrap_or_else(|e| panic!("rules/{}: bad [data]: {e}", r.file))
}
