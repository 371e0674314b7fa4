//! Large files, parsed item by item.
//!
//! syn holds its token buffer and the whole syntax tree of a file at once, about 85 times the
//! source: a 15 MB generated file took 2 GB. A file over [`LARGE_FILE_BYTES`] is lexed once,
//! its top-level token stream is cut into items (attributes stay with their item), and only
//! the items that can matter are parsed, each on its own:
//! - items that hold one of [`item_words`] (the catalogue's words under any key, crate names,
//!   JWT markers), the package's JWT extern names, an alias one of its `use` items gives, or a
//!   word the package facts ask for (`extra`: `struct Claims`, `field:`, `helper(`);
//! - every `use` item (imports apply to the whole file);
//! - the items that define a name a chosen item mentions (constants, statics, structs, types,
//!   functions), and the functions that call a chosen function, until nothing changes.
//!
//! The chosen items are parsed once for imports and constants, then again, one at a time, for
//! the walk, each dropped before the next, so memory is the file's tokens plus the largest
//! item. The findings are those of a whole-file parse; a syntax error in an item that holds
//! none of these words is not noticed (as in a file the prefilter skips).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::detect::{self, ConstExprs, Ctx, FileFindings, PieceFacts, PieceWalk};
use crate::index::Val;
use crate::parse::{self, ParseError};
use crate::prefilter::item_words;

/// Files larger than this (bytes) are parsed item by item.
pub const LARGE_FILE_BYTES: usize = 1 << 20;

/// The size above which a file is split: [`LARGE_FILE_BYTES`], or the hidden
/// `CARGO_JWTLINT_SPLIT_BYTES` (for tests and benchmarks: `1` splits every file, a huge value
/// none).
pub fn threshold() -> usize {
    static T: OnceLock<usize> = OnceLock::new();
    *T.get_or_init(|| {
        std::env::var("CARGO_JWTLINT_SPLIT_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(LARGE_FILE_BYTES)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `use` or `extern crate`.
    Use,
    /// A top-level function (its callers are chosen with it).
    Fn,
    Other,
}

/// One top-level item with its attributes, or the file's inner attributes.
struct Chunk {
    range: Range<usize>,
    kind: Kind,
    /// Hashes of the names it defines: the item's own name first (for a function), then every
    /// `const` and `static` inside it (the file's constant table is flat).
    defines: Vec<u64>,
    /// The byte lexer saw a shape the parser's guard might refuse (deep nesting, a long run of
    /// tokens without `;` or `,`, a long number): the guard checks this item even when it is
    /// not parsed, as it would check the whole file.
    suspicious: bool,
}

fn hash(ident: &[u8]) -> u64 {
    // FNV-1a: a collision only makes an item be parsed for nothing.
    ident.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn ident_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn ident_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// The identifier-like words of a text (strings and comments included), in order.
fn idents(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < text.len() {
            if ident_byte(text[i]) {
                let start = i;
                while i < text.len() && ident_byte(text[i]) {
                    i += 1;
                }
                if ident_start(text[start]) {
                    return Some(&text[start..i]);
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

/// What [`head`] sees of an item's top-level tokens.
#[derive(Debug, Clone, PartialEq)]
enum HeadTok {
    Ident(String),
    /// `#` (an attribute follows; a doc comment is `#` and a group).
    Hash,
    Group,
    Lit,
    Punct,
}

/// How many top-level tokens [`head`] may need (attributes, visibility, qualifiers, keyword,
/// name).
const HEAD_LEN: usize = 12;

fn head_tok(t: &TokenTree) -> HeadTok {
    match t {
        TokenTree::Ident(i) => HeadTok::Ident(i.to_string()),
        TokenTree::Punct(p) if p.as_char() == '#' => HeadTok::Hash,
        TokenTree::Punct(_) => HeadTok::Punct,
        TokenTree::Group(_) => HeadTok::Group,
        TokenTree::Literal(_) => HeadTok::Lit,
    }
}

/// The kind of an item and its own name, from its first top-level tokens.
fn head(tokens: &[HeadTok]) -> (Kind, Option<String>) {
    let mut it = tokens.iter().peekable();
    let mut after_const = false;
    let next_name = |it: &mut std::iter::Peekable<std::slice::Iter<HeadTok>>| {
        it.find_map(|t| match t {
            HeadTok::Ident(n) if n != "mut" && n != "ref" => Some(n.clone()),
            _ => None,
        })
    };
    while let Some(t) = it.next() {
        match t {
            HeadTok::Hash => {
                it.next();
            }
            HeadTok::Group | HeadTok::Lit => {}
            HeadTok::Ident(s) => match s.as_str() {
                "pub" | "unsafe" | "async" | "default" | "safe" => {}
                "extern" => {
                    if matches!(it.peek(), Some(HeadTok::Ident(c)) if c == "crate") {
                        return (Kind::Use, None);
                    }
                }
                "use" => return (Kind::Use, None),
                "const" => after_const = true,
                "fn" => return (Kind::Fn, next_name(&mut it)),
                "struct" | "enum" | "union" | "type" | "trait" | "mod" | "static" => {
                    return (Kind::Other, next_name(&mut it));
                }
                _ if after_const => return (Kind::Other, Some(s.clone())),
                _ => return (Kind::Other, None),
            },
            HeadTok::Punct => return (Kind::Other, None),
        }
    }
    (Kind::Other, None)
}

/// Byte offsets of span positions met in file order. proc-macro2 caches every `byte_range`
/// it computes in a map (a million items cost 0.3 s and 30 MB): a line and column are
/// converted here instead, moving forward from the previous position.
struct Cursor<'t> {
    text: &'t [u8],
    /// Byte offset where each line starts.
    lines: Vec<usize>,
    /// The last position: (line, column in characters, byte offset).
    at: (usize, usize, usize),
}

impl<'t> Cursor<'t> {
    fn new(text: &'t [u8]) -> Self {
        let mut lines = vec![0];
        lines.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        Cursor {
            text,
            lines,
            at: (1, 0, 0),
        }
    }

    fn byte(&mut self, p: proc_macro2::LineColumn) -> usize {
        let (line, col, byte) = self.at;
        let (from_col, mut b) = if p.line == line && p.column >= col {
            (col, byte)
        } else {
            (
                0,
                self.lines
                    .get(p.line - 1)
                    .copied()
                    .unwrap_or(self.text.len()),
            )
        };
        for _ in from_col..p.column {
            // Past one UTF-8 character.
            b += 1;
            while b < self.text.len() && (self.text[b] & 0xC0) == 0x80 {
                b += 1;
            }
        }
        let b = b.min(self.text.len());
        self.at = (p.line, p.column, b);
        b
    }
}

impl Chunk {
    fn new(range: Range<usize>, head_toks: &[HeadTok], text: &[u8]) -> Chunk {
        let (kind, name) = head(head_toks);
        let mut defines: Vec<u64> = name.iter().map(|n| hash(n.as_bytes())).collect();
        // Constants and statics at any depth (`static ref` of `lazy_static!` too).
        let mut prev: [&[u8]; 2] = [b"", b""];
        for w in idents(text.get(range.clone()).unwrap_or_default()) {
            let defining = matches!(prev[0], b"const" | b"static")
                || (matches!(prev[0], b"mut" | b"ref") && prev[1] == b"static");
            if defining && !matches!(w, b"mut" | b"ref" | b"fn" | b"unsafe" | b"async") {
                defines.push(hash(w));
            }
            prev = [w, prev[0]];
        }
        Chunk {
            range,
            kind,
            defines,
            suspicious: false,
        }
    }

    /// The chunk of these top-level tokens.
    fn of_tokens(tokens: &[TokenTree], text: &[u8], cursor: &mut Cursor) -> Chunk {
        let start = tokens.first().map_or(0, |t| cursor.byte(t.span().start()));
        let end = tokens.last().map_or(start, |t| cursor.byte(t.span().end()));
        let head_toks: Vec<HeadTok> = tokens.iter().take(HEAD_LEN).map(head_tok).collect();
        Chunk::new(start..end, &head_toks, text)
    }
}

/// Whether the token after a top-level `{ .. }` group continues the same item (`else`, `as`,
/// `for`, `where`, an operator, `.`, `;`, `>` of a const generic argument). Only an identifier
/// or `#` starts a new item; when unsure, the items stay together (always safe).
fn continues(next: Option<&TokenTree>) -> bool {
    match next {
        None => false,
        Some(TokenTree::Punct(p)) => p.as_char() != '#',
        Some(TokenTree::Ident(i)) => i == "else" || i == "as" || i == "for" || i == "where",
        Some(_) => true,
    }
}

/// Cuts a file's tokens into its inner attributes and its top-level items.
fn split_tokens(tokens: TokenStream, text: &[u8]) -> Vec<(Chunk, Vec<TokenTree>)> {
    let mut cursor = Cursor::new(text);
    let mut out = Vec::new();
    let mut push = |toks: Vec<TokenTree>, out: &mut Vec<(Chunk, Vec<TokenTree>)>| {
        out.push((Chunk::of_tokens(&toks, text, &mut cursor), toks));
    };
    let mut cur: Vec<TokenTree> = Vec::new();
    let mut it = tokens.into_iter().peekable();
    let mut inner: Vec<TokenTree> = Vec::new();
    while matches!(it.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
        let hash_tok = it.next().expect("peeked");
        if matches!(it.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
            inner.push(hash_tok);
            inner.extend(it.next());
            inner.extend(it.next());
        } else {
            cur.push(hash_tok);
            break;
        }
    }
    if !inner.is_empty() {
        push(inner, &mut out);
    }
    while let Some(t) = it.next() {
        let end = match &t {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => g.delimiter() == Delimiter::Brace && !continues(it.peek()),
            _ => false,
        };
        cur.push(t);
        if end {
            push(std::mem::take(&mut cur), &mut out);
        }
    }
    if !cur.is_empty() {
        push(cur, &mut out);
    }
    out
}

/// One token of [`split_text`]'s lexer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Comment,
    /// `///` or `/** */`: an attribute.
    DocOuter,
    /// `//!` or `/*! */`: an inner attribute.
    DocInner,
    Open(u8),
    Close(u8),
    Semi,
    Comma,
    Hash,
    Bang,
    Ident,
    Lit,
    Punct,
}

/// The end of a string literal's body starting at `i` (just after the opening quote), and
/// with `hashes` a raw one's; `None` when it is not terminated.
fn string_end(b: &[u8], mut i: usize, raw: Option<usize>) -> Option<usize> {
    match raw {
        Some(hashes) => loop {
            i += memchr::memchr(b'"', &b[i..])? + 1;
            if b[i..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
                return Some(i + hashes);
            }
        },
        None => loop {
            i += memchr::memchr2(b'"', b'\\', &b[i..])?;
            if b[i] == b'\\' {
                i += 2;
            } else {
                return Some(i + 1);
            }
        },
    }
}

/// The token at `i` (not whitespace) and where it ends; `None` when the text does not lex
/// (an unterminated string or comment).
fn lex_one(b: &[u8], i: usize) -> Option<(Tok, usize)> {
    let word_end = |mut j: usize| {
        while j < b.len() && (ident_byte(b[j]) || b[j] >= 0x80) {
            j += 1;
        }
        j
    };
    let c = b[i];
    Some(match c {
        b'/' if b.get(i + 1) == Some(&b'/') => {
            let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
            let kind = match (b.get(i + 2), b.get(i + 3)) {
                (Some(b'!'), _) => Tok::DocInner,
                (Some(b'/'), Some(b'/')) => Tok::Comment,
                (Some(b'/'), _) => Tok::DocOuter,
                _ => Tok::Comment,
            };
            (kind, end)
        }
        b'/' if b.get(i + 1) == Some(&b'*') => {
            let kind = match (b.get(i + 2), b.get(i + 3)) {
                (Some(b'!'), _) => Tok::DocInner,
                (Some(b'*'), Some(b'*' | b'/')) => Tok::Comment,
                (Some(b'*'), _) => Tok::DocOuter,
                _ => Tok::Comment,
            };
            let (mut depth, mut j) = (1, i + 2);
            while depth > 0 {
                match (b.get(j), b.get(j + 1)) {
                    (None, _) => return None,
                    (Some(b'/'), Some(b'*')) => (depth, j) = (depth + 1, j + 2),
                    (Some(b'*'), Some(b'/')) => (depth, j) = (depth - 1, j + 2),
                    _ => j += 1,
                }
            }
            (kind, j)
        }
        b'"' => (Tok::Lit, word_end(string_end(b, i + 1, None)?)),
        b'\'' => {
            if b.get(i + 1) == Some(&b'\\') {
                let n = memchr::memchr(b'\'', b.get(i + 3..)?)?;
                (Tok::Lit, word_end(i + 3 + n + 1))
            } else {
                let ch = std::str::from_utf8(&b[i + 1..(i + 5).min(b.len())])
                    .or_else(|e| std::str::from_utf8(&b[i + 1..i + 1 + e.valid_up_to()]))
                    .ok()
                    .and_then(|s| s.chars().next())
                    .map_or(0, char::len_utf8);
                if ch > 0 && b.get(i + 1 + ch) == Some(&b'\'') {
                    (Tok::Lit, word_end(i + 2 + ch))
                } else {
                    // A lifetime or label.
                    (Tok::Punct, word_end(i + 1))
                }
            }
        }
        b'0'..=b'9' => (Tok::Lit, word_end(i)),
        _ if ident_byte(c) || c >= 0x80 => {
            let end = word_end(i);
            let w = &b[i..end];
            let hashes = b[end..].iter().take_while(|&&c| c == b'#').count();
            match (w, b.get(end + hashes)) {
                (b"r" | b"br" | b"cr", Some(b'"')) => (
                    Tok::Lit,
                    word_end(string_end(b, end + hashes + 1, Some(hashes))?),
                ),
                (b"b" | b"c", Some(b'"')) if hashes == 0 => {
                    (Tok::Lit, word_end(string_end(b, end + 1, None)?))
                }
                (b"b", Some(b'\'')) if hashes == 0 => {
                    let (_, e) = lex_one(b, end)?;
                    (Tok::Lit, e)
                }
                (b"r", Some(&c)) if hashes == 1 && ident_start(c) => {
                    (Tok::Ident, word_end(end + 1))
                }
                _ => (Tok::Ident, end),
            }
        }
        b'{' | b'(' | b'[' => (Tok::Open(c), i + 1),
        b'}' | b')' | b']' => (Tok::Close(c), i + 1),
        b';' => (Tok::Semi, i + 1),
        b',' => (Tok::Comma, i + 1),
        b'#' => (Tok::Hash, i + 1),
        b'!' => (Tok::Bang, i + 1),
        _ => (Tok::Punct, i + 1),
    })
}

/// The state of [`split_text`] at the top level.
#[derive(Default)]
struct TopLevel {
    out: Vec<Chunk>,
    /// Start of the current item, and its first tokens.
    start: Option<usize>,
    head: Vec<HeadTok>,
    /// A top-level `{ .. }` ended here: the item ends unless the next token continues it.
    pending: Option<usize>,
    /// End of the last token.
    last: usize,
    /// The inner attributes at the start of the file.
    inner: Option<Range<usize>>,
    /// Tokens since the last `;` or `,`, per open bracket (the top level first).
    runs: Vec<usize>,
    /// Per open bracket: a `<` or `|` was seen since the last `;` (a `,` may not end the run).
    sticky: Vec<bool>,
    /// The sum of `runs` (the guard's budget is over all open levels).
    total: usize,
    /// The current item may be refused by the guard (see [`Chunk::suspicious`]).
    suspicious: bool,
}

impl TopLevel {
    fn end_item(&mut self, end: usize, text: &[u8]) {
        if let Some(s) = self.start.take() {
            let mut c = Chunk::new(s..end, &self.head, text);
            c.suspicious = std::mem::take(&mut self.suspicious);
            self.out.push(c);
        }
        self.head.clear();
        self.runs.clear();
        self.sticky.clear();
        self.total = 0;
    }

    /// Counts a token at bracket depth `depth` (over-counting what the guard counts: every
    /// token of every open level, reset only at `;`, and at `,` unless a `<` or `|` since the
    /// last `;` may have opened generic arguments or closure parameters).
    fn count(&mut self, tok: Tok, byte: u8, depth: usize, len: usize) {
        while self.runs.len() > depth + 1 {
            self.total -= self.runs.pop().unwrap_or(0);
            self.sticky.pop();
        }
        self.runs.resize(depth + 1, 0);
        self.sticky.resize(depth + 1, false);
        match tok {
            Tok::Semi => {
                self.total -= std::mem::take(&mut self.runs[depth]);
                self.sticky[depth] = false;
            }
            Tok::Comma if !self.sticky[depth] => {
                self.total -= std::mem::take(&mut self.runs[depth]);
            }
            _ => {
                if tok == Tok::Punct && matches!(byte, b'<' | b'|') {
                    self.sticky[depth] = true;
                }
                self.runs[depth] += 1;
                self.total += 1;
            }
        }
        let long_number = tok == Tok::Lit && len > parse::MAX_NUMBER_LEN / 4;
        if self.total + depth + 1 > parse::MAX_OP_RUN
            || depth + 3 >= parse::MAX_DEPTH
            || long_number
        {
            self.suspicious = true;
        }
    }

    /// A token at the top level (`word`: its text, for an identifier).
    fn token(&mut self, tok: Tok, s: usize, word: &[u8], text: &[u8]) {
        if let Some(p) = self.pending.take() {
            let goes_on = match tok {
                Tok::Hash | Tok::DocOuter | Tok::DocInner => false,
                Tok::Ident => matches!(word, b"else" | b"as" | b"for" | b"where"),
                _ => true,
            };
            if !goes_on {
                self.end_item(p, text);
            }
        }
        self.start.get_or_insert(s);
        if self.head.len() < HEAD_LEN {
            match tok {
                Tok::Ident => self
                    .head
                    .push(HeadTok::Ident(String::from_utf8_lossy(word).into_owned())),
                Tok::Hash => self.head.push(HeadTok::Hash),
                Tok::DocOuter | Tok::DocInner => {
                    self.head.extend([HeadTok::Hash, HeadTok::Group]);
                }
                Tok::Open(_) => self.head.push(HeadTok::Group),
                Tok::Lit => self.head.push(HeadTok::Lit),
                _ => self.head.push(HeadTok::Punct),
            }
        }
    }
}

/// Cuts a file's text into chunks the way [`split_tokens`] cuts its tokens, with a byte lexer
/// (no token is built: the items that are not parsed cost nothing). `None` when the text does
/// not lex; the caller then lexes it with proc-macro2, which names the error.
fn split_text(b: &[u8]) -> Option<Vec<Chunk>> {
    let mut top = TopLevel::default();
    let mut stack: Vec<u8> = Vec::new();
    let mut at_start = true;
    let mut in_inner_attr = false;
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let s = i;
        let (tok, end) = lex_one(b, i)?;
        i = end;
        if tok == Tok::Comment {
            continue;
        }
        top.count(tok, b[s], stack.len(), end - s);
        if !stack.is_empty() {
            match tok {
                Tok::Open(c) => stack.push(c),
                Tok::Close(c) => {
                    let open = stack.pop()?;
                    if (open, c) != (b'{', b'}')
                        && (open, c) != (b'(', b')')
                        && (open, c) != (b'[', b']')
                    {
                        return None;
                    }
                    if stack.is_empty() {
                        if in_inner_attr {
                            in_inner_attr = false;
                            top.inner = top.inner.take().map(|r| r.start..end);
                        } else if open == b'{' {
                            top.pending = Some(end);
                        }
                    }
                }
                _ => {}
            }
            top.last = end;
            continue;
        }
        if in_inner_attr {
            let Tok::Open(c) = tok else { return None };
            stack.push(c);
            continue;
        }
        if at_start {
            let bang = || {
                let j = s
                    + 1
                    + b[s + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_whitespace())
                        .count();
                b.get(j) == Some(&b'!')
            };
            if tok == Tok::DocInner || (tok == Tok::Hash && bang()) {
                let from = top.inner.as_ref().map_or(s, |r| r.start);
                top.inner = Some(from..end);
                if tok == Tok::Hash {
                    // Past the `!`; the `[ .. ]` that follows closes the attribute.
                    i = s + 1 + b[s + 1..].iter().position(|&c| c == b'!')? + 1;
                    in_inner_attr = true;
                }
                continue;
            }
            at_start = false;
        }
        if let Tok::Close(_) = tok {
            return None;
        }
        top.token(tok, s, &b[s..end], b);
        top.last = end;
        match tok {
            Tok::Semi => top.end_item(end, b),
            Tok::Open(c) => stack.push(c),
            _ => {}
        }
    }
    if !stack.is_empty() || in_inner_attr {
        return None;
    }
    let end = top.pending.take().unwrap_or(top.last);
    top.end_item(end, b);
    let mut out = top.out;
    if let Some(r) = top.inner {
        out.insert(0, Chunk::new(r, &[], b));
    }
    Some(out)
}

/// The chunk that holds byte `at`, if any (chunks are in file order and do not overlap).
fn chunk_at(chunks: &[Chunk], at: usize) -> Option<usize> {
    let i = chunks.partition_point(|c| c.range.end <= at);
    (i < chunks.len() && chunks[i].range.start <= at).then_some(i)
}

/// The chunks that hold one of the words (whole identifiers where `whole`), and every `use`.
fn by_words(chunks: &[Chunk], text: &[u8], words: &[(String, bool)]) -> Vec<bool> {
    let mut keep: Vec<bool> = chunks.iter().map(|c| c.kind == Kind::Use).collect();
    let ac = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(words.iter().map(|w| w.0.as_bytes()))
        .expect("item words build");
    for m in ac.find_overlapping_iter(text) {
        if words[m.pattern().as_usize()].1 {
            let before = m.start().checked_sub(1).map(|i| text[i]);
            let after = text.get(m.end()).copied();
            if before.is_some_and(ident_byte) || after.is_some_and(ident_byte) {
                continue;
            }
        }
        if let Some(i) = chunk_at(chunks, m.start()) {
            keep[i] = true;
        }
    }
    keep
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type HashSet64 = std::collections::HashSet<u64, std::hash::BuildHasherDefault<Prehashed>>;

/// (name hash, chunk) pairs, sorted: the chunks for a name by binary search.
fn index(mut pairs: Vec<(u64, u32)>) -> Vec<(u64, u32)> {
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn lookup(index: &[(u64, u32)], h: u64) -> impl Iterator<Item = usize> + '_ {
    let from = index.partition_point(|p| p.0 < h);
    index[from..]
        .iter()
        .take_while(move |p| p.0 == h)
        .map(|p| p.1 as usize)
}

/// Adds what the chosen chunks need: the chunks defining a name they mention, and the callers
/// of a chosen top-level function, until nothing changes.
fn close(chunks: &[Chunk], text: &[u8], keep: &mut [bool]) {
    let mut defined = Vec::new();
    let mut fns = HashSet64::default();
    for (i, c) in chunks.iter().enumerate() {
        defined.extend(c.defines.iter().map(|&h| (h, i as u32)));
        if c.kind == Kind::Fn
            && let Some(&h) = c.defines.first()
        {
            fns.insert(h);
        }
    }
    let defined = index(defined);
    // Who mentions each top-level function (other than its own definition).
    let mut callers = Vec::new();
    for (i, c) in chunks.iter().enumerate() {
        for w in idents(&text[c.range.clone()]) {
            let h = hash(w);
            if fns.contains(&h) && !c.defines.contains(&h) {
                callers.push((h, i as u32));
            }
        }
    }
    let callers = index(callers);
    let mut work: Vec<usize> = (0..chunks.len()).filter(|&i| keep[i]).collect();
    while let Some(i) = work.pop() {
        let c = &chunks[i];
        let mut add = |j: usize, work: &mut Vec<usize>| {
            if !keep[j] {
                keep[j] = true;
                work.push(j);
            }
        };
        if c.kind != Kind::Use {
            for w in idents(&text[c.range.clone()]) {
                for j in lookup(&defined, hash(w)) {
                    add(j, &mut work);
                }
            }
        }
        if c.kind == Kind::Fn
            && let Some(&h) = c.defines.first()
        {
            for j in lookup(&callers, h) {
                add(j, &mut work);
            }
        }
    }
}

/// The words that choose items: [`item_words`], the package's JWT extern names, the aliases
/// the file's `use` items give, and `extra` (as substrings).
fn words_for(
    chunks: &[Chunk],
    text: &[u8],
    externs: &[String],
    extra: &[String],
) -> Vec<(String, bool)> {
    let mut words: Vec<(String, bool)> = item_words()
        .iter()
        .map(|w| (w.word.clone(), w.whole))
        .collect();
    words.extend(externs.iter().map(|e| (e.clone(), true)));
    words.extend(extra.iter().map(|e| (e.clone(), false)));
    for c in chunks.iter().filter(|c| c.kind == Kind::Use) {
        let mut prev: &[u8] = b"";
        for w in idents(&text[c.range.clone()]) {
            if prev == b"as" && w != b"_" {
                words.push((String::from_utf8_lossy(w).into_owned(), true));
            }
            prev = w;
        }
    }
    words.sort();
    words.dedup();
    words
}

/// The text with every byte outside `keep` blanked (same length, so offsets do not change).
fn blanked(text: &[u8], keep: &[Range<usize>]) -> Option<String> {
    let mut out = vec![b' '; text.len()];
    for r in keep {
        out[r.clone()].copy_from_slice(&text[r.clone()]);
    }
    String::from_utf8(out).ok()
}

/// A chosen item: its byte range and its tokens.
type Piece = (Range<usize>, Vec<TokenTree>);

/// The tokens of the chosen items, one vector per item, in file order, and their byte
/// ranges. The text is cut with the byte lexer and only the chosen items are lexed (the rest
/// blanked); when the byte lexer fails, or its items are not the ones proc-macro2's tokens
/// give, the whole file is lexed and cut by tokens instead. `choose` marks the chunks to keep.
fn chosen_tokens(
    text: &str,
    norm: &[u8],
    choose: &dyn Fn(&[Chunk]) -> Vec<bool>,
) -> Result<Vec<Piece>, ParseError> {
    if let Some(chunks) = split_text(norm) {
        let keep = choose(&chunks);
        guard_unchosen(text, &chunks, &keep)?;
        let ranges: Vec<Range<usize>> = chunks
            .into_iter()
            .zip(&keep)
            .filter_map(|(c, &k)| k.then_some(c.range))
            .collect();
        if let Some(blank) = blanked(norm, &ranges)
            && let Ok(tokens) = parse::lex(&blank)
        {
            let pieces = split_tokens(tokens, blank.as_bytes());
            // Each token item lies in one chosen range, and each chosen range holds one.
            let mut hit = vec![false; ranges.len()];
            let fits = pieces.iter().all(|(c, _)| {
                let i = ranges.partition_point(|r| r.end < c.range.end);
                let ok = ranges
                    .get(i)
                    .is_some_and(|r| r.start <= c.range.start && c.range.end <= r.end);
                if ok {
                    hit[i] = true;
                }
                ok
            });
            if fits && hit.iter().all(|&h| h) {
                return Ok(pieces.into_iter().map(|(c, t)| (c.range, t)).collect());
            }
        }
    }
    let pieces = split_tokens(parse::guarded_tokens(text)?, norm);
    let chunks: Vec<Chunk> = pieces
        .iter()
        .map(|(c, _)| Chunk {
            range: c.range.clone(),
            kind: c.kind,
            defines: c.defines.clone(),
            suspicious: false,
        })
        .collect();
    let keep = choose(&chunks);
    Ok(pieces
        .into_iter()
        .zip(keep)
        .filter_map(|((c, t), k)| k.then_some((c.range, t)))
        .collect())
}

/// The guard's verdict on the items that are not parsed but that the byte lexer found
/// suspicious: each is lexed on its own and checked (a refused item refuses the file, as the
/// guard refuses a whole file).
fn guard_unchosen(text: &str, chunks: &[Chunk], keep: &[bool]) -> Result<(), ParseError> {
    for (c, _) in chunks
        .iter()
        .zip(keep)
        .filter(|(c, k)| c.suspicious && !**k)
    {
        let Some(item) = text.get(c.range.clone()) else {
            continue;
        };
        let checked = parse::guarded_tokens(item).map(drop);
        if let Err(e) = checked {
            let at = c.range.start;
            return Err(ParseError {
                message: e.message,
                span: e.span.start + at..e.span.end + at,
            });
        }
    }
    Ok(())
}

/// Parses one chunk, after the shape check (the whole file is lexed, but only the chunks that
/// are parsed need the guard against deep nesting).
fn parse_chunk(tokens: Vec<TokenTree>) -> Result<syn::File, ParseError> {
    let tokens: TokenStream = tokens.into_iter().collect();
    parse::check_shape(&tokens)?;
    parse::parse_tokens(tokens)
}

/// Lints a large file item by item (see the module docs). `extra` are words the package facts
/// ask for. Returns the findings and the byte ranges of the items that were parsed.
pub fn lint_large(
    mut ctx: Ctx<'_>,
    extra: &[String],
) -> Result<(FileFindings, Vec<Range<usize>>), ParseError> {
    let src = ctx.text;
    let norm = parse::normalise(&src.text);
    let text = norm.as_bytes();
    let externs: Vec<String> = ctx
        .crates
        .externs
        .iter()
        .filter(|(_, pkg)| {
            let pkg = pkg.replace('-', "_");
            item_words().iter().any(|w| w.word == pkg)
        })
        .map(|(e, _)| e.clone())
        .collect();
    let choose = |chunks: &[Chunk]| {
        let words = words_for(chunks, text, &externs, extra);
        let mut keep = by_words(chunks, text, &words);
        close(chunks, text, &mut keep);
        keep
    };
    let pieces = chosen_tokens(&src.text, text, &choose)?;
    let ranges = pieces.iter().map(|p| p.0.clone()).collect();
    let mut consts = ConstExprs::default();
    let mut facts = PieceFacts::default();
    for (_, t) in &pieces {
        let piece = parse_chunk(t.clone())?;
        detect::hoist_uses(&mut ctx.uses, &piece);
        consts.add(&piece);
        facts.add(&piece);
    }
    let mut walk = PieceWalk::new(ctx, consts.evaluate(), facts);
    for (_, t) in pieces {
        let piece = parse_chunk(t)?;
        walk.walk(&piece);
    }
    Ok((walk.finish(), ranges))
}

/// The constants of a large file that define `name`, with the constants they need (for the
/// package's deferred checks); `None` when the file does not parse.
pub fn consts_of(text: &str, name: &str) -> Option<HashMap<String, Val>> {
    let norm = parse::normalise(text);
    let h = hash(name.as_bytes());
    let choose = |chunks: &[Chunk]| {
        let mut keep: Vec<bool> = chunks.iter().map(|c| c.defines.contains(&h)).collect();
        close(chunks, norm.as_bytes(), &mut keep);
        keep
    };
    let mut consts = ConstExprs::default();
    for (_, t) in chosen_tokens(text, norm.as_bytes(), &choose).ok()? {
        consts.add(&parse_chunk(t).ok()?);
    }
    Some(consts.evaluate())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The items' texts, cut by tokens; the byte lexer must cut the same.
    fn pieces(text: &str) -> Vec<String> {
        let chunks = split_tokens(TokenStream::from_str(text).unwrap(), text.as_bytes());
        let out: Vec<String> = chunks
            .iter()
            .map(|(c, _)| text[c.range.clone()].to_string())
            .collect();
        proc_macro2::extra::invalidate_current_thread_spans();
        let by_bytes: Vec<String> = split_text(text.as_bytes())
            .unwrap()
            .iter()
            .map(|c| text[c.range.clone()].to_string())
            .collect();
        assert_eq!(out, by_bytes);
        out
    }

    #[test]
    fn items_end_at_top_level_semicolons_and_braces() {
        let text = "#![allow(x)]\n//! doc\nuse a::b;\n#[derive(D)]\n/// doc\npub struct S { a: u8 }\n\
                    const X: u8 = if c { 1 } else { 2 };\nconst Y: u8 = { 1 } as u8;\n\
                    impl<const N: usize> T<{ N }> for S where S: Q { fn f() {} }\n\
                    m! { a }\nm!(b);\nstatic Z: S = S { a: 1 }.g();\nfn g() {}";
        assert_eq!(
            pieces(text),
            [
                "#![allow(x)]\n//! doc",
                "use a::b;",
                "#[derive(D)]\n/// doc\npub struct S { a: u8 }",
                "const X: u8 = if c { 1 } else { 2 };",
                "const Y: u8 = { 1 } as u8;",
                "impl<const N: usize> T<{ N }> for S where S: Q { fn f() {} }",
                "m! { a }",
                "m!(b);",
                "static Z: S = S { a: 1 }.g();",
                "fn g() {}",
            ]
        );
    }

    /// Strings, raw strings, characters, lifetimes and comments that hold delimiters do not cut
    /// an item, in the byte lexer as in proc-macro2's.
    #[test]
    fn literals_and_comments_do_not_cut_items() {
        let text = "fn a<'x>(s: &'x str) -> char { let _ = \"};\\\"\"; let _ = r#\"}\"#; '}' }\n\
                    /* } /* nested } */ ; */ fn b() { let _ = b'{'; let _ = br\"{\"; let _ = '\\''; }\n\
                    // ; }\nconst C: &str = \"x\"; fn r#try() {}";
        assert_eq!(pieces(text).len(), 4);
        assert!(split_text(b"fn f() { \"open }").is_none());
        assert!(split_text(b"fn f() { ( }").is_none());
    }

    #[test]
    fn items_know_their_kind_and_names() {
        let text = "pub(crate) const fn f() {}\nextern crate j as k;\npub static mut M: u8 = 1;\n\
                    lazy_static! { static ref R: u8 = 1; }\nfn g() { const INNER: u8 = 2; }";
        let chunks = split_text(text.as_bytes()).unwrap();
        let kinds: Vec<Kind> = chunks.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [Kind::Fn, Kind::Use, Kind::Other, Kind::Other, Kind::Fn]
        );
        assert_eq!(chunks[0].defines, [hash(b"f")]);
        assert!(chunks[2].defines.contains(&hash(b"M")));
        assert!(chunks[3].defines.contains(&hash(b"R")));
        assert_eq!(chunks[4].defines, [hash(b"g"), hash(b"INNER")]);
    }

    #[test]
    fn chosen_items_pull_in_definitions_and_callers() {
        let text = "use x::y;\nconst K: &str = B;\nconst B: &str = \"b\";\nconst UNUSED: u8 = 1;\n\
                    fn helper() -> u8 { decode(K) }\nfn caller() { helper(); }\nfn other() {}";
        let bytes = text.as_bytes();
        let chunks = split_text(bytes).unwrap();
        let mut keep = by_words(&chunks, bytes, &[("decode".to_string(), true)]);
        close(&chunks, bytes, &mut keep);
        assert_eq!(keep, [true, true, true, false, true, true, false]);
    }
}
