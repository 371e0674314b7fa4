//! A window of one long source line, for snippets in the human format.
//!
//! codespan prints the whole line a label is on, and measures it again for every label: a
//! minified or generated file with one 2 MB line and thousands of findings on it would print
//! gigabytes and take minutes. A label on a line longer than [`MAX_SHOWN_LINE`] bytes is shown
//! instead as a window of at most [`MAX_SHOWN_LABEL`] bytes of the label with [`CONTEXT`]
//! bytes each side, cut at character boundaries and marked `...` where the line goes on. Line
//! and column numbers stay those of the file.

use std::ops::Range;

use super::sanitize::SafeSource;
use crate::diagnostic::Label;
use crate::source::SourceText;

/// Longest line a snippet shows whole.
pub(super) const MAX_SHOWN_LINE: usize = 512;
/// Longest part of a label a window shows.
pub(super) const MAX_SHOWN_LABEL: usize = 160;
/// Bytes of the line shown before and after the label in a window.
pub(super) const CONTEXT: usize = 60;

const CUT: &str = "...";

/// One line's window: its safe text, the label inside it, and where it sits in the file.
pub(super) struct Excerpt {
    pub text: String,
    pub label: Range<usize>,
    /// 1-based line of the file.
    pub line: usize,
    /// The file's column (UTF-16 units, as in every other format) of the text's first byte,
    /// less the width of a leading `...`.
    column_base: usize,
}

/// Does this label sit on a line too long to show whole (its first or its last line)?
pub(super) fn needs_window(src: &SourceText, label: &Label) -> bool {
    let long = |offset: usize| src.line_range(src.line_of(offset)).len() > MAX_SHOWN_LINE;
    long(label.span.start) || long(label.span.end.max(label.span.start))
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl Excerpt {
    /// The window around a label's start; a label that goes past its first line, or past
    /// [`MAX_SHOWN_LABEL`], is cut there.
    pub fn new(src: &SourceText, label: &Label) -> Excerpt {
        let text = src.text.as_str();
        let start = floor_boundary(text, label.span.start);
        let line = src.line_of(start);
        let bounds = src.line_range(line);
        let start = start.clamp(bounds.start, bounds.end);
        let end = label.span.end.clamp(start, bounds.end);
        let end = floor_boundary(text, end.min(start + MAX_SHOWN_LABEL)).max(start);
        let from = floor_boundary(text, start.saturating_sub(CONTEXT).max(bounds.start));
        let to = floor_boundary(text, (end + CONTEXT).min(bounds.end)).max(end);
        let safe = SafeSource::new(&text[from..to]);
        let before = if from > bounds.start { CUT } else { "" };
        let after = if to < bounds.end { CUT } else { "" };
        let shown = format!("{before}{}{after}", safe.text);
        let at = |offset: usize| before.len() + safe.offset(offset - from);
        Excerpt {
            label: at(start)..at(end),
            text: shown,
            line,
            column_base: src.line_col(from).1.saturating_sub(before.len()),
        }
    }

    /// The file's column of a byte of [`Excerpt::text`].
    pub fn column(&self, byte: usize) -> usize {
        let byte = floor_boundary(&self.text, byte);
        self.column_base + self.text[..byte].chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(span: Range<usize>) -> Label {
        Label {
            file: "a.rs".into(),
            span,
            message: String::new(),
        }
    }

    #[test]
    fn a_label_far_into_a_long_line_is_shown_with_its_context_and_real_column() {
        let text = format!(
            "fn f() {{}}\n{}TARGET{}\n",
            "x".repeat(5000),
            "y".repeat(5000)
        );
        let src = SourceText::new(text.clone());
        let at = text.find("TARGET").unwrap();
        let l = label(at..at + 6);
        assert!(needs_window(&src, &l));
        let e = Excerpt::new(&src, &l);
        assert_eq!(&e.text[e.label.clone()], "TARGET");
        assert!(
            e.text.starts_with("...x") && e.text.ends_with("y..."),
            "{}",
            e.text
        );
        assert!(e.text.len() <= 2 * CONTEXT + 6 + 2 * CUT.len());
        assert_eq!(e.line, 2);
        assert_eq!(e.column(e.label.start), 5001);
    }

    #[test]
    fn a_huge_label_is_cut_and_short_lines_need_no_window() {
        let text = format!("const X: u64 = {};\nfn g() {{}}\n", "9".repeat(100_000));
        let src = SourceText::new(text);
        let e = Excerpt::new(&src, &label(15..100_015));
        assert_eq!(e.label.len(), MAX_SHOWN_LABEL);
        assert_eq!(e.column(e.label.start), 16);
        let short = text_label(&src, "fn g");
        assert!(!needs_window(&src, &short));
    }

    fn text_label(src: &SourceText, what: &str) -> Label {
        let at = src.text.find(what).unwrap();
        label(at..at + what.len())
    }

    #[test]
    fn windows_cut_at_character_boundaries_and_escape_controls() {
        let text = format!("{}\u{1b}[31m{}", "日".repeat(400), "é".repeat(400));
        let src = SourceText::new(text);
        for start in [0, 1, 599, 1200, 1201, 1202, 1999] {
            let e = Excerpt::new(&src, &label(start..start + 7));
            assert!(!e.text.contains('\u{1b}'));
            assert!(e.label.start <= e.label.end && e.label.end <= e.text.len());
        }
    }
}
