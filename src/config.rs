//! Configuration: `jwtlint.toml` (searched upward from the project root) or
//! `[workspace.metadata.jwtlint]` / `[package.metadata.jwtlint]` in the root Cargo.toml.
//! Unknown keys, unknown rule codes and bad values are errors that point into the file.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml_edit::{Item, TableLike, Value};

use crate::catalog::catalog;
use crate::diagnostic::Level;
use crate::source::SourceText;

/// A configuration error with the place it points at.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: PathBuf,
    pub span: Range<usize>,
    pub message: String,
    pub text: Option<String>,
}

impl ConfigError {
    /// `path:line:col: message` plus the offending line and a caret. Text from the project (the
    /// path, the message, the line) is sanitised like every text format's.
    pub fn render(&self) -> String {
        use crate::emit::sanitize::inline;
        let mut s = String::new();
        let file = self.file.display().to_string();
        let (file, message) = (inline(&file), inline(&self.message));
        match &self.text {
            Some(t) => {
                let src = SourceText::new(t.clone());
                let (line, col) = src.line_col(self.span.start);
                s.push_str(&format!("error: {file}:{line}:{col}: {message}\n"));
                s.push_str(&format!("  | {}\n", inline(src.line_text(line))));
                s.push_str(&format!("  | {}^\n", " ".repeat(col.saturating_sub(1))));
            }
            None => s.push_str(&format!("error: {file}: {message}\n")),
        }
        s
    }
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
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from (None: defaults).
    pub source: Option<PathBuf>,
    /// Rules on (codes).
    pub enabled: Vec<String>,
    /// Per-rule level overrides.
    pub levels: HashMap<String, Level>,
    /// Files excluded from discovery.
    pub exclude: GlobSet,
    /// Per-path ignores: (glob, codes).
    pub per_path: Vec<(GlobSet, Vec<String>)>,
    pub require_reason: bool,
    /// What happens to findings in test code.
    pub test_code: TestCode,
    pub access_max_secs: f64,
    pub refresh_max_secs: f64,
    /// Dependency rules: require `=x.y.z` for JWT crates.
    pub strict_exact: bool,
    /// `[advisories] ignore`: advisories accepted by id, workspace-wide.
    pub advisory_ignores: Vec<AdvisoryIgnore>,
}

/// One `[advisories] ignore` entry: findings about this advisory (id or alias) are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryIgnore {
    pub id: String,
    pub reason: String,
    /// Applies through this day, then the findings come back.
    pub until: Option<jiff::civil::Date>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            enabled: catalog().default_codes(),
            levels: HashMap::new(),
            exclude: GlobSet::empty(),
            per_path: Vec::new(),
            require_reason: true,
            test_code: TestCode::Hide,
            access_max_secs: 3600.0,
            refresh_max_secs: 30.0 * 86400.0,
            strict_exact: false,
            advisory_ignores: Vec::new(),
        }
    }
}

/// Resolves a list of selectors (codes, code prefixes like `JWT1`, names, `ALL`) to codes.
pub fn resolve_selectors(list: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for s in list {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        if s.eq_ignore_ascii_case("all") {
            out.extend(catalog().rules.iter().map(|r| r.code.clone()));
            continue;
        }
        let up = s.to_ascii_uppercase();
        let hits: Vec<String> = catalog()
            .rules
            .iter()
            .filter(|r| r.code.starts_with(&up) || r.name == s)
            .map(|r| r.code.clone())
            .collect();
        if hits.is_empty() {
            return Err(format!("unknown rule `{s}` (see `cargo jwtlint rules`)"));
        }
        out.extend(hits);
    }
    Ok(out)
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

struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Option<Range<usize>>, msg: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            span: span.unwrap_or(0..0),
            message: msg.into(),
            text: Some(self.text.to_string()),
        }
    }
}

fn str_list(cx: &Ctx, item: &Item, key: &str) -> Result<Vec<String>, ConfigError> {
    let arr = item
        .as_array()
        .ok_or_else(|| cx.err(item.span(), format!("`{key}` must be an array of strings")))?;
    arr.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| cx.err(v.span(), format!("`{key}` must contain strings")))
        })
        .collect()
}

fn glob_set(cx: &Ctx, item: &Item, key: &str) -> Result<GlobSet, ConfigError> {
    let mut b = GlobSetBuilder::new();
    let arr = item
        .as_array()
        .ok_or_else(|| cx.err(item.span(), format!("`{key}` must be an array of globs")))?;
    for v in arr.iter() {
        let s = v
            .as_str()
            .ok_or_else(|| cx.err(v.span(), "expected a glob string"))?;
        add_glob(&mut b, s).map_err(|e| cx.err(v.span(), format!("bad glob `{s}`: {e}")))?;
    }
    b.build().map_err(|e| cx.err(item.span(), e.to_string()))
}

fn add_glob(b: &mut GlobSetBuilder, s: &str) -> Result<(), globset::Error> {
    let s = s.trim_start_matches("./");
    b.add(Glob::new(s)?);
    // `dir` and `dir/` also mean everything below it.
    if !s.contains('*') {
        b.add(Glob::new(&format!("{}/**", s.trim_end_matches('/')))?);
    }
    Ok(())
}

fn codes_of(cx: &Ctx, v: &Value) -> Result<Vec<String>, ConfigError> {
    let list: Vec<String> = match v {
        Value::String(s) => vec![s.value().clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => return Err(cx.err(v.span(), "expected a rule code or a list of rule codes")),
    };
    resolve_selectors(&list).map_err(|e| cx.err(v.span(), e))
}

fn parse_table(cx: &Ctx, t: &dyn TableLike, cfg: &mut Config) -> Result<(), ConfigError> {
    let mut select: Option<Vec<String>> = None;
    let mut extend: Vec<String> = Vec::new();
    let mut ignore: Vec<String> = Vec::new();
    for (key, item) in t.iter() {
        let kspan = t.key(key).and_then(|k| k.span());
        match key {
            "select" | "ignore" | "extend-select" => {
                let list = str_list(cx, item, key)?;
                let codes = resolve_selectors(&list).map_err(|e| cx.err(item.span(), e))?;
                match key {
                    "select" => select = Some(codes),
                    "extend-select" => extend = codes,
                    _ => ignore = codes,
                }
            }
            "exclude" => cfg.exclude = glob_set(cx, item, key)?,
            "require-reason" => {
                cfg.require_reason = item
                    .as_bool()
                    .ok_or_else(|| cx.err(item.span(), "`require-reason` must be true or false"))?
            }
            "test-code" => {
                cfg.test_code = item.as_str().and_then(TestCode::parse).ok_or_else(|| {
                    cx.err(
                        item.span(),
                        "`test-code` must be \"hide\", \"note\" or \"report\"",
                    )
                })?
            }
            // The older switch: `true` (one level lower) is now "note", `false` is "report".
            "lower-test-code" => {
                let lower = item.as_bool().ok_or_else(|| {
                    cx.err(item.span(), "`lower-test-code` must be true or false")
                })?;
                cfg.test_code = if lower {
                    TestCode::Note
                } else {
                    TestCode::Report
                };
            }
            "per-path-ignores" => {
                let tbl = item.as_table_like().ok_or_else(|| {
                    cx.err(
                        item.span(),
                        "`per-path-ignores` must be a table of glob = [codes]",
                    )
                })?;
                for (glob, v) in tbl.iter() {
                    let mut b = GlobSetBuilder::new();
                    add_glob(&mut b, glob).map_err(|e| {
                        cx.err(
                            tbl.key(glob).and_then(|k| k.span()),
                            format!("bad glob: {e}"),
                        )
                    })?;
                    let set = b.build().map_err(|e| cx.err(None, e.to_string()))?;
                    let v = v
                        .as_value()
                        .ok_or_else(|| cx.err(v.span(), "expected a list of rule codes"))?;
                    cfg.per_path.push((set, codes_of(cx, v)?));
                }
            }
            "rules" => {
                let tbl = item
                    .as_table_like()
                    .ok_or_else(|| cx.err(item.span(), "`rules` must be a table"))?;
                for (rule, opts) in tbl.iter() {
                    let rspan = tbl.key(rule).and_then(|k| k.span());
                    let r = catalog().get(rule).ok_or_else(|| {
                        cx.err(
                            rspan.clone(),
                            format!("unknown rule `{rule}` (see `cargo jwtlint rules`)"),
                        )
                    })?;
                    let o = opts
                        .as_table_like()
                        .ok_or_else(|| cx.err(opts.span(), "rule options must be a table"))?;
                    for (ok, ov) in o.iter() {
                        let ospan = o.key(ok).and_then(|k| k.span());
                        match (r.code.as_str(), ok) {
                            (_, "level") => {
                                let l = ov.as_str().and_then(Level::parse).ok_or_else(|| {
                                    cx.err(
                                        ov.span(),
                                        "`level` must be \"error\", \"warning\" or \"note\"",
                                    )
                                })?;
                                cfg.levels.insert(r.code.clone(), l);
                            }
                            ("JWT201", "access-token-max" | "refresh-token-max") => {
                                let secs = ov
                                    .as_str()
                                    .and_then(parse_duration)
                                    .or_else(|| ov.as_integer().map(|i| i as f64))
                                    .ok_or_else(|| {
                                        cx.err(
                                            ov.span(),
                                            "expected a duration such as \"15m\", \"1h\" or \"7d\"",
                                        )
                                    })?;
                                if ok == "access-token-max" {
                                    cfg.access_max_secs = secs;
                                } else {
                                    cfg.refresh_max_secs = secs;
                                }
                            }
                            ("JWT016", "enabled") | (_, "strict-exact") => {
                                cfg.strict_exact = ov
                                    .as_bool()
                                    .ok_or_else(|| cx.err(ov.span(), "expected true or false"))?;
                            }
                            _ => {
                                return Err(cx.err(
                                    ospan,
                                    format!(
                                        "unknown option `{ok}` for rule {} ({})",
                                        r.code, r.name
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            "advisories" => cfg.advisory_ignores = advisories_table(cx, item)?,
            "dependencies" => {
                let tbl = item
                    .as_table_like()
                    .ok_or_else(|| cx.err(item.span(), "`dependencies` must be a table"))?;
                for (k, v) in tbl.iter() {
                    match k {
                        "strict-exact" => {
                            cfg.strict_exact = v
                                .as_bool()
                                .ok_or_else(|| cx.err(v.span(), "expected true or false"))?
                        }
                        _ => {
                            return Err(cx.err(
                                tbl.key(k).and_then(|k| k.span()),
                                format!("unknown key `{k}` in `dependencies`"),
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(cx.err(
                    kspan,
                    format!(
                        "unknown key `{key}` (expected one of: select, extend-select, ignore, exclude, per-path-ignores, rules, require-reason, test-code, dependencies, advisories)"
                    ),
                ));
            }
        }
    }
    let mut enabled = select.unwrap_or_else(|| catalog().default_codes());
    for c in extend {
        if !enabled.contains(&c) {
            enabled.push(c);
        }
    }
    enabled.retain(|c| !ignore.contains(c));
    cfg.enabled = enabled;
    Ok(())
}

/// `[advisories] ignore = [{ id = "GHSA-..", reason = "..", until = "YYYY-MM-DD" }]`: `id` and
/// `reason` are required, `until` is optional.
fn advisories_table(cx: &Ctx, item: &Item) -> Result<Vec<AdvisoryIgnore>, ConfigError> {
    let tbl = item
        .as_table_like()
        .ok_or_else(|| cx.err(item.span(), "`advisories` must be a table"))?;
    let mut out = Vec::new();
    for (k, v) in tbl.iter() {
        if k != "ignore" {
            return Err(cx.err(
                tbl.key(k).and_then(|k| k.span()),
                format!("unknown key `{k}` in `advisories` (expected `ignore`)"),
            ));
        }
        let entries: Vec<&dyn TableLike> = match v {
            Item::Value(Value::Array(a)) => a
                .iter()
                .map(|e| {
                    e.as_inline_table()
                        .map(|t| t as &dyn TableLike)
                        .ok_or_else(|| cx.err(e.span(), "expected { id = .., reason = .. }"))
                })
                .collect::<Result<_, _>>()?,
            Item::ArrayOfTables(a) => a.iter().map(|t| t as &dyn TableLike).collect(),
            _ => return Err(cx.err(v.span(), "`ignore` must be an array of tables")),
        };
        for e in entries {
            out.push(advisory_ignore(cx, e, v.span())?);
        }
    }
    Ok(out)
}

fn advisory_ignore(
    cx: &Ctx,
    e: &dyn TableLike,
    span: Option<Range<usize>>,
) -> Result<AdvisoryIgnore, ConfigError> {
    let text = |key: &str| -> Result<Option<String>, ConfigError> {
        e.get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| cx.err(v.span(), format!("`{key}` must be a string")))
            })
            .transpose()
    };
    if let Some((k, _)) = e
        .iter()
        .find(|(k, _)| !matches!(*k, "id" | "reason" | "until"))
    {
        let msg = format!("unknown key `{k}` in an advisory ignore (expected id, reason, until)");
        return Err(cx.err(e.key(k).and_then(|k| k.span()), msg));
    }
    let id = text("id")?.filter(|s| !s.trim().is_empty());
    let id = id.ok_or_else(|| cx.err(span.clone(), "an advisory ignore needs an `id`"))?;
    let reason = text("reason")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| cx.err(span.clone(), format!("the ignore of {id} needs a `reason`")))?;
    let until = match text("until")? {
        None => None,
        Some(d) => Some(d.parse::<jiff::civil::Date>().map_err(|_| {
            cx.err(
                e.get("until").and_then(|v| v.span()),
                format!("`until` must be a date written YYYY-MM-DD, not `{d}`"),
            )
        })?),
    };
    Ok(AdvisoryIgnore { id, reason, until })
}

/// Loads the configuration: an explicit file, else `jwtlint.toml` / `.jwtlint.toml` searched
/// upward from `root`, else the root Cargo.toml's metadata table, else defaults.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let mut cfg = Config::default();
    let file = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => root
            .ancestors()
            .flat_map(|d| [d.join("jwtlint.toml"), d.join(".jwtlint.toml")])
            .find(|p| p.is_file()),
    };
    if let Some(f) = file {
        // A searched file must be in its own folder's tree (not a link out); the explicit
        // `--config` file is the user's choice. Both are read bounded and without blocking.
        let base = match explicit {
            Some(_) => Path::new("/"),
            None => f.parent().unwrap_or(root),
        };
        let text = crate::safe_fs::read_text_in_tree(&f, base).map_err(|e| ConfigError {
            file: f.clone(),
            span: 0..0,
            message: format!("cannot read the configuration: {e}"),
            text: None,
        })?;
        let cx = Ctx {
            file: &f,
            text: &text,
        };
        let doc = toml_edit::Document::parse(text.clone())
            .map_err(|e| cx.err(e.span(), e.message().trim().to_string()))?;
        parse_table(&cx, doc.as_table(), &mut cfg)?;
        cfg.source = Some(f);
        return Ok(cfg);
    }
    let manifest = root.join("Cargo.toml");
    if let Ok(text) = crate::safe_fs::read_text_in_tree(&manifest, root)
        && let Ok(doc) = toml_edit::Document::parse(text.clone())
    {
        let cx = Ctx {
            file: &manifest,
            text: &text,
        };
        for section in ["workspace", "package"] {
            if let Some(t) = doc
                .get(section)
                .and_then(Item::as_table_like)
                .and_then(|t| t.get("metadata"))
                .and_then(Item::as_table_like)
                .and_then(|t| t.get("jwtlint"))
                .and_then(Item::as_table_like)
            {
                parse_table(&cx, t, &mut cfg)?;
                cfg.source = Some(manifest.clone());
                break;
            }
        }
    }
    Ok(cfg)
}

impl Config {
    pub fn is_excluded(&self, rel: &str) -> bool {
        self.exclude.is_match(rel)
    }

    /// Codes ignored for a path by `per-path-ignores`.
    pub fn ignored_for(&self, rel: &str, code: &str) -> bool {
        self.per_path
            .iter()
            .any(|(g, codes)| g.is_match(rel) && codes.iter().any(|c| c == code))
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
    }
}
