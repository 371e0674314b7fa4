//! Package-level token-lifecycle rules:
//! - JWT301 hmac-shared-across-services: two or more packages of the workspace verify tokens
//!   with an HMAC secret (each of them can also mint tokens for the others);
//! - JWT601 refresh-token-reuse: a refresh handler verifies a token and signs new ones without
//!   retiring the refresh token it was given;
//! - JWT901 no-revocation: a logout handler in a package whose tokens carry no `jti` and that
//!   checks no revocation list.

use std::sync::OnceLock;

use serde::Deserialize;
use syn::Expr;

use super::Walker;
use super::storage::words;
use crate::diagnostic::Diagnostic;
use crate::index::{self, Val};
use crate::model::facts::{HmacKey, KeySource, MAX_HMAC_KEYS};

#[derive(Debug, Default, Deserialize, Clone)]
struct Api {
    #[serde(default)]
    call: Option<String>,
    /// The argument that holds the key (HMAC constructors).
    #[serde(default)]
    arg: usize,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    crates: Vec<String>,
}

#[derive(Debug, Default)]
struct Data {
    hmac_verifiers: Vec<Api>,
    verify_calls: Vec<Api>,
    sign_calls: Vec<Api>,
    refresh_words: Vec<String>,
    retire_words: Vec<String>,
    logout_words: Vec<String>,
    revocation_words: Vec<String>,
    version_words: Vec<String>,
    access_type_words: Vec<String>,
    jti_reads: Vec<String>,
    jti_fields: Vec<String>,
    end_verbs: Vec<String>,
    session_nouns: Vec<String>,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        let c = crate::catalog::catalog();
        let r301 = c.get("JWT301").expect("JWT301 in catalogue");
        let r601 = c.get("JWT601").expect("JWT601 in catalogue");
        let r901 = c.get("JWT901").expect("JWT901 in catalogue");
        Data {
            hmac_verifiers: r301.data("hmac_verifiers"),
            verify_calls: r601.data("verify_calls"),
            sign_calls: r601.data("sign_calls"),
            refresh_words: r601.data("refresh_words"),
            retire_words: r601.data("retire_words"),
            logout_words: r901.data("logout_words"),
            revocation_words: r901.data("revocation_words"),
            version_words: r901.data("version_words"),
            access_type_words: r901.data("access_type_words"),
            jti_reads: r901.data("jti_reads"),
            jti_fields: r901.data("jti_fields"),
            end_verbs: r901.data("end_verbs"),
            session_nouns: r901.data("session_nouns"),
        }
    })
}

fn matches_call(w: &Walker, list: &[Api], e: &Expr) -> bool {
    match e {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return false;
            };
            let canon = w.ctx.resolve(&p.path);
            list.iter().any(|a| {
                a.call
                    .as_deref()
                    .is_some_and(|pat| index::path_matches(&canon, pat))
                    && w.ctx.crates.allows(&a.crates, a.call.as_deref())
            })
        }
        Expr::MethodCall(m) => list.iter().any(|a| {
            a.method.as_deref().is_some_and(|n| m.method == n)
                && w.ctx.crates.allows(&a.crates, a.call.as_deref())
        }),
        _ => false,
    }
}

/// JWT301: records an HMAC verification key with where its secret comes from, and asks whether
/// another package of the workspace verifies with a key that may be the same secret. The
/// package gets one finding, at its first key shared that way.
pub fn note_call(w: &mut Walker, e: &Expr) {
    if !w.ctx.enabled("JWT301") || w.in_test() || !matches_call(w, &data().hmac_verifiers, e) {
        return;
    }
    if w.out.facts.hmac_keys.len() >= MAX_HMAC_KEYS {
        return;
    }
    let source = key_source(w, e);
    let key = HmacKey {
        file: w.ctx.path.to_string(),
        span: index::span_of(e),
        source,
    };
    w.out.facts.hmac_keys.push(key.clone());
    w.report_once_for_package(Vec::new(), move |_, ws| {
        let mut others: Vec<&str> = ws
            .hmac_verifiers
            .values()
            .filter(|keys| !keys.contains(&key))
            .filter_map(|keys| keys.iter().find(|k| k.source.may_equal(&key.source)))
            .map(|k| k.file.as_str())
            .collect();
        others.sort();
        others.dedup();
        if others.is_empty() {
            return None;
        }
        let list = others.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
        let how = match &key.source {
            KeySource::Env(v) => format!("the secret in `{v}`"),
            KeySource::Literal(_) => "the same literal secret".to_string(),
            KeySource::Field(f) | KeySource::Dedicated(f) => format!("the secret of setting `{f}`"),
            KeySource::File(p) => format!("the secret in file `{p}`"),
            KeySource::Helper(h) => format!("the secret `{h}` hands out"),
            KeySource::Random | KeySource::Param | KeySource::Unknown => {
                "a shared HMAC secret".to_string()
            }
        };
        Some(
            Diagnostic::new(
                "JWT301",
                &key.file,
                key.span.clone(),
                format!(
                    "tokens are verified with {how} here and in {} other package{} ({list}); every service that can verify can also forge tokens for all the others",
                    others.len(),
                    if others.len() == 1 { "" } else { "s" }
                ),
            )
            .with_label("HMAC verification key"),
        )
    });
}

/// Where the secret of an HMAC key constructor comes from: its first argument is a literal, or
/// reads an environment variable, or something the source does not show.
fn key_source(w: &Walker, e: &Expr) -> KeySource {
    let at = key_arg(w, e);
    let arg = match e {
        Expr::Call(c) => c.args.iter().nth(at),
        Expr::MethodCall(m) => m.args.iter().nth(at),
        _ => None,
    };
    arg.map_or(KeySource::Unknown, |a| source_of(w, a, true))
}

/// Where a key expression's secret comes from; `through_local` follows a local to its
/// initializer once (`let secret = env::var("X")..; from_secret(secret.as_bytes())`).
fn source_of(w: &Walker, arg: &Expr, through_local: bool) -> KeySource {
    if let Some(v) = w.eval(arg)
        && let Val::Str(_) | Val::Bytes(_) = v
        && let Some(b) = v.literal_bytes()
    {
        return KeySource::Literal(b);
    }
    if let Some(name) = env_var_name(arg).or_else(|| env_var_via_const(w, arg)) {
        return KeySource::Env(name);
    }
    // A `static`/`const` of the file whose initialiser reads a variable or a file
    // (`static SECRET: LazyLock<String> = LazyLock::new(|| env::var("S").unwrap_or(..))`).
    if let Some(src) = static_name(arg).and_then(|n| w.static_keys.get(&n)) {
        return src.clone();
    }
    if let Some(h) = helper_call(w, arg) {
        return KeySource::Helper(h);
    }
    let local = bound_name(arg).and_then(|n| w.binding(&n));
    // A parameter's secret is whatever the callers pass: not comparable here.
    if local.is_some_and(|b| b.param.is_some()) {
        return KeySource::Param;
    }
    if let Some(field) = field_name(arg) {
        if let Some(var) = w.field_envs.get(&field) {
            return KeySource::Env(var.clone());
        }
        // A generic secret field (`secret`, `jwt_secret`: JWT801's `secret_fields`) may hold
        // any shared secret; a field named for one purpose holds that purpose's own.
        return if super::secrets::is_generic_secret_field(&field) {
            KeySource::Field(field)
        } else {
            KeySource::Dedicated(field)
        };
    }
    if random_bytes(arg) {
        return KeySource::Random;
    }
    match local.and_then(|b| syn::parse_str::<Expr>(&b.init_text).ok()) {
        Some(init) if through_local => source_of(w, &init, false),
        _ => KeySource::Unknown,
    }
}

/// The name a key expression reads a `static` or `const` by: `&*SECRET`, `SECRET.as_bytes()`,
/// `keys::SECRET`.
fn static_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Reference(r) => static_name(&r.expr),
        Expr::Paren(p) => static_name(&p.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => static_name(&u.expr),
        Expr::MethodCall(m) if m.args.is_empty() => static_name(&m.receiver),
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Where a `static`/`const` initialiser gets its secret, when it reads an environment
/// variable or a file by a literal name (`LazyLock::new(|| fs::read("/etc/k").unwrap())`).
pub fn static_key_source(init: &Expr) -> Option<KeySource> {
    if let Some(v) = env_var_name(init) {
        return Some(KeySource::Env(v));
    }
    first_literal_arg(init, &["read", "read_to_string"], &[]).map(KeySource::File)
}

/// The fields a struct literal initialises from an environment variable, with the variable
/// (`Self { platform_secret: std::env::var("PLATFORM_JWT_SECRET")?, .. }`).
pub fn env_fields(s: &syn::ExprStruct) -> impl Iterator<Item = (String, String)> + '_ {
    s.fields.iter().filter_map(|fv| match &fv.member {
        syn::Member::Named(n) => env_var_name(&fv.expr).map(|var| (n.to_string(), var)),
        syn::Member::Unnamed(_) => None,
    })
}

/// Which argument of a matched HMAC constructor holds the key.
fn key_arg(w: &Walker, e: &Expr) -> usize {
    let list = &data().hmac_verifiers;
    let found = match e {
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else { return 0 };
            let canon = w.ctx.resolve(&p.path);
            list.iter().find(|a| {
                a.call
                    .as_deref()
                    .is_some_and(|pat| index::path_matches(&canon, pat))
            })
        }
        Expr::MethodCall(m) => list
            .iter()
            .find(|a| a.method.as_deref().is_some_and(|n| m.method == n)),
        _ => None,
    };
    found.map_or(0, |a| a.arg)
}

/// `env::var(SECRET_ENV)` where `SECRET_ENV` is a constant naming the variable.
fn env_var_via_const(w: &Walker, e: &Expr) -> Option<String> {
    let Expr::Call(c) = strip_conversions(e) else {
        return None;
    };
    let Expr::Path(p) = &*c.func else { return None };
    let last = p.path.segments.last()?;
    if !(last.ident == "var" || last.ident == "var_os") {
        return None;
    }
    match w.eval(c.args.first()?)? {
        Val::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Looks through `&`, `?`, parentheses and argument-less conversions (`.as_bytes()`,
/// `.unwrap()`, `.expect(..)`).
fn strip_conversions(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip_conversions(&r.expr),
        Expr::Paren(p) => strip_conversions(&p.expr),
        Expr::Try(t) => strip_conversions(&t.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                || matches!(
                    m.method.to_string().as_str(),
                    "expect" | "context" | "with_context"
                ) =>
        {
            strip_conversions(&m.receiver)
        }
        _ => e,
    }
}

/// A call of a function that hands out the secret: a free function (its path has no type
/// segment) whose arguments are literals or constants (`keys::platform_secret()`,
/// `hmac_secret_from_env(SHARED_VAR)?`), named with those arguments' values.
fn helper_call(w: &Walker, e: &Expr) -> Option<String> {
    let Expr::Call(c) = strip_conversions(e) else {
        return None;
    };
    let Expr::Path(p) = &*c.func else { return None };
    let segs = &p.path.segments;
    if segs.iter().any(|s| {
        s.ident
            .to_string()
            .starts_with(|ch: char| ch.is_ascii_uppercase())
    }) {
        return None;
    }
    let name = segs.last()?.ident.to_string();
    let mut args = Vec::new();
    for a in &c.args {
        match w.eval(a)? {
            Val::Str(s) => args.push(s.to_string()),
            Val::Int(n) => args.push(n.to_string()),
            _ => return None,
        }
    }
    Some(if args.is_empty() {
        name
    } else {
        format!("{name}({})", args.join(", "))
    })
}

/// Bytes the process makes up itself: a zeroed buffer (filled by an RNG before use, as
/// JWT801 assumes too) or an RNG call (`rand::random()`, `OsRng`, `generate_key`).
fn random_bytes(e: &Expr) -> bool {
    let e = strip_conversions(e);
    if let Expr::Repeat(r) = e {
        return matches!(&*r.expr, Expr::Lit(_));
    }
    let text = quote::ToTokens::to_token_stream(e)
        .to_string()
        .to_ascii_lowercase();
    ["random", "rng", "generate"]
        .iter()
        .any(|w| text.contains(w))
}

/// The field an argument reads, through references and conversions (`&self.email_secret`,
/// `cfg.jwt_secret.as_bytes()`).
fn field_name(e: &Expr) -> Option<String> {
    match index::peel(e) {
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Index(i) => field_name(&i.expr),
        _ => None,
    }
}

/// The local an argument reads, through references and conversions (`&secret`,
/// `secret.as_bytes()`).
fn bound_name(e: &Expr) -> Option<String> {
    match index::peel(e) {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Index(i) => bound_name(&i.expr),
        _ => None,
    }
}

/// The name of the environment variable an expression reads (`std::env::var("X")`,
/// `env::var_os("X")`, `env!("X")`, `dotenvy::var("X")`), looking inside conversions.
fn env_var_name(e: &Expr) -> Option<String> {
    first_literal_arg(e, &["var", "var_os"], &["env", "option_env"])
}

/// The string literal first given to a call of one of `fns` (by last path segment) or to one
/// of the `macros`, anywhere in `e` (closures included): `env::var("X")`, `fs::read("/k")`,
/// `env!("X")`.
fn first_literal_arg(e: &Expr, fns: &[&str], macros: &[&str]) -> Option<String> {
    use syn::visit::Visit;
    struct V<'n> {
        fns: &'n [&'n str],
        macros: &'n [&'n str],
        found: Option<String>,
    }
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if self.found.is_none()
                && let Expr::Path(p) = &*c.func
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| self.fns.iter().any(|n| s.ident == n))
                && let Some(Expr::Lit(l)) = c.args.first()
                && let syn::Lit::Str(s) = &l.lit
            {
                self.found = Some(s.value());
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if self.found.is_none()
                && m.path
                    .segments
                    .last()
                    .is_some_and(|s| self.macros.iter().any(|n| s.ident == n))
                && let Ok(s) = m.parse_body_with(|input: syn::parse::ParseStream| {
                    let s: syn::LitStr = input.parse()?;
                    let _: proc_macro2::TokenStream = input.parse()?;
                    Ok(s)
                })
            {
                self.found = Some(s.value());
            }
        }
    }
    let mut v = V {
        fns,
        macros,
        found: None,
    };
    v.visit_expr(e);
    v.found
}

fn calls_any(w: &Walker, list: &[Api], body: &syn::Block) -> bool {
    use syn::visit::Visit;
    struct V<'w, 'a, 'l> {
        w: &'w Walker<'a>,
        list: &'l [Api],
        hit: bool,
    }
    impl<'ast> Visit<'ast> for V<'_, '_, '_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if !self.hit && matches_call(self.w, self.list, e) {
                self.hit = true;
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut v = V {
        w,
        list,
        hit: false,
    };
    v.visit_block(body);
    v.hit
}

/// JWT601 and JWT901, once per function.
pub fn check_fn(w: &mut Walker, ident: &syn::Ident, body: &syn::Block) {
    if w.in_test() {
        return;
    }
    let name = ident.to_string().to_ascii_lowercase();
    let d = data();
    let signs = w.ctx.enabled("JWT601") && calls_any(w, &d.sign_calls, body);
    if signs {
        w.signing_fns.insert(ident.to_string());
    }
    if w.ctx.enabled("JWT601") && d.refresh_words.iter().any(|r| name.contains(r.as_str())) {
        let body_words = words(w.ctx.snippet(&index::span_of(body)));
        let retires = body_words.iter().any(|b| d.retire_words.contains(b));
        if !retires && calls_any(w, &d.verify_calls, body) {
            let diag = Diagnostic::new(
                "JWT601",
                w.ctx.path,
                ident.span().byte_range(),
                format!(
                    "probable refresh-token reuse: `{ident}` verifies a token and signs new ones but never retires the token it was given, so a stolen refresh token can be replayed until it expires"
                ),
            )
            .with_label("refresh handler");
            if signs {
                w.report(diag);
            } else {
                // New tokens minted by a helper (`mint(&state, sub)`), here or in another file.
                w.pending_refresh.push((diag, callee_names(body)));
            }
        }
    }
    if w.ctx.enabled("JWT901")
        && d.logout_words
            .iter()
            .any(|l| names_words(&ident.to_string(), l))
    {
        let path = w.ctx.path.to_string();
        let span = ident.span().byte_range();
        let fn_name = ident.to_string();
        if ends_sessions(body) {
            w.out.facts.ends_sessions = true;
            return;
        }
        let store_words = d.revocation_words.clone();
        let version_words = d.version_words.clone();
        let jti_reads = d.jti_reads.clone();
        let refresh = d.refresh_words.clone();
        let access = d.access_type_words.clone();
        let words_needed = store_words
            .iter()
            .chain(&jti_reads)
            .chain(&version_words)
            .cloned()
            .collect();
        w.report_once_for_package(words_needed, move |t, _| {
            let said = |list: &[String]| list.iter().any(|w| t.mentions(w));
            if !t.signs_any() || t.ends_sessions || said(&version_words) {
                return None;
            }
            // The access tokens: signed types not named like refresh tokens. A denylist needs
            // an id in them to look up; without one it can only hold refresh tokens.
            // The first by name: the signed types are a set, and the message must not change
            // from run to run.
            let id_less = t
                .signed_types()
                .filter(|ty| {
                    let l = ty.to_ascii_lowercase();
                    t.without_jti.contains(*ty)
                        && !refresh.iter().any(|r| l.contains(r.as_str()))
                        && access.iter().any(|a| l.contains(a.as_str()))
                })
                .min();
            // The ids that exist are refresh-token ids: the list can only hold those.
            let refresh_ids = t.signed_types().any(|ty| {
                let l = ty.to_ascii_lowercase();
                !t.without_jti.contains(ty) && refresh.iter().any(|r| l.contains(r.as_str()))
            });
            let why = match id_less {
                Some(_) if said(&store_words) && !refresh_ids => return None,
                Some(ty) if said(&store_words) => format!(
                    "`{ty}` carries no `jti` or session id, so the revocation list cannot name them"
                ),
                Some(ty) => format!("`{ty}` carries no `jti` and nothing checks a revocation list"),
                None if said(&store_words) || said(&jti_reads) => return None,
                None => "nothing reads a token id (`jti`) or checks a revocation list".to_string(),
            };
            Some(
                Diagnostic::new(
                    "JWT901",
                    &path,
                    span,
                    format!(
                        "`{fn_name}` cannot end the access tokens this package signs: {why}, so a token copied before logout stays valid until it expires"
                    ),
                )
                .with_label("logout"),
            )
        });
    }
}

/// JWT601 at the end of a file: a refresh handler whose helper signs the new tokens.
/// Decides the refresh handlers whose new tokens a helper signs: a helper of this file at once,
/// a helper in another file of the package when the package's facts are known. The file's own
/// signing functions become package facts for the other files.
pub fn finish(w: &mut Walker) {
    w.out
        .facts
        .signing_fns
        .extend(w.signing_fns.iter().cloned());
    for (d, callees) in std::mem::take(&mut w.pending_refresh) {
        if callees.iter().any(|c| w.signing_fns.contains(c)) {
            w.report(d);
        } else {
            w.report_for_package(Vec::new(), move |t, _| {
                callees
                    .iter()
                    .any(|c| t.signing_fns.contains(c))
                    .then_some(d)
            });
        }
    }
}

/// The last path segments of the functions and the methods a body calls.
fn callee_names(body: &syn::Block) -> std::collections::HashSet<String> {
    use syn::visit::Visit;
    struct V(std::collections::HashSet<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Expr::Path(p) = &*c.func
                && let Some(s) = p.path.segments.last()
            {
                self.0.insert(s.ident.to_string());
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0.insert(m.method.to_string());
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut v = V(Default::default());
    v.visit_block(body);
    v.0
}

/// Does a logout body end a server-side session or token? A call named with an ending verb and a
/// session noun (`delete_session`, `revoke_tokens`), or an ending method on a receiver named
/// like a session store (`sessions.remove(&id)`); nothing about refresh tokens or cookies.
fn ends_sessions(body: &syn::Block) -> bool {
    use syn::visit::Visit;
    let d = data();
    let has = |words: &[String], list: &[String]| words.iter().any(|w| list.contains(w));
    let judge = |name: &str, receiver: &str| {
        let n = ident_words(name);
        let r = ident_words(receiver);
        let skip = |ws: &[String]| {
            ws.iter()
                .any(|w| w == "refresh" || w == "cookie" || w == "cookies")
        };
        if skip(&n) || skip(&r) || !has(&n, &d.end_verbs) {
            return false;
        }
        has(&n, &d.session_nouns) || r.last().is_some_and(|w| d.session_nouns.contains(w))
    };
    struct C<'j, F: Fn(&str, &str) -> bool>(&'j F, bool);
    impl<'ast, F: Fn(&str, &str) -> bool> Visit<'ast> for C<'_, F> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let recv = match &*m.receiver {
                Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                Expr::Field(f) => match &f.member {
                    syn::Member::Named(n) => Some(n.to_string()),
                    syn::Member::Unnamed(_) => None,
                },
                Expr::MethodCall(inner) => Some(inner.method.to_string()),
                _ => None,
            };
            if (self.0)(&m.method.to_string(), recv.as_deref().unwrap_or("")) {
                self.1 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Expr::Path(p) = &*c.func
                && let Some(last) = p.path.segments.last()
                && (self.0)(&last.ident.to_string(), "")
            {
                self.1 = true;
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut c = C(&judge, false);
    c.visit_block(body);
    c.1
}

/// Does a claims struct have a token-id field (`jti`, or a field renamed to it)? A flattened
/// field may hold one, so it counts too.
pub fn has_jti_field(fields: &syn::FieldsNamed) -> bool {
    let names = &data().jti_fields;
    fields.named.iter().any(|f| {
        f.ident
            .as_ref()
            .is_some_and(|i| names.iter().any(|n| i == n))
            || f.attrs.iter().any(|a| {
                a.path().is_ident("serde") && {
                    let t = a
                        .meta
                        .require_list()
                        .map(|l| l.tokens.to_string())
                        .unwrap_or_default();
                    t.contains("flatten") || names.iter().any(|n| t.contains(&format!("\"{n}\"")))
                }
            })
    })
}

/// The words of an identifier: `handle_signOut` -> `handle`, `sign`, `out` (lowercase).
fn ident_words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in ident.split(|c: char| c == '_' || !c.is_alphanumeric()) {
        let mut cur = String::new();
        for c in part.chars() {
            if c.is_uppercase() && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.extend(c.to_lowercase());
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Whether identifier `ident` holds the words of `phrase` (`log_out`, `logout`) in a row, as
/// whole words: `user_logout` and `signOut` do, `analog_output` does not.
fn names_words(ident: &str, phrase: &str) -> bool {
    let have = ident_words(ident);
    let want = ident_words(phrase);
    !want.is_empty() && have.windows(want.len()).any(|w| w == want.as_slice())
}

#[cfg(test)]
mod word_tests {
    use super::names_words;

    #[test]
    fn logout_words_are_whole_words() {
        assert!(names_words("logout", "logout"));
        assert!(names_words("user_logout_handler", "logout"));
        assert!(names_words("handleSignOut", "sign_out"));
        assert!(names_words("log_out", "log_out"));
        assert!(!names_words("analog_output", "log_out"));
        assert!(!names_words("catalog_outline", "log_out"));
        assert!(!names_words("blogout", "logout"));
    }
}
