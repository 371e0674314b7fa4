//! Configuration: `jwtlint.toml` or `.jwtlint.toml` in the project root, or a
//! `[workspace.metadata.jwtlint]` / `[package.metadata.jwtlint]` table in the root Cargo.toml;
//! or only the `--config` file; or (`--isolated`) nothing of the repository at all.
//!
//! The file is read with serde (`deny_unknown_fields`, positions from `toml::Spanned`) into the
//! raw schema below, then checked value by value into a [`Config`]. Every mistake is a
//! [`ConfigError`] that points into the file (rendered with codespan-reporting, see
//! [`crate::config_show`]) and makes the run a usage error (exit 2): an unknown key (with a
//! "did you mean"), an option under a rule it does not belong to, a duration that is not
//! positive, a list entry that is not a string, two spellings of one rule table, and two
//! configurations where one would silently shadow the other.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use crate::catalog::catalog;
use crate::diagnostic::Level;

/// A configuration error with the place it points at.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: PathBuf,
    pub span: Range<usize>,
    pub message: Box<str>,
    /// The file's text (None: it could not be read).
    pub text: Option<Arc<str>>,
    /// Other places the error is about: the first spelling of a rule, the shadowed table.
    pub also: Vec<ConfigLabel>,
    /// `help: did you mean ..`, `note: ..` lines.
    pub notes: Vec<String>,
}

/// A secondary place of a [`ConfigError`], possibly in another file.
#[derive(Debug, Clone)]
pub struct ConfigLabel {
    pub file: PathBuf,
    pub text: Arc<str>,
    pub span: Range<usize>,
    pub message: String,
}

/// What happens to findings in test code (`tests/`, `#[cfg(test)]`, test modules, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TestCode {
    /// Not reported and never fail the run; the summary counts them (the default).
    #[default]
    Hide,
    /// Reported at note level with the `test-code` tag.
    Note,
    /// Reported at the rule's own level with the `test-code` tag.
    Report,
}

impl TestCode {
    pub fn parse(s: &str) -> Option<TestCode> {
        match s {
            "hide" => Some(TestCode::Hide),
            "note" => Some(TestCode::Note),
            "report" => Some(TestCode::Report),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TestCode::Hide => "hide",
            TestCode::Note => "note",
            TestCode::Report => "report",
        }
    }
}

/// How the configuration is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// In the project root (the `--config` file instead, when given).
    Project,
    /// Nothing of the repository is read (`--isolated`): only the `--config` file, or defaults.
    Isolated,
}

/// Where the settings came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// No configuration in the project root: the defaults.
    Defaults { root: PathBuf },
    /// `--isolated` without `--config`: the defaults, the repository unread.
    Isolated,
    /// A `jwtlint.toml`, `.jwtlint.toml` or the `--config` file.
    File { path: PathBuf, explicit: bool },
    /// The `[workspace.metadata.jwtlint]` or `[package.metadata.jwtlint]` table of a manifest.
    Manifest { path: PathBuf, table: &'static str },
}

/// Patterns over paths relative to the project root, with gitignore semantics: a pattern
/// without a slash matches at any depth (`main.rs`), one with a slash is anchored at the root
/// (`*/src`, `/vendor`), `*` does not cross `/`, `**` does, a trailing `/` matches only
/// directories, `!pattern` re-includes, and a matched directory covers everything below it.
#[derive(Debug, Clone)]
pub struct PathPatterns {
    /// The patterns as written (for `--show-settings`).
    pub patterns: Vec<String>,
    matcher: Gitignore,
}

impl Default for PathPatterns {
    fn default() -> Self {
        PathPatterns {
            patterns: Vec::new(),
            matcher: Gitignore::empty(),
        }
    }
}

impl PathPatterns {
    /// Whether `rel` (or a directory above it) matches, looking only at the path components
    /// after the first `skip` (those above a path named on the command line).
    pub fn matches_below(&self, rel: &str, skip: usize) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let mut prefix = String::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                prefix.push('/');
            }
            prefix.push_str(part);
            if i < skip {
                continue;
            }
            // Git does not look inside an ignored directory: the first ignored prefix decides.
            if self
                .matcher
                .matched(&prefix, i + 1 < parts.len())
                .is_ignore()
            {
                return true;
            }
        }
        false
    }

    pub fn matches(&self, rel: &str) -> bool {
        self.matches_below(rel, 0)
    }
}

/// Per-rule options: JWT201's limits (in seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lifetimes {
    pub access_max_secs: f64,
    pub refresh_max_secs: f64,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file the settings came from (None: defaults).
    pub source: Option<PathBuf>,
    /// That file's text (findings about the configuration, such as an unused
    /// `[advisories] ignore` entry, point into it).
    pub source_text: Option<Arc<str>>,
    /// Where the settings came from, for `-v` and `--show-settings`.
    pub origin: Origin,
    /// Rules on (codes).
    pub enabled: Vec<String>,
    /// Per-rule level overrides.
    pub levels: HashMap<String, Level>,
    /// Files excluded from discovery.
    pub exclude: PathPatterns,
    /// Paths named on the command line (relative to the root): `exclude` does not apply to
    /// them or above them (empty with `--force-exclude`).
    pub named: Vec<String>,
    /// Per-path ignores: (patterns, codes).
    pub per_path: Vec<(PathPatterns, Vec<String>)>,
    pub require_reason: bool,
    /// What happens to findings in test code.
    pub test_code: TestCode,
    pub access_max_secs: f64,
    pub refresh_max_secs: f64,
    /// Dependency rules: require `=x.y.z` for JWT crates.
    pub strict_exact: bool,
    /// `[advisories] ignore`: advisories accepted by id, workspace-wide.
    pub advisory_ignores: Vec<AdvisoryIgnore>,
    /// `[advisories] out-of-reach`: advisories whose affected operation this code never
    /// performs are hidden (counted in the summary) or reported as notes.
    pub out_of_reach: OutOfReach,
}

/// What happens to an advisory finding whose affected operation the workspace never performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfReach {
    /// Left out of the findings and counted in the summary (the default).
    Hide,
    /// Reported at note level, with the reason in the message.
    Note,
}

impl OutOfReach {
    pub fn parse(s: &str) -> Option<OutOfReach> {
        match s {
            "hide" => Some(OutOfReach::Hide),
            "note" => Some(OutOfReach::Note),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OutOfReach::Hide => "hide",
            OutOfReach::Note => "note",
        }
    }
}

/// One `[advisories] ignore` entry: findings about this advisory (id or alias) are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryIgnore {
    pub id: String,
    pub reason: String,
    /// The entry's byte range in the configuration file.
    pub span: Range<usize>,
    /// Applies through this day, then the findings come back.
    pub until: Option<jiff::civil::Date>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            source_text: None,
            origin: Origin::Defaults {
                root: PathBuf::new(),
            },
            enabled: catalog().default_codes(),
            levels: HashMap::new(),
            exclude: PathPatterns::default(),
            named: Vec::new(),
            per_path: Vec::new(),
            require_reason: true,
            test_code: TestCode::Hide,
            access_max_secs: 3600.0,
            refresh_max_secs: 30.0 * 86400.0,
            strict_exact: false,
            advisory_ignores: Vec::new(),
            out_of_reach: OutOfReach::Hide,
        }
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
        .filter(|(score, _)| *score >= 0.6)
        .fold(None, |best: Option<(f64, &str)>, (score, c)| match best {
            Some((b, _)) if b >= score => best,
            _ => Some((score, c)),
        })
        .map(|(_, c)| c)
}

/// The "did you mean" for a rule selector: the nearest code or name.
fn rule_suggestion(s: &str) -> Option<&'static str> {
    let rules = &catalog().rules;
    let up = s.to_ascii_uppercase();
    did_you_mean(&up, rules.iter().map(|r| r.code.as_str()))
        .or_else(|| did_you_mean(s, rules.iter().map(|r| r.name.as_str())))
}

fn unknown_rule(s: &str) -> String {
    let mut msg = format!("unknown rule `{s}` (see `cargo jwtlint rules`)");
    if let Some(m) = rule_suggestion(s) {
        msg.push_str(&format!("; did you mean `{m}`?"));
    }
    msg
}

/// Resolves a list of selectors (codes, code prefixes like `JWT1`, names, `ALL`) to codes.
pub fn resolve_selectors(list: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for s in list {
        out.extend(resolve_selector(s)?);
    }
    Ok(out)
}

/// One selector (empty: none).
fn resolve_selector(s: &str) -> Result<Vec<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(Vec::new());
    }
    if s.eq_ignore_ascii_case("all") {
        return Ok(catalog().rules.iter().map(|r| r.code.clone()).collect());
    }
    let up = s.to_ascii_uppercase();
    let hits: Vec<String> = catalog()
        .rules
        .iter()
        .filter(|r| r.code.starts_with(&up) || r.name == s)
        .map(|r| r.code.clone())
        .collect();
    if hits.is_empty() {
        return Err(unknown_rule(s));
    }
    Ok(hits)
}

/// Parses `1h`, `15m`, `30d`, `7 days`, `3600` (seconds) into seconds.
pub fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    let idx = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(idx);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 604800.0,
        _ => return None,
    };
    Some(n * mult)
}

// ---------------------------------------------------------------------------------------------
// The raw schema, as serde reads it.

type List = Vec<Spanned<String>>;

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a table of settings"
)]
struct RawConfig {
    select: Option<List>,
    extend_select: Option<List>,
    ignore: Option<List>,
    exclude: Option<List>,
    require_reason: Option<bool>,
    test_code: Option<Spanned<String>>,
    /// The older switch: `true` is now `test-code = "note"`, `false` is `"report"`.
    lower_test_code: Option<Spanned<bool>>,
    per_path_ignores: Option<BTreeMap<Spanned<String>, Spanned<Codes>>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<RawRule>>>,
    dependencies: Option<RawDependencies>,
    advisories: Option<RawAdvisories>,
}

/// `[advisories] ignore = [{ id = "GHSA-..", reason = "..", until = "YYYY-MM-DD" }]`.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a table with an `ignore` list and an `out-of-reach` setting"
)]
struct RawAdvisories {
    #[serde(default)]
    ignore: Vec<Spanned<RawAdvisoryIgnore>>,
    out_of_reach: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an entry { id = \"..\", reason = \"..\", until = \"YYYY-MM-DD\" }"
)]
struct RawAdvisoryIgnore {
    id: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
}

/// Every per-rule option; [`RULE_OPTIONS`] says which rule each belongs to.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a table of rule options"
)]
struct RawRule {
    level: Option<Spanned<String>>,
    access_token_max: Option<Spanned<RawDuration>>,
    refresh_token_max: Option<Spanned<RawDuration>>,
    enabled: Option<Spanned<bool>>,
    strict_exact: Option<Spanned<bool>>,
}

/// The options (besides `level`, which every rule has) and the rule they belong to.
pub const RULE_OPTIONS: &[(&str, &[&str])] = &[
    ("JWT201", &["access-token-max", "refresh-token-max"]),
    ("JWT016", &["enabled", "strict-exact"]),
];

impl RawRule {
    /// (option, span) of every option given, `level` aside.
    fn options(&self) -> Vec<(&'static str, Range<usize>)> {
        let mut out = Vec::new();
        if let Some(v) = &self.access_token_max {
            out.push(("access-token-max", v.span()));
        }
        if let Some(v) = &self.refresh_token_max {
            out.push(("refresh-token-max", v.span()));
        }
        if let Some(v) = &self.enabled {
            out.push(("enabled", v.span()));
        }
        if let Some(v) = &self.strict_exact {
            out.push(("strict-exact", v.span()));
        }
        out
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    expecting = "a table of dependency settings"
)]
struct RawDependencies {
    strict_exact: Option<Spanned<bool>>,
}

/// A duration as written: text (`"15m"`) or whole seconds.
enum RawDuration {
    Text(String),
    Seconds(i128),
}

impl<'de> Deserialize<'de> for RawDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawDuration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as \"15m\", \"1h\" or \"7d\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDuration, E> {
                Ok(RawDuration::Text(s.to_string()))
            }
            fn visit_i64<E: de::Error>(self, i: i64) -> Result<RawDuration, E> {
                Ok(RawDuration::Seconds(i.into()))
            }
            fn visit_u64<E: de::Error>(self, i: u64) -> Result<RawDuration, E> {
                Ok(RawDuration::Seconds(i.into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Rule codes as written: one selector or a list of them.
enum Codes {
    One(String),
    Many(List),
}

impl<'de> Deserialize<'de> for Codes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Codes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a rule code or a list of rule codes")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Codes, E> {
                Ok(Codes::One(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Codes, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element::<Spanned<String>>()? {
                    out.push(x);
                }
                Ok(Codes::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The parts of a Cargo.toml the configuration lives in (everything else is skipped).
#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct RawManifest {
    workspace: Option<RawMetaHolder>,
    package: Option<RawMetaHolder>,
}

#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct RawMetaHolder {
    metadata: Option<RawMetadata>,
}

/// `metadata` may be any value for cargo: only a table's `jwtlint` key is ours.
struct RawMetadata {
    jwtlint: Option<Spanned<RawConfig>>,
}

impl<'de> Deserialize<'de> for RawMetadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawMetadata;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<RawMetadata, A::Error> {
                let mut jwtlint = None;
                while let Some(k) = m.next_key::<String>()? {
                    if k == "jwtlint" {
                        jwtlint = Some(m.next_value()?);
                    } else {
                        m.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(RawMetadata { jwtlint })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<RawMetadata, A::Error> {
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(RawMetadata { jwtlint: None })
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawMetadata, E> {
                Ok(RawMetadata { jwtlint: None })
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawMetadata, E> {
                Ok(RawMetadata { jwtlint: None })
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawMetadata, E> {
                Ok(RawMetadata { jwtlint: None })
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawMetadata, E> {
                Ok(RawMetadata { jwtlint: None })
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawMetadata, E> {
                Ok(RawMetadata { jwtlint: None })
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// From the raw schema to a checked `Config`.

/// The file being read, for errors that point into it.
struct Ctx<'a> {
    file: &'a Path,
    text: Arc<str>,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, msg: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            span,
            message: msg.into().into(),
            text: Some(self.text.clone()),
            also: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn label(&self, span: Range<usize>, msg: impl Into<String>) -> ConfigLabel {
        ConfigLabel {
            file: self.file.to_path_buf(),
            text: self.text.clone(),
            span,
            message: msg.into(),
        }
    }

    /// A TOML or serde error, with a "did you mean" for an unknown key.
    fn toml_err(&self, e: &toml::de::Error) -> ConfigError {
        let msg = e.message().trim();
        let Some((key, expected)) = unknown_field(msg) else {
            return self.err(span_of(e), msg);
        };
        let mut err = self.err(span_of(e), format!("unknown key `{key}`"));
        if let Some(m) = did_you_mean(key, expected.iter().map(String::as_str)) {
            err.notes.push(format!("help: did you mean `{m}`?"));
        }
        if !expected.is_empty() {
            err.notes
                .push(format!("note: expected one of: {}", expected.join(", ")));
        }
        err
    }
}

fn span_of(e: &toml::de::Error) -> Range<usize> {
    e.span().unwrap_or(0..0)
}

/// `unknown field `x`, expected one of `a`, `b`` (serde's wording) -> (`x`, [a, b]).
fn unknown_field(msg: &str) -> Option<(&str, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    // The key may hold anything, backticks included: the list starts at the last "`, expected".
    let (key, rest) = match rest.rfind("`, expected") {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest.strip_suffix("`, there are no fields")?, ""),
    };
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((key, expected))
}

/// One selector list, each entry resolved at its own place.
fn codes(cx: &Ctx, list: &[Spanned<String>]) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    for s in list {
        out.extend(resolve_selector(s.get_ref()).map_err(|e| cx.err(s.span(), e))?);
    }
    Ok(out)
}

/// `select`, then `extend-select`, minus `ignore`.
fn selection(cx: &Ctx, raw: &RawConfig) -> Result<Vec<String>, ConfigError> {
    let mut enabled = match &raw.select {
        Some(l) => codes(cx, l)?,
        None => catalog().default_codes(),
    };
    for c in codes(cx, raw.extend_select.as_deref().unwrap_or_default())? {
        if !enabled.contains(&c) {
            enabled.push(c);
        }
    }
    let ignore = codes(cx, raw.ignore.as_deref().unwrap_or_default())?;
    enabled.retain(|c| !ignore.contains(c));
    let mut seen = std::collections::HashSet::new();
    enabled.retain(|c| seen.insert(c.clone()));
    Ok(enabled)
}

/// Gitignore-style patterns, each checked at its own place.
fn patterns(cx: &Ctx, list: &[Spanned<String>]) -> Result<PathPatterns, ConfigError> {
    let mut b = GitignoreBuilder::new("");
    let mut written = Vec::new();
    for p in list {
        let s = p.get_ref().trim();
        if s.is_empty() || s.starts_with('#') {
            return Err(cx.err(
                p.span(),
                "an empty pattern, or one starting with `#`, matches nothing (write `\\#` for a leading `#`)",
            ));
        }
        // `./vendor` means the root's `vendor`, which gitignore writes `/vendor`.
        let line = match s.strip_prefix("./") {
            Some(rest) => format!("/{rest}"),
            None => s.to_string(),
        };
        b.add_line(None, &line)
            .map_err(|e| cx.err(p.span(), format!("bad pattern `{s}`: {e}")))?;
        written.push(s.to_string());
    }
    let matcher = b
        .build()
        .map_err(|e| cx.err(0..0, format!("bad pattern: {e}")))?;
    Ok(PathPatterns {
        patterns: written,
        matcher,
    })
}

fn per_path(
    cx: &Ctx,
    table: &BTreeMap<Spanned<String>, Spanned<Codes>>,
) -> Result<Vec<(PathPatterns, Vec<String>)>, ConfigError> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut out = Vec::new();
    for (pattern, value) in entries {
        let set = patterns(cx, std::slice::from_ref(pattern))?;
        let list = match value.get_ref() {
            Codes::One(s) => codes(cx, &[Spanned::new(value.span(), s.clone())])?,
            Codes::Many(l) => codes(cx, l)?,
        };
        out.push((set, list));
    }
    Ok(out)
}

fn test_code(cx: &Ctx, raw: &RawConfig) -> Result<Option<TestCode>, ConfigError> {
    if let (Some(t), Some(l)) = (&raw.test_code, &raw.lower_test_code) {
        let mut e = cx.err(
            l.span(),
            "`lower-test-code` and `test-code` are both set; keep `test-code` only",
        );
        e.also.push(cx.label(t.span(), "`test-code` is set here"));
        return Err(e);
    }
    if let Some(l) = &raw.lower_test_code {
        return Ok(Some(if *l.get_ref() {
            TestCode::Note
        } else {
            TestCode::Report
        }));
    }
    let Some(t) = &raw.test_code else {
        return Ok(None);
    };
    TestCode::parse(t.get_ref()).map(Some).ok_or_else(|| {
        let mut e = cx.err(
            t.span(),
            "`test-code` must be \"hide\", \"note\" or \"report\"",
        );
        if let Some(m) = did_you_mean(t.get_ref(), ["hide", "note", "report"]) {
            e.notes.push(format!("help: did you mean \"{m}\"?"));
        }
        e
    })
}

/// A positive, finite number of seconds.
fn duration(cx: &Ctx, v: &Spanned<RawDuration>) -> Result<f64, ConfigError> {
    let secs = match v.get_ref() {
        RawDuration::Seconds(s) => Some(*s as f64),
        RawDuration::Text(t) => parse_duration(t),
    };
    match secs {
        None => Err(cx.err(
            v.span(),
            "expected a duration such as \"15m\", \"1h\" or \"7d\"",
        )),
        Some(s) if !(s.is_finite() && s > 0.0) => Err(cx.err(
            v.span(),
            "a duration must be greater than zero (a limit of zero or less would flag every token)",
        )),
        Some(s) => Ok(s),
    }
}

/// The rule tables: each rule once (by code or by name), each option under its own rule.
fn rules(
    cx: &Ctx,
    table: &BTreeMap<Spanned<String>, Spanned<RawRule>>,
    cfg: &mut Config,
) -> Result<Option<Spanned<bool>>, ConfigError> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut first: HashMap<&str, &Spanned<String>> = HashMap::new();
    let mut exact = None;
    for (key, opts) in entries {
        let r = catalog()
            .get(key.get_ref())
            .ok_or_else(|| cx.err(key.span(), unknown_rule(key.get_ref())))?;
        if let Some(prev) = first.insert(&r.code, key) {
            let mut e = cx.err(
                key.span(),
                format!(
                    "a second table for rule {} ({}): `{}` and `{}` are the same rule; merge the two tables",
                    r.code,
                    r.name,
                    prev.get_ref(),
                    key.get_ref()
                ),
            );
            e.also
                .push(cx.label(prev.span(), format!("{} is configured here first", r.code)));
            return Err(e);
        }
        let opts = opts.get_ref();
        options_belong(cx, &r.code, &r.name, opts)?;
        if let Some(l) = &opts.level {
            let level = Level::parse(l.get_ref()).ok_or_else(|| {
                cx.err(
                    l.span(),
                    "`level` must be \"error\", \"warning\" or \"note\"",
                )
            })?;
            cfg.levels.insert(r.code.clone(), level);
        }
        if let Some(v) = &opts.access_token_max {
            cfg.access_max_secs = duration(cx, v)?;
        }
        if let Some(v) = &opts.refresh_token_max {
            cfg.refresh_max_secs = duration(cx, v)?;
        }
        exact = exact.or(opts.enabled.clone()).or(opts.strict_exact.clone());
    }
    Ok(exact)
}

/// Every option of a rule table belongs to that rule.
fn options_belong(cx: &Ctx, code: &str, name: &str, opts: &RawRule) -> Result<(), ConfigError> {
    let own: &[&str] = RULE_OPTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, o)| *o)
        .unwrap_or_default();
    if let (Some(a), Some(b)) = (&opts.enabled, &opts.strict_exact) {
        let mut e = cx.err(
            b.span(),
            "`enabled` and `strict-exact` are the same switch of JWT016; set one",
        );
        e.also.push(cx.label(a.span(), "`enabled` is set here"));
        return Err(e);
    }
    for (opt, span) in opts.options() {
        if own.contains(&opt) {
            continue;
        }
        let mut e = cx.err(
            span,
            format!("`{opt}` is not an option of rule {code} ({name})"),
        );
        if let Some((owner, _)) = RULE_OPTIONS.iter().find(|(_, o)| o.contains(&opt)) {
            e.notes.push(format!(
                "help: `{opt}` is an option of rule {owner}; move it to `[rules.{owner}]`"
            ));
        }
        e.notes.push(if own.is_empty() {
            format!("note: rule {code} has only `level`")
        } else {
            format!("note: rule {code} has `level`, `{}`", own.join("`, `"))
        });
        return Err(e);
    }
    Ok(())
}

/// `strict-exact` from `[dependencies]` or `[rules.JWT016]`; both only when they agree.
fn strict_exact(
    cx: &Ctx,
    deps: Option<&Spanned<bool>>,
    rule: Option<Spanned<bool>>,
) -> Result<Option<bool>, ConfigError> {
    match (deps, rule) {
        (Some(d), Some(r)) if d.get_ref() != r.get_ref() => {
            let mut e = cx.err(
                r.span(),
                "JWT016 is switched here and the opposite way in `[dependencies]`",
            );
            e.also
                .push(cx.label(d.span(), "`[dependencies] strict-exact` is set here"));
            Err(e)
        }
        (Some(d), _) => Ok(Some(*d.get_ref())),
        (None, r) => Ok(r.map(|r| *r.get_ref())),
    }
}

/// A checked configuration from the raw schema.
fn build(cx: &Ctx, raw: &RawConfig, origin: Origin) -> Result<Config, ConfigError> {
    let mut cfg = Config {
        enabled: selection(cx, raw)?,
        exclude: patterns(cx, raw.exclude.as_deref().unwrap_or_default())?,
        ..Config::default()
    };
    if let Some(t) = &raw.per_path_ignores {
        cfg.per_path = per_path(cx, t)?;
    }
    if let Some(r) = raw.require_reason {
        cfg.require_reason = r;
    }
    if let Some(t) = test_code(cx, raw)? {
        cfg.test_code = t;
    }
    let from_rule = match &raw.rules {
        Some(t) => rules(cx, t, &mut cfg)?,
        None => None,
    };
    let deps = raw
        .dependencies
        .as_ref()
        .and_then(|d| d.strict_exact.as_ref());
    if let Some(s) = strict_exact(cx, deps, from_rule)? {
        cfg.strict_exact = s;
    }
    if let Some(a) = &raw.advisories {
        cfg.advisory_ignores = a
            .ignore
            .iter()
            .map(|e| advisory_ignore(cx, e))
            .collect::<Result<_, _>>()?;
        if let Some(o) = &a.out_of_reach {
            cfg.out_of_reach = OutOfReach::parse(o.get_ref()).ok_or_else(|| {
                cx.err(
                    o.span(),
                    "`[advisories] out-of-reach` must be \"hide\" or \"note\"",
                )
            })?;
        }
    }
    cfg.source = Some(cx.file.to_path_buf());
    cfg.source_text = Some(cx.text.clone());
    cfg.origin = origin;
    Ok(cfg)
}

/// One `[advisories] ignore` entry: `id` and `reason` required and not blank, `until` a date.
fn advisory_ignore(
    cx: &Ctx,
    e: &Spanned<RawAdvisoryIgnore>,
) -> Result<AdvisoryIgnore, ConfigError> {
    let raw = e.get_ref();
    let filled = |v: &Option<Spanned<String>>| {
        v.as_ref()
            .map(|s| s.get_ref().trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let id = filled(&raw.id).ok_or_else(|| cx.err(e.span(), "an advisory ignore needs an `id`"))?;
    let reason = filled(&raw.reason)
        .ok_or_else(|| cx.err(e.span(), format!("the ignore of {id} needs a `reason`")))?;
    let until = match &raw.until {
        None => None,
        Some(d) => Some(d.get_ref().parse::<jiff::civil::Date>().map_err(|_| {
            cx.err(
                d.span(),
                format!(
                    "`until` must be a date written YYYY-MM-DD, not `{}`",
                    d.get_ref()
                ),
            )
        })?),
    };
    Ok(AdvisoryIgnore {
        id,
        reason,
        span: e.span(),
        until,
    })
}

// ---------------------------------------------------------------------------------------------
// Finding and reading the configuration.

/// The names a configuration file may have in the project root, in order.
pub const FILE_NAMES: [&str; 2] = ["jwtlint.toml", ".jwtlint.toml"];

fn read(file: &Path, base: &Path) -> Result<String, ConfigError> {
    crate::safe_fs::read_text_in_tree(file, base).map_err(|e| ConfigError {
        file: file.to_path_buf(),
        span: 0..0,
        message: format!("cannot read the configuration: {e}").into(),
        text: None,
        also: Vec::new(),
        notes: Vec::new(),
    })
}

/// A configuration file: the whole file is the settings table.
/// Builds a configuration from the text of a `jwtlint.toml` (named `file` in diagnostics), as
/// [`load`] does after reading it. Used by the fuzz targets and tests.
pub fn parse_text(file: &Path, text: &str) -> Result<Config, ConfigError> {
    from_text(file, text.to_string(), true)
}

fn load_file(file: &Path, base: &Path, explicit: bool) -> Result<Config, ConfigError> {
    from_text(file, read(file, base)?, explicit)
}

fn from_text(file: &Path, text: String, explicit: bool) -> Result<Config, ConfigError> {
    let cx = Ctx {
        file,
        text: text.into(),
    };
    let raw: RawConfig = toml::from_str(&cx.text).map_err(|e| cx.toml_err(&e))?;
    let origin = Origin::File {
        path: file.to_path_buf(),
        explicit,
    };
    build(&cx, &raw, origin)
}

/// The jwtlint table of a manifest, if it has one: (its table name, its place, the text).
struct MetadataTable {
    table: &'static str,
    raw: Spanned<RawConfig>,
}

/// The `[workspace.metadata.jwtlint]` or `[package.metadata.jwtlint]` table of `manifest`. A
/// manifest that does not parse as TOML has none here (the lint reports it as JWT000).
fn metadata_table(cx: &Ctx) -> Result<Option<MetadataTable>, ConfigError> {
    if toml::from_str::<de::IgnoredAny>(&cx.text).is_err() {
        return Ok(None);
    }
    let m: RawManifest = toml::from_str(&cx.text).map_err(|e| cx.toml_err(&e))?;
    let pick = |h: Option<RawMetaHolder>| h.and_then(|h| h.metadata).and_then(|m| m.jwtlint);
    let ws = pick(m.workspace);
    let pkg = pick(m.package);
    match (ws, pkg) {
        (Some(w), Some(p)) => {
            let mut e = cx.err(
                p.span(),
                "`[package.metadata.jwtlint]` would be ignored: `[workspace.metadata.jwtlint]` is used",
            );
            e.also
                .push(cx.label(w.span(), "`[workspace.metadata.jwtlint]` is here"));
            e.notes.push("help: keep one of the two tables".to_string());
            Err(e)
        }
        (Some(raw), None) => Ok(Some(MetadataTable {
            table: "workspace.metadata.jwtlint",
            raw,
        })),
        (None, Some(raw)) => Ok(Some(MetadataTable {
            table: "package.metadata.jwtlint",
            raw,
        })),
        (None, None) => Ok(None),
    }
}

/// The error of two configurations where only one would be read.
fn shadowing(used: &Path, used_text: &str, other: ConfigLabel, what: &str) -> ConfigError {
    let cx = Ctx {
        file: used,
        text: used_text.into(),
    };
    let mut e = cx.err(
        0..0,
        format!(
            "two configurations in the project root: `{}` and {what}; only one would be read",
            used.file_name().unwrap_or_default().to_string_lossy()
        ),
    );
    e.also.push(other);
    e.notes.push(
        "help: keep one of them (or pass `--config FILE` to choose one explicitly)".to_string(),
    );
    e
}

/// The configuration of the project at `root`: `jwtlint.toml` or `.jwtlint.toml` in the root,
/// else the root Cargo.toml's metadata table, else defaults. More than one of them is an error
/// (one would silently shadow the other). Nothing above the root is read.
fn load_project(root: &Path) -> Result<Config, ConfigError> {
    let files: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| root.join(n))
        .filter(|p| p.is_file())
        .collect();
    let manifest = root.join("Cargo.toml");
    let manifest_text = crate::safe_fs::read_text_in_tree(&manifest, root).ok();
    let mcx = manifest_text.map(|text| Ctx {
        file: &manifest,
        text: text.into(),
    });
    let table = match &mcx {
        Some(cx) => metadata_table(cx)?,
        None => None,
    };
    if let Some(first) = files.first() {
        let text = read(first, root)?;
        if let Some(second) = files.get(1) {
            let other = read(second, root)?;
            let label = Ctx {
                file: second,
                text: other.into(),
            }
            .label(0..0, "this file is shadowed");
            return Err(shadowing(first, &text, label, "`.jwtlint.toml`"));
        }
        if let (Some(t), Some(cx)) = (&table, &mcx) {
            let label = cx.label(t.raw.span(), format!("`[{}]` is here", t.table));
            return Err(shadowing(
                first,
                &text,
                label,
                &format!("`[{}]` in Cargo.toml", t.table),
            ));
        }
        return load_file(first, root, false);
    }
    match (table, mcx) {
        (Some(t), Some(cx)) => {
            let origin = Origin::Manifest {
                path: manifest.clone(),
                table: t.table,
            };
            build(&cx, t.raw.get_ref(), origin)
        }
        _ => Ok(Config {
            origin: Origin::Defaults {
                root: root.to_path_buf(),
            },
            ..Config::default()
        }),
    }
}

/// Loads the configuration: the `explicit` (`--config`) file alone when given; else, unless
/// `lookup` is [`Lookup::Isolated`], the project's (see [`load_project`]); else defaults.
pub fn load(root: &Path, explicit: Option<&Path>, lookup: Lookup) -> Result<Config, ConfigError> {
    // The explicit file is the user's choice (it may live anywhere, outside the repository);
    // it is still read bounded and without blocking.
    match (explicit, lookup) {
        (Some(f), _) => load_file(f, Path::new("/"), true),
        (None, Lookup::Isolated) => Ok(Config {
            origin: Origin::Isolated,
            ..Config::default()
        }),
        (None, Lookup::Project) => load_project(root),
    }
}

/// Whether path `p` (relative, `.` for the root) is `rel` or a folder above it.
fn covers(p: &str, rel: &str) -> bool {
    p == "." || rel == p || rel.strip_prefix(p).is_some_and(|r| r.starts_with('/'))
}

impl Config {
    /// Is `rel` excluded? `exclude` patterns that match a path named on the command line, or a
    /// folder above it, do not apply to it (unless `--force-exclude` left `named` empty).
    pub fn is_excluded(&self, rel: &str) -> bool {
        let skip = self
            .named
            .iter()
            .filter(|n| covers(n, rel))
            .map(|n| if n == "." { 0 } else { n.split('/').count() })
            .max()
            .unwrap_or(0);
        self.exclude.matches_below(rel, skip)
    }

    /// Codes ignored for a path by `per-path-ignores`.
    pub fn ignored_for(&self, rel: &str, code: &str) -> bool {
        self.per_path
            .iter()
            .any(|(g, codes)| g.matches(rel) && codes.iter().any(|c| c == code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("15m"), Some(900.0));
        assert_eq!(parse_duration("1h"), Some(3600.0));
        assert_eq!(parse_duration("7d"), Some(604800.0));
        assert_eq!(parse_duration("3600"), Some(3600.0));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("-5m"), None);
    }

    fn pats(list: &[&str]) -> PathPatterns {
        let list: Vec<Spanned<String>> = list
            .iter()
            .map(|s| Spanned::new(0..0, s.to_string()))
            .collect();
        let cx = Ctx {
            file: Path::new("jwtlint.toml"),
            text: "".into(),
        };
        patterns(&cx, &list).unwrap()
    }

    #[test]
    fn patterns_follow_gitignore() {
        let p = pats(&["*/src"]);
        assert!(p.matches("api/src/lib.rs"));
        assert!(!p.matches("src/lib.rs"));
        assert!(!p.matches("a/b/src/lib.rs"), "`*` does not cross `/`");
        let p = pats(&["main.rs"]);
        assert!(p.matches("main.rs") && p.matches("a/b/main.rs"));
        assert!(!p.matches("a/domain.rs"));
        let p = pats(&["src/*.rs"]);
        assert!(p.matches("src/a.rs") && !p.matches("src/x/a.rs"));
        let p = pats(&["./vendor", "gen/"]);
        assert!(p.matches("vendor/x/y.rs") && !p.matches("a/vendor/y.rs"));
        assert!(p.matches("a/gen/y.rs") && !p.matches("a/gen"));
        let p = pats(&["legacy/**", "!legacy/keep.rs"]);
        assert!(p.matches("legacy/a.rs") && !p.matches("legacy/keep.rs"));
    }

    #[test]
    fn named_paths_override_exclude_at_and_above_them_only() {
        let cfg = Config {
            exclude: pats(&["vendor", "gen"]),
            named: vec!["vendor/a".into()],
            ..Config::default()
        };
        assert!(!cfg.is_excluded("vendor/a/x.rs"));
        assert!(
            cfg.is_excluded("vendor/a/gen/x.rs"),
            "excluded below the named path"
        );
        assert!(cfg.is_excluded("vendor/b/x.rs"));
        let root = Config {
            named: vec![".".into()],
            ..cfg.clone()
        };
        assert!(root.is_excluded("vendor/a/x.rs"));
    }

    #[test]
    fn unknown_field_messages_are_read() {
        let (k, e) =
            unknown_field("unknown field `selct`, expected one of `select`, `ignore`").unwrap();
        assert_eq!((k, e), ("selct", vec!["select".into(), "ignore".into()]));
        assert_eq!(did_you_mean("selct", ["select", "ignore"]), Some("select"));
        assert_eq!(did_you_mean("bogus", ["select", "ignore"]), None);
    }
}
