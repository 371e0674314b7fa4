//! Parsing Rust source with syn, guarded against input that would overflow the stack.
//!
//! The text is lexed into a token stream first (proc-macro2's lexer is iterative), then an
//! iterative walk measures the nesting depth and the longest run of operator tokens; input past
//! those limits is refused before syn's recursive descent ever sees it.

use std::borrow::Cow;
use std::ops::Range;
use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

/// Deepest bracket nesting syn is allowed to see.
pub const MAX_DEPTH: usize = 256;
/// Longest run of operator tokens without a `;` or `,` (binary chains, unary chains, closures).
pub const MAX_OP_RUN: usize = 4096;
/// Longest numeric literal syn is allowed to see (syn's digit parsing is quadratic in length).
pub const MAX_NUMBER_LEN: usize = 512;

/// Why a file is refused before syn sees it: the same words for the token-stream guard and for
/// the lexical check of skipped files.
fn too_deep() -> String {
    format!(
        "nesting deeper than {MAX_DEPTH} levels; the file is not analysed (deep nesting could overflow the parser's stack)"
    )
}

fn too_many_operators() -> String {
    format!(
        "an expression with more than {MAX_OP_RUN} operators in a row; the file is not analysed (it could overflow the parser's stack)"
    )
}

#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub span: Range<usize>,
}

/// Replaces a BOM and a shebang line with spaces so byte offsets stay those of the file.
pub fn normalise(text: &str) -> Cow<'_, str> {
    let bom = text.starts_with('\u{feff}');
    let body = if bom { &text[3..] } else { text };
    let shebang = body.starts_with("#!") && !body[2..].trim_start().starts_with('[');
    if !bom && !shebang {
        return Cow::Borrowed(text);
    }
    let mut s = String::with_capacity(text.len());
    if bom {
        s.push_str("   ");
    }
    if shebang {
        let end = body.find('\n').unwrap_or(body.len());
        s.extend(std::iter::repeat_n(' ', end));
        s.push_str(&body[end..]);
    } else {
        s.push_str(body);
    }
    Cow::Owned(s)
}

/// Byte ranges of the literals that span several lines (multi-line strings), which a line
/// inserted into the file must not split; `None` when the text does not tokenize.
pub fn multiline_literals(text: &str) -> Option<Vec<std::ops::Range<usize>>> {
    fn walk(ts: TokenStream, text: &str, out: &mut Vec<std::ops::Range<usize>>) {
        for t in ts {
            match t {
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), text, out),
                proc_macro2::TokenTree::Literal(l) => {
                    let r = l.span().byte_range();
                    if text.get(r.clone()).is_some_and(|s| s.contains('\n')) {
                        out.push(r);
                    }
                }
                _ => {}
            }
        }
    }
    let norm = normalise(text);
    let tokens = TokenStream::from_str(&norm).ok();
    let mut out = Vec::new();
    if let Some(ts) = tokens.clone() {
        walk(ts, &norm, &mut out);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    tokens.map(|_| out)
}

/// Parses a whole file. Spans in the result are byte offsets into `text`.
pub fn parse_file(text: &str) -> Result<syn::File, ParseError> {
    let tokens = guarded_tokens(text)?;
    parse_tokens(tokens)
}

/// Lexes a whole file (BOM and shebang blanked) and checks its shape (see [`check_shape`]).
pub fn guarded_tokens(text: &str) -> Result<TokenStream, ParseError> {
    let tokens = lex(text)?;
    check_shape(&tokens)?;
    Ok(tokens)
}

/// Lexes a whole file (BOM and shebang blanked); proc-macro2's lexer is iterative.
pub fn lex(text: &str) -> Result<TokenStream, ParseError> {
    let text = normalise(text);
    TokenStream::from_str(&text).map_err(|e| {
        let span = e.span().byte_range();
        ParseError {
            message: format!("cannot tokenize: {e}"),
            span,
        }
    })
}

/// Parses guarded tokens (a whole file, or some of its top-level items) as a file.
pub fn parse_tokens(tokens: TokenStream) -> Result<syn::File, ParseError> {
    syn::parse2::<syn::File>(tokens).map_err(|e| ParseError {
        message: e.to_string(),
        span: e.span().byte_range(),
    })
}

/// Keywords that nest the parser or the syntax tree like an operator: prefix (`return return
/// ...`, `break`, `yield`, `box`, `become`) or chained (`as` casts, `else if` chains).
const KEYWORD_OPS: &[&str] = &["return", "break", "yield", "box", "become", "as", "else"];

/// The state of one bracket level of the walk.
struct Level {
    tokens: proc_macro2::token_stream::IntoIter,
    /// Operators since the last `;`, `,` or `=>` (or the start of a new item, see below).
    run: usize,
    /// The previous token was a joint punctuation (to see `=>`).
    joint: Option<char>,
    /// The previous token can be followed by a postfix call or index (`f(..)`, `a[..]`).
    operand: bool,
    /// The previous token was a `{ .. }` group.
    after_brace: bool,
}

/// Iterative check of nesting depth and operator runs.
///
/// A run counts, per bracket level, what makes syn recurse or the syntax tree nest without a
/// bracket: operator punctuation (binary, unary, closures' `|`, `.`, `?`, `<`...), the keywords
/// in [`KEYWORD_OPS`], and postfix calls and indexes (`f()()()`, `a[0][0]`). It restarts after
/// `;`, `,` and `=>`, and at an identifier right after a `{ .. }` group (a new item or statement:
/// only `else` and `as` continue an expression there). Paths (`::`), type annotations,
/// attributes and lifetimes do not count.
pub fn check_shape(tokens: &TokenStream) -> Result<(), ParseError> {
    let level = |tokens: TokenStream| Level {
        tokens: tokens.into_iter(),
        run: 0,
        joint: None,
        operand: false,
        after_brace: false,
    };
    let too_long = |span: proc_macro2::Span| ParseError {
        message: too_many_operators(),
        span: span.byte_range(),
    };
    let mut stack: Vec<Level> = vec![level(tokens.clone())];
    while let Some(top) = stack.last_mut() {
        let Some(tt) = top.tokens.next() else {
            stack.pop();
            continue;
        };
        let depth = stack.len();
        let Some(top) = stack.last_mut() else { break };
        let after_brace = std::mem::take(&mut top.after_brace);
        let joint = top.joint.take();
        match tt {
            TokenTree::Group(g) => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError {
                        message: too_deep(),
                        span: g.span_open().byte_range(),
                    });
                }
                if g.delimiter() == proc_macro2::Delimiter::Brace {
                    top.after_brace = true;
                } else if top.operand {
                    top.run += 1;
                    if top.run > MAX_OP_RUN {
                        return Err(too_long(g.span_open()));
                    }
                }
                top.operand = true;
                stack.push(level(g.stream()));
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                top.operand = c == '?';
                if p.spacing() == proc_macro2::Spacing::Joint {
                    top.joint = Some(c);
                }
                match c {
                    // Separators: a new expression starts after them.
                    ';' | ',' => top.run = 0,
                    // `=>` starts a match arm's expression (parsed in a loop, not recursively).
                    '>' if joint == Some('=') => top.run = 0,
                    // Paths (`::`), type annotations, attributes, lifetimes, macro variables:
                    // none of them nests the parser.
                    ':' | '#' | '\'' | '$' => {}
                    _ => {
                        top.run += 1;
                        if top.run > MAX_OP_RUN {
                            return Err(too_long(p.span()));
                        }
                    }
                }
            }
            TokenTree::Ident(i) => {
                let s = i.to_string();
                let s = s.as_str();
                if after_brace && s != "else" && s != "as" {
                    top.run = 0;
                }
                if KEYWORD_OPS.contains(&s) {
                    top.operand = false;
                    top.run += 1;
                    if top.run > MAX_OP_RUN {
                        return Err(too_long(i.span()));
                    }
                } else {
                    top.operand = true;
                }
            }
            TokenTree::Literal(l) => {
                top.operand = true;
                let span = l.span().byte_range();
                if span.len() > MAX_NUMBER_LEN && is_numeric(&l) {
                    return Err(ParseError {
                        message: format!(
                            "a numeric literal of {} characters (more than {MAX_NUMBER_LEN}); the file is not analysed",
                            span.len()
                        ),
                        span,
                    });
                }
            }
        }
    }
    Ok(())
}

/// A number, not a string, byte string or character literal.
fn is_numeric(l: &proc_macro2::Literal) -> bool {
    l.to_string().starts_with(|c: char| c.is_ascii_digit())
}

/// Parses the body of a function-like macro as comma-separated expressions (`format!`, `vec!`,
/// `println!`, `assert_eq!` ...). Spans keep their original positions.
pub fn macro_exprs(mac: &syn::Macro) -> Option<Vec<syn::Expr>> {
    use syn::parse::Parser;
    let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    parser
        .parse2(mac.tokens.clone())
        .ok()
        .map(|p| p.into_iter().collect())
}

/// Parses the body of a macro that holds items or statements (`lazy_static!`, `thread_local!`,
/// `cfg_if!`-like blocks are not covered). Returns the statements when it parses.
pub fn macro_block(mac: &syn::Macro) -> Option<Vec<syn::Stmt>> {
    use syn::parse::Parser;
    let parser = syn::Block::parse_within;
    parser.parse2(mac.tokens.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a generated `match` with thousands of block-bodied arms, or an `impl` with
    /// thousands of methods, is ordinary code and must not be refused as an operator run.
    #[test]
    fn long_matches_and_paths_are_not_operator_runs() {
        let arms: String = (0..3000)
            .map(|i| format!("E::V{i} => {{ a::b::c() }}\n"))
            .collect();
        let text = format!("fn f(e: E) {{ match e {{ {arms} }} }}");
        assert!(parse_file(&text).is_ok());
    }

    /// Regression: keyword chains (`return return ...`) overflowed the stack (found while
    /// hardening), and postfix chains nest the syntax tree without any bracket nesting.
    #[test]
    fn keyword_and_postfix_chains_are_refused() {
        for (what, text) in [
            ("return", "return ".repeat(MAX_OP_RUN + 1)),
            ("break", "break ".repeat(MAX_OP_RUN + 1)),
            ("as", format!("1{}", " as u8".repeat(MAX_OP_RUN + 1))),
            ("call", format!("f{}", "()".repeat(MAX_OP_RUN + 1))),
            ("index", format!("a{}", "[0]".repeat(MAX_OP_RUN + 1))),
            (
                "else if",
                format!("if a {{}}{} {{}}", " else if a {}".repeat(MAX_OP_RUN + 1)),
            ),
        ] {
            let text = format!("fn f() {{ let x = {text}; }}");
            assert!(parse_file(&text).is_err(), "{what}");
        }
    }

    /// Thousands of items in one file or block are not one long expression.
    #[test]
    fn many_items_are_not_operator_runs() {
        let fns: String = (0..5000)
            .map(|i| format!("pub fn f{i}(&self) -> u8 {{ g(1)[0] as u8 }}\n"))
            .collect();
        assert!(parse_file(&format!("impl S {{ {fns} }}")).is_ok());
        assert!(parse_file(&fns.replace("&self", "")).is_ok());
    }

    #[test]
    fn long_prefix_chains_are_refused() {
        let text = format!("fn f() {{ let x = {}1; }}", "-".repeat(MAX_OP_RUN + 1));
        assert!(parse_file(&text).is_err());
        let text = format!("fn f() {{ let x = {}1; }}", "|x| ".repeat(MAX_OP_RUN));
        assert!(parse_file(&text).is_err());
    }

    #[test]
    fn long_numbers_are_refused_and_long_strings_are_not() {
        let digits = "9".repeat(MAX_NUMBER_LEN + 1);
        let err = parse_file(&format!("const X: u64 = {digits};")).unwrap_err();
        assert!(err.message.contains("numeric literal"), "{}", err.message);
        let ok = "9".repeat(MAX_NUMBER_LEN);
        assert!(parse_file(&format!("const X: u64 = {ok};")).is_ok());
        let long = "x".repeat(100_000);
        assert!(parse_file(&format!("const S: &str = \"{long}\";")).is_ok());
    }
}

/// A lexical check for files the prefilter skips: no rule can match in them, so they are not
/// parsed, but a file that could not be parsed at all (an unterminated string or comment, an
/// unclosed or mismatched delimiter, nesting beyond [`MAX_DEPTH`], NUL bytes) is still named,
/// because an unreadable file is a hole in the scan. One pass over the bytes, no allocation
/// beyond the delimiter stack.
pub fn quick_scan(text: &str) -> Result<(), ParseError> {
    let b = text.as_bytes();
    let err = |message: String, at: usize| {
        Err(ParseError {
            message,
            span: at..(at + 1).min(b.len()),
        })
    };
    // Bytes the scanner must look at; everything else is skipped in a tight loop.
    const INTERESTING: [bool; 256] = {
        let mut t = [false; 256];
        let mut k = 0;
        let bytes = *b"\0/\"'()[]{};,+-*|&^.";
        while k < bytes.len() {
            t[bytes[k] as usize] = true;
            k += 1;
        }
        t
    };
    let mut stack: Vec<(u8, usize)> = Vec::new();
    // Operator bytes since the last `;`, `,` or brace: a chain of 200,000 `+` terms or 50,000
    // nested closures (`|x| |x| ...`) is valid Rust that no parser stack survives.
    let mut ops = 0usize;
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && !INTERESTING[b[i] as usize] {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        match b[i] {
            0 => return err("the file contains NUL bytes (binary data)".into(), i),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 1;
                i += 2;
                while depth > 0 {
                    match (b.get(i), b.get(i + 1)) {
                        (None, _) => return err("unterminated block comment".into(), start),
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                continue;
            }
            b'"' => {
                let start = i;
                // A raw string: `r"`, `r#"`, `br##"` ... (look back over the hashes).
                let mut j = i;
                let mut hashes = 0;
                while j > 0 && b[j - 1] == b'#' {
                    j -= 1;
                    hashes += 1;
                }
                let raw = j > 0
                    && b[j - 1] == b'r'
                    && (j < 2
                        || !(b[j - 2].is_ascii_alphanumeric() || b[j - 2] == b'_')
                        || matches!(b[j - 2], b'b' | b'c'));
                i += 1;
                if raw {
                    loop {
                        let Some(n) = memchr::memchr(b'"', &b[i..]) else {
                            return err("unterminated raw string literal".into(), start);
                        };
                        i += n + 1;
                        if b[i..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
                            i += hashes;
                            break;
                        }
                    }
                } else {
                    loop {
                        let Some(n) = memchr::memchr2(b'"', b'\\', &b[i..]) else {
                            return err("unterminated string literal".into(), start);
                        };
                        i += n;
                        if b[i] == b'\\' {
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                }
                continue;
            }
            b'\'' => {
                // A char literal (`'a'`, `'\n'`, `'\u{..}'`) or a lifetime (`'a`).
                if b.get(i + 1) == Some(&b'\\') {
                    i = memchr::memchr(b'\'', &b[(i + 3).min(b.len())..])
                        .map_or(b.len(), |n| i + 3 + n + 1);
                    continue;
                }
                let ch_len = text[i + 1..].chars().next().map_or(0, char::len_utf8);
                if ch_len > 0 && b.get(i + 1 + ch_len) == Some(&b'\'') {
                    i += ch_len + 2;
                    continue;
                }
            }
            b';' | b',' => ops = 0,
            b'+' | b'-' | b'*' | b'|' | b'&' | b'^' | b'.' => {
                ops += 1;
                if ops > 4 * MAX_OP_RUN {
                    return err(too_many_operators(), i);
                }
            }
            open @ (b'(' | b'[' | b'{') => {
                if open == b'{' {
                    ops = 0;
                }
                stack.push((open, i));
                if stack.len() > MAX_DEPTH {
                    return err(too_deep(), i);
                }
            }
            close @ (b')' | b']' | b'}') => {
                if close == b'}' {
                    ops = 0;
                }
                let want = match close {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match stack.pop() {
                    Some((o, _)) if o == want => {}
                    Some((o, at)) => {
                        return err(
                            format!(
                                "mismatched closing delimiter `{}` for `{}` opened at byte {at}",
                                close as char, o as char
                            ),
                            i,
                        );
                    }
                    None => {
                        return err(
                            format!("unexpected closing delimiter `{}`", close as char),
                            i,
                        );
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    match stack.last() {
        Some((o, at)) => err(format!("unclosed delimiter `{}`", *o as char), *at),
        None => Ok(()),
    }
}

#[cfg(test)]
mod quick_scan_tests {
    use super::quick_scan;

    #[test]
    fn accepts_ordinary_rust_and_rejects_broken_shapes() {
        let ok = [
            "fn main() { let s = \"a)\\\"(\"; let c = '('; let l: &'static str = r#\"}\"#; }",
            "// ( unbalanced in a comment\n/* { /* nested } */ ] */ fn f<'a>(x: &'a u8) -> u8 { *x }",
            "const B: &[u8] = br##\"\"#)\"##; fn g() { let _ = b'['; let _ = '\\u{1F600}'; }",
            "",
        ];
        for t in ok {
            assert!(quick_scan(t).is_ok(), "{t}: {:?}", quick_scan(t));
        }
        let bad = [
            ("fn f() { let s = \"never closed; }", "unterminated string"),
            ("fn f() { /* open", "unterminated block comment"),
            ("fn f() { (1 + 2 }", "mismatched"),
            ("fn f() {", "unclosed"),
            ("fn f() {}}", "unexpected closing"),
            ("fn f() {\0}", "NUL"),
        ];
        for (t, want) in bad {
            let e = quick_scan(t).expect_err(t);
            assert!(e.message.contains(want), "{t}: {}", e.message);
        }
        let deep = format!("fn f() {{ {}{} }}", "(".repeat(300), ")".repeat(300));
        assert!(
            quick_scan(&deep)
                .unwrap_err()
                .message
                .contains("nesting deeper")
        );
    }
}
