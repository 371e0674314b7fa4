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

#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub span: Range<usize>,
}

/// Replaces a BOM and a shebang line with spaces so byte offsets stay those of the file.
fn normalise(text: &str) -> Cow<'_, str> {
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

/// Parses a whole file. Spans in the result are byte offsets into `text`.
pub fn parse_file(text: &str) -> Result<syn::File, ParseError> {
    let text = normalise(text);
    let tokens = TokenStream::from_str(&text).map_err(|e| {
        let span = e.span().byte_range();
        ParseError {
            message: format!("cannot tokenize: {e}"),
            span,
        }
    })?;
    check_shape(&tokens)?;
    syn::parse2::<syn::File>(tokens).map_err(|e| ParseError {
        message: e.to_string(),
        span: e.span().byte_range(),
    })
}

/// Iterative check of nesting depth and operator runs.
pub fn check_shape(tokens: &TokenStream) -> Result<(), ParseError> {
    let mut stack: Vec<proc_macro2::token_stream::IntoIter> = vec![tokens.clone().into_iter()];
    let mut runs: Vec<usize> = vec![0];
    // The previous token of each level when it was a joint punctuation (to see `=>`).
    let mut prevs: Vec<Option<char>> = vec![None];
    while let Some(top) = stack.last_mut() {
        let Some(tt) = top.next() else {
            stack.pop();
            runs.pop();
            prevs.pop();
            continue;
        };
        match tt {
            TokenTree::Group(g) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError {
                        message: format!(
                            "nesting deeper than {MAX_DEPTH} levels; the file is not analysed (deep nesting could overflow the parser's stack)"
                        ),
                        span: g.span_open().byte_range(),
                    });
                }
                stack.push(g.stream().into_iter());
                runs.push(0);
                prevs.push(None);
                if let Some(p) = prevs.iter_mut().rev().nth(1) {
                    *p = None;
                }
            }
            TokenTree::Punct(p) => {
                let run = runs.last_mut().expect("runs follows stack");
                let prev = prevs.last_mut().expect("prevs follows stack");
                let c = p.as_char();
                let after_joint_eq = *prev == Some('=');
                *prev = (p.spacing() == proc_macro2::Spacing::Joint).then_some(c);
                match c {
                    // Separators: a new expression starts after them.
                    ';' | ',' => *run = 0,
                    // `=>` starts a match arm's expression (parsed in a loop, not recursively).
                    '>' if after_joint_eq => *run = 0,
                    // Paths (`::`), type annotations, attributes, lifetimes, macro variables:
                    // none of them nests the parser.
                    ':' | '#' | '\'' | '$' => {}
                    _ => {
                        *run += 1;
                        if *run > MAX_OP_RUN {
                            return Err(ParseError {
                                message: format!(
                                    "an expression with more than {MAX_OP_RUN} operators in a row; the file is not analysed (it could overflow the parser's stack)"
                                ),
                                span: p.span().byte_range(),
                            });
                        }
                    }
                }
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                *prevs.last_mut().expect("prevs follows stack") = None;
            }
        }
    }
    Ok(())
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

    #[test]
    fn long_prefix_chains_are_refused() {
        let text = format!("fn f() {{ let x = {}1; }}", "-".repeat(MAX_OP_RUN + 1));
        assert!(parse_file(&text).is_err());
        let text = format!("fn f() {{ let x = {}1; }}", "|x| ".repeat(MAX_OP_RUN));
        assert!(parse_file(&text).is_err());
    }
}
