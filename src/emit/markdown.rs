//! The GitHub job summary (`$GITHUB_STEP_SUMMARY`): the run's summary line, the counts per rule
//! and level, and the first findings with links to their lines.
//!
//! Text from the project (messages, paths) is sanitised and then escaped for Markdown: every
//! ASCII punctuation character gets a backslash (so nothing becomes emphasis, a link, a table
//! cell border, an issue reference or an autolink) and `<`, `>`, `&` and `"` become entities (so
//! no HTML reaches the page). Every line starts with `#`, `|` or the tool's own words.

use std::io::{self, Write};
use std::path::Path;

use super::sanitize::inline;
use super::sarif::encode_uri_path;
use super::{EmitOptions, name_of, region, statistics, summary_line};
use crate::diagnostic::{Diagnostic, Report};

/// At most this many findings are listed (the summary file is limited to 1 MiB).
const TOP: usize = 20;

/// Where finding links point: `{server_url}/{repository}/blob/{sha}/{path_prefix}{path}#L{line}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubLinks {
    pub server_url: String,
    pub repository: String,
    pub sha: String,
    /// The project root relative to the checkout (`GITHUB_WORKSPACE`), with a trailing `/`, or
    /// empty when the project is the checkout.
    pub path_prefix: String,
}

impl GithubLinks {
    /// From the runner's `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY` and `GITHUB_SHA` (all three are
    /// needed) and `GITHUB_WORKSPACE` (for a project in a subfolder of the checkout).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>, root: &Path) -> Option<GithubLinks> {
        let get = |k: &str| var(k).filter(|v| !v.is_empty());
        let path_prefix = get("GITHUB_WORKSPACE")
            .and_then(|w| {
                let rel = root.strip_prefix(Path::new(&w)).ok()?;
                let rel = rel.to_string_lossy().replace('\\', "/");
                Some(if rel.is_empty() {
                    rel
                } else {
                    format!("{rel}/")
                })
            })
            .unwrap_or_default();
        Some(GithubLinks {
            server_url: get("GITHUB_SERVER_URL")?,
            repository: get("GITHUB_REPOSITORY")?,
            sha: get("GITHUB_SHA")?,
            path_prefix,
        })
    }

    fn url(&self, path: &str, line: usize) -> String {
        format!(
            "{}/{}/blob/{}/{}#L{line}",
            url_part(self.server_url.trim_end_matches('/')),
            url_part(&self.repository),
            url_part(&self.sha),
            encode_uri_path(&format!("{}{path}", self.path_prefix)),
        )
    }
}

/// A URL piece from the environment, with anything that could end the Markdown link encoded.
fn url_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Project text made safe for a Markdown table cell.
pub(crate) fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in inline(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes the summary (appended by the caller to `$GITHUB_STEP_SUMMARY`).
pub fn step_summary(
    report: &Report,
    links: Option<&GithubLinks>,
    opts: &EmitOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "## cargo-jwtlint\n")?;
    // The summary line holds counts only, no project text.
    writeln!(out, "{}\n", summary_line(report, opts.verbose))?;
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "| Rule | Name | Level | Findings |\n| --- | --- | --- | ---: |"
    )?;
    for c in statistics(report) {
        let (code, name) = (md(&c.code), md(&c.name));
        writeln!(
            out,
            "| {code} | {name} | {} | {} |",
            c.level.as_str(),
            c.count
        )?;
    }
    let mut top: Vec<&Diagnostic> = report.diagnostics.iter().collect();
    top.sort_by_key(|d| std::cmp::Reverse(d.level));
    let shown = top.len().min(TOP);
    writeln!(out, "\n### Findings ({shown} of {})\n", top.len())?;
    writeln!(
        out,
        "| Level | Rule | Location | Message |\n| --- | --- | --- | --- |"
    )?;
    for d in &top[..shown] {
        let r = region(report, &d.primary);
        let place = md(&format!("{}:{}", d.primary.file, r.start_line));
        let place = match links {
            Some(l) => format!("[{place}]({})", l.url(&d.primary.file, r.start_line)),
            None => place,
        };
        let rule = md(format!("{} {}", d.code, name_of(d)).trim_end());
        let message = md(&d.message);
        writeln!(
            out,
            "| {} | {rule} | {place} | {message} |",
            d.level.as_str()
        )?;
    }
    if top.len() > shown {
        writeln!(
            out,
            "\n_{} more findings: see the annotations or the code scanning alerts._",
            top.len() - shown
        )?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_from_the_project_are_inert() {
        assert_eq!(
            md("<img src=x onerror=alert(1)> *a* [l](u) | #1 @me\n::x"),
            "&lt;img src\\=x onerror\\=alert\\(1\\)&gt; \\*a\\* \\[l\\]\\(u\\) \\| \\#1 \\@me\u{240a}\\:\\:x"
        );
        assert_eq!(md("&amp; \"q\" 日本"), "&amp;amp\\; &quot;q&quot; 日本");
    }

    #[test]
    fn links_need_the_three_variables_and_honour_a_subfolder() {
        let vars = |k: &str| match k {
            "GITHUB_SERVER_URL" => Some("https://github.com".to_string()),
            "GITHUB_REPOSITORY" => Some("o/r".to_string()),
            "GITHUB_SHA" => Some("abc123".to_string()),
            "GITHUB_WORKSPACE" => Some("/w/r".to_string()),
            _ => None,
        };
        let l = GithubLinks::from_vars(vars, Path::new("/w/r/svc")).unwrap();
        assert_eq!(
            l.url("src/a b).rs", 7),
            "https://github.com/o/r/blob/abc123/svc/src/a%20b%29.rs#L7"
        );
        let root = GithubLinks::from_vars(vars, Path::new("/w/r")).unwrap();
        assert_eq!(root.path_prefix, "");
        let none = |k: &str| (k != "GITHUB_SHA").then(|| vars(k)).flatten();
        assert_eq!(GithubLinks::from_vars(none, Path::new("/w/r")), None);
    }
}
