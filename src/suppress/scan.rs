//! Reading suppression directives from a file's text (ordinary comments are not in syn's AST).
//!
//! Forms: `// jwtlint: allow(CODE, NAME, JWT012: ADVISORY-ID) reason until=YYYY-MM-DD`, the same
//! in a block comment (`/* jwtlint: allow(..) reason */`), and file-level
//! `//! jwtlint: allow-file(CODE) reason` (also `// ..` and `/*! .. */`). TOML files use `#`.

use std::ops::Range;

use jiff::civil::Date;

use crate::source::SourceText;

/// What a directive covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// These lines (1-based, end exclusive): its own, and for a directive alone on its line the
    /// statement that starts on the next code line.
    Lines(Range<usize>),
    /// The whole file (`allow-file(..)`).
    File,
}

/// One entry of `allow(..)`: a rule code or name, optionally narrowed to one advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The rule as written (`JWT012`, `vulnerable-jwt-version`).
    pub name: String,
    /// `JWT012: GHSA-..`: only the findings about this advisory (id or alias).
    pub advisory: Option<String>,
}

/// When a directive stops applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Until {
    /// No `until=`.
    Forever,
    /// `until=YYYY-MM-DD`: applies through that day.
    Date(Date),
    /// `until=` with something that is not a date (the directive applies to nothing).
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct Directive {
    pub file: String,
    /// Byte range of the comment.
    pub span: Range<usize>,
    pub reach: Reach,
    pub allowed: Vec<Allowed>,
    pub reason: String,
    pub until: Until,
    /// Alone on its line (not after code, not file-level): it covers the statement below, whose
    /// extent [`super::reach::from_tree`] takes from the syntax tree when the file parses.
    pub own_line: bool,
}

/// A comment that starts a directive: where it starts in the line and what kind it is.
struct Opener {
    /// Byte offset in the line.
    at: usize,
    /// `/* .. */`: the directive ends at `*/`.
    block: bool,
    /// `//!` or `/*!`: only `allow-file(..)` counts there.
    inner_doc: bool,
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
        let Some(opener) = opener(&line_text[..rel], toml) else {
            continue;
        };
        let rest = line_text[rel + marker.len()..].trim_start();
        let (file_level, args) = match (
            rest.strip_prefix("allow-file("),
            rest.strip_prefix("allow("),
        ) {
            (Some(a), _) => (true, a),
            (None, Some(a)) if !opener.inner_doc => (false, a),
            _ => continue,
        };
        let Some(close) = args.find(')') else {
            continue;
        };
        let mut tail = &args[close + 1..];
        let mut after_comment = "";
        if opener.block
            && let Some(end) = tail.find("*/")
        {
            after_comment = &tail[end + 2..];
            tail = &tail[..end];
        }
        let (reason, until) = reason_and_until(tail);
        let own_line = !file_level
            && line_text[..opener.at].trim().is_empty()
            && after_comment.trim().is_empty();
        let reach = if file_level {
            Reach::File
        } else {
            Reach::Lines(line..covered_end(src, line, toml, own_line) + 1)
        };
        out.push(Directive {
            file: file.to_string(),
            span: lr.start + opener.at..lr.end,
            reach,
            allowed: allowed_list(&args[..close]),
            reason,
            until,
            own_line,
        });
    }
    out
}

/// The comment the marker is in: the first `//`, `/*` (or `#`) of the line outside a string
/// literal, holding nothing but the directive before the marker. Outer doc comments (`///`,
/// `/**`) describe the syntax and never count.
fn opener(before: &str, toml: bool) -> Option<Opener> {
    let found = if toml {
        before
            .match_indices('#')
            .map(|(i, _)| i)
            .find(|&i| !in_string(&before[..i]))
    } else {
        // Byte-wise: `/` is ASCII, so a match is always on a char boundary.
        let b = before.as_bytes();
        (0..b.len()).find(|&i| {
            (b[i..].starts_with(b"//") || b[i..].starts_with(b"/*")) && !in_string(&before[..i])
        })
    };
    let at = found?;
    let block = !toml && before[at..].starts_with("/*");
    let between = &before[at + if toml { 1 } else { 2 }..];
    if !toml && (between.starts_with('/') || (block && between.starts_with('*'))) {
        return None;
    }
    let inner_doc = !toml && between.starts_with('!');
    let between = if inner_doc { &between[1..] } else { between };
    between.trim().is_empty().then_some(Opener {
        at,
        block,
        inner_doc,
    })
}

/// `JWT101, unverified-decode, JWT012: GHSA-h395-gr6q-cpjc` -> the entries.
fn allowed_list(args: &str) -> Vec<Allowed> {
    args.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.split_once(':') {
            Some((name, id)) => Allowed {
                name: name.trim().to_string(),
                advisory: Some(id.trim().to_string()).filter(|i| !i.is_empty()),
            },
            None => Allowed {
                name: s.to_string(),
                advisory: None,
            },
        })
        .collect()
}

/// The reason (free text after the parenthesis, a leading `:`/`-`/`—` dropped) and the
/// `until=YYYY-MM-DD` word in it, if any.
fn reason_and_until(tail: &str) -> (String, Until) {
    let tail = tail.trim().trim_start_matches([':', '-', '—']);
    let mut until = Until::Forever;
    let mut words = Vec::new();
    for w in tail.split_whitespace() {
        match w.strip_prefix("until=") {
            Some(d) => {
                until = match d.parse::<Date>() {
                    Ok(date) if d.len() == 10 => Until::Date(date),
                    _ => Until::Invalid(d.to_string()),
                }
            }
            None => words.push(w),
        }
    }
    (words.join(" "), until)
}

/// The last line a directive on `line` covers: its own line, or (alone on its line) through
/// the end of the statement that starts on the next code line, judged by line endings (the
/// fallback for files that do not parse and for TOML; see [`super::reach`]).
fn covered_end(src: &SourceText, line: usize, toml: bool, own_line: bool) -> usize {
    let mut end = line;
    if !own_line {
        return end;
    }
    let mut l = line + 1;
    let mut started = false;
    while l <= src.line_count() {
        let t = src.line_text(l).trim();
        let is_comment = t.starts_with("//")
            || t.starts_with("/*")
            || t.starts_with('#') && toml
            || t.starts_with("#[");
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
    end
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(d: &Directive) -> Range<usize> {
        match &d.reach {
            Reach::Lines(r) => r.clone(),
            Reach::File => 0..0,
        }
    }

    #[test]
    fn directives_only_in_plain_comments() {
        let text = "let a = 1; // jwtlint: allow(JWT101) real\n\
                    /// jwtlint: allow(JWT101) a doc comment describing the syntax\n\
                    //! jwtlint: allow(JWT101) an inner doc comment\n\
                    let s = \"x // jwtlint: allow(JWT101) inside a string\";\n\
                    let t = \"a \\\" quote\"; // jwtlint: allow(JWT102) after an escaped quote\n\
                    // see above: jwtlint: allow(JWT101) not at the start of the comment\n\
                    /** jwtlint: allow(JWT101) outer block doc */\n\
                    let é = 1; // jwtlint: allow(JWT801) after a multi-byte name\n";
        let src = SourceText::new(text.to_string());
        let d = scan("a.rs", &src, false);
        let starts: Vec<usize> = d.iter().map(|d| lines(d).start).collect();
        assert_eq!(starts, [1, 5, 8], "{d:?}");
        assert_eq!(d[0].allowed[0].name, "JWT101");
        assert_eq!(d[0].reason, "real");
        let toml = SourceText::new("jwt = \"*\" # jwtlint: allow(JWT011) pinned by lockfile\nx = \"# jwtlint: allow(JWT011)\"\n".to_string());
        let d = scan("Cargo.toml", &toml, true);
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn block_file_level_advisory_and_until_forms() {
        let text = "//! jwtlint: allow-file(JWT801) generated test vectors\n\
                    let k = f(/* jwtlint: allow(JWT801) vector */ \"s\");\n\
                    /* jwtlint: allow(JWT101, JWT012: GHSA-h395-gr6q-cpjc) known until=2027-03-31 */\n\
                    let x = decode(t);\n\
                    // jwtlint: allow(JWT101) r until=2027-02-30\n";
        let src = SourceText::new(text.to_string());
        let d = scan("a.rs", &src, false);
        assert_eq!(d.len(), 4, "{d:?}");
        assert_eq!(d[0].reach, Reach::File);
        assert_eq!(d[0].reason, "generated test vectors");
        assert_eq!(lines(&d[1]), 2..3);
        assert_eq!(d[1].reason, "vector");
        assert_eq!(lines(&d[2]), 3..5);
        assert_eq!(d[2].reason, "known");
        assert_eq!(
            d[2].allowed[1],
            Allowed {
                name: "JWT012".into(),
                advisory: Some("GHSA-h395-gr6q-cpjc".into())
            }
        );
        assert_eq!(d[2].until, Until::Date(jiff::civil::date(2027, 3, 31)));
        assert_eq!(d[3].until, Until::Invalid("2027-02-30".into()));
    }
}
