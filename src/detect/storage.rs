//! JWT401 token-in-browser-storage: tokens written to `localStorage` / `sessionStorage` or to
//! `document.cookie` from WASM (web-sys, gloo-storage, leptos-use, dioxus, yew-hooks), where any
//! script injected into the page can read them.

use std::sync::OnceLock;

use serde::Deserialize;
use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprMethodCall};

use super::{Binding, Walker};
use crate::diagnostic::Diagnostic;
use crate::index::{self, Val};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StorageData {
    /// Storage writes through a function: `{ call, key_arg, storage, crates }`.
    calls: Vec<Sink>,
    /// Methods that return a storage handle: `local_storage` → localStorage.
    handles: Vec<Handle>,
    /// Methods that write an item on a storage handle.
    write_methods: Vec<String>,
    /// Methods that write `document.cookie`.
    cookie_methods: Vec<String>,
    /// Words that mark a key or value as a token.
    token_words: Vec<String>,
    /// Words that mark a token only as a name's last word or before a follower word.
    weak_token_words: Vec<String>,
    weak_token_followers: Vec<String>,
    /// Words of a name that make a token an anti-forgery one (readable by scripts on purpose).
    #[serde(default)]
    anti_forgery_words: Vec<String>,
    /// Cookie settings that, set to `false`, expose a token cookie.
    cookie_flags: Vec<CookieFlag>,
    /// Fields naming the cookie in the same settings struct.
    cookie_name_fields: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CookieFlag {
    field: String,
    /// `HttpOnly` or `Secure`.
    flag: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sink {
    call: String,
    key_arg: usize,
    storage: String,
    #[serde(default)]
    crates: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Handle {
    method: String,
    storage: String,
}

fn data() -> &'static StorageData {
    static D: OnceLock<StorageData> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT401"))
}

/// Splits `accessToken`, `ACCESS_TOKEN`, `id-token` into lowercase words.
pub(crate) fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_numeric();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does a key or value text look like it names a token?
pub fn token_like(s: &str) -> bool {
    let ws = words(s);
    let d = data();
    // An anti-forgery token (`csrf_token`, `XSRF-TOKEN`) is made to be read by scripts.
    if ws
        .iter()
        .any(|w| d.anti_forgery_words.iter().any(|t| t == w))
    {
        return false;
    }
    let tw = &d.token_words;
    let weak_at = |i: usize| {
        d.weak_token_words.contains(&ws[i])
            && ws
                .get(i + 1)
                .is_none_or(|next| d.weak_token_followers.contains(next))
    };
    ws.iter().any(|w| tw.iter().any(|t| t == w))
        || (0..ws.len()).any(weak_at)
        || ws.windows(2).any(|p| p[0] == "id" && p[1] == "token")
}

/// Does a value's source text look like a token? Each identifier of the expression is judged
/// on its own (`pair.access.clone()` holds the `access` token), unlike a key's literal text,
/// whose dots only namespace it (`auth.return_to` is no token).
pub fn token_like_expr(s: &str) -> bool {
    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .any(token_like)
}

/// The storage a handle method opens: `local_storage` → localStorage.
fn handle_method(name: &str) -> Option<&'static str> {
    let h = data().handles.iter().find(|h| h.method == name)?;
    Some(if h.storage == "localStorage" {
        "localStorage"
    } else {
        "sessionStorage"
    })
}

/// What a function or method hands back, when it returns a browser storage handle: its return
/// type names `Storage` (web-sys's handle, maybe inside `Result`/`Option`) and its body opens
/// one (`fn local() -> Result<Storage, JsValue> { window()?.local_storage()?.ok_or(..) }`). A
/// function that only writes to storage itself returns no handle.
pub fn handle_kind(sig: &syn::Signature, body: &syn::Block) -> Option<&'static str> {
    #[derive(Default)]
    struct Opens(Option<&'static str>);
    impl<'ast> Visit<'ast> for Opens {
        fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
            if self.0.is_none() {
                self.0 = handle_method(&m.method.to_string());
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    if !names_storage_type(ty) {
        return None;
    }
    let mut o = Opens::default();
    o.visit_block(body);
    o.0
}

/// Does a return type name web-sys's `Storage`, itself or as a generic argument?
fn names_storage_type(ty: &syn::Type) -> bool {
    index::type_names(ty, "Storage", &|_| true)
}

fn handle_of(w: &Walker, e: &Expr) -> Option<&'static str> {
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if let Some(kind) = handle_method(&name) {
                return Some(kind);
            }
            if matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self")) {
                return w.storage_fns.get(&name).copied();
            }
            handle_of(w, &m.receiver)
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| w.storage_fns.get(&i.to_string()).copied()),
            _ => None,
        },
        Expr::Try(t) => handle_of(w, &t.expr),
        Expr::Paren(p) => handle_of(w, &p.expr),
        Expr::Reference(r) => handle_of(w, &r.expr),
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| w.binding(&i.to_string()))
            .and_then(|b| b.storage),
        _ => None,
    }
}

pub fn classify_binding(w: &Walker, init: &Expr, b: &mut Binding) {
    b.storage = handle_of(w, init);
}

/// Text that names the key: its literal value when it evaluates, else its source text.
fn key_text(w: &Walker, e: &Expr) -> String {
    match w.eval(e) {
        Some(Val::Str(s)) => s.to_string(),
        Some(Val::ConstRef(n)) => n,
        _ => w.ctx.snippet(&index::span_of(e)).to_string(),
    }
}

fn report(w: &mut Walker, storage: &str, span: std::ops::Range<usize>, key: &str) {
    let (msg, help) = if storage == "document.cookie" {
        (
            format!("token `{key}` is written to `document.cookie` from script, so the cookie can never be HttpOnly and any injected script can read it"),
            "set the token cookie from the server with `HttpOnly; Secure; SameSite=Strict` (or Lax), and let the browser send it".to_string(),
        )
    } else {
        (
            format!("token `{key}` is stored in {storage}, where any script running on the page (one XSS is enough) can read and exfiltrate it"),
            "keep tokens in memory, or let the server set them as `HttpOnly; Secure; SameSite` cookies".to_string(),
        )
    };
    let d = Diagnostic::new("JWT401", w.ctx.path, span, msg)
        .with_label(format!("written to {storage}"))
        .with_help(help);
    w.report(d);
}

pub fn check_call(w: &mut Walker, c: &ExprCall) {
    if !w.ctx.enabled("JWT401") {
        return;
    }
    let Expr::Path(p) = &*c.func else { return };
    let canon = w.ctx.resolve(&p.path);
    for s in &data().calls {
        if !index::path_matches(&canon, &s.call) {
            continue;
        }
        if !w.ctx.crates.allows(&s.crates, Some(&s.call)) {
            continue;
        }
        let Some(key) = c.args.iter().nth(s.key_arg) else {
            continue;
        };
        let kt = key_text(w, key);
        let value_text = c
            .args
            .iter()
            .nth(s.key_arg + 1)
            .map(|v| w.ctx.snippet(&index::span_of(v)).to_string());
        if token_like(&kt) || value_text.as_deref().is_some_and(token_like_expr) {
            report(w, &s.storage, index::span_of(c), &kt);
            return;
        }
    }
}

pub fn check_method(w: &mut Walker, m: &ExprMethodCall) {
    if !w.ctx.enabled("JWT401") {
        return;
    }
    let name = m.method.to_string();
    let span = m.method.span().byte_range().start..index::span_of(m).end;
    if data().write_methods.contains(&name) && m.args.len() == 2 {
        if let Some(storage) = handle_of(w, &m.receiver) {
            let kt = key_text(w, &m.args[0]);
            let vt = w.ctx.snippet(&index::span_of(&m.args[1])).to_string();
            if token_like(&kt) || token_like_expr(&vt) {
                report(w, storage, span, &kt);
            }
        }
        return;
    }
    if data().cookie_methods.contains(&name)
        && m.args.len() == 1
        && w.ctx.crates.depends_on("web-sys")
    {
        let v = &m.args[0];
        let text = match w.eval(v) {
            Some(Val::Str(s)) => s.to_string(),
            _ => w.ctx.snippet(&index::span_of(v)).to_string(),
        };
        let cookie_name = text
            .split('=')
            .next()
            .unwrap_or("")
            .trim_start_matches(['&', '"', ' ']);
        if (token_like(cookie_name) || token_like(&text)) && !super::cookies::removal_string(&text)
        {
            let key = cookie_name
                .split(['(', '!', ' '])
                .next_back()
                .unwrap_or(cookie_name)
                .trim_matches('"')
                .to_string();
            report(w, "document.cookie", span, &key);
        }
    }
}

fn cookie_flag_report(w: &mut Walker, flag: &str, span: std::ops::Range<usize>, name: &str) {
    let (msg, help) = if flag == "HttpOnly" {
        (
            format!(
                "token cookie `{name}` is set without HttpOnly, so any script running on the page (one XSS is enough) can read the token"
            ),
            "set `http_only` to true for every cookie that carries a token",
        )
    } else {
        (
            format!(
                "token cookie `{name}` is set without Secure, so the browser also sends the token over plain HTTP where it can be intercepted"
            ),
            "set `secure` to true for every cookie that carries a token (browsers accept Secure cookies on http://localhost during development)",
        )
    };
    let d = Diagnostic::new("JWT401", w.ctx.path, span, msg)
        .with_label(format!("{flag} off"))
        .with_help(help);
    w.report(d);
}

fn flag_of(field: &str) -> Option<&'static CookieFlag> {
    data().cookie_flags.iter().find(|f| f.field == field)
}

/// A cookie settings struct literal that switches off HttpOnly or Secure for a cookie whose
/// name (a name field of the same literal, or the struct's own name) says it carries a token.
pub fn check_struct(w: &mut Walker, s: &syn::ExprStruct) {
    if !w.ctx.enabled("JWT401") {
        return;
    }
    let mut name: Option<String> = None;
    for fv in &s.fields {
        if let syn::Member::Named(n) = &fv.member
            && data().cookie_name_fields.iter().any(|f| n == f)
            && let Some(Val::Str(v)) = w.eval(&fv.expr)
        {
            name = Some(v.to_string());
        }
    }
    let type_name = s
        .path
        .segments
        .last()
        .map(|p| p.ident.to_string())
        .unwrap_or_default();
    let name = match name {
        Some(n) if token_like(&n) => n,
        Some(_) => return,
        None if token_like(&type_name) => type_name,
        None => return,
    };
    for fv in &s.fields {
        let syn::Member::Named(n) = &fv.member else {
            continue;
        };
        if let Some(f) = flag_of(&n.to_string())
            && w.eval(&fv.expr) == Some(Val::Bool(false))
        {
            cookie_flag_report(w, &f.flag, index::span_of(fv), &name);
        }
    }
}

/// `jwt_cookie.http_only = false`: the assigned-to value names a token.
pub fn check_assign(w: &mut Walker, a: &syn::ExprAssign) {
    if !w.ctx.enabled("JWT401") {
        return;
    }
    let Expr::Field(f) = &*a.left else { return };
    let syn::Member::Named(n) = &f.member else {
        return;
    };
    let base = w.ctx.snippet(&index::span_of(&*f.base)).to_string();
    if let Some(flag) = flag_of(&n.to_string())
        && token_like(&base)
        && w.eval(&a.right) == Some(Val::Bool(false))
    {
        cookie_flag_report(w, &flag.flag, index::span_of(a), &base);
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn splits_identifier_words() {
        assert_eq!(words("accessToken"), ["access", "token"]);
        assert_eq!(words("ACCESS_TOKEN"), ["access", "token"]);
        assert_eq!(words("id-token"), ["id", "token"]);
        assert_eq!(words("pkce_verifier"), ["pkce", "verifier"]);
    }
}
