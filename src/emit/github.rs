//! `--format github`: one GitHub Actions workflow command per finding, which the runner turns
//! into an annotation on the pull request.

use std::io::{self, Write};

use super::sanitize::keep_newlines;
use super::{EmitOptions, name_of, region};
use crate::diagnostic::{Level, Report};

pub(super) fn emit(report: &Report, _opts: &EmitOptions, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let command = match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let r = region(report, &d.primary);
        let name = name_of(d);
        let title = if name.is_empty() {
            d.code.clone()
        } else {
            format!("{} {name}", d.code)
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&d.primary.file),
            r.start_line,
            r.start_column,
            r.end_line,
            r.end_column,
            escape_property(&title),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// `escapeData` of @actions/core: the message of a command. Other control characters and
/// invisible formatting characters are made visible first (see [`super::sanitize`]).
pub(crate) fn escape_data(s: &str) -> String {
    keep_newlines(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of @actions/core: a `key=value` property of a command.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        assert_eq!(
            escape_data("\x1b]8;;x\x07\u{202e}\x7f"),
            "\u{241b}]8;;x\u{2407}\\u{202e}\u{2421}"
        );
    }
}
