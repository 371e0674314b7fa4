//! JWT402 insecure-token-cookie: a cookie holding a token built without `HttpOnly` or `Secure`,
//! or with `SameSite=None`, in any Rust web stack that uses the cookie crate (axum-extra,
//! tower-cookies, actix-web, rocket, poem, salvo), and raw `Set-Cookie` headers for tokens that
//! lack those attributes. Runs once per function body, so attributes set later through
//! `cookie.set_http_only(true)` count.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use super::Walker;
use super::storage::{token_like, token_like_expr};
use crate::diagnostic::Diagnostic;
use crate::index::{self, Val};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    /// Cookie constructors: path pattern and whether the name/value come as one tuple.
    constructors: Vec<Ctor>,
    /// Builder or setter methods per attribute.
    http_only: Vec<String>,
    secure: Vec<String>,
    same_site: Vec<String>,
    /// Methods that make a removal cookie (no token inside).
    removal: Vec<String>,
    /// Crates whose cookie jar sets `Secure` itself (rocket under TLS).
    secure_by_framework: Vec<String>,
    /// Methods that add a cookie with HttpOnly set by the framework (rocket `add_private`).
    private_adders: Vec<String>,
    /// Jar methods that take `impl Into<Cookie>`, so also a `(name, value)` tuple (rocket, axum-extra).
    tuple_adders: Vec<String>,
    /// Methods that send a cookie as a removal (actix-web `add_removal_cookie`): no token inside.
    removal_adders: Vec<String>,
    /// Crates that provide cookies; the rule only runs in packages that depend on one.
    crates: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Ctor {
    call: String,
    #[serde(default)]
    tuple: bool,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT402"))
}

/// What is known about one cookie's attributes: `None` = never set, `Some(None)` = set from a
/// value we cannot evaluate (trusted), `Some(Some(b))` = set to a literal.
#[derive(Debug, Default, Clone)]
struct Attrs {
    http_only: Option<Option<bool>>,
    secure: Option<Option<bool>>,
    same_site_none: bool,
    removal: bool,
    private: bool,
    /// The configuration field an unknown `HttpOnly` / `Secure` value is read from
    /// (`.secure(cfg.secure_cookie)` -> `secure_cookie`).
    http_only_from: Option<String>,
    secure_from: Option<String>,
}

/// The field a value is read from: `cfg.secure`, `self.config.secure`, `&x.secure`.
fn field_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            _ => None,
        },
        Expr::Reference(r) => field_of(&r.expr),
        Expr::Paren(p) => field_of(&p.expr),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct Cookie {
    name: String,
    span: std::ops::Range<usize>,
    attrs: Attrs,
}

struct Scan<'w, 'a> {
    w: &'w Walker<'a>,
    /// Cookies bound to a variable, by name.
    bound: BTreeMap<String, Cookie>,
    /// Cookies built in one expression.
    done: Vec<Cookie>,
    /// Spans of method calls already folded into a chain.
    seen: std::collections::HashSet<(usize, usize)>,
    /// Raw `Set-Cookie` header findings.
    raw: Vec<(std::ops::Range<usize>, String, bool, bool)>,
}

fn lit_bool(w: &Walker, e: &Expr) -> Option<bool> {
    match w.eval(e) {
        Some(Val::Bool(b)) => Some(b),
        _ => None,
    }
}

impl Scan<'_, '_> {
    fn apply(&self, attrs: &mut Attrs, m: &syn::ExprMethodCall) {
        let name = m.method.to_string();
        let d = data();
        let arg_bool = || {
            m.args
                .first()
                .map(|a| lit_bool(self.w, a))
                .unwrap_or(Some(true))
        };
        let from = || m.args.first().and_then(field_of);
        if d.http_only.contains(&name) {
            attrs.http_only = Some(arg_bool());
            attrs.http_only_from = from();
        } else if d.secure.contains(&name) {
            attrs.secure = Some(arg_bool());
            attrs.secure_from = from();
        } else if d.same_site.contains(&name) {
            let text = m
                .args
                .first()
                .map(|a| self.w.ctx.snippet(&index::span_of(a)).to_string())
                .unwrap_or_default();
            attrs.same_site_none = text.ends_with("::None") || text.contains("SameSite::None");
        } else if d.removal.contains(&name) {
            attrs.removal = true;
        }
    }

    /// The cookie a constructor call builds, if it is one and holds a token.
    fn ctor(&self, e: &Expr) -> Option<Cookie> {
        let Expr::Call(c) = e else { return None };
        let Expr::Path(p) = &*c.func else { return None };
        let canon = self.w.ctx.resolve(&p.path);
        let ctor = data()
            .constructors
            .iter()
            .find(|k| index::path_matches(&canon, &k.call))?;
        let (name, value) = if ctor.tuple {
            match c.args.first()? {
                Expr::Tuple(t) if t.elems.len() == 2 => (t.elems.first()?, t.elems.iter().nth(1)),
                // The older two-argument form (cookie < 0.18: `Cookie::build(name, value)`).
                other => (other, c.args.iter().nth(1)),
            }
        } else {
            (c.args.first()?, c.args.iter().nth(1))
        };
        self.named(name, value, index::span_of(c))
    }

    /// A cookie of this name and value, if it looks like a token cookie (not a removal one).
    fn named(
        &self,
        name: &Expr,
        value: Option<&Expr>,
        span: std::ops::Range<usize>,
    ) -> Option<Cookie> {
        let name_text = match self.w.eval(name) {
            Some(Val::Str(s)) => s.to_string(),
            Some(Val::ConstRef(n)) => n,
            _ => self.w.ctx.snippet(&index::span_of(name)).to_string(),
        };
        let value_text = value
            .map(|v| self.w.ctx.snippet(&index::span_of(v)).to_string())
            .unwrap_or_default();
        let empty_value = value
            .map(|v| matches!(self.w.eval(v), Some(Val::Str(s)) if s.is_empty()))
            .unwrap_or(false);
        // The name's constant (`ACCESS_COOKIE = "app_at"`) and a cookie helper's own name
        // (`fn access_cookie(value)`) say what an opaque name does not.
        let name_src = self.w.ctx.snippet(&index::span_of(name));
        let helper = self
            .w
            .names
            .last()
            .is_some_and(|f| f.to_ascii_lowercase().ends_with("cookie") && token_like(f));
        let tokenish = token_like(&name_text)
            || (name_src.len() <= 128 && token_like_expr(name_src))
            || token_like_expr(&value_text)
            || helper;
        if !tokenish || empty_value {
            return None;
        }
        Some(Cookie {
            name: name_text,
            span,
            attrs: Attrs::default(),
        })
    }

    /// Folds a builder chain `Cookie::build(..).http_only(true).secure(true).finish()`.
    fn chain(&mut self, e: &Expr) -> Option<Cookie> {
        let mut methods = Vec::new();
        let mut cur = e;
        loop {
            match cur {
                Expr::MethodCall(m) => {
                    methods.push(m);
                    cur = &m.receiver;
                }
                Expr::Paren(p) => cur = &p.expr,
                _ => break,
            }
        }
        let mut cookie = self.ctor(cur)?;
        self.seen
            .insert((index::span_of(cur).start, index::span_of(cur).end));
        for m in methods.iter().rev() {
            self.seen
                .insert((index::span_of(*m).start, index::span_of(*m).end));
            let mut a = cookie.attrs.clone();
            self.apply(&mut a, m);
            cookie.attrs = a;
        }
        Some(cookie)
    }
}

fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Scan<'_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(name), Some(init)) = (pat_ident(&l.pat), &l.init)
            && let Some(c) = self.chain(&init.expr)
        {
            self.bound.insert(name, c);
            visit::visit_expr(self, &init.expr);
            return;
        }
        visit::visit_local(self, l);
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::MethodCall(m) => {
                let key = (index::span_of(m).start, index::span_of(m).end);
                if !self.seen.contains(&key) {
                    // A setter on a bound cookie.
                    if let Expr::Path(p) = &*m.receiver
                        && let Some(id) = p.path.get_ident().map(|i| i.to_string())
                        && self.bound.contains_key(&id)
                    {
                        let mut a = self.bound[&id].attrs.clone();
                        self.apply(&mut a, m);
                        self.bound.get_mut(&id).expect("bound").attrs = a;
                    } else if let Some(c) = self.chain(e) {
                        self.done.push(c);
                    }
                    // A cookie attached to an outgoing request (a test client) needs no
                    // attributes: they only mean something in `Set-Cookie`.
                    if m.method == "cookie" {
                        let recv = self
                            .w
                            .ctx
                            .snippet(&index::span_of(&*m.receiver))
                            .to_ascii_lowercase();
                        if recv.contains("request")
                            || recv.contains("client")
                            || recv.contains("req")
                        {
                            for a in &m.args {
                                let _ = self.chain(a);
                            }
                        }
                    }
                    // A removal cookie carries no token.
                    if data().removal_adders.contains(&m.method.to_string()) {
                        for a in &m.args {
                            let a = match a {
                                Expr::Reference(r) => &*r.expr,
                                a => a,
                            };
                            if let Expr::Path(p) = a
                                && let Some(id) = p.path.get_ident().map(|i| i.to_string())
                                && let Some(c) = self.bound.get_mut(&id)
                            {
                                c.attrs.removal = true;
                            } else {
                                let _ = self.chain(a);
                            }
                        }
                    }
                    // A private jar sets HttpOnly itself.
                    let private = data().private_adders.contains(&m.method.to_string());
                    if private {
                        for a in &m.args {
                            if let Expr::Path(p) = a
                                && let Some(id) = p.path.get_ident().map(|i| i.to_string())
                                && let Some(c) = self.bound.get_mut(&id)
                            {
                                c.attrs.private = true;
                            } else if let Some(mut c) = self.chain(a) {
                                c.attrs.private = true;
                                self.done.push(c);
                            }
                        }
                    }
                    // `jar.add(("token", value))`: a jar taking `impl Into<Cookie>` builds a
                    // cookie with no attributes from a `(name, value)` tuple.
                    if (private || data().tuple_adders.contains(&m.method.to_string()))
                        && let Some(Expr::Tuple(t)) = m.args.first()
                        && t.elems.len() == 2
                        && let Some(mut c) =
                            self.named(&t.elems[0], t.elems.iter().nth(1), index::span_of(t))
                    {
                        c.attrs.private = private;
                        self.done.push(c);
                    }
                }
                self.raw_header(&m.args, index::span_of(m));
            }
            Expr::Call(c) => {
                let key = (index::span_of(c).start, index::span_of(c).end);
                if !self.seen.contains(&key)
                    && let Some(ck) = self.ctor(e)
                {
                    self.done.push(ck);
                }
                self.raw_header(&c.args, index::span_of(c));
            }
            Expr::Macro(m) if m.mac.path.is_ident("format") => self.cookie_string(e),
            _ => {}
        }
        visit::visit_expr(self, e);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

impl Scan<'_, '_> {
    /// `("Set-Cookie", format!("token={}; Path=/", t))`-style raw headers.
    fn raw_header(
        &mut self,
        args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        span: std::ops::Range<usize>,
    ) {
        let texts: Vec<&Expr> = args
            .iter()
            .flat_map(|a| match a {
                Expr::Tuple(t) => t.elems.iter().collect::<Vec<_>>(),
                e => vec![e],
            })
            .collect();
        let is_set_cookie = texts.iter().any(|a| {
            matches!(self.w.eval(a), Some(Val::Str(s)) if s.eq_ignore_ascii_case("set-cookie"))
                || matches!(a, Expr::Path(p) if p.path.segments.last().map(|s| s.ident == "SET_COOKIE").unwrap_or(false))
        });
        if !is_set_cookie {
            return;
        }
        for a in texts {
            // Only header values whose text we can see: a literal, or a format!/concat! template.
            let Some(template) = cookie_template(self.w, a) else {
                continue;
            };
            if template.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let lower = template.to_ascii_lowercase();
            let name = template.split('=').next().unwrap_or("").trim().to_string();
            if !template.contains('=') || !token_like(&name) || removal_string(&template) {
                continue;
            }
            if !lower.contains("httponly") || !lower.contains("secure") {
                self.raw.push((
                    span.clone(),
                    name,
                    lower.contains("httponly"),
                    lower.contains("secure"),
                ));
                return;
            }
        }
    }
}

impl Scan<'_, '_> {
    /// A hand-built cookie string: `format!("{name}={token}; Path=/; Expires={t}")` whose name
    /// or value is a token and that never says `Secure` (or `HttpOnly`).
    fn cookie_string(&mut self, e: &Expr) {
        let span = index::span_of(e);
        if self
            .raw
            .iter()
            .any(|(r, ..)| r.start <= span.start && span.end <= r.end)
        {
            return;
        }
        let Some(template) = cookie_template(self.w, e) else {
            return;
        };
        let lower = template.to_ascii_lowercase();
        let Some((name, rest)) = template.split_once('=') else {
            return;
        };
        let value = rest.split(';').next().unwrap_or("");
        let looks_like_cookie = [
            "; path=",
            "; expires=",
            "; max-age=",
            "; domain=",
            "; samesite=",
        ]
        .iter()
        .any(|a| lower.contains(a));
        if !looks_like_cookie || name.contains(' ') || name.contains(';') {
            return;
        }
        if !(token_like(name) || token_like(value)) || removal_string(&template) {
            return;
        }
        let http_only = lower.contains("httponly") || lower.contains("{http_only}");
        let secure = lower.contains("secure");
        if !http_only || !secure {
            self.raw.push((
                span,
                name.trim_matches(['{', '}']).to_string(),
                http_only,
                secure,
            ));
        }
    }
}

/// A cookie string that deletes its cookie: an empty value (`name=; ..`), `Max-Age=0` or a
/// negative one, or an expiry at the epoch (`Expires=Thu, 01 Jan 1970 ..`). It carries no token.
pub fn removal_string(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let value = lower
        .split_once('=')
        .map(|(_, r)| r.split(';').next().unwrap_or(""));
    let empty = value.is_some_and(|v| v.trim().trim_end_matches('"').is_empty());
    let zero_age = lower.match_indices("max-age=").any(|(i, m)| {
        let rest = &lower[i + m.len()..];
        rest.starts_with('-')
            || rest.starts_with('0') && !rest[1..].starts_with(|c: char| c.is_ascii_digit())
    });
    empty || zero_age || lower.contains("01 jan 1970")
}

/// The text of a header value: a string literal, or the template of `format!`/`concat!`.
fn cookie_template(w: &Walker, e: &Expr) -> Option<String> {
    match e {
        Expr::Reference(r) => cookie_template(w, &r.expr),
        Expr::Paren(p) => cookie_template(w, &p.expr),
        Expr::MethodCall(m) if m.args.is_empty() => cookie_template(w, &m.receiver),
        Expr::Lit(_) => match w.eval(e) {
            Some(Val::Str(s)) => Some(s.to_string()),
            _ => None,
        },
        Expr::Macro(m) if m.mac.path.is_ident("format") || m.mac.path.is_ident("concat") => {
            let args = crate::parse::macro_exprs(&m.mac)?;
            match args.first()? {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn cookie_finding(
    path: &str,
    name: &str,
    span: std::ops::Range<usize>,
    problems: Vec<String>,
) -> Option<Diagnostic> {
    if problems.is_empty() {
        return None;
    }
    let msg = format!("token cookie `{name}` is set with {}", problems.join("; "));
    Some(
        Diagnostic::new("JWT402", path, span, msg)
            .with_label("token cookie built here")
            .with_help("build token cookies with `.http_only(true).secure(true).same_site(SameSite::Strict)` (or `Lax`); a configuration switch for `Secure` should default to `true`"),
    )
}

/// Checks one function body.
pub fn check_fn(w: &mut Walker, body: &syn::Block) {
    if !w.ctx.enabled("JWT402") || !w.ctx.crates.depends_on_any(&data().crates) {
        return;
    }
    let mut scan = Scan {
        w,
        bound: BTreeMap::new(),
        done: Vec::new(),
        seen: Default::default(),
        raw: Vec::new(),
    };
    scan.visit_block(body);
    let framework_secure = data()
        .secure_by_framework
        .iter()
        .any(|c| scan.w.ctx.crates.depends_on(c));
    let mut cookies: Vec<Cookie> = scan.done;
    cookies.extend(scan.bound.into_values());
    let raw = scan.raw;
    for c in cookies {
        let a = &c.attrs;
        if a.removal {
            continue;
        }
        let mut problems = Vec::new();
        if a.http_only.is_none() && !a.private || a.http_only == Some(Some(false)) {
            problems.push("no `HttpOnly`, so any script on the page can read it");
        }
        if (a.secure.is_none() && !framework_secure) || a.secure == Some(Some(false)) {
            problems.push("no `Secure`, so it is also sent over plain HTTP");
        }
        if a.same_site_none {
            problems.push("`SameSite=None`, so it is sent with cross-site requests");
        }
        // Values read from configuration fields are judged by those fields' defaults.
        let configured: Vec<(String, &'static str)> = [
            (a.http_only == Some(None), &a.http_only_from, "HttpOnly"),
            (a.secure == Some(None), &a.secure_from, "Secure"),
        ]
        .into_iter()
        .filter_map(|(unknown, from, attr)| {
            unknown.then(|| from.clone()).flatten().map(|f| (f, attr))
        })
        .collect();
        let problems: Vec<String> = problems.into_iter().map(str::to_string).collect();
        let path = w.ctx.path.to_string();
        let (name, span) = (c.name.clone(), c.span.clone());
        if configured.is_empty() {
            if let Some(d) = cookie_finding(&path, &name, span, problems) {
                w.report(d);
            }
            continue;
        }
        let fields = configured.iter().map(|c| c.0.clone()).collect();
        w.report_with_defaults(fields, move |defaults| {
            let mut problems = problems;
            for (field, attr) in &configured {
                if let Some(ty) = defaults.false_in(field) {
                    problems.push(format!(
                        "`{attr}` read from `{field}`, which defaults to `false` in `{ty}` (a deployment that does not set it gets a cookie without `{attr}`)"
                    ));
                }
            }
            cookie_finding(&path, &name, span, problems)
        });
    }
    for (span, name, http_only, secure) in raw {
        let missing: Vec<&str> = [
            (!http_only).then_some("HttpOnly"),
            (!secure).then_some("Secure"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let msg = format!(
            "cookie string for token `{name}` lacks {}; the token can be read by scripts or sent over plain HTTP",
            missing.join(" and ")
        );
        w.report(
            Diagnostic::new("JWT402", w.ctx.path, span, msg).with_label("raw Set-Cookie header"),
        );
    }
}
