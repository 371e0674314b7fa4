//! Showing the configuration: its errors, rendered by codespan-reporting like every other
//! diagnostic (file, line, column, the line with a caret, notes), and the effective settings
//! (`--show-settings`, `-v`). Text from the project (paths, keys, values, source lines) is
//! sanitised like every text format's (see [`crate::emit::sanitize`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Chars};

use crate::catalog::catalog;
use crate::config::{Config, ConfigError, Origin};
use crate::emit::sanitize::{SafeSource, inline};

/// The files of one error, each registered once with its text made safe to print.
struct ErrorFiles {
    files: SimpleFiles<String, String>,
    ids: BTreeMap<PathBuf, (usize, SafeMap)>,
}

/// Original byte offset -> offset in the sanitised text, as a list of edits.
struct SafeMap(Vec<(usize, usize)>);

impl SafeMap {
    fn offset(&self, text_len: usize, original: usize) -> usize {
        let i = self.0.partition_point(|&(o, _)| o <= original);
        let safe = match i.checked_sub(1).map(|i| self.0[i]) {
            None => original,
            Some((o, n)) => n + (original - o),
        };
        safe.min(text_len)
    }
}

/// A path as an error names it: relative to the current directory when it lies below it.
fn shown(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|r| !r.as_os_str().is_empty())
        .unwrap_or_else(|| p.to_path_buf())
}

impl ErrorFiles {
    fn new() -> Self {
        ErrorFiles {
            files: SimpleFiles::new(),
            ids: BTreeMap::new(),
        }
    }

    /// The file id and the span in the sanitised text.
    fn locate(
        &mut self,
        file: &Path,
        text: &str,
        span: &std::ops::Range<usize>,
    ) -> (usize, std::ops::Range<usize>) {
        if !self.ids.contains_key(file) {
            let safe = SafeSource::new(text);
            let edits: Vec<(usize, usize)> = text
                .char_indices()
                .map(|(i, _)| (i, safe.offset(i)))
                .filter(|(i, n)| i != n)
                .collect();
            let name = inline(&shown(file).display().to_string()).into_owned();
            let id = self.files.add(name, safe.text.into_owned());
            self.ids.insert(file.to_path_buf(), (id, SafeMap(edits)));
        }
        let (id, map) = &self.ids[file];
        let len = self.files.get(*id).map(|f| f.source().len()).unwrap_or(0);
        let fix = |b: usize| {
            let src = self
                .files
                .get(*id)
                .map(|f| f.source().as_str())
                .unwrap_or("");
            let mut b = map.offset(len, b.min(text.len()));
            while !src.is_char_boundary(b) {
                b -= 1;
            }
            b
        };
        let start = fix(span.start);
        (*id, start..fix(span.end).max(start))
    }
}

impl ConfigError {
    /// The error as codespan renders it (no colour), ready for standard error.
    pub fn render(&self) -> String {
        let mut files = ErrorFiles::new();
        let mut labels = Vec::new();
        let mut message = inline(&self.message).into_owned();
        match &self.text {
            Some(t) => {
                let (id, range) = files.locate(&self.file, t, &self.span);
                labels.push(Label::primary(id, range));
            }
            None => {
                message = format!(
                    "{}: {message}",
                    inline(&shown(&self.file).display().to_string())
                )
            }
        }
        for a in &self.also {
            let (id, range) = files.locate(&a.file, &a.text, &a.span);
            labels.push(Label::secondary(id, range).with_message(inline(&a.message)));
        }
        let notes = self.notes.iter().map(|n| inline(n).into_owned()).collect();
        let d = Diagnostic::error()
            .with_message(message)
            .with_labels(labels)
            .with_notes(notes);
        let config = term::Config {
            chars: Chars::ascii(),
            ..term::Config::default()
        };
        let mut out = Vec::new();
        if term::emit_to_io_write(&mut out, &config, &files.files, &d).is_err() {
            return format!("error: {}\n", inline(&self.message));
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// A string as a TOML-like quoted value, every control or invisible character escaped.
fn quoted(s: &str) -> String {
    inline(&format!("{s:?}")).into_owned()
}

fn path(p: &Path) -> String {
    inline(&p.display().to_string()).into_owned()
}

/// Seconds in the largest unit that divides them (`3600` -> `1h`).
pub fn fmt_duration(secs: f64) -> String {
    if secs.fract() == 0.0 && secs > 0.0 {
        for (unit, n) in [("w", 604800.0), ("d", 86400.0), ("h", 3600.0), ("m", 60.0)] {
            if secs % n == 0.0 {
                return format!("{}{unit}", secs / n);
            }
        }
    }
    format!("{secs}s")
}

/// The comment line that says where the settings came from.
pub fn origin_line(origin: &Origin) -> String {
    match origin {
        Origin::Defaults { root } => format!(
            "# settings: the defaults (no jwtlint.toml, .jwtlint.toml or [workspace|package.metadata.jwtlint] in {})",
            path(root)
        ),
        Origin::Isolated => {
            "# settings: the defaults (--isolated: no configuration of the repository is read)"
                .to_string()
        }
        Origin::File { path: p, explicit } => format!(
            "# settings from {}{}",
            path(p),
            if *explicit { " (--config)" } else { "" }
        ),
        Origin::Manifest { path: p, table } => format!("# settings from [{table}] in {}", path(p)),
    }
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    format!("[{}]", items.join(", "))
}

/// The effective settings (configuration and command line together), as TOML with comments.
pub fn show_settings(cfg: &Config, root: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", origin_line(&cfg.origin));
    let _ = writeln!(s, "# project root: {}", path(root));
    let enabled: Vec<String> = catalog()
        .rules
        .iter()
        .filter(|r| cfg.enabled.contains(&r.code))
        .map(|r| quoted(&r.code))
        .collect();
    let _ = writeln!(s, "select = {}", list(enabled));
    let _ = writeln!(
        s,
        "exclude = {}",
        list(cfg.exclude.patterns.iter().map(|p| quoted(p)))
    );
    let _ = writeln!(s, "require-reason = {}", cfg.require_reason);
    let _ = writeln!(s, "test-code = {}", quoted(cfg.test_code.as_str()));
    if !cfg.per_path.is_empty() {
        let _ = writeln!(s, "\n[per-path-ignores]");
        for (p, codes) in &cfg.per_path {
            let pattern = p.patterns.first().map(String::as_str).unwrap_or_default();
            let _ = writeln!(
                s,
                "{} = {}",
                quoted(pattern),
                list(codes.iter().map(|c| quoted(c)))
            );
        }
    }
    for r in &catalog().rules {
        let level = cfg.levels.get(&r.code);
        if r.code != "JWT201" && level.is_none() {
            continue;
        }
        let _ = writeln!(s, "\n[rules.{}]   # {}", r.code, r.name);
        if let Some(l) = level {
            let _ = writeln!(s, "level = {}", quoted(l.as_str()));
        }
        if r.code == "JWT201" {
            let _ = writeln!(
                s,
                "access-token-max = {}",
                quoted(&fmt_duration(cfg.access_max_secs))
            );
            let _ = writeln!(
                s,
                "refresh-token-max = {}",
                quoted(&fmt_duration(cfg.refresh_max_secs))
            );
        }
    }
    let _ = writeln!(s, "\n[dependencies]\nstrict-exact = {}", cfg.strict_exact);
    let _ = writeln!(
        s,
        "\n[advisories]\nout-of-reach = {}",
        quoted(cfg.out_of_reach.as_str())
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_show_in_their_largest_unit() {
        assert_eq!(fmt_duration(3600.0), "1h");
        assert_eq!(fmt_duration(30.0 * 86400.0), "30d");
        assert_eq!(fmt_duration(1209600.0), "2w");
        assert_eq!(fmt_duration(90.0), "90s");
        assert_eq!(fmt_duration(1.5), "1.5s");
    }

    #[test]
    fn errors_render_with_a_caret_and_escaped_text() {
        let text = "a = 1\nk\u{1b} = 2\n".to_string();
        let e = ConfigError {
            file: PathBuf::from("jwtlint.toml"),
            span: 6..10,
            message: "unknown key `k\u{1b}`".into(),
            text: Some(text.into()),
            also: Vec::new(),
            notes: vec!["help: did you mean `x`?".into()],
        };
        let r = e.render();
        assert!(r.contains("jwtlint.toml:2:1"), "{r}");
        assert!(r.contains("^"), "{r}");
        assert!(r.contains("did you mean `x`?"), "{r}");
        assert!(!r.contains('\u{1b}'), "{r}");
    }
}
