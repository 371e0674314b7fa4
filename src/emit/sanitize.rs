//! Making text from the linted project safe to print in the text formats (human, github, and
//! the configuration errors on standard error).
//!
//! File names, string literals quoted in messages, manifest strings, advisory titles and the
//! source lines of snippets all come from the project, which may be an untrusted pull request.
//! Printed raw they could move the terminal's cursor (ESC, CR), open hyperlinks (OSC 8), reorder
//! what the reader sees (bidi overrides), or start a new output line that a CI runner executes
//! (`\n::add-mask::..`). So, before printing:
//!
//! - C0 control characters and DEL become Unicode control pictures (`␛`, `␍`, `␡`), as rustc's
//!   emitter shows them: one visible character each, so snippet carets stay aligned. Tab is kept.
//! - C1 control characters, bidi embeddings, overrides, isolates and marks, zero-width and other
//!   invisible formatting characters, and the Unicode line and paragraph separators become
//!   `\u{..}` escapes.
//! - A line feed becomes `␊` in text that must stay on one line ([`inline`]); it is kept where
//!   the format encodes it itself ([`keep_newlines`], for github's `%0A`) or where it separates
//!   the lines of a source file ([`SafeSource`], whose lines each get codespan's gutter).
//!
//! JSON and SARIF do not use this: their encoders escape every control character and keep the
//! exact text.

use std::borrow::Cow;
use std::fmt::Write as _;

/// How line breaks are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One output line: LF and CR are made visible.
    Inline,
    /// LF and CR are kept (the caller escapes them).
    KeepNewlines,
    /// Source text: LF and a CR right before it are kept (they end a line); a lone CR is not.
    Source,
}

/// Invisible formatting characters (Unicode category Cf), the line and paragraph separators and
/// the Hangul fillers that render as nothing. Sorted, inclusive ranges.
const INVISIBLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0x3164, 0x3164),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

fn is_invisible(c: char) -> bool {
    let c = c as u32;
    let i = INVISIBLE.partition_point(|&(_, hi)| hi < c);
    INVISIBLE.get(i).is_some_and(|&(lo, _)| lo <= c)
}

/// Does `c` need escaping in this mode? `next` is the character after it (for CR LF).
fn needs_escape(c: char, next: Option<char>, mode: Mode) -> bool {
    match c {
        '\t' => false,
        '\n' => mode == Mode::Inline,
        '\r' => match mode {
            Mode::Inline => true,
            Mode::KeepNewlines => false,
            Mode::Source => next != Some('\n'),
        },
        c if c.is_control() => true,
        c => is_invisible(c),
    }
}

/// Writes the visible form of a character that [`needs_escape`].
fn push_escaped(out: &mut String, c: char) {
    let n = c as u32;
    match n {
        0x00..=0x1F => out.push(char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}')),
        0x7F => out.push('\u{2421}'),
        _ => {
            let _ = write!(out, "\\u{{{n:x}}}");
        }
    }
}

/// Escapes `s`; calls `on_edit(original offset, escaped offset)` before and after every escaped
/// character. Borrows when nothing needs escaping.
fn escape(s: &str, mode: Mode, mut on_edit: impl FnMut(usize, usize)) -> Cow<'_, str> {
    let mut chars = s.char_indices().peekable();
    let mut out: Option<String> = None;
    let mut copied = 0;
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if !needs_escape(c, next, mode) {
            continue;
        }
        let o = out.get_or_insert_with(|| String::with_capacity(s.len() + 16));
        o.push_str(&s[copied..i]);
        on_edit(i, o.len());
        push_escaped(o, c);
        copied = i + c.len_utf8();
        on_edit(copied, o.len());
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Text printed on one line (a message, label, note, help or file name): every control
/// character, line breaks included, and every invisible formatting character made visible.
pub(crate) fn inline(s: &str) -> Cow<'_, str> {
    escape(s, Mode::Inline, |_, _| {})
}

/// Like [`inline`] but keeps LF and CR, for a format that encodes them itself (github's `%0A`).
pub(crate) fn keep_newlines(s: &str) -> Cow<'_, str> {
    escape(s, Mode::KeepNewlines, |_, _| {})
}

/// A source text made safe for a snippet, with the map from original byte offsets to offsets in
/// the safe text (so labels still point at the same characters).
pub(crate) struct SafeSource<'a> {
    pub text: Cow<'a, str>,
    /// (original offset, safe offset) at the start and end of every escaped character.
    edits: Vec<(usize, usize)>,
}

impl<'a> SafeSource<'a> {
    pub fn new(text: &'a str) -> SafeSource<'a> {
        let mut edits = Vec::new();
        let text = escape(text, Mode::Source, |o, n| edits.push((o, n)));
        SafeSource { text, edits }
    }

    /// The offset in the safe text of an original byte offset.
    pub fn offset(&self, original: usize) -> usize {
        let i = self.edits.partition_point(|&(o, _)| o <= original);
        match i.checked_sub(1).map(|i| self.edits[i]) {
            None => original,
            Some((o, n)) => n + (original - o),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_pictures_and_invisibles_escapes() {
        assert_eq!(
            inline("a\x1b[31mb\x07\x7f"),
            "a\u{241b}[31mb\u{2407}\u{2421}"
        );
        assert_eq!(inline("x\n::error::y\r"), "x\u{240a}::error::y\u{240d}");
        assert_eq!(
            inline("\u{202e}abc\u{2066}\u{200b}"),
            "\\u{202e}abc\\u{2066}\\u{200b}"
        );
        assert_eq!(inline("\u{85}\u{9b}"), "\\u{85}\\u{9b}");
        assert_eq!(inline("tab\tok, 日本😀 é"), "tab\tok, 日本😀 é");
        assert!(matches!(inline("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn keep_newlines_keeps_only_line_breaks() {
        assert_eq!(keep_newlines("a\r\nb\n\x1b"), "a\r\nb\n\u{241b}");
    }

    #[test]
    fn source_keeps_line_ends_and_maps_offsets() {
        let src = "a\x1bb\r\nc\rd\u{202e}e\n";
        let s = SafeSource::new(src);
        assert_eq!(s.text, "a\u{241b}b\r\nc\u{240d}d\\u{202e}e\n");
        for (i, c) in src.char_indices() {
            let o = s.offset(i);
            let expected = if c == '\u{202e}' {
                '\\'
            } else if c.is_control() && c != '\n' && !(c == '\r' && src[i..].starts_with("\r\n")) {
                char::from_u32(0x2400 + c as u32).unwrap()
            } else {
                c
            };
            assert_eq!(s.text[o..].chars().next(), Some(expected), "offset {i}");
        }
        assert_eq!(s.offset(src.len()), s.text.len());
    }
}
