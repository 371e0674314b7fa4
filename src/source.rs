//! Source text with a line index. Lines are 1-based; columns are 1-based and counted in UTF-16
//! code units (what SARIF, GitHub and editors expect). A leading UTF-8 BOM is not a column.

#[derive(Debug, Clone)]
pub struct SourceText {
    pub text: String,
    line_starts: Vec<usize>,
    /// Built on first use: where UTF-8 and UTF-16 lengths differ, so a column costs two binary
    /// searches instead of a walk from the line start (20,000 findings on one long line).
    wide: std::sync::OnceLock<WideChars>,
}

/// Every non-ASCII character's byte offset with the running total, up to and including it, of
/// bytes that are not UTF-16 code units (`len_utf8 - len_utf16`).
#[derive(Debug, Clone, Default)]
struct WideChars {
    at: Vec<usize>,
    excess: Vec<usize>,
}

impl WideChars {
    fn new(text: &str) -> WideChars {
        let mut w = WideChars::default();
        let mut total = 0;
        for (i, c) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
            total += c.len_utf8() - c.len_utf16();
            w.at.push(i);
            w.excess.push(total);
        }
        w
    }

    /// Excess bytes of the characters that start before `offset`.
    fn before(&self, offset: usize) -> usize {
        match self.at.partition_point(|&a| a < offset) {
            0 => 0,
            n => self.excess[n - 1],
        }
    }
}

impl SourceText {
    pub fn new(text: String) -> SourceText {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceText {
            text,
            line_starts,
            wide: std::sync::OnceLock::new(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// (line, column) of a byte offset; the column counts UTF-16 code units from the line start.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let mut start = self.line_starts[line - 1];
        if start == 0 && self.text.starts_with('\u{feff}') {
            start = 3.min(offset);
        }
        let start = start.min(offset);
        let wide = self.wide.get_or_init(|| WideChars::new(&self.text));
        let col = (offset - start) - (wide.before(offset) - wide.before(start)) + 1;
        (line, col)
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        if line == 0 || line > self.line_starts.len() {
            return self.text.len()..self.text.len();
        }
        let start = self.line_starts[line - 1];
        let mut end = self
            .line_starts
            .get(line)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_range(line)]
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }
}

/// Whether a file's text mentions a package-check word: a substring, or for a word written
/// `=word` a whole identifier (`=aud` is not found in `validate_aud`) outside `//` comments (a
/// doc comment that says "audience" names no check).
pub fn mentions(text: &[u8], word: &str) -> bool {
    let Some(ident) = word.strip_prefix('=') else {
        return memchr::memmem::find_iter(text, word.as_bytes()).any(|i| !in_line_comment(text, i));
    };
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    memchr::memmem::find_iter(text, ident.as_bytes()).any(|i| {
        let before = i.checked_sub(1).map(|j| text[j]);
        let after = text.get(i + ident.len()).copied();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident) && !in_line_comment(text, i)
    })
}

/// Whether byte `i` follows a `//` on its line (a line comment; `//` inside a string literal
/// before it makes this true too, so such a word counts as absent).
fn in_line_comment(text: &[u8], i: usize) -> bool {
    let start = memchr::memrchr(b'\n', &text[..i]).map_or(0, |n| n + 1);
    memchr::memmem::find(&text[start..i], b"//").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units_and_skip_bom() {
        let s = SourceText::new("\u{feff}ab\r\n日本😀x\n".to_string());
        assert_eq!(s.line_col(3), (1, 1));
        assert_eq!(s.line_col(4), (1, 2));
        let x = s.text.find('x').unwrap();
        // 日 and 本 are one unit each, the emoji is a surrogate pair: x is at column 5.
        assert_eq!(s.line_col(x), (2, 5));
        assert_eq!(s.line_text(1), "\u{feff}ab");
        assert_eq!(s.line_text(2), "日本😀x");
    }

    #[test]
    fn columns_agree_with_a_walk_from_the_line_start() {
        let text = "a日b😀\n\u{feff}x\r\né😀😀z\nplain".to_string();
        let s = SourceText::new(text.clone());
        for (offset, _) in text.char_indices() {
            let line = s.line_of(offset);
            let start = s.line_start(line);
            let walked = text[start..offset]
                .chars()
                .map(char::len_utf16)
                .sum::<usize>()
                + 1;
            assert_eq!(s.line_col(offset), (line, walked), "offset {offset}");
        }
    }
}
