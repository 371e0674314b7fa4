//! The data-driven API detector: every rule page may list `[[data.match]]` entries (a function
//! path, a method name or a field, with optional literal arguments) in its front matter. Adding
//! a dangerous API of a new crate version is a data change.

use std::sync::OnceLock;

use serde::Deserialize;
use syn::spanned::Spanned;
use syn::{Expr, ExprAssign, ExprCall, ExprMethodCall, ExprStruct};

use super::Walker;
use crate::diagnostic::{Diagnostic, Level};
use crate::index::{self, Val};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApiEntry {
    /// `crate::Type::function` or `crate::module::function`.
    #[serde(default)]
    pub call: Option<String>,
    /// A method name (matched with `crates` as the gate).
    #[serde(default)]
    pub method: Option<String>,
    /// A field set by assignment or in a struct literal.
    #[serde(default)]
    pub field: Option<String>,
    /// A path used as a value (`josekit::jwt::None`, `SignatureAlgorithm::None`).
    #[serde(default)]
    pub path: Option<String>,
    /// The package must depend on one of these crates.
    #[serde(default)]
    pub crates: Vec<String>,
    /// Literal arguments by position (`[false]`); omitted means any.
    #[serde(default)]
    pub args: Vec<toml::Value>,
    /// A type whose `Default` is the risk: matched as a field of that type in a struct that
    /// derives `Default` (the derived default fills it with the insecure one).
    #[serde(default)]
    pub default_of: Option<String>,
    /// The call reads claims without verifying them (JWT101): judged by what the program does
    /// with the token next (see `next_use`), not reported at once.
    #[serde(default)]
    pub reads: bool,
    /// The call returns `Result<bool>` whose `Ok(false)` is the failure (`crypto::verify`):
    /// reported only where the bool is thrown away (`let _ = verify(..)?;`, `verify(..)?;`,
    /// `.is_ok()`, `if let Ok(_) = ..`), never at the call itself.
    #[serde(default)]
    pub drops_bool: bool,
    /// With `absent_words`: the finding is dropped when the package issues its own tokens (any
    /// of these words occurs in its production code) and none of `absent_words` occurs (a
    /// package that signs tokens without `aud` need not check `aud`).
    #[serde(default)]
    pub self_issued_words: Vec<String>,
    #[serde(default)]
    pub absent_words: Vec<String>,
    /// Argument positions that must be the literal `None` (`verify_token(token, None)`).
    #[serde(default)]
    pub none_args: Vec<usize>,
    /// The value a field is set to (for `field`).
    #[serde(default)]
    pub value: Option<toml::Value>,
    /// Numeric values strictly above this match (for `field`, or the first argument).
    #[serde(default)]
    pub above: Option<f64>,
    /// Text the receiver expression must contain (for `method`).
    #[serde(default)]
    pub receiver: Option<String>,
    /// Struct literal type name the field belongs to (for `field` in struct literals).
    #[serde(default, rename = "struct")]
    pub struct_name: Option<String>,
    /// The value is a path ending in these segments (`Validation::Ignored`, `None`), for `field`.
    #[serde(default)]
    pub value_path: Option<String>,
    /// Numeric first argument strictly below this (`generate_symmetric(128)`).
    #[serde(default)]
    pub below: Option<f64>,
    /// The first argument is a literal list of strings without this one
    /// (`set_required_spec_claims(&["iss"])` lacks `"exp"`).
    #[serde(default)]
    pub lacks: Option<String>,
    /// Position of a closure argument that `closure_returns` / `closure_calls` judge.
    #[serde(default)]
    pub closure_arg: Option<usize>,
    /// The closure's body, without blanks and braces, is one of these (`true`, `Ok(())`).
    #[serde(default)]
    pub closure_returns: Vec<String>,
    /// The closure calls one of these methods (or reads one of these fields) on its parameter.
    #[serde(default)]
    pub closure_calls: Vec<String>,
    /// A semver requirement on the resolved version of the entry's crate (the first of
    /// `crates`, else the first segment of its path); an unknown version does not match.
    #[serde(default)]
    pub version_req: Option<String>,
    pub message: String,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub level: Option<Level>,
    /// Crate versions the entry applies to (documentation).
    #[serde(default)]
    pub versions: Option<String>,
    /// Roles of the finding for later passes (see [`super::EMPTY_KEY`], [`super::SIGNATURE_OFF`]).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Claims whose hand-written check (in this function or one around it in the file) makes
    /// the finding moot: `validate_exp = false` followed by `if claims.exp < now`.
    #[serde(default)]
    pub unless_checked: Vec<super::manual_checks::Claim>,
    /// Words of an enclosing function or type name where the setting is by design
    /// (`introspect`: an RFC 7662 introspection endpoint answers for every audience and returns
    /// `aud` to the resource server that asks); the match is then no finding.
    #[serde(default)]
    pub by_design_in: Vec<String>,
    #[serde(skip)]
    pub rule: String,
}

impl ApiEntry {
    fn allowed(&self, w: &Walker) -> bool {
        let path = self.call.as_deref().or(self.path.as_deref());
        w.ctx.crates.allows(&self.crates, path)
            && version_ok(w, &self.crates, path, &self.version_req)
            && !self.by_design(w)
    }

    fn by_design(&self, w: &Walker) -> bool {
        if self.by_design_in.is_empty() {
            return false;
        }
        let names = w.context_words();
        self.by_design_in.iter().any(|b| names.contains(b.as_str()))
    }
}

/// Does the resolved version of the entry's crate meet `req`? No requirement: yes.
pub fn version_ok(w: &Walker, crates: &[String], path: Option<&str>, req: &Option<String>) -> bool {
    let Some(req) = req else { return true };
    let Ok(req) = semver::VersionReq::parse(req) else {
        return false;
    };
    let krate = crates
        .first()
        .map(String::as_str)
        .or_else(|| path.and_then(|p| p.split("::").next()));
    let Some(krate) = krate else { return false };
    let v = w
        .ctx
        .crates
        .version_of(krate)
        .or_else(|| w.ctx.crates.version_of(&krate.replace('_', "-")))
        .or_else(|| w.ctx.crates.version_of(&krate.replace('-', "_")));
    v.is_some_and(|v| req.matches(v))
}

/// Strings of a literal list argument (`&["iss", "sub"]`, `vec![..]`, `[..]`).
fn string_list(e: &Expr) -> Option<Vec<String>> {
    let elems: Vec<Expr> = match e {
        Expr::Reference(r) => return string_list(&r.expr),
        Expr::Array(a) => a.elems.iter().cloned().collect(),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => crate::parse::macro_exprs(&m.mac)?,
        _ => return None,
    };
    elems
        .iter()
        .map(|x| match x {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        })
        .collect()
}

/// A closure argument judged by `closure_returns` / `closure_calls`.
fn closure_matches(w: &Walker, e: &ApiEntry, arg: Option<&Expr>) -> bool {
    let Some(Expr::Closure(c)) = arg else {
        return false;
    };
    let body = w
        .ctx
        .snippet(&index::span_of(&*c.body))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>();
    let body = body
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .unwrap_or(&body);
    if !e.closure_returns.is_empty() && !e.closure_returns.iter().any(|r| r == body) {
        return false;
    }
    if !e.closure_calls.is_empty() {
        struct F<'n>(&'n [String], bool);
        impl<'ast> syn::visit::Visit<'ast> for F<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
                if self.0.iter().any(|n| m.method == n) {
                    self.1 = true;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
                if matches!(&f.member, syn::Member::Named(n) if self.0.iter().any(|x| n == x)) {
                    self.1 = true;
                }
                syn::visit::visit_expr_field(self, f);
            }
        }
        let mut f = F(&e.closure_calls, false);
        syn::visit::Visit::visit_expr(&mut f, &c.body);
        if !f.1 {
            return false;
        }
        // A match that maps fixed names of one family to fixed verifiers is an allowlist
        // (`Some("RS256") => Some(&self.rs256), _ => None`); a mixed one stays a finding.
        if allowlist_match(&c.body) {
            return false;
        }
    }
    true
}

/// Does a closure body choose by a `match` on the algorithm whose arms name algorithms of one
/// family only?
fn allowlist_match(body: &Expr) -> bool {
    struct M(bool, bool);
    impl<'ast> syn::visit::Visit<'ast> for M {
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            if let Some(arms) = super::mixed::header_arms(m) {
                if arms.mixed() {
                    self.1 = true;
                } else {
                    self.0 = true;
                }
            }
            syn::visit::visit_expr_match(self, m);
        }
    }
    let mut m = M(false, false);
    syn::visit::Visit::visit_expr(&mut m, body);
    m.0 && !m.1
}

pub fn table() -> &'static [ApiEntry] {
    static T: OnceLock<Vec<ApiEntry>> = OnceLock::new();
    T.get_or_init(|| {
        crate::catalog::rule_entries::<ApiEntry>("match")
            .into_iter()
            .map(|(rule, e)| ApiEntry { rule, ..e })
            .collect()
    })
}

fn val_eq(v: &Val, t: &toml::Value) -> bool {
    match (v, t) {
        (Val::Bool(a), toml::Value::Boolean(b)) => a == b,
        (Val::Int(a), toml::Value::Integer(b)) => *a == *b as i128,
        (Val::Str(a), toml::Value::String(b)) => **a == **b,
        (Val::Bytes(a), toml::Value::String(b)) => **a == *b.as_bytes(),
        _ => false,
    }
}

fn args_match(
    w: &Walker,
    e: &ApiEntry,
    args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
) -> bool {
    for (i, want) in e.args.iter().enumerate() {
        let Some(a) = args.iter().nth(i) else {
            return false;
        };
        match w.eval(a) {
            Some(v) if val_eq(&v, want) => {}
            _ => return false,
        }
    }
    let is_none =
        |a: &Expr| matches!(a, Expr::Path(p) if p.qself.is_none() && p.path.is_ident("None"));
    if !e
        .none_args
        .iter()
        .all(|&i| args.iter().nth(i).is_some_and(is_none))
    {
        return false;
    }
    if let Some(i) = e.closure_arg
        && !closure_matches(w, e, args.iter().nth(i))
    {
        return false;
    }
    if let Some(lacks) = &e.lacks {
        match args.first().and_then(string_list) {
            Some(l) if !l.iter().any(|x| x == lacks) => {}
            _ => return false,
        }
    }
    if let Some(below) = e.below {
        match args
            .first()
            .and_then(|a| w.eval(a))
            .and_then(|v| v.as_secs())
        {
            Some(v) if v < below => {}
            _ => return false,
        }
    }
    if let Some(above) = e.above {
        let Some(v) = args
            .first()
            .and_then(|a| w.eval(a))
            .and_then(|v| v.as_secs())
        else {
            return false;
        };
        if v <= above {
            return false;
        }
    }
    true
}

fn diag(w: &Walker, e: &ApiEntry, span: std::ops::Range<usize>) -> Diagnostic {
    let mut d = Diagnostic::new(&e.rule, w.ctx.path, span, e.message.clone());
    if let Some(h) = &e.help {
        d = d.with_help(h.clone());
    }
    if let Some(l) = e.level {
        d = d.with_level(l);
    }
    d.tags.extend(e.tags.iter().cloned());
    d
}

/// Reports a match the way its entry asks: held for JWT101's "what happens next", judged with
/// the package's facts, or at once.
fn emit(w: &mut Walker, e: &ApiEntry, d: Diagnostic) {
    if e.reads {
        return super::next_use::hold(w, d);
    }
    use super::manual_checks::Then;
    let then = if e.self_issued_words.is_empty() {
        Then::Report
    } else {
        Then::UnlessSelfIssued {
            issued: e.self_issued_words.clone(),
            absent: e.absent_words.clone(),
            verifies: None,
        }
    };
    if !e.unless_checked.is_empty() {
        return w.hold_unless_checked(e.unless_checked.clone(), d, then);
    }
    match then {
        Then::Report => w.report(d),
        Then::UnlessSelfIssued { issued, absent, .. } => {
            w.report_unless_self_issued(d, &issued, &absent)
        }
    }
}

pub fn check_call(w: &mut Walker, c: &ExprCall) {
    let Expr::Path(fp) = &*c.func else { return };
    let canon = w.ctx.resolve(&fp.path);
    let hits: Vec<&ApiEntry> = table()
        .iter()
        .filter(|e| {
            e.call
                .as_deref()
                .map(|p| index::path_matches(&canon, p))
                .unwrap_or(false)
        })
        .filter(|e| !e.drops_bool)
        .filter(|e| e.allowed(w))
        .filter(|e| args_match(w, e, &c.args))
        // A read of the program's own token (from a file, the environment) is no finding.
        .filter(|e| !(e.reads && c.args.iter().any(|a| super::next_use::own_token(w, a))))
        .collect();
    for e in hits {
        let d = diag(w, e, index::span_of(c)).with_label("called here");
        emit(w, e, d);
    }
}

/// The call whose value `e` yields once `?`, `.unwrap()`, `.expect(..)` and parentheses are
/// peeled off (the `Result<bool>` or the bool a statement throws away).
fn peeled_call(e: &Expr) -> Option<&ExprCall> {
    match e {
        Expr::Call(c) => Some(c),
        Expr::Try(t) => peeled_call(&t.expr),
        Expr::Paren(p) => peeled_call(&p.expr),
        Expr::Await(a) => peeled_call(&a.base),
        Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
            peeled_call(&m.receiver)
        }
        _ => None,
    }
}

/// `e`'s value (a `Result<bool>` or its bool) is thrown away or only its `Ok` is looked at:
/// reports a `drops_bool` entry it calls. `how` is the label.
pub fn check_dropped_bool(w: &mut Walker, e: &Expr, how: &str) {
    if let Some(c) = peeled_call(e) {
        report_dropped(w, c, index::span_of(e), how);
    }
}

fn report_dropped(w: &mut Walker, c: &ExprCall, span: std::ops::Range<usize>, how: &str) {
    let Expr::Path(fp) = &*c.func else { return };
    let canon = w.ctx.resolve(&fp.path);
    let hits: Vec<&ApiEntry> = table()
        .iter()
        .filter(|e| e.drops_bool)
        .filter(|e| {
            e.call
                .as_deref()
                .is_some_and(|p| index::path_matches(&canon, p))
        })
        .filter(|e| e.allowed(w))
        .collect();
    for entry in hits {
        let d = diag(w, entry, span.clone()).with_label(how);
        emit(w, entry, d);
    }
}

/// `verify(..).is_ok()` / `.is_err()`: only the `Result` is judged, `Ok(false)` passes. A call
/// of a helper of the file that hands such a `Result<bool>` back (`verify_detached(..)`
/// ending in `crypto::verify(..)`) is judged when the file is walked.
fn check_ok_only(w: &mut Walker, m: &ExprMethodCall) {
    if (m.method == "is_ok" || m.method == "is_err") && m.args.is_empty() {
        let mut r = &*m.receiver;
        while let Expr::Paren(p) = r {
            r = &p.expr;
        }
        if let Expr::Call(c) = r {
            let label = format!("`.{}()` looks at the `Result` only", m.method);
            report_dropped(w, c, index::span_of(m), &label);
            if let Some(callee) = super::local_callee(c)
                && w.bool_flow.uses.len() < MAX_BOOL_FLOW
            {
                let in_test = w.in_test();
                w.bool_flow
                    .uses
                    .push((callee, index::span_of(m), label, in_test));
            }
        }
    }
}

/// Helpers of the file whose tail hands back a `Result<bool>` verify (entry, span of that
/// call), and `.is_ok()` uses of the file's calls (callee, span, label, in test code).
#[derive(Default)]
pub struct BoolFlow {
    helpers: Vec<(String, usize, std::ops::Range<usize>)>,
    uses: Vec<(String, std::ops::Range<usize>, String, bool)>,
}

/// Most helpers and uses remembered per file.
const MAX_BOOL_FLOW: usize = 4096;

/// Records a function whose tail expression is a `Result<bool>` verify call.
pub fn note_fn_tail(w: &mut Walker, name: &str, block: &syn::Block) {
    let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() else {
        return;
    };
    // Parentheses, and error conversions that keep the `bool` (`.map_err(..)`).
    let mut t = tail;
    loop {
        match t {
            Expr::Paren(p) => t = &p.expr,
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "map_err" | "context" | "with_context" | "inspect_err"
                ) =>
            {
                t = &m.receiver
            }
            _ => break,
        }
    }
    let Expr::Call(c) = t else { return };
    let Expr::Path(fp) = &*c.func else { return };
    let canon = w.ctx.resolve(&fp.path);
    let found = table().iter().position(|e| {
        e.drops_bool
            && e.call
                .as_deref()
                .is_some_and(|p| index::path_matches(&canon, p))
            && e.allowed(w)
    });
    if let Some(i) = found
        && w.bool_flow.helpers.len() < MAX_BOOL_FLOW
    {
        w.bool_flow
            .helpers
            .push((name.to_string(), i, index::span_of(c)));
    }
}

/// Reports each `.is_ok()` of a helper that hands back a `Result<bool>` verify.
pub fn finish_bool_flow(w: &mut Walker) {
    let flow = std::mem::take(&mut w.bool_flow);
    for (callee, span, label, in_test) in &flow.uses {
        let Some((_, i, at)) = flow.helpers.iter().find(|h| h.0 == *callee) else {
            continue;
        };
        let e = &table()[*i];
        if !w.ctx.enabled(&e.rule) {
            continue;
        }
        let mut d = diag(w, e, span.clone())
            .with_label(format!("{label}, of `{callee}`"))
            .with_secondary(w.ctx.path, at.clone(), "the `Result<bool>` comes from here");
        if *in_test || w.ctx.is_test_file {
            d = d.in_test_code();
        }
        w.out.diagnostics.push(d);
    }
}

pub fn check_method(w: &mut Walker, m: &ExprMethodCall) {
    check_ok_only(w, m);
    let name = m.method.to_string();
    let hits: Vec<&ApiEntry> = table()
        .iter()
        .filter(|e| e.method.as_deref() == Some(name.as_str()))
        .filter(|e| e.allowed(w))
        .filter(|e| {
            e.receiver
                .as_deref()
                .map(|r| w.ctx.snippet(&index::span_of(&*m.receiver)).contains(r))
                .unwrap_or(true)
        })
        .filter(|e| args_match(w, e, &m.args))
        .filter(|e| {
            !(e.reads
                && std::iter::once(&*m.receiver)
                    .chain(&m.args)
                    .any(|a| super::next_use::own_token(w, a)))
        })
        .collect();
    let span = m.method.span().byte_range().start..index::span_of(m).end;
    for e in hits {
        let d = diag(w, e, span.clone()).with_label("called here");
        emit(w, e, d);
    }
}

/// A struct that derives `Default` with a field whose type's default is insecure
/// (`#[derive(Default)] struct Checker { options: biscuit::ValidationOptions }`).
pub fn check_struct_item(w: &mut Walker, s: &syn::ItemStruct) {
    if !super::defaults::derives_default(&s.attrs) {
        return;
    }
    for f in &s.fields {
        let syn::Type::Path(tp) = &f.ty else { continue };
        let canon = w.ctx.resolve(&tp.path);
        let hits: Vec<&ApiEntry> = table()
            .iter()
            .filter(|e| {
                e.default_of
                    .as_deref()
                    .is_some_and(|t| index::path_matches(&canon, t))
            })
            .filter(|e| w.ctx.crates.allows(&e.crates, e.default_of.as_deref()))
            .collect();
        for e in hits {
            let d = diag(w, e, index::span_of(f)).with_label("filled by the derived `Default`");
            w.report(d);
        }
    }
}

fn field_hits<'t>(
    w: &Walker,
    field: &str,
    value: &Expr,
    struct_name: Option<&str>,
) -> Vec<&'t ApiEntry> {
    let v = w.eval(value);
    table()
        .iter()
        .filter(|e| e.field.as_deref() == Some(field))
        .filter(|e| match (&e.struct_name, struct_name) {
            (Some(want), Some(got)) => want == got,
            (Some(_), None) => true,
            (None, _) => true,
        })
        .filter(|e| e.allowed(w))
        .filter(|e| {
            let eq = e
                .value
                .as_ref()
                .map(|t| v.as_ref().map(|v| val_eq(v, t)).unwrap_or(false))
                .unwrap_or(true);
            let above = e
                .above
                .map(|a| {
                    v.as_ref()
                        .and_then(Val::as_secs)
                        .map(|x| x > a)
                        .unwrap_or(false)
                })
                .unwrap_or(true);
            let path = e
                .value_path
                .as_ref()
                .map(|want| value_is_path(value, want))
                .unwrap_or(true);
            let lacks = e
                .lacks
                .as_ref()
                .map(|want| set_lacks(value, want))
                .unwrap_or(true);
            eq && above && path && lacks
        })
        .collect()
}

/// Is `e` a set of strings built in place without `want` (`HashSet::new()`,
/// `HashSet::from(["iss".to_string()])`, `["sub"].into_iter().map(..).collect()`)? A value
/// with no string literal counts only when it is an empty constructor (`new()`, `default()`);
/// anything else (a configuration field, a parameter) is unknown and does not match.
fn set_lacks(e: &Expr, want: &str) -> bool {
    struct Strs(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Strs {
        fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
            self.0.push(l.value());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if let Some(args) = crate::parse::macro_exprs(m) {
                for a in &args {
                    self.visit_expr(a);
                }
            }
        }
    }
    let mut strs = Strs(Vec::new());
    syn::visit::Visit::visit_expr(&mut strs, e);
    if !strs.0.is_empty() {
        return !strs.0.iter().any(|s| s == want);
    }
    match e {
        Expr::Call(c) if c.args.is_empty() => match &*c.func {
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "new" || s.ident == "default"),
            _ => false,
        },
        _ => false,
    }
}

/// Is `e` a path ending in the segments of `want` (`Validation::Ignored`, `None`)?
fn value_is_path(e: &Expr, want: &str) -> bool {
    let Expr::Path(p) = e else { return false };
    let segs = index::path_segments(&p.path);
    let want: Vec<&str> = want.split("::").collect();
    segs.len() >= want.len()
        && segs[segs.len() - want.len()..]
            .iter()
            .zip(&want)
            .all(|(a, b)| a == b)
}

pub fn check_assign(w: &mut Walker, a: &ExprAssign) {
    let Expr::Field(f) = &*a.left else { return };
    let syn::Member::Named(name) = &f.member else {
        return;
    };
    let hits = field_hits(w, &name.to_string(), &a.right, None);
    for e in hits {
        let d = diag(w, e, index::span_of(a)).with_label("set here");
        emit(w, e, d);
    }
    from_config_default(w, &name.to_string(), &a.right, None, index::span_of(a));
}

/// A setting taken from a config field (`v.validate_exp = cfg.check_expiry`) is judged by the
/// field's default (`impl Default`, serde default): a switch that is off unless someone turns
/// it on is the insecure value. Entries judged with package facts or held for a later check
/// are left to their own paths.
fn from_config_default(
    w: &mut Walker,
    field: &str,
    value: &Expr,
    struct_name: Option<&str>,
    span: std::ops::Range<usize>,
) {
    if w.eval(value).is_some() {
        return;
    }
    let Some(cfg) = crate::model::config_defaults::field_read(value) else {
        return;
    };
    let entries: Vec<&'static ApiEntry> = table()
        .iter()
        .filter(|e| e.field.as_deref() == Some(field) && e.value.is_some())
        .filter(|e| match (&e.struct_name, struct_name) {
            (Some(want), Some(got)) => want == got,
            _ => true,
        })
        .filter(|e| e.allowed(w) && !e.reads && e.self_issued_words.is_empty())
        .collect();
    for e in entries {
        let Some(want) = e.value.clone() else {
            continue;
        };
        let d = diag(w, e, span.clone()).with_label(format!("set from `{cfg}`"));
        let name = cfg.clone();
        w.report_with_field(cfg.clone(), move |v| {
            val_eq(v, &want).then(|| {
                let mut d = d;
                d.message = format!(
                    "config field `{name}` defaults to `{want}`, so unless it is configured: {}",
                    d.message
                );
                d
            })
        });
    }
}

pub fn check_struct(w: &mut Walker, s: &ExprStruct) {
    let sname = s.path.segments.last().map(|p| p.ident.to_string());
    for fv in &s.fields {
        let syn::Member::Named(name) = &fv.member else {
            continue;
        };
        let hits = field_hits(w, &name.to_string(), &fv.expr, sname.as_deref());
        for e in hits {
            let d = diag(w, e, index::span_of(fv)).with_label("set here");
            emit(w, e, d);
        }
        from_config_default(
            w,
            &name.to_string(),
            &fv.expr,
            sname.as_deref(),
            index::span_of(fv),
        );
    }
}

/// Paths used as values (`SignatureAlgorithm::None`), also as the type of an associated call
/// (`JwsDangerReleaseWithoutVerify::default()`).
pub fn check_path(w: &mut Walker, p: &syn::ExprPath) {
    // A bare identifier only counts when it was imported by name: through a glob import, `None`
    // would otherwise resolve to `josekit::jwt::None`.
    if let Some(id) = p.path.get_ident()
        && !w.ctx.uses.names.contains_key(&id.to_string())
    {
        return;
    }
    // Compared in order to reject it (`if alg == SignatureAlgorithm::None { return Err(..) }`).
    let text = w.ctx.snippet(&p.span().byte_range()).replace(' ', "");
    if w.compared.contains(&text) {
        return;
    }
    let canon = w.ctx.resolve(&p.path);
    let hits: Vec<&ApiEntry> = table()
        .iter()
        .filter(|e| {
            e.path
                .as_deref()
                .map(|x| {
                    index::path_matches(&canon, x)
                        || (canon.len() > 2 && index::path_matches(&canon[..canon.len() - 1], x))
                })
                .unwrap_or(false)
        })
        .filter(|e| e.allowed(w))
        .collect();
    for e in hits {
        let d = diag(w, e, p.span().byte_range()).with_label("used here");
        w.report(d);
    }
}
