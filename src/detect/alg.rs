//! JWT102 algorithm-from-token: the accepted algorithm comes from the token's own, unverified
//! header (`Validation::new(decode_header(&t)?.alg)`), unless the function first compares that
//! algorithm against something it trusts (an allowlist or a fixed value).

use std::sync::OnceLock;

use serde::Deserialize;
use syn::{Expr, ExprAssign, ExprCall, ExprMethodCall, ExprStruct};

use super::{Binding, Walker, secrets};
use crate::diagnostic::Diagnostic;
use crate::index;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AlgData {
    /// Functions returning an unverified header.
    header_sources: Vec<String>,
    /// Fields / methods of a header that hold its algorithm.
    alg_members: Vec<String>,
    /// Methods returning an unverified header (biscuit `unverified_header()`), in packages
    /// that depend on one of `crates`.
    header_source_methods: Vec<MethodSink>,
    /// Functions whose argument at `arg` is the accepted algorithm.
    sinks: Vec<Sink>,
    /// Methods whose argument at `arg` is the accepted algorithm (biscuit
    /// `into_decoded(&secret, alg)`), in packages that depend on one of `crates`.
    method_sinks: Vec<MethodSink>,
    /// Fields that hold the algorithm allowlist.
    allowlist_fields: Vec<String>,
    /// Types of an unverified header (a parameter of this type was decoded by the caller).
    header_types: Vec<String>,
    /// Fields / methods of a header that carry key material or where to fetch it (`jwk`,
    /// `jku`, `x5u`, `x5c`, jwt-simple's `public_key()`): reading one is trusting the token's
    /// own key, unless the value is compared with a trusted one first.
    key_members: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sink {
    call: String,
    arg: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MethodSink {
    method: String,
    #[serde(default)]
    arg: usize,
    #[serde(default)]
    crates: Vec<String>,
}

fn data() -> &'static AlgData {
    static D: OnceLock<AlgData> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT102"))
}

fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Try(t) => strip(&t.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Reference(r) => strip(&r.expr),
        Expr::Await(a) => strip(&a.base),
        Expr::Group(g) => strip(&g.expr),
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "unwrap"
                    | "expect"
                    | "ok"
                    | "map_err"
                    | "clone"
                    | "to_owned"
                    | "unwrap_or_default"
                    | "context"
                    | "with_context"
                    | "as_ref"
            ) =>
        {
            strip(&m.receiver)
        }
        _ => e,
    }
}

fn is_header_source(w: &Walker, e: &Expr) -> bool {
    match strip(e) {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return false;
            };
            if parses_into_header(w, &p.path) {
                return true;
            }
            let canon = w.ctx.resolve(&p.path);
            data()
                .header_sources
                .iter()
                .any(|s| index::path_matches(&canon, s))
        }
        Expr::MethodCall(m) => data()
            .header_source_methods
            .iter()
            .any(|s| m.method == s.method && w.ctx.crates.depends_on_any(&s.crates)),
        // A part of a header is unverified too (biscuit `header.registered.algorithm`).
        Expr::Field(f) => is_header_source(w, &f.base),
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| w.binding(&i.to_string()))
            .map(|b| b.header)
            .unwrap_or(false),
        _ => false,
    }
}

/// `serde_json::from_slice::<Header>(..)`: a header the code parses from the token's own bytes.
fn parses_into_header(w: &Walker, path: &syn::Path) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    if !matches!(
        last.ident.to_string().as_str(),
        "from_slice" | "from_str" | "from_value" | "from_reader"
    ) {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    args.args.iter().any(|a| match a {
        syn::GenericArgument::Type(t) => {
            let mut b = Binding::default();
            classify_param(w, t, &mut b);
            b.header
        }
        _ => false,
    })
}

/// Root identifier of an expression like `header.alg` or `h`.
fn root_ident(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => root_ident(&f.base),
        Expr::MethodCall(m) => root_ident(&m.receiver),
        _ => None,
    }
}

/// Is this expression an algorithm read from an unverified header?
fn is_header_alg(w: &Walker, e: &Expr) -> bool {
    match strip(e) {
        Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if data().alg_members.iter().any(|m| n == m))
                && is_header_source(w, &f.base)
        }
        Expr::MethodCall(m) => {
            data().alg_members.iter().any(|a| m.method == a) && is_header_source(w, &m.receiver)
        }
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| w.binding(&i.to_string()))
            .map(|b| b.header_alg)
            .unwrap_or(false),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => crate::parse::macro_exprs(&m.mac)
            .map(|v| v.iter().any(|x| is_header_alg(w, x)))
            .unwrap_or(false),
        Expr::Array(a) => a.elems.iter().any(|x| is_header_alg(w, x)),
        _ => false,
    }
}

fn sanitized(w: &Walker, e: &Expr) -> bool {
    let e = strip(e);
    let text = w.ctx.snippet(&index::span_of(e)).replace(' ', "");
    if w.compared.contains(&text) {
        return true;
    }
    root_ident(e)
        .map(|r| w.compared.contains(&r))
        .unwrap_or(false)
}

pub fn classify_binding(w: &Walker, init: &Expr, b: &mut Binding) {
    if is_header_source(w, init) {
        b.header = true;
    }
    if is_header_alg(w, init) && !sanitized(w, init) {
        b.header_alg = true;
    }
}

/// A parameter typed as an unverified header (`header: &jsonwebtoken::Header`).
pub fn classify_param(w: &Walker, ty: &syn::Type, b: &mut Binding) {
    match ty {
        syn::Type::Reference(r) => classify_param(w, &r.elem, b),
        syn::Type::Paren(p) => classify_param(w, &p.elem, b),
        syn::Type::Path(p) if p.qself.is_none() => {
            let canon = w.ctx.resolve(&p.path);
            if data()
                .header_types
                .iter()
                .any(|t| index::path_matches(&canon, t))
            {
                b.header = true;
            }
        }
        _ => {}
    }
}

/// Records that an expression's value was compared with something (an allowlist check).
pub fn note_comparison(w: &mut Walker, e: &Expr) {
    let e = strip(e);
    let text = w.ctx.snippet(&index::span_of(e)).replace(' ', "");
    if !text.is_empty() {
        w.compared.insert(text);
    }
    if let Some(r) = root_ident(e) {
        // Comparing `header.alg` sanitises the header's algorithm; comparing the header's
        // kid does not.
        let is_alg = matches!(e, Expr::Field(f) if matches!(&f.member, syn::Member::Named(n) if data().alg_members.iter().any(|m| n == m)))
            || matches!(e, Expr::MethodCall(m) if data().alg_members.iter().any(|a| m.method == a))
            || matches!(e, Expr::Path(_));
        if is_alg {
            w.compared.insert(r);
        }
    }
}

/// A sink's argument: a header algorithm is reported here; a parameter of the enclosing
/// function makes the function a sink of that parameter, judged at its calls.
fn sink_arg(w: &mut Walker, arg: &Expr, span: std::ops::Range<usize>) {
    if is_header_alg(w, arg) {
        if !sanitized(w, arg) {
            report(w, arg, span);
        }
        return;
    }
    let Some(&f) = w.fn_stack.last() else { return };
    let func = w.fns[f].name.clone();
    for index in secrets::params_in(w, arg) {
        if w.alg_flow.sinks.len() < MAX_PARAM_FLOW {
            w.alg_flow.sinks.push(ParamSink {
                func: func.clone(),
                index,
                span: span.clone(),
            });
        }
    }
}

/// Algorithm sinks that get a parameter of their function (`fn for_alg(alg: Algorithm) {
/// Validation::new(alg) }`) and calls of the file's functions that pass a header's algorithm
/// (`for_alg(header.alg)`): each such call is reported as if the header's algorithm were
/// written at the sink. One call deep, within one file.
#[derive(Default)]
pub struct ParamFlow {
    sinks: Vec<ParamSink>,
    calls: Vec<CallArg>,
}

struct ParamSink {
    func: String,
    index: usize,
    span: std::ops::Range<usize>,
}

struct CallArg {
    callee: String,
    /// The parameter's index among the callee's inputs (`self` counts).
    index: usize,
    /// The argument's position as written (1-based).
    shown: usize,
    arg: std::ops::Range<usize>,
    in_test: bool,
}

/// Most sinks and calls remembered per file.
const MAX_PARAM_FLOW: usize = 4096;

/// Records the arguments of a call of one of the file's functions that are a header's
/// algorithm; `receiver` says the call is `self.name(..)`, whose inputs start with `self`.
pub fn note_local_call<'a>(
    w: &mut Walker,
    callee: Option<String>,
    receiver: bool,
    args: impl IntoIterator<Item = &'a Expr>,
) {
    let Some(callee) = callee.filter(|_| w.ctx.enabled("JWT102")) else {
        return;
    };
    for (index, a) in args.into_iter().enumerate().take(16) {
        if w.alg_flow.calls.len() < MAX_PARAM_FLOW && is_header_alg(w, a) && !sanitized(w, a) {
            let in_test = w.in_test();
            w.alg_flow.calls.push(CallArg {
                callee: callee.clone(),
                index: index + usize::from(receiver),
                shown: index + 1,
                arg: index::span_of(a),
                in_test,
            });
        }
    }
}

/// Reports each recorded call whose header algorithm reaches a sink through a parameter.
pub fn finish_params(w: &mut Walker) {
    let flow = std::mem::take(&mut w.alg_flow);
    for c in &flow.calls {
        let Some(s) = flow
            .sinks
            .iter()
            .find(|s| s.func == c.callee && s.index == c.index)
        else {
            continue;
        };
        let mut d = Diagnostic::new(
            "JWT102",
            w.ctx.path,
            c.arg.clone(),
            format!(
                "the accepted algorithm is taken from the token's own unverified header (through parameter {} of `{}`), so the attacker chooses how the token is checked",
                c.shown,
                s.func
            ),
        )
        .with_label("algorithm from the token header")
        .with_secondary(w.ctx.path, s.span.clone(), "accepted as the algorithm here");
        if c.in_test || w.ctx.is_test_file {
            d = d.in_test_code();
        }
        w.out.diagnostics.push(d);
    }
}

fn report(w: &mut Walker, arg: &Expr, span: std::ops::Range<usize>) {
    let d = Diagnostic::new(
        "JWT102",
        w.ctx.path,
        span,
        "the accepted algorithm is taken from the token's own unverified header, so the attacker chooses how the token is checked",
    )
    .with_label("algorithm from the token header")
    .with_secondary(w.ctx.path, index::span_of(arg), "read from the unverified header here");
    w.report(d);
}

pub fn check_call(w: &mut Walker, c: &ExprCall) {
    if !w.ctx.enabled("JWT102") {
        return;
    }
    let Expr::Path(p) = &*c.func else { return };
    let canon = w.ctx.resolve(&p.path);
    for s in &data().sinks {
        if !index::path_matches(&canon, &s.call) {
            continue;
        }
        if let Some(arg) = c.args.iter().nth(s.arg) {
            sink_arg(w, arg, index::span_of(c));
        }
    }
}

fn report_key(w: &mut Walker, member: &str, span: std::ops::Range<usize>) {
    let text = w.ctx.snippet(&span).replace(' ', "");
    let prefix = format!("{text}.");
    if w.compared
        .iter()
        .any(|c| *c == text || c.starts_with(&prefix))
    {
        return;
    }
    let d = Diagnostic::new(
        "JWT102",
        w.ctx.path,
        span,
        format!("`{member}` comes from the token's own unverified header: a key (or key URL) taken from it lets the attacker sign with a key of their choice"),
    )
    .with_label("key material from the token header")
    .with_help("select the key from your own trusted set (a pinned JWKS, found by `kid`), or compare the header value with a pinned one before using it; never build the verification key from the token");
    w.report(d);
}

/// `header.jwk`, `header.jku`, `header.x5c` read from an unverified header.
pub fn check_field(w: &mut Walker, f: &syn::ExprField) {
    if !w.ctx.enabled("JWT102") {
        return;
    }
    let syn::Member::Named(n) = &f.member else {
        return;
    };
    if data().key_members.iter().any(|k| n == k) && is_header_source(w, &f.base) {
        report_key(w, &n.to_string(), index::span_of(f));
    }
}

pub fn check_method(w: &mut Walker, m: &ExprMethodCall) {
    if w.ctx.enabled("JWT102") {
        for s in &data().method_sinks {
            if m.method == s.method
                && w.ctx.crates.depends_on_any(&s.crates)
                && let Some(arg) = m.args.iter().nth(s.arg)
            {
                sink_arg(w, arg, index::span_of(m));
            }
        }
    }
    if w.ctx.enabled("JWT102")
        && data().key_members.iter().any(|k| m.method == k)
        && is_header_source(w, &m.receiver)
    {
        report_key(w, &format!("{}()", m.method), index::span_of(m));
    }
    // `allowed.contains(&header.alg)` is an allowlist check.
    if matches!(
        m.method.to_string().as_str(),
        "contains" | "contains_key" | "iter" | "any" | "position"
    ) {
        for a in &m.args {
            note_comparison(w, a);
        }
    }
}

pub fn check_assign(w: &mut Walker, a: &ExprAssign) {
    if !w.ctx.enabled("JWT102") {
        return;
    }
    let Expr::Field(f) = &*a.left else { return };
    let syn::Member::Named(n) = &f.member else {
        return;
    };
    if data().allowlist_fields.iter().any(|x| n == x)
        && is_header_alg(w, &a.right)
        && !sanitized_vec(w, &a.right)
    {
        report(w, &a.right, index::span_of(a));
    }
}

fn sanitized_vec(w: &Walker, e: &Expr) -> bool {
    match strip(e) {
        Expr::Macro(m) => crate::parse::macro_exprs(&m.mac)
            .map(|v| {
                v.iter()
                    .filter(|x| is_header_alg(w, x))
                    .all(|x| sanitized(w, x))
            })
            .unwrap_or(false),
        Expr::Array(a) => a
            .elems
            .iter()
            .filter(|x| is_header_alg(w, x))
            .all(|x| sanitized(w, x)),
        e => sanitized(w, e),
    }
}

pub fn check_struct(w: &mut Walker, s: &ExprStruct) {
    if !w.ctx.enabled("JWT102") {
        return;
    }
    for fv in &s.fields {
        let syn::Member::Named(n) = &fv.member else {
            continue;
        };
        if data().allowlist_fields.iter().any(|x| n == x)
            && is_header_alg(w, &fv.expr)
            && !sanitized_vec(w, &fv.expr)
        {
            report(w, &fv.expr, index::span_of(fv));
        }
    }
}
