//! `--format concise`: one line per finding, `./path:line:col: level[CODE] message`, then the
//! summary line (unless `-q`). Editors' and reviewdog's `%f:%l:%c: %m` patterns read it.
//!
//! A relative path is written with a leading `./`, so no line starts with text from the project
//! (a directory named `::error file=x::` cannot become a workflow command); every project text is
//! sanitised. Columns are UTF-16 code units, as in the JSON output.

use std::io::{self, Write};

use super::sanitize::inline;
use super::{EmitOptions, region, summary_line};
use crate::diagnostic::{Diagnostic, Report};

pub(super) fn emit(report: &Report, opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        writeln!(out, "{}", line(report, d))?;
    }
    if !opts.quiet {
        writeln!(out, "{}", summary_line(report, opts.verbose))?;
    }
    Ok(())
}

/// A path as written at the start of a line: `./` in front unless it is already anchored.
pub(super) fn anchored_path(path: &str) -> String {
    let path = inline(path);
    if path.starts_with("./") || path.starts_with("../") || path.starts_with('/') {
        path.into_owned()
    } else {
        format!("./{path}")
    }
}

/// `./src/auth.rs:5:7: error[JWT101] message`
pub(super) fn line(report: &Report, d: &Diagnostic) -> String {
    let r = region(report, &d.primary);
    format!(
        "{}:{}:{}: {}[{}] {}",
        anchored_path(&d.primary.file),
        r.start_line,
        r.start_column,
        d.level.as_str(),
        inline(&d.code),
        inline(&d.message)
    )
}
