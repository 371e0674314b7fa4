//! Suppressions, applied once, centrally, after every rule has run:
//! `// jwtlint: allow(JWT101, unverified-decode) reason` in Rust and `# jwtlint: allow(..) reason`
//! in TOML. A directive covers its own line; a directive alone on its line also covers the
//! statement that starts on the next code line. Config `per-path-ignores` are applied here too.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::catalog::catalog;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Label, Suppressed, SuppressedBy};
use crate::source::SourceText;

#[derive(Debug, Clone)]
pub struct Directive {
    pub file: String,
    /// Byte range of the comment.
    pub span: Range<usize>,
    /// Lines covered (1-based, inclusive).
    pub lines: Range<usize>,
    /// Codes as written.
    pub names: Vec<String>,
    pub reason: String,
}

/// Finds the directives in one file's text.
pub fn scan(file: &str, src: &SourceText, toml: bool) -> Vec<Directive> {
    let marker: &[u8] = b"jwtlint:";
    let mut out = Vec::new();
    for pos in memchr::memmem::find_iter(src.text.as_bytes(), marker) {
        let line = src.line_of(pos);
        let lr = src.line_range(line);
        let line_text = &src.text[lr.clone()];
        let rel = pos - lr.start;
        let before = &line_text[..rel];
        // Where the line's comment starts: the first `//` (or `#`) outside a string literal.
        let opener = if toml { "#" } else { "//" };
        let Some(cs) = before
            .match_indices(opener)
            .map(|(i, _)| i)
            .find(|&i| !in_string(&before[..i]))
        else {
            continue;
        };
        // Only a plain comment holding nothing but the directive: not a doc comment (`///`,
        // `//!`, which describe the syntax), and not a mention later in a comment.
        let between = &before[cs + opener.len()..];
        if !between.trim().is_empty()
            || (!toml && (between.starts_with('/') || between.starts_with('!')))
        {
            continue;
        }
        let rest = line_text[rel + marker.len()..].trim_start();
        let Some(args) = rest.strip_prefix("allow(") else {
            continue;
        };
        let Some(close) = args.find(')') else {
            continue;
        };
        let names: Vec<String> = args[..close]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let reason = args[close + 1..]
            .trim()
            .trim_start_matches([':', '-', '—'])
            .trim()
            .to_string();
        let own_line = line_text[..cs].trim().is_empty();
        let mut end = line;
        if own_line {
            // Cover the statement that starts on the next code line.
            let mut l = line + 1;
            let mut started = false;
            while l <= src.line_count() {
                let t = src.line_text(l).trim();
                let is_comment =
                    t.starts_with("//") || t.starts_with('#') && toml || t.starts_with("#[");
                if t.is_empty() || (is_comment && !started) {
                    if started && t.is_empty() {
                        break;
                    }
                    l += 1;
                    continue;
                }
                started = true;
                end = l;
                if t.ends_with(';')
                    || t.ends_with('{')
                    || t.ends_with('}')
                    || t.ends_with(',')
                    || toml
                    || l - line > 40
                {
                    break;
                }
                l += 1;
            }
        }
        out.push(Directive {
            file: file.to_string(),
            span: lr.start + cs..lr.end,
            lines: line..end + 1,
            names,
            reason,
        });
    }
    out
}

/// Is the end of this line prefix inside a string literal? (an odd number of unescaped quotes)
fn in_string(prefix: &str) -> bool {
    let mut inside = false;
    let mut escaped = false;
    for c in prefix.chars() {
        match c {
            '\\' if inside => escaped = !escaped,
            '"' if !escaped => inside = !inside,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    inside
}

/// Applies directives and config ignores; returns the kept diagnostics (plus JWT002/JWT003
/// findings for stale or malformed directives) and the suppressed ones with what silenced them.
pub fn apply(
    diags: Vec<Diagnostic>,
    directives: &[Directive],
    sources: &BTreeMap<String, std::sync::Arc<SourceText>>,
    cfg: &Config,
) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    let mut used = vec![false; directives.len()];
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in directives.iter().enumerate() {
        by_file.entry(d.file.as_str()).or_default().push(i);
    }
    for d in diags {
        if cfg.ignored_for(&d.primary.file, &d.code) {
            suppressed.push(Suppressed {
                diagnostic: d,
                by: SuppressedBy::Config,
            });
            continue;
        }
        let line = sources
            .get(&d.primary.file)
            .map(|s| s.line_of(d.primary.span.start))
            .unwrap_or(1);
        let mut hit: Option<usize> = None;
        if d.code != "JWT000" {
            for &i in by_file
                .get(d.primary.file.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let dir = &directives[i];
                if dir.lines.contains(&line) && dir.names.iter().any(|n| names_rule(n, &d.code)) {
                    used[i] = true;
                    hit = hit.or(Some(i));
                }
            }
        }
        match hit {
            Some(i) => suppressed.push(Suppressed {
                diagnostic: d,
                by: SuppressedBy::Directive {
                    at: Label {
                        file: directives[i].file.clone(),
                        span: directives[i].span.clone(),
                        message: String::new(),
                    },
                    reason: directives[i].reason.clone(),
                },
            }),
            None => kept.push(d),
        }
    }
    for (i, dir) in directives.iter().enumerate() {
        let unknown: Vec<&String> = dir
            .names
            .iter()
            .filter(|n| catalog().get(n).is_none())
            .collect();
        if !unknown.is_empty() || dir.names.is_empty() {
            let what = if dir.names.is_empty() {
                "names no rule".to_string()
            } else {
                format!(
                    "names unknown rule{} {}",
                    if unknown.len() > 1 { "s" } else { "" },
                    unknown
                        .iter()
                        .map(|u| format!("`{u}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            kept.push(
                Diagnostic::new(
                    "JWT003",
                    &dir.file,
                    dir.span.clone(),
                    format!("this suppression {what}, so it suppresses nothing"),
                )
                .with_label("unknown rule"),
            );
            continue;
        }
        if !used[i] {
            let enabled = dir.names.iter().any(|n| {
                catalog()
                    .get(n)
                    .map(|r| cfg.enabled.contains(&r.code))
                    .unwrap_or(false)
            });
            if enabled {
                kept.push(
                    Diagnostic::new(
                        "JWT002",
                        &dir.file,
                        dir.span.clone(),
                        format!(
                            "this suppression of {} matches no finding",
                            dir.names.join(", ")
                        ),
                    )
                    .with_label("unused suppression"),
                );
            }
        }
        if dir.reason.is_empty() && cfg.require_reason {
            kept.push(
                Diagnostic::new(
                    "JWT003",
                    &dir.file,
                    dir.span.clone(),
                    "this suppression gives no reason; say why the finding is safe here",
                )
                .with_label("reason missing"),
            );
        }
    }
    (kept, suppressed)
}

fn names_rule(name: &str, code: &str) -> bool {
    catalog().get(name).map(|r| r.code == code).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_only_in_plain_comments() {
        let text = "let a = 1; // jwtlint: allow(JWT101) real\n\
                    /// jwtlint: allow(JWT101) a doc comment describing the syntax\n\
                    //! jwtlint: allow(JWT101) an inner doc comment\n\
                    let s = \"x // jwtlint: allow(JWT101) inside a string\";\n\
                    let t = \"a \\\" quote\"; // jwtlint: allow(JWT102) after an escaped quote\n\
                    // see above: jwtlint: allow(JWT101) not at the start of the comment\n";
        let src = SourceText::new(text.to_string());
        let d = scan("a.rs", &src, false);
        let lines: Vec<usize> = d.iter().map(|d| d.lines.start).collect();
        assert_eq!(lines, [1, 5], "{d:?}");
        assert_eq!(d[0].names, ["JWT101"]);
        assert_eq!(d[0].reason, "real");
        let toml = SourceText::new("jwt = \"*\" # jwtlint: allow(JWT011) pinned by lockfile\nx = \"# jwtlint: allow(JWT011)\"\n".to_string());
        let d = scan("Cargo.toml", &toml, true);
        assert_eq!(d.len(), 1, "{d:?}");
    }
}
