//! JWT201 long-token-lifetime: `exp` set to now plus more than the configured limit (access
//! tokens 1 hour, refresh tokens 30 days by default), through chrono, time, std or coarsetime
//! durations, raw second arithmetic, struct literals, field assignments and the builder APIs of
//! jwt-simple, jwtk, aliri, jwt-compact and josekit.

use std::sync::OnceLock;

use serde::Deserialize;
use syn::{Expr, ExprAssign, ExprCall, ExprMethodCall, ExprStruct};

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index::{self, Val};
use crate::model::config_defaults;
use crate::model::facts::ValueRef;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LifetimeData {
    /// Claim fields holding the expiry time.
    exp_fields: Vec<String>,
    /// Functions taking a validity duration: `{ call, arg }`.
    duration_calls: Vec<Ctor>,
    /// Methods taking a validity duration (or seconds): `{ method, arg, crates }`.
    duration_methods: Vec<Ctor>,
    /// Methods taking an absolute expiry time: `{ method, arg, crates }`.
    time_methods: Vec<Ctor>,
    /// Words that mark a refresh token.
    refresh_words: Vec<String>,
    /// Words of struct names that are server-side records, not tokens.
    record_words: Vec<String>,
    /// Words of struct names that are tokens even when they name a record too.
    token_words: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ctor {
    #[serde(default)]
    call: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    arg: usize,
    #[serde(default)]
    crates: Vec<String>,
}

fn data() -> &'static LifetimeData {
    static D: OnceLock<LifetimeData> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT201"))
}

pub fn human(secs: f64) -> String {
    if secs.is_infinite() {
        return "an unlimited time".into();
    }
    let units = [
        (86400.0 * 365.0, "year"),
        (86400.0, "day"),
        (3600.0, "hour"),
        (60.0, "minute"),
        (1.0, "second"),
    ];
    for (u, name) in units {
        if secs >= u {
            let n = secs / u;
            let n_s = if (n - n.round()).abs() < 0.05 {
                format!("{}", n.round() as i64)
            } else {
                format!("{n:.1}")
            };
            let plural = if n_s == "1" { "" } else { "s" };
            return format!("{n_s} {name}{plural}");
        }
    }
    format!("{secs} seconds")
}

fn is_refresh(w: &Walker, extra: &str) -> bool {
    let ctx = format!("{} {}", w.context_words(), extra.to_lowercase());
    data()
        .refresh_words
        .iter()
        .any(|r| ctx.contains(r.as_str()))
}

fn lifetime_diag(
    path: &str,
    span: std::ops::Range<usize>,
    secs: f64,
    refresh: bool,
    limit: f64,
) -> Option<Diagnostic> {
    if secs <= limit || secs.is_nan() {
        return None;
    }
    let kind = if refresh { "refresh token" } else { "token" };
    let msg = format!(
        "{kind} lifetime of {} exceeds the {} limit; a stolen token stays usable for all that time",
        human(secs),
        human(limit)
    );
    let help = if refresh {
        "keep refresh tokens to 7 days or less, rotate them on every use and store them server-side so they can be revoked"
    } else {
        "keep access tokens short-lived (15 minutes is a good default) and renew them with a refresh token"
    };
    Some(
        Diagnostic::new("JWT201", path, span, msg)
            .with_label(format!("expires after {}", human(secs)))
            .with_help(help),
    )
}

/// Checks an expression that computes an expiry time (`now + X`).
fn check_exp_expr(w: &mut Walker, value: &Expr, span: std::ops::Range<usize>, hint: &str) {
    let refresh = is_refresh(w, hint);
    let limit = if refresh {
        w.ctx.opts.refresh_max_secs
    } else {
        w.ctx.opts.access_max_secs
    };
    match w.eval(value) {
        Some(Val::Time(off)) => {
            if let Some(d) = lifetime_diag(w.ctx.path, span, off, refresh, limit) {
                let d = with_branch(w, value, d, off);
                w.report(d);
            }
        }
        None => {
            // `now + TTL` with TTL a constant defined in another file, or a config field
            // (`now + cfg.ttl`) judged by its default.
            let path = w.ctx.path.to_string();
            let judge = move |v: &Val| lifetime_diag(&path, span, v.as_secs()?, refresh, limit);
            match const_offset(w, value) {
                Some(ValueRef::Const(name)) => w.report_with_const(name, judge),
                Some(ValueRef::Field(name)) => {
                    let note = from_default(&name);
                    w.report_with_field(name, move |v| Some(judge(v)?.with_note(note)))
                }
                None => {}
            }
        }
        _ => {}
    }
}

/// Says which branch the judged lifetime comes from, when the value branches
/// (`if remember { 90 days } else { 1 hour }`): the label names it, and a note says that the
/// other branches were judged too.
fn with_branch(w: &Walker, value: &Expr, d: Diagnostic, secs: f64) -> Diagnostic {
    let Some(branch) = super::branches::in_value(w, value) else {
        return d;
    };
    d.with_label(format!("expires after {} {branch}", human(secs)))
        .with_note(format!(
            "the lifetime depends on a branch; the longest one is judged, {branch}"
        ))
}

/// The note of a lifetime judged by a config field's default.
fn from_default(field: &str) -> String {
    format!(
        "the lifetime comes from config field `{field}`: this is its default (`impl Default` or `#[serde(default)]`), used wherever it is not configured"
    )
}

fn const_offset(w: &Walker, e: &Expr) -> Option<ValueRef> {
    match e {
        Expr::Paren(p) => const_offset(w, &p.expr),
        Expr::Cast(c) => const_offset(w, &c.expr),
        Expr::MethodCall(m) if m.args.is_empty() => const_offset(w, &m.receiver),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
            let l = w.eval(&b.left);
            let r = w.eval(&b.right);
            match (l, r) {
                (Some(Val::Time(_)), Some(Val::ConstRef(n)))
                | (Some(Val::ConstRef(n)), Some(Val::Time(_))) => Some(ValueRef::Const(n)),
                (Some(Val::Time(_)), None) => {
                    config_defaults::field_read(&b.right).map(ValueRef::Field)
                }
                (None, Some(Val::Time(_))) => {
                    config_defaults::field_read(&b.left).map(ValueRef::Field)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn check_duration(w: &mut Walker, value: &Expr, span: std::ops::Range<usize>) {
    let refresh = is_refresh(w, "");
    let limit = if refresh {
        w.ctx.opts.refresh_max_secs
    } else {
        w.ctx.opts.access_max_secs
    };
    match w.eval(value) {
        Some(Val::ConstRef(name)) => {
            let path = w.ctx.path.to_string();
            w.report_with_const(name, move |v| {
                lifetime_diag(&path, span, v.as_secs()?, refresh, limit)
            });
        }
        Some(v) => {
            if let Some(secs) = v.as_secs()
                && let Some(d) = lifetime_diag(w.ctx.path, span, secs, refresh, limit)
            {
                let d = with_branch(w, value, d, secs);
                w.report(d);
            }
        }
        None => {
            if let Some((name, scale)) = scaled_const(w, value) {
                // `Duration::from_days(SESSION_DAYS)` with the constant in another file.
                let path = w.ctx.path.to_string();
                w.report_with_const(name, move |v| {
                    lifetime_diag(&path, span, v.as_secs()? * scale, refresh, limit)
                });
            } else if let Some(name) = config_defaults::field_read(value) {
                let path = w.ctx.path.to_string();
                let note = from_default(&name);
                w.report_with_field(name, move |v| {
                    Some(lifetime_diag(&path, span, v.as_secs()?, refresh, limit)?.with_note(note))
                });
            }
        }
    }
}

/// A duration constructor of a constant resolved later: `Duration::from_days(SESSION_DAYS)`,
/// `chrono::Duration::hours(TTL_HOURS)`: the constant's name and the seconds per unit.
fn scaled_const(w: &Walker, e: &Expr) -> Option<(String, f64)> {
    let Expr::Call(c) = e else { return None };
    let Expr::Path(p) = &*c.func else { return None };
    let last = p.path.segments.last()?.ident.to_string();
    let scale = index::unit_secs(&last)?;
    if c.args.len() != 1 {
        return None;
    }
    match w.eval(&c.args[0]) {
        Some(Val::ConstRef(name)) => Some((name, scale)),
        _ => None,
    }
}

fn gate(w: &Walker, c: &Ctor) -> bool {
    w.ctx.crates.allows(&c.crates, c.call.as_deref())
}

pub fn check_call(w: &mut Walker, c: &ExprCall) {
    if !w.ctx.enabled("JWT201") {
        return;
    }
    let Expr::Path(p) = &*c.func else { return };
    let canon = w.ctx.resolve(&p.path);
    for k in &data().duration_calls {
        if k.call
            .as_deref()
            .map(|pat| index::path_matches(&canon, pat))
            .unwrap_or(false)
            && gate(w, k)
            && let Some(arg) = c.args.iter().nth(k.arg)
        {
            check_duration(w, arg, index::span_of(c));
        }
    }
}

pub fn check_method(w: &mut Walker, m: &ExprMethodCall) {
    if !w.ctx.enabled("JWT201") {
        return;
    }
    let name = m.method.to_string();
    let span = m.method.span().byte_range().start..index::span_of(m).end;
    for k in &data().duration_methods {
        if k.method.as_deref() == Some(name.as_str())
            && gate(w, k)
            && let Some(arg) = m.args.iter().nth(k.arg)
        {
            check_duration(w, arg, span.clone());
        }
    }
    for k in &data().time_methods {
        if k.method.as_deref() == Some(name.as_str())
            && gate(w, k)
            && let Some(arg) = m.args.iter().nth(k.arg)
        {
            check_exp_expr(w, arg, span.clone(), "");
        }
    }
}

fn exp_field(f: &str) -> bool {
    data().exp_fields.iter().any(|x| x == f)
}

/// An expiry field counts only where JWTs are in play: the package depends on a JWT crate, or
/// the file mentions JWTs. (The prefilter asks the same, `JWT_CONTEXT_KEYS`: a float parser's
/// `exp` is never parsed for it.)
/// A struct literal of a server-side record (`CreateSession { expires_at, .. }`, a cache
/// entry): its expiry is kept and enforced by the server, which can end it at any time, so it
/// is no token lifetime. A name that also says claims or token (`SessionClaims`) is a token.
fn server_side_record(type_path: &str) -> bool {
    let t = type_path.to_ascii_lowercase();
    let d = data();
    d.record_words.iter().any(|w| t.contains(w.as_str()))
        && !d.token_words.iter().any(|w| t.contains(w.as_str()))
}

fn jwt_context(w: &Walker) -> bool {
    w.ctx.crates.depends_on_any(crate::deps::jwt_crates()) || super::secrets::jwt_file(w)
}

/// `let exp = now + 180 days;` in a file that deals with JWTs: the expiry is computed here and
/// handed on (to a claims struct built elsewhere). Returns true when the binding is an expiry
/// time, so later uses of it (`Claims { exp, .. }`) are not reported again.
pub fn check_local(w: &mut Walker, pat: &syn::Pat, init: &Expr, val: Option<&Val>) -> bool {
    let pat = match pat {
        syn::Pat::Type(t) => &*t.pat,
        p => p,
    };
    let syn::Pat::Ident(pi) = pat else {
        return false;
    };
    let name = pi.ident.to_string();
    if !exp_field(&name) || !matches!(val, Some(Val::Time(_))) {
        return false;
    }
    if !w.ctx.enabled("JWT201") || !super::secrets::jwt_file(w) {
        return true;
    }
    check_exp_expr(w, init, index::span_of(init), &name);
    true
}

/// A value that is a local already checked as an expiry (`Claims { exp, .. }` after `let exp`).
fn already_checked(w: &Walker, value: &Expr) -> bool {
    let Expr::Path(p) = value else { return false };
    p.path
        .get_ident()
        .and_then(|i| w.binding(&i.to_string()))
        .is_some_and(|b| b.exp_checked)
}

pub fn check_assign(w: &mut Walker, a: &ExprAssign) {
    if !w.ctx.enabled("JWT201") {
        return;
    }
    let Expr::Field(f) = &*a.left else { return };
    let syn::Member::Named(n) = &f.member else {
        return;
    };
    if exp_field(&n.to_string()) && !already_checked(w, &a.right) && jwt_context(w) {
        let hint = w.ctx.snippet(&index::span_of(&*f.base)).to_string();
        check_exp_expr(w, &a.right, index::span_of(a), &hint);
    }
}

pub fn check_struct(w: &mut Walker, s: &ExprStruct) {
    if !w.ctx.enabled("JWT201") {
        return;
    }
    let hint = index::path_segments(&s.path).join("::");
    if server_side_record(&hint) {
        return;
    }
    for fv in &s.fields {
        let syn::Member::Named(n) = &fv.member else {
            continue;
        };
        if exp_field(&n.to_string()) && !already_checked(w, &fv.expr) && jwt_context(w) {
            check_exp_expr(w, &fv.expr, index::span_of(fv), &hint);
        }
    }
}
