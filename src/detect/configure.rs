//! Values that must be configured before use (`[[data.configure]]` in a rule page): a validator,
//! an options struct or a claims builder is built (`JwtPayloadValidator::new()`,
//! `VerificationOptions { .. }`, `Verifier::create()`), and each group of `needs` must be met by
//! one of its method calls or field assignments on that value in the same function (through a
//! builder chain, a `let` binding and later calls or assignments on it, or the struct literal's
//! own fields). A value the function hands on (stored in a struct, lent as `&mut`) is left to
//! whoever gets it, unless a `terminal` method (`build`) finished it first; a returned one too,
//! unless the function already gave it one of the entries' configuring names (a factory).
//!
//! Also `[[data.json_claims]]`: a signing call whose claims argument is a `json!` literal (or a
//! variable bound to one in the function) without the `requires` key, in a function whose text
//! never names that key.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::visit::{self, Visit};
use syn::{Expr, ExprCall};

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigureEntry {
    /// Where the value comes from: constructor paths (`josekit::jwt::JwtPayloadValidator::new`)
    /// or struct types (`jwt-simple::VerificationOptions`, for literals and
    /// `let x: T = Default::default()`).
    pub from: Vec<String>,
    /// The package must depend on one of these (else on the crate of `from`'s first path).
    #[serde(default)]
    pub crates: Vec<String>,
    /// Groups of method or field names: each group must be met by one of its names.
    pub needs: Vec<Vec<String>>,
    /// Functions that use the value through `&mut` (`jwtk::sign(&mut claims, &key)`): lending it
    /// to one of them is a use, not an escape.
    #[serde(default)]
    pub consumers: Vec<String>,
    /// Values that leave a field unset (`None`, `Validation::Ignored`): a field or assignment
    /// with one of them does not meet a need.
    #[serde(default = "default_unset")]
    pub unset: Vec<String>,
    /// Names that configure the value for another purpose (`time_tolerance`, `leeway`): they
    /// make a returned value one this function configured (judged here, not left to the
    /// caller). A value configured only for them is still judged: its claims go unchecked
    /// all the same.
    #[serde(default)]
    pub other: Vec<String>,
    /// Names that make the check moot (`disable_validation`: nothing is verified, which
    /// another rule reports): a value given one is not judged.
    #[serde(default)]
    pub moot: Vec<String>,
    /// Methods that finish a builder (`build`): a finished value is judged even when returned.
    #[serde(default)]
    pub terminal: Vec<String>,
    /// `{missing}` is replaced by the first name of every unmet group.
    pub message: String,
    pub help: String,
    #[serde(default)]
    pub label: Option<String>,
    /// A semver requirement on the resolved version of the entry's crate.
    #[serde(default)]
    pub version_req: Option<String>,
    #[serde(default)]
    pub versions: Option<String>,
    /// Needs that tokens the package issues itself do not have (`allowed_audiences` when it
    /// signs tokens without any audience): see [`SelfIssued`].
    #[serde(default)]
    pub self_issued: Option<SelfIssued>,
    #[serde(skip)]
    pub rule: String,
}

/// A finding that misses only `covers` is dropped when the file or the package issues its own
/// tokens (one of `issued` occurs in it, in production code for a package) and never names
/// `absent` (it never puts an audience in them): its tokens carry no such claim to check.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SelfIssued {
    pub covers: Vec<String>,
    pub issued: Vec<String>,
    pub absent: Vec<String>,
}

fn default_unset() -> Vec<String> {
    vec!["None".to_string()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonClaimsEntry {
    /// The signing function.
    pub call: String,
    /// Position of the claims argument.
    pub arg: usize,
    /// The key the claims must hold (`exp`).
    pub requires: String,
    pub message: String,
    pub help: String,
    #[serde(default)]
    pub versions: Option<String>,
    #[serde(skip)]
    pub rule: String,
}

fn table() -> &'static [ConfigureEntry] {
    static T: OnceLock<Vec<ConfigureEntry>> = OnceLock::new();
    T.get_or_init(|| {
        crate::catalog::rule_entries::<ConfigureEntry>("configure")
            .into_iter()
            .map(|(rule, e)| ConfigureEntry { rule, ..e })
            .collect()
    })
}

fn json_table() -> &'static [JsonClaimsEntry] {
    static T: OnceLock<Vec<JsonClaimsEntry>> = OnceLock::new();
    T.get_or_init(|| {
        crate::catalog::rule_entries::<JsonClaimsEntry>("json_claims")
            .into_iter()
            .map(|(rule, e)| JsonClaimsEntry { rule, ..e })
            .collect()
    })
}

/// Where a value's builder chain starts: `a.b().c()?` → `a`, with the methods on the way.
fn root_chain(e: &Expr) -> (&Expr, Vec<String>) {
    let mut methods = Vec::new();
    let mut e = e;
    loop {
        e = match e {
            Expr::MethodCall(m) => {
                methods.push(m.method.to_string());
                &m.receiver
            }
            Expr::Try(t) => &t.expr,
            Expr::Await(a) => &a.base,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Field(f) => &f.base,
            _ => return (e, methods),
        };
    }
}

fn ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// Is `e` a path ending in one of `unset` (`None`, `Validation::Ignored`)?
fn is_unset(e: &Expr, unset: &[String]) -> bool {
    let Expr::Path(p) = e else { return false };
    let segs = index::path_segments(&p.path);
    unset.iter().any(|u| {
        let want: Vec<&str> = u.split("::").collect();
        segs.len() >= want.len()
            && segs[segs.len() - want.len()..]
                .iter()
                .zip(&want)
                .all(|(a, b)| a == b)
    })
}

fn all_unset() -> &'static [String] {
    static U: OnceLock<Vec<String>> = OnceLock::new();
    U.get_or_init(|| {
        let mut u: Vec<String> = table().iter().flat_map(|e| e.unset.clone()).collect();
        u.sort();
        u.dedup();
        u
    })
}

/// `Default::default()`, `T::default()`.
fn is_default_call(e: &Expr) -> bool {
    let Expr::Call(c) = e else { return false };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    c.args.is_empty() && p.path.segments.last().is_some_and(|s| s.ident == "default")
}

#[derive(Debug)]
struct Origin {
    entry: usize,
    span: Range<usize>,
    var: Option<String>,
    names: HashSet<String>,
}

#[derive(Default)]
struct Scan {
    origins: Vec<Origin>,
    /// Names used on a variable (methods called on it, fields assigned).
    var_names: HashMap<String, HashSet<String>>,
    /// Names used on a chain that starts at an origin (by the origin's span).
    span_names: HashMap<usize, HashSet<String>>,
    var_escapes: HashSet<String>,
    span_escapes: HashSet<usize>,
    /// Values handed back to the caller (`return v`, the tail), apart from other escapes.
    var_returned: HashSet<String>,
    span_returned: HashSet<usize>,
    /// Starts of `..base` expressions of struct literals (part of the literal, not a value).
    bases: HashSet<usize>,
    /// Starts of `&mut` arguments of `consumers` calls.
    consumed: HashSet<usize>,
    /// `let x = y.more()`: x and y are the same value.
    aliases: Vec<(String, String)>,
    /// Variables bound to a `json!` literal (name → the literal's text).
    json_vars: HashMap<String, String>,
    /// (entry, span of the call, claims argument).
    json_calls: Vec<(usize, Range<usize>, Expr)>,
}

struct V<'s, 'w, 'a> {
    w: &'w Walker<'a>,
    s: &'s mut Scan,
    /// Methods that hand back the same value (`clone`, and the entries' `needs` and `other`
    /// builder methods): a chain of only these returns the value itself.
    builders: &'s HashSet<String>,
    /// `escape` is handing the value back to the caller (a return or the tail).
    returning: bool,
}

impl V<'_, '_, '_> {
    fn entry_allowed(&self, e: &ConfigureEntry) -> bool {
        let path = e.from.first().map(String::as_str);
        self.w.ctx.crates.allows(&e.crates, path)
            && super::api::version_ok(self.w, &e.crates, path, &e.version_req)
    }

    fn matching(&self, canon: &[String]) -> Vec<usize> {
        (0..table().len())
            .filter(|&i| {
                let e = &table()[i];
                e.from.iter().any(|p| index::path_matches(canon, p)) && self.entry_allowed(e)
            })
            .collect()
    }

    fn add_origin(&mut self, entry: usize, span: Range<usize>, names: HashSet<String>) {
        if !self.s.bases.contains(&span.start)
            && !self
                .s
                .origins
                .iter()
                .any(|o| o.span == span && o.entry == entry)
        {
            self.s.origins.push(Origin {
                entry,
                span,
                var: None,
                names,
            });
        }
    }

    /// Records names used on the value a chain starts from.
    fn note_names(&mut self, root: &Expr, names: impl IntoIterator<Item = String>) {
        if let Some(v) = ident(root) {
            self.s.var_names.entry(v).or_default().extend(names);
        } else {
            let start = index::span_of(root).start;
            self.s.span_names.entry(start).or_default().extend(names);
        }
    }

    /// The value of `e` is handed back to the caller.
    fn escape_returned(&mut self, e: &Expr) {
        self.returning = true;
        self.escape(e);
        self.returning = false;
    }

    fn escape_span(&mut self, start: usize) {
        if self.returning {
            self.s.span_returned.insert(start);
        } else {
            self.s.span_escapes.insert(start);
        }
    }

    /// The value of `e` leaves the function (returned, stored, lent mutably).
    fn escape(&mut self, e: &Expr) {
        match e {
            Expr::Call(c) => {
                self.escape_span(index::span_of(c).start);
                // `Ok(v)`, `Some(v)`, `Arc::new(v)` hand the value on; `check(&v)` only lends it.
                let wraps = matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| {
                    s.ident.to_string().starts_with(char::is_uppercase) || s.ident == "new" || s.ident == "from"
                }));
                if wraps {
                    c.args
                        .iter()
                        .filter(|a| !matches!(a, Expr::Reference(_)))
                        .for_each(|a| self.escape(a));
                }
            }
            Expr::Tuple(t) => t.elems.iter().for_each(|a| self.escape(a)),
            Expr::Struct(s) => {
                self.escape_span(index::span_of(s).start);
                s.fields.iter().for_each(|f| self.escape(&f.expr))
            }
            Expr::Block(b) => {
                if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() {
                    self.escape(tail)
                }
            }
            e => {
                let (root, methods) = root_chain(e);
                // `v.build()` finished it; `v.validate(..).is_ok()` returns something else.
                if methods.iter().any(|m| !self.builders.contains(m)) {
                    return;
                }
                match ident(root) {
                    Some(v) if self.returning => {
                        self.s.var_returned.insert(v);
                    }
                    Some(v) => {
                        self.s.var_escapes.insert(v);
                    }
                    None => self.escape_span(index::span_of(root).start),
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for V<'_, '_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        visit::visit_local(self, l);
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let syn::Pat::Ident(pi) = pat else { return };
        let name = pi.ident.to_string();
        let Some(init) = &l.init else { return };
        // `let options: VerificationOptions = Default::default();`
        if let (Some(syn::Type::Path(tp)), true) = (ty, is_default_call(&init.expr)) {
            let canon = self.w.ctx.resolve(&tp.path);
            for i in self.matching(&canon) {
                self.add_origin(i, index::span_of(&*init.expr), HashSet::new());
            }
        }
        if let Expr::Macro(m) = &*init.expr
            && m.mac.path.is_ident("json")
        {
            self.s
                .json_vars
                .insert(name.clone(), m.mac.tokens.to_string());
        }
        let (root, _) = root_chain(&init.expr);
        let start = index::span_of(root).start;
        let mut bound = false;
        for o in self
            .s
            .origins
            .iter_mut()
            .filter(|o| o.span.start == start && o.var.is_none())
        {
            o.var = Some(name.clone());
            bound = true;
        }
        if !bound && let Some(v) = ident(root) {
            self.s.aliases.push((name, v));
        }
    }

    fn visit_expr_call(&mut self, c: &'ast ExprCall) {
        if let Expr::Path(p) = &*c.func {
            let canon = self.w.ctx.resolve(&p.path);
            for i in self.matching(&canon) {
                self.add_origin(i, index::span_of(c), HashSet::new());
            }
            if table()
                .iter()
                .any(|e| e.consumers.iter().any(|p| index::path_matches(&canon, p)))
            {
                for a in &c.args {
                    self.s.consumed.insert(index::span_of(a).start);
                }
            }
            for (i, e) in json_table().iter().enumerate() {
                if index::path_matches(&canon, &e.call)
                    && self.w.ctx.crates.allows(&[], Some(&e.call))
                    && let Some(a) = c.args.iter().nth(e.arg)
                {
                    self.s.json_calls.push((i, index::span_of(c), a.clone()));
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        if let Some(rest) = &s.rest {
            self.s.bases.insert(index::span_of(&**rest).start);
        }
        let canon = self.w.ctx.resolve(&s.path);
        for i in self.matching(&canon) {
            // A base other than the default may hold anything: not judged.
            // `..base` where `base` was built from the same default (`let d = T::default()`):
            // the literal is the value, `base` only fills it.
            let base_var = s.rest.as_deref().and_then(ident).filter(|v| {
                self.s
                    .origins
                    .iter()
                    .any(|o| o.var.as_deref() == Some(v.as_str()))
            });
            if let Some(v) = &base_var {
                self.s.var_escapes.insert(v.clone());
            }
            let known = base_var.is_some() || s.rest.as_deref().is_none_or(is_default_call);
            if known {
                let names = s
                    .fields
                    .iter()
                    .filter(|f| !is_unset(&f.expr, &table()[i].unset))
                    .filter_map(|f| match &f.member {
                        syn::Member::Named(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect();
                self.add_origin(i, index::span_of(s), names);
            }
        }
        for f in &s.fields {
            self.escape(&f.expr);
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let (root, _) = root_chain(&m.receiver);
        self.note_names(root, [m.method.to_string()]);
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Expr::Field(f) = &*a.left
            && let syn::Member::Named(n) = &f.member
            && !is_unset(&a.right, all_unset())
        {
            let (root, _) = root_chain(&f.base);
            self.note_names(root, [n.to_string()]);
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.escape_returned(e);
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if r.mutability.is_some() && !self.s.consumed.contains(&index::span_of(r).start) {
            self.escape(&r.expr);
        }
        visit::visit_expr_reference(self, r);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Methods that hand the configured value on (the table's configuring names and conversions),
/// terminal ones left out: computed once.
fn builders() -> &'static HashSet<String> {
    static B: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let mut builders: HashSet<String> = ["clone", "to_owned", "into", "unwrap", "expect"]
            .into_iter()
            .map(String::from)
            .collect();
        for e in table() {
            builders.extend(e.needs.iter().flatten().cloned());
            builders.extend(e.other.iter().cloned());
        }
        for e in table() {
            for t in &e.terminal {
                builders.remove(t);
            }
        }
        builders
    })
}

/// Runs once per function body; `returns` says whether the tail expression is returned.
pub fn check_fn(w: &mut Walker, block: &syn::Block, returns: bool) {
    if table().is_empty() && json_table().is_empty() {
        return;
    }
    let mut s = Scan::default();
    let mut v = V {
        w,
        s: &mut s,
        builders: builders(),
        returning: false,
    };
    v.visit_block(block);
    if returns && let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        v.escape_returned(tail);
    }
    let mut out = Vec::new();
    let mut own = Vec::new();
    for o in &s.origins {
        let e = &table()[o.entry];
        if w.ctx.enabled(&e.rule)
            && let Some((d, missing)) = judge(w, &s, o, e)
        {
            match &e.self_issued {
                Some(si) if missing.iter().all(|m| si.covers.contains(m)) => {
                    own.push((d, si.clone()))
                }
                _ => out.push(d),
            }
        }
    }
    json_claims(w, block, &s, &mut out);
    for d in out {
        w.report(d);
    }
    for (d, si) in own {
        // The file that verifies mints such tokens itself (a cluster's own peer tokens), or
        // the package does.
        let text = w.ctx.text.text.as_bytes();
        let file_issues = si.issued.iter().any(|x| crate::source::mentions(text, x))
            && !si.absent.iter().any(|x| crate::source::mentions(text, x));
        if !file_issues {
            w.report_unless_self_issued(d, &si.issued, &si.absent);
        }
    }
}

/// Is `name` one of the configuring names (`needs`, `other`) of some entry?
fn configures(name: &str) -> bool {
    table()
        .iter()
        .any(|e| e.needs.iter().flatten().chain(&e.other).any(|n| n == name))
}

/// The finding for one origin: a value never given one of its `needs`. A value lent or stored
/// is left to whoever gets it; a returned one too, unless this function configured it already
/// (a factory: `fn validator() -> CoreValidator { CoreValidator::default().with_x(..) }`
/// decides the configuration itself).
/// The finding of an origin whose value misses some needs, with the first name of each need
/// it misses.
fn judge(
    w: &Walker,
    s: &Scan,
    o: &Origin,
    e: &ConfigureEntry,
) -> Option<(Diagnostic, Vec<String>)> {
    let mut vars: HashSet<String> = o.var.iter().cloned().collect();
    for _ in 0..4 {
        for (a, b) in &s.aliases {
            if vars.contains(a) || vars.contains(b) {
                vars.insert(a.clone());
                vars.insert(b.clone());
            }
        }
    }
    let mut names = o.names.clone();
    names.extend(
        s.span_names
            .get(&o.span.start)
            .into_iter()
            .flatten()
            .cloned(),
    );
    for v in &vars {
        names.extend(s.var_names.get(v).into_iter().flatten().cloned());
    }
    if s.span_escapes.contains(&o.span.start) || vars.iter().any(|v| s.var_escapes.contains(v)) {
        return None;
    }
    let returned =
        s.span_returned.contains(&o.span.start) || vars.iter().any(|v| s.var_returned.contains(v));
    if returned && !names.iter().any(|n| configures(n)) {
        return None;
    }
    let unmet: Vec<String> = e
        .needs
        .iter()
        .filter(|g| !g.iter().any(|n| names.contains(n)))
        .filter_map(|g| g.first().cloned())
        .collect();
    if unmet.is_empty() || e.moot.iter().any(|n| names.contains(n)) {
        return None;
    }
    let missing = unmet
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    let d = Diagnostic::new(
        &e.rule,
        w.ctx.path,
        o.span.clone(),
        e.message.replace("{missing}", &missing),
    )
    .with_label(
        e.label
            .clone()
            .unwrap_or_else(|| format!("built here, never given {missing}")),
    )
    .with_help(e.help.clone());
    Some((d, unmet))
}

/// `[[data.json_claims]]`: signing calls whose `json!` claims lack the required key.
fn json_claims(w: &Walker, block: &syn::Block, s: &Scan, out: &mut Vec<Diagnostic>) {
    let body_text = w.ctx.snippet(&index::span_of(block)).to_string();
    for (i, span, arg) in &s.json_calls {
        let e = &json_table()[*i];
        if !w.ctx.enabled(&e.rule) {
            continue;
        }
        let key = format!("\"{}\"", e.requires);
        let mut a = arg;
        while let Expr::Reference(r) = a {
            a = &r.expr;
        }
        let literal = match a {
            Expr::Macro(m) if m.mac.path.is_ident("json") => Some(m.mac.tokens.to_string()),
            a => ident(a).and_then(|v| s.json_vars.get(&v).cloned()),
        };
        let Some(literal) = literal else { continue };
        if literal.contains(&key) || body_text.contains(&key) {
            continue;
        }
        out.push(
            Diagnostic::new(&e.rule, w.ctx.path, span.clone(), e.message.clone())
                .with_label(format!("signed here; the claims have no {key}"))
                .with_help(e.help.clone()),
        );
    }
}
