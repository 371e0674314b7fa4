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

/// Why a file is refused before syn sees it.
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

/// Keywords after which an expression starts: a `|` there opens a closure's parameters, and a
/// group is not a call.
const PREFIX_KEYWORDS: &[&str] = &["move", "async", "static", "in", "if", "while", "match"];

/// The state of one bracket level of the walk.
struct Level {
    tokens: proc_macro2::token_stream::IntoIter,
    /// Operators since the last `;`, `,` or `=>` (or the start of a new item, see below).
    run: usize,
    /// The previous token was a joint punctuation (to see `=>`, `->`, `<=`, `||`).
    joint: Option<char>,
    /// The previous token can be followed by a postfix call or index (`f(..)`, `a[..]`).
    operand: bool,
    /// The previous token was a `{ .. }` group.
    after_brace: bool,
    /// `<` not closed by a `>` at this level: generic arguments (`A<u8, A<u8, ..>>`) nest past
    /// a `,` (a comparison counts too, which only makes the count larger).
    angle: usize,
    /// Inside a closure's parameters (`|a, b|`): their `,` does not end the expression.
    params: bool,
    /// The previous `|` was a binary operator (so a joint `|` after it is `||`, not a closure).
    bitor: bool,
}

impl Level {
    fn new(tokens: TokenStream) -> Level {
        Level {
            tokens: tokens.into_iter(),
            run: 0,
            joint: None,
            operand: false,
            after_brace: false,
            angle: 0,
            params: false,
            bitor: false,
        }
    }
}

/// The walk of [`check_shape`]: a stack of levels and one budget over all of them.
struct Walk {
    stack: Vec<Level>,
    /// Open levels plus the `run` of each: everything syn may be recursing through at once.
    total: usize,
}

impl Walk {
    fn top(&mut self) -> &mut Level {
        self.stack.last_mut().expect("the walk has a level")
    }

    /// A new expression starts at the top level: its run, open `<` and closure parameters end.
    fn restart(&mut self, run: usize) {
        let top = self.top();
        let old = std::mem::replace(&mut top.run, run);
        top.angle = 0;
        top.params = false;
        self.total = self.total - old + run;
    }

    /// One more nesting operator at the top level; refused past the budget.
    fn bump(&mut self, span: proc_macro2::Span) -> Result<(), ParseError> {
        self.top().run += 1;
        self.total += 1;
        if self.total > MAX_OP_RUN {
            return Err(ParseError {
                message: too_many_operators(),
                span: span.byte_range(),
            });
        }
        Ok(())
    }

    fn push(&mut self, tokens: TokenStream) {
        self.stack.push(Level::new(tokens));
        self.total += 1;
    }

    fn pop(&mut self) {
        if let Some(l) = self.stack.pop() {
            self.total -= 1 + l.run;
        }
    }

    fn group(&mut self, g: &proc_macro2::Group) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError {
                message: too_deep(),
                span: g.span_open().byte_range(),
            });
        }
        let top = self.top();
        if g.delimiter() == proc_macro2::Delimiter::Brace {
            top.after_brace = true;
        } else if top.operand {
            self.bump(g.span_open())?;
        }
        self.top().operand = true;
        self.push(g.stream());
        Ok(())
    }

    fn punct(
        &mut self,
        p: &proc_macro2::Punct,
        joint: Option<char>,
        after_brace: bool,
    ) -> Result<(), ParseError> {
        let c = p.as_char();
        if after_brace && c == '#' {
            // An outer attribute after a `{ .. }` group: a new item or statement.
            self.restart(0);
        }
        let top = self.top();
        let after_operand = std::mem::replace(&mut top.operand, c == '?');
        let bitor = std::mem::take(&mut top.bitor);
        if p.spacing() == proc_macro2::Spacing::Joint {
            top.joint = Some(c);
        }
        match c {
            // Separators: a new expression starts after them (generic arguments and closure
            // parameters go on past a `,`).
            ';' => self.restart(0),
            ',' if top.params => {}
            ',' => {
                let open = top.angle;
                self.restart(open);
                self.top().angle = open;
            }
            // `=>` starts a match arm's expression (parsed in a loop, not recursively).
            '>' if joint == Some('=') => self.restart(0),
            // Paths (`::`), type annotations, attributes, lifetimes, macro variables:
            // none of them nests the parser.
            ':' | '#' | '\'' | '$' => {}
            _ => {
                match c {
                    '<' => top.angle += 1,
                    '>' if joint != Some('-') => top.angle = top.angle.saturating_sub(1),
                    '=' if joint == Some('<') => top.angle = top.angle.saturating_sub(1),
                    '|' if top.params => top.params = false,
                    // A `|` where an operand is expected opens a closure, unless it is the
                    // second half of `||` after an operand.
                    '|' if !(after_operand || joint == Some('|') && bitor) => top.params = true,
                    '|' => top.bitor = true,
                    _ => {}
                }
                self.bump(p.span())?;
            }
        }
        Ok(())
    }

    fn ident(&mut self, i: &proc_macro2::Ident, after_brace: bool) -> Result<(), ParseError> {
        let s = i.to_string();
        let s = s.as_str();
        if after_brace && s != "else" && s != "as" {
            self.restart(0);
        }
        if KEYWORD_OPS.contains(&s) {
            self.top().operand = false;
            self.bump(i.span())?;
        } else {
            self.top().operand = !PREFIX_KEYWORDS.contains(&s);
        }
        Ok(())
    }
}

/// Iterative check of nesting depth and operator runs, with one budget for both.
///
/// A run counts, per bracket level, what makes syn recurse or the syntax tree nest without a
/// bracket: operator punctuation (binary, unary, closures' `|`, `.`, `?`, `<`...), the keywords
/// in [`KEYWORD_OPS`], and postfix calls and indexes (`f()()()`, `a[0][0]`). It restarts after
/// `;` and `=>`, after a `,` (except inside closure parameters, and down to the `<` still open
/// at that level), and at an identifier or attribute right after a `{ .. }` group (a new item
/// or statement: only `else` and `as` continue an expression there). Paths (`::`), type
/// annotations, attributes and lifetimes do not count.
///
/// The budget is the number of open brackets plus the runs of every open level: it is at most
/// [`MAX_OP_RUN`], so depth and runs add up rather than multiply (160 levels of 4,000 terms each
/// are refused). Nesting is also at most [`MAX_DEPTH`] brackets.
pub fn check_shape(tokens: &TokenStream) -> Result<(), ParseError> {
    let mut walk = Walk {
        stack: Vec::new(),
        total: 0,
    };
    walk.push(tokens.clone());
    while let Some(top) = walk.stack.last_mut() {
        let Some(tt) = top.tokens.next() else {
            walk.pop();
            continue;
        };
        let after_brace = std::mem::take(&mut top.after_brace);
        let joint = top.joint.take();
        match tt {
            TokenTree::Group(g) => walk.group(&g)?,
            TokenTree::Punct(p) => walk.punct(&p, joint, after_brace)?,
            TokenTree::Ident(i) => walk.ident(&i, after_brace)?,
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

    /// Depth and runs share one budget, and a `,` does not end what an open `<` or closure
    /// parameter list nests.
    #[test]
    fn nesting_and_runs_share_one_budget() {
        let level = format!("{}(", "-".repeat(MAX_OP_RUN / 2));
        let text = format!(
            "fn f() {{ let x = {}1{}; }}",
            level.repeat(3),
            ")".repeat(3)
        );
        let refused = |t: &str| parse_file(t).is_err_and(|e| e.message.contains("operators"));
        assert!(refused(&text), "runs at three levels add up");
        let n = MAX_OP_RUN + 1;
        for t in [
            format!("type T = {}u8{};", "Result<u8, ".repeat(n), ">".repeat(n)),
            format!("fn f() {{ let x = {}0; }}", "|a, b| ".repeat(n / 2 + 1)),
            format!(
                "fn f<T>() where T: {}u8{}, {{}}",
                "A<u8, B: ".repeat(n),
                ">".repeat(n)
            ),
        ] {
            assert!(refused(&t), "{}", &t[..40]);
        }
        // Ordinary lists are not runs: commas after a closed `<` or closure end them.
        let items = "Vec::<u8>::new(), |a, b| a + b, x || y, ".repeat(2_000);
        let r = parse_file(&format!("fn f() {{ let x = ({items}); }}"));
        assert!(r.is_ok(), "{:?}", r.err());
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
