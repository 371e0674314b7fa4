//! JWT101, a payload decoded by hand: a function that splits a token at its dots, base64-decodes
//! one part and parses it as JSON reads the claims without any signature check, exactly like
//! `insecure_decode`. The read is judged like the others (quiet when the function or a caller
//! in the file verifies, a note for a client reading its own token's expiry).

use syn::visit::Visit;

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;

/// What the function body does, as far as a hand-made decode goes.
#[derive(Default)]
struct Steps {
    splits_at_dots: bool,
    /// The first base64 decode call (where the finding points).
    base64: Option<std::ops::Range<usize>>,
    /// Base64 decodes of any part, the header's included.
    decodes: usize,
    parses_json: bool,
}

/// A function that base64-decodes this many parts (header, payload and signature, or the five
/// of a JWE) parses the whole token into a value that keeps its signature for a later check (a
/// JWT crate's `FromStr` or `Deserialize` of its token type): no claims read.
const PARSER_DECODES: usize = 3;

/// Names and paths that mark a base64 engine or function.
fn is_base64(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("base64") || t.contains("url_safe") || t.contains("general_purpose")
}

fn dot_literal(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Lit(l) if match &l.lit {
        syn::Lit::Char(c) => c.value() == '.',
        syn::Lit::Str(s) => s.value() == ".",
        _ => false,
    })
}

/// Is this the token's third part (its signature)? `parts[2]`, `.nth(2)`, or a binding named
/// like a signature (`sig_str`, `signature`). Decoding it reads no claims.
fn signature_part(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Try(t) => signature_part(&t.expr),
        syn::Expr::Reference(r) => signature_part(&r.expr),
        syn::Expr::Paren(p) => signature_part(&p.expr),
        syn::Expr::Index(i) => matches!(&*i.index, syn::Expr::Lit(l)
            if matches!(&l.lit, syn::Lit::Int(n) if n.base10_digits() == "2")),
        syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "nth" => m
                .args
                .first()
                .is_some_and(|a| quote::quote!(#a).to_string() == "2"),
            "as_bytes" | "as_ref" | "trim" | "unwrap" => signature_part(&m.receiver),
            _ => false,
        },
        syn::Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let n = i.to_string().to_ascii_lowercase();
            n == "sig" || n.starts_with("sig_") || n.starts_with("signature")
        }),
        _ => false,
    }
}

/// Not the payload: the header or the signature part.
fn not_payload(e: &syn::Expr) -> bool {
    header_part(e) || signature_part(e)
}

/// Is this the token's first part (its header), not its payload? `parts[0]`,
/// `split('.').next()`, `.nth(0)`, `.first()`, or a binding named like a header.
fn header_part(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Try(t) => header_part(&t.expr),
        syn::Expr::Reference(r) => header_part(&r.expr),
        syn::Expr::Paren(p) => header_part(&p.expr),
        syn::Expr::Index(i) => matches!(&*i.index, syn::Expr::Lit(l)
            if matches!(&l.lit, syn::Lit::Int(n) if n.base10_digits() == "0")),
        syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "next" | "first" => true,
            "nth" => m
                .args
                .first()
                .is_some_and(|a| quote::quote!(#a).to_string() == "0"),
            "trim_end_matches" | "as_bytes" | "as_ref" | "trim" | "unwrap" | "ok_or" => {
                header_part(&m.receiver)
            }
            _ => false,
        },
        syn::Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let n = i.to_string().to_ascii_lowercase();
            n.starts_with("head") || n.starts_with("hdr")
        }),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for Steps {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if matches!(
            name.as_str(),
            "split" | "splitn" | "rsplitn" | "split_terminator"
        ) && m.args.iter().any(dot_literal)
        {
            self.splits_at_dots = true;
        }
        let receiver = &m.receiver;
        if name == "decode" && is_base64(&quote::quote!(#receiver).to_string()) {
            self.decodes += 1;
            if !m.args.first().is_some_and(not_payload) {
                self.base64.get_or_insert_with(|| index::span_of(m));
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let segs = index::path_segments(&p.path);
            let last = segs.last().map(String::as_str).unwrap_or("");
            let path = segs.join("::");
            if matches!(last, "decode" | "decode_config") && is_base64(&path) {
                self.decodes += 1;
                if !c.args.first().is_some_and(not_payload) {
                    self.base64.get_or_insert_with(|| index::span_of(c));
                }
            }
            if matches!(last, "from_slice" | "from_str" | "from_reader")
                && segs.iter().any(|s| s == "serde_json")
            {
                self.parses_json = true;
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
}

/// Checks one function body (called inside the function's facts, so the read is held).
pub fn check_fn(w: &mut Walker, body: &syn::Block) {
    let mut steps = Steps::default();
    steps.visit_block(body);
    let (true, Some(span), true) = (
        steps.splits_at_dots,
        steps.base64.clone(),
        steps.parses_json,
    ) else {
        return;
    };
    if steps.decodes >= PARSER_DECODES {
        return;
    }
    // A type named `Verified..` or `Accepted..` holds a token checked before it was made.
    if w.names
        .iter()
        .any(|n| super::next_use::names_a_verified_type(n))
    {
        return;
    }
    let text = w.ctx.snippet(&index::span_of(body)).to_ascii_lowercase();
    if !(text.contains("jwt") || text.contains("token") || text.contains("claims")) {
        return;
    }
    let d = Diagnostic::new(
        "JWT101",
        w.ctx.path,
        span,
        "the token's payload is base64-decoded and parsed by hand, without any signature check, so anyone can forge the claims it returns",
    )
    .with_label("payload decoded here")
    .with_help("verify the token with your JWT crate and read the claims it returns, for example `jsonwebtoken::decode::<Claims>(&token, &key, &Validation::new(Algorithm::RS256))`");
    super::next_use::hold(w, d);
}
