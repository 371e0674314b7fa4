//! JWT701 sensitive-claims: a claims struct that the crate signs (derives `Serialize`, named
//! `*Claims` or carrying `exp`) with fields that hold secrets or personal data.

use std::sync::OnceLock;

use serde::Deserialize;

use syn::Expr;

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;
use crate::model::facts::{PackageFacts, UNKNOWN_TYPE};

/// The claims type of an expression handed to a signing call, when it can be told.
/// The claims type `e` signs, and whether it sits inside a crate's claims wrapper (which holds
/// `exp` itself, so the custom type need not).
fn claims_type(w: &Walker, e: &Expr) -> Option<(String, bool)> {
    let wrapped = std::cell::Cell::new(false);
    claims_type_at(w, e, 0, &wrapped).map(|t| (t, wrapped.get()))
}

/// The longest binding initialiser re-read to find a claims type.
const MAX_INIT_TEXT: usize = 8 * 1024;

fn claims_type_at(
    w: &Walker,
    e: &Expr,
    depth: usize,
    wrapped: &std::cell::Cell<bool>,
) -> Option<String> {
    if depth > 4 {
        return None;
    }
    let go = |e: &Expr| claims_type_at(w, e, depth + 1, wrapped);
    match e {
        Expr::Reference(r) => go(&r.expr),
        Expr::Paren(p) => go(&p.expr),
        Expr::MethodCall(m) if m.method == "clone" || m.method == "to_owned" => go(&m.receiver),
        // A builder on a crate's claims wrapper (`Claims::new(custom).set_duration(..)`).
        Expr::MethodCall(m) => go(&m.receiver).filter(|_| wrapper_call(w, &m.receiver)),
        Expr::Struct(s) => {
            let last = s.path.segments.last()?;
            if data().claims_wrappers.iter().any(|x| last.ident == x) {
                wrapped.set(true);
                return wrapped_type(last).or_else(|| {
                    s.fields
                        .iter()
                        .filter(|f| matches!(f.expr, Expr::Struct(_)))
                        .find_map(|f| go(&f.expr))
                });
            }
            Some(last.ident.to_string())
        }
        Expr::Call(c) if wrapper_call(w, e) => {
            wrapped.set(true);
            c.args.first().and_then(go)
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.path.segments.len() >= 2 => p
                .path
                .segments
                .iter()
                .nth_back(1)
                .map(|x| x.ident.to_string()),
            _ => None,
        },
        Expr::Path(p) => {
            let b = w.binding(&p.path.get_ident()?.to_string())?;
            if b.init_text.len() <= MAX_INIT_TEXT
                && let Ok(init) = syn::parse_str::<Expr>(&b.init_text)
                && let Some(t) = go(&init)
            {
                return Some(t);
            }
            let head: String = b
                .init_text
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            head.rsplit("::")
                .find(|s| s.chars().next().is_some_and(char::is_uppercase))
                .map(str::to_string)
        }
        _ => None,
    }
}

/// A call of a crate's claims wrapper constructor whose first argument is the custom claims
/// (jwt-compact `Claims::new(custom)`, jwt `Claims::new(registered)`).
fn wrapper_call(w: &Walker, e: &Expr) -> bool {
    let Expr::Call(c) = e else { return false };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let canon = w.ctx.resolve(&p.path);
    data()
        .claims_wrapper_calls
        .iter()
        .any(|pat| index::path_matches(&canon, pat))
}

/// `ClaimsSet::<Custom>`: the custom type of a generic claims wrapper.
fn wrapped_type(seg: &syn::PathSegment) -> Option<String> {
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    a.args.iter().find_map(|g| match g {
        syn::GenericArgument::Type(syn::Type::Path(t)) => {
            t.path.segments.last().map(|s| s.ident.to_string())
        }
        _ => None,
    })
}

fn note(w: &mut Walker, arg: Option<&Expr>, adds_exp: bool) {
    // Tokens signed by tests say nothing about what production code puts into tokens.
    if w.in_test() {
        return;
    }
    // Recorded as signed, and when nothing adds `exp` on the way also as signed as the whole
    // payload (so `exp` must be in the type itself).
    let (ty, wrapped) = arg
        .and_then(|a| claims_type(w, a))
        .unwrap_or_else(|| (UNKNOWN_TYPE.to_string(), false));
    let adds_exp = adds_exp || wrapped;
    let at = (ty, w.ctx.path.to_string());
    w.out.facts.signed.insert(at.clone());
    if !adds_exp {
        if let Some(a) = arg {
            w.out
                .facts
                .signing_sites
                .entry(at.clone())
                .or_insert_with(|| index::span_of(a));
        }
        w.out.facts.signed_raw.insert(at);
        if let Some(a) = arg {
            optional_exp_at_signing(w, a);
        }
    }
}

/// Does the package sign the struct `name` defined in `file`? A signing call in the same file
/// counts; one in another file counts unless that file defines a struct of the same name itself
/// (two `Claims` of two modules are two types). `raw`: signed as the whole payload.
fn signed_for(t: &PackageFacts, name: &str, file: &str, raw: bool) -> bool {
    let set = if raw { &t.signed_raw } else { &t.signed };
    set.iter()
        .any(|(n, g)| n == name && (g == file || !t.defines(n, g)))
}

/// Signs claims of a type the linter could not tell (outside tests)?
fn signed_unknown(t: &PackageFacts) -> bool {
    t.signed.iter().any(|(n, _)| n == UNKNOWN_TYPE)
}

/// JWT204 where the token is built: the claims literal signed here sets `exp` to `None` or to
/// an `Option` parameter, so some tokens are signed without any expiry.
fn optional_exp_at_signing(w: &mut Walker, arg: &Expr) {
    if !w.ctx.enabled("JWT204") {
        return;
    }
    let arg = match arg {
        Expr::Reference(r) => &*r.expr,
        e => e,
    };
    // The literal itself, or the one a `let` bound (re-parsed from its text, spans shifted).
    let (lit, offset) = match arg {
        Expr::Struct(s) => (s.clone(), 0),
        Expr::Path(p) => {
            let Some(b) = p.path.get_ident().and_then(|i| w.binding(&i.to_string())) else {
                return;
            };
            let (Some(span), Ok(Expr::Struct(s))) =
                (b.init_span.clone(), syn::parse_str::<Expr>(&b.init_text))
            else {
                return;
            };
            (s, span.start)
        }
        _ => return,
    };
    for fv in &lit.fields {
        let syn::Member::Named(n) = &fv.member else {
            continue;
        };
        if !matches!(n.to_string().as_str(), "exp" | "expiration" | "expires_at") {
            continue;
        }
        let why = match &fv.expr {
            Expr::Path(p) if p.path.is_ident("None") => "`None`".to_string(),
            Expr::Path(p) => match p.path.get_ident() {
                Some(id) if w.binding(&id.to_string()).is_some_and(|b| b.optional) => {
                    format!("the optional `{id}`")
                }
                _ => continue,
            },
            _ => continue,
        };
        // Field shorthand (`exp`) has the member's span only.
        let local = index::span_of(fv);
        let span = local.start + offset..local.end + offset;
        w.report(
            Diagnostic::new(
                "JWT204",
                w.ctx.path,
                span,
                format!("`{n}` of the signed claims is set from {why}: whenever it is `None`, the token never expires"),
            )
            .with_label("optional expiry at signing"),
        );
    }
}

/// Records claims types handed to signing functions (`jsonwebtoken::encode(&h, &claims, &k)`).
pub fn note_signing_call(w: &mut Walker, c: &syn::ExprCall) {
    let Expr::Path(p) = &*c.func else { return };
    let canon = w.ctx.resolve(&p.path);
    let hit = data().signers.iter().find(|s| {
        s.call
            .as_deref()
            .is_some_and(|pat| index::path_matches(&canon, pat))
    });
    if let Some(s) = hit {
        note(w, c.args.iter().nth(s.arg.max(0) as usize), s.adds_exp);
    }
}

/// Records claims types of signing methods (`claims.sign_with_key(&key)`, `key.authenticate(c)`).
pub fn note_signing_method(w: &mut Walker, m: &syn::ExprMethodCall) {
    let name = m.method.to_string();
    let Some(s) = data().signers.iter().find(|s| {
        s.method.as_deref() == Some(name.as_str()) && w.ctx.crates.depends_on_any(&s.crates)
    }) else {
        return;
    };
    let arg = if s.arg < 0 {
        Some(&*m.receiver)
    } else {
        m.args.iter().nth(s.arg as usize)
    };
    note(w, arg, s.adds_exp);
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    /// Field names that hold secrets (credentials, keys).
    claim_secret_fields: Vec<String>,
    /// Field names that hold personal data.
    claim_personal_fields: Vec<String>,
    /// Fields only an OpenID Connect ID token has (`nonce`, `auth_time`, `at_hash`).
    id_token_fields: Vec<String>,
    /// Generic claims wrapper structs of the crates (`ClaimsSet<T>`): the custom type is the
    /// generic argument, or the struct literal held in one of its fields.
    claims_wrappers: Vec<String>,
    /// Constructors of claims wrappers whose first argument is the custom claims.
    claims_wrapper_calls: Vec<String>,
    /// Crates that sign tokens; the rule runs in packages depending on one of them.
    crates: Vec<String>,
    /// Calls and methods that sign claims: `{ call | method, arg }` (`arg = -1`: the receiver).
    signers: Vec<Signer>,
    /// Last words of a name that make it a secret (`wifi_psk`, `warehouse_password`).
    claim_secret_words: Vec<String>,
    /// Pairs of last words that make a name a secret (`storage_access_key`).
    claim_secret_pairs: Vec<[String; 2]>,
    /// Last words that make a name personal data (`billing_address`, `work_email`).
    claim_personal_words: Vec<String>,
    /// Methods that set one claim by name on a dynamic payload (josekit `set_claim`, jwtk
    /// `insert` in a chain of claim setters).
    claim_setters: Vec<ClaimSetter>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimSetter {
    method: String,
    crates: Vec<String>,
    /// The receiver chain must call one of these (empty: any receiver).
    #[serde(default)]
    chain: Vec<String>,
}

/// Is a claim or field name a secret (`Some(true)`), personal data (`Some(false)`), or neither?
/// Exact names from the lists, else by its last words: `wifi_psk`, `password_hash`,
/// `storage_access_key`, `billing_address`; a name that only starts with one
/// (`password_changed_at`, `email_verified`) is neither.
fn sensitivity(name: &str) -> Option<bool> {
    let d = data();
    let n = name.trim_start_matches("r#").to_ascii_lowercase();
    if d.claim_secret_fields.contains(&n) {
        return Some(true);
    }
    if d.claim_personal_fields.contains(&n) {
        return Some(false);
    }
    let ws = super::storage::words(&n);
    // A flag about the secret is none (`has_password`, `is_pin_set`).
    const FLAG_WORDS: &[&str] = &[
        "has", "is", "needs", "requires", "must", "can", "use", "show",
    ];
    if ws.first().is_some_and(|f| FLAG_WORDS.contains(&f.as_str())) {
        return None;
    }
    by_last_words(&ws).or_else(|| {
        // A trailing "number" after a pair names the same thing: `national_id_number`.
        match ws.split_last() {
            Some((l, rest)) if rest.len() >= 2 && matches!(l.as_str(), "number" | "no" | "num") => {
                by_last_words(rest)
            }
            _ => None,
        }
    })
}

/// [`sensitivity`] by the last word or the last two words of a name split into words.
fn by_last_words(ws: &[String]) -> Option<bool> {
    let d = data();
    let last = ws.last()?;
    let before = ws.len().checked_sub(2).map(|i| &ws[i]);
    let hashed = matches!(last.as_str(), "hash" | "hashed" | "digest");
    if d.claim_secret_words.contains(last)
        || (hashed && before.is_some_and(|b| d.claim_secret_words.contains(b)))
        || before.is_some_and(|b| {
            d.claim_secret_pairs
                .iter()
                .any(|p| p[0] == *b && p[1] == *last)
        })
    {
        return Some(true);
    }
    // The last two words name a personal field (`owner_full_name`, `backup_phone_number`).
    let last_two = before.map(|b| format!("{b}_{last}"));
    (d.claim_personal_words.contains(last)
        || last_two.is_some_and(|t| d.claim_personal_fields.contains(&t)))
    .then_some(false)
}

#[derive(Debug, Default, Deserialize)]
struct Signer {
    #[serde(default)]
    call: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    arg: i32,
    #[serde(default)]
    crates: Vec<String>,
    /// The signer sets `exp` itself (jwt-simple `with_custom_claims(custom, valid_for)`).
    #[serde(default)]
    adds_exp: bool,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT701"))
}

fn derives_serialize(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.meta
                .require_list()
                .map(|l| {
                    l.tokens
                        .to_string()
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == "Serialize")
                })
                .unwrap_or(false)
    })
}

fn skipped(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && a.meta
                .require_list()
                .map(|l| l.tokens.to_string().contains("skip"))
                .unwrap_or(false)
    })
}

fn flattened(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && a.meta
                .require_list()
                .map(|l| l.tokens.to_string().contains("flatten"))
                .unwrap_or(false)
    })
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// JWT204: a signed claims struct without `exp`, or with an optional one.
fn check_expiry(w: &mut Walker, s: &syn::ItemStruct, fields: &syn::FieldsNamed) {
    if !w.ctx.enabled("JWT204") || fields.named.iter().any(|f| flattened(&f.attrs)) {
        return;
    }
    let name = s.ident.to_string();
    let exp = fields.named.iter().find(|f| {
        f.ident
            .as_ref()
            .is_some_and(|i| i == "exp" || i == "expiration" || i == "expires_at")
    });
    let d = match exp {
        None => Diagnostic::new(
            "JWT204",
            w.ctx.path,
            index::span_of(&s.ident),
            format!("tokens signed from `{name}` carry no `exp` claim, so they never expire and cannot be retired by time"),
        )
        .with_label("no `exp` field"),
        Some(f) if is_option(&f.ty) && !skipped(&f.attrs) => Diagnostic::new(
            "JWT204",
            w.ctx.path,
            index::span_of(f),
            format!("`exp` of `{name}` is optional: a token signed with `None` here never expires"),
        )
        .with_label("optional expiry"),
        _ => return,
    };
    let file = w.ctx.path.to_string();
    let no_exp = exp.is_none();
    w.report_for_package(Vec::new(), move |t, _| {
        if !signed_for(t, &name, &file, true) {
            return None;
        }
        // No `exp` at all: the finding points at the token being issued (a signing call of
        // this type, in the struct's file first), with the struct as the secondary location.
        let site = no_exp.then(|| signing_site(t, &name, &file)).flatten();
        Some(match site {
            Some((at, span)) => Diagnostic::new(
                "JWT204",
                &at,
                span,
                format!("this token is signed from `{name}`, which has no `exp` claim, so it never expires and cannot be retired by time"),
            )
            .with_label("issued without `exp`")
            .with_secondary(&file, d.primary.span.clone(), format!("`{name}` has no `exp` field")),
            None => d,
        })
    });
}

/// Where the package signs `name` (defined in `file`) as the whole payload: in `file` itself
/// first, else in a file that does not define a struct of that name itself.
fn signing_site(
    t: &PackageFacts,
    name: &str,
    file: &str,
) -> Option<(String, std::ops::Range<usize>)> {
    let own = (name.to_string(), file.to_string());
    if let Some(span) = t.signing_sites.get(&own) {
        return Some((file.to_string(), span.clone()));
    }
    t.signing_sites
        .iter()
        .find(|((n, g), _)| n == name && !t.defines(n, g))
        .map(|((_, g), span)| (g.clone(), span.clone()))
}

pub fn check_struct_item(w: &mut Walker, s: &syn::ItemStruct) {
    let defines = (s.ident.to_string(), w.ctx.path.to_string());
    w.out.facts.defines.insert(defines);
    if derives_serialize(&s.attrs)
        && let syn::Fields::Named(fields) = &s.fields
        && !super::session::has_jti_field(fields)
    {
        w.out.facts.without_jti.insert(s.ident.to_string());
    }
    if w.ctx.crates.depends_on_any(&data().crates)
        && derives_serialize(&s.attrs)
        && let syn::Fields::Named(fields) = &s.fields
    {
        check_expiry(w, s, fields);
    }
    if !w.ctx.enabled("JWT701")
        || !w.ctx.crates.depends_on_any(&data().crates)
        || !derives_serialize(&s.attrs)
    {
        return;
    }
    let syn::Fields::Named(fields) = &s.fields else {
        return;
    };
    let name = s.ident.to_string();
    let has_exp = fields
        .named
        .iter()
        .any(|f| f.ident.as_ref().map(|i| i == "exp").unwrap_or(false));
    // Any struct a signing call of the package takes is claims (`Claims::with_custom_claims(extra,
    // ..)`); one named like claims counts too when the signed type is not known.
    let claims_like = name.ends_with("Claims") || has_exp;
    // A library's public claims type is signed by its users: a secret in it is reported even
    // when nothing in the workspace signs it.
    let exported = matches!(s.vis, syn::Visibility::Public(_)) && name.ends_with("Claims");
    // An OpenID Connect ID token carries the user's profile claims by design (the client asked
    // for them with a scope): personal data in it is no finding, secrets still are.
    let id_token = fields.named.iter().any(|f| {
        f.ident
            .as_ref()
            .is_some_and(|i| data().id_token_fields.iter().any(|x| i == x))
    });
    let mut secrets = Vec::new();
    let mut personal = Vec::new();
    for f in &fields.named {
        let Some(id) = &f.ident else { continue };
        if skipped(&f.attrs) {
            continue;
        }
        let n = id.to_string().trim_start_matches("r#").to_ascii_lowercase();
        if is_bool(&f.ty) {
            continue;
        }
        match sensitivity(&n) {
            Some(true) => secrets.push((n, index::span_of(f))),
            Some(false) if !id_token => personal.push((n, index::span_of(f))),
            Some(false) => {}
            None => {}
        }
    }
    if secrets.is_empty() && personal.is_empty() {
        return;
    }
    // One finding per sensitive field, at the field (where the fix goes), with the struct as a
    // secondary location. Only structs the package actually signs, or any claims when the
    // signed type is not known; a struct only read from third-party tokens is not reported.
    let fields = secrets
        .iter()
        .map(|f| (f, true))
        .chain(personal.iter().map(|f| (f, false)));
    for ((field, span), secret) in fields {
        let d = sensitive_field(w, &s.ident, &name, field, span.clone(), secret);
        let (file, name) = (w.ctx.path.to_string(), name.clone());
        w.report_for_package(Vec::new(), move |t, _| {
            (signed_for(t, &name, &file, false)
                || (claims_like && signed_unknown(t))
                || (secret && exported))
                .then_some(d)
        });
    }
}

/// A claim set by name on a dynamic payload (`payload.set_claim("ssn", ..)`, jwtk
/// `.set_sub(..).insert("warehouse_password", ..)`) whose name is a secret or personal data.
pub fn check_claim_setter(w: &mut Walker, m: &syn::ExprMethodCall) {
    if !w.ctx.enabled("JWT701") || m.args.is_empty() {
        return;
    }
    let name = m.method.to_string();
    let Some(setter) = data().claim_setters.iter().find(|c| c.method == name) else {
        return;
    };
    if !w.ctx.crates.depends_on_any(&setter.crates)
        || !(setter.chain.is_empty() || chain_calls(&m.receiver, &setter.chain))
    {
        return;
    }
    let Some(crate::index::Val::Str(claim)) = w.eval(&m.args[0]) else {
        return;
    };
    let Some(secret) = sensitivity(&claim) else {
        return;
    };
    let what = if secret { "a secret" } else { "personal data" };
    let span = m.method.span().byte_range().start..index::span_of(m).end;
    let mut d = Diagnostic::new(
        "JWT701",
        w.ctx.path,
        span,
        format!("the `{claim}` claim puts {what} into the token; a JWT payload is only base64-encoded, so anyone holding the token can read it"),
    )
    .with_label(format!("`{claim}` is readable by anyone holding the token"));
    if secret {
        d = d.with_level(crate::diagnostic::Level::Error);
    }
    w.report(d);
}

/// A `bool` or `Option<bool>` field says whether, never what.
fn is_bool(ty: &syn::Type) -> bool {
    index::type_names(ty, "bool", &|w| w == "Option")
}

/// Does a method chain call one of `names` before this link (`t.set_sub(..).insert(..)`)?
fn chain_calls(mut e: &Expr, names: &[String]) -> bool {
    for _ in 0..64 {
        match e {
            Expr::MethodCall(m) => {
                if names.iter().any(|n| m.method == n) {
                    return true;
                }
                e = &m.receiver;
            }
            Expr::Call(c) => {
                return matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| names.iter().any(|n| s.ident == n)));
            }
            Expr::Try(t) => e = &t.expr,
            Expr::Paren(p) => e = &p.expr,
            _ => return false,
        }
    }
    false
}

/// The finding for one sensitive field of a signed claims struct.
fn sensitive_field(
    w: &Walker,
    ident: &syn::Ident,
    name: &str,
    field: &str,
    span: std::ops::Range<usize>,
    secret: bool,
) -> Diagnostic {
    let msg = if secret {
        format!(
            "claims struct `{name}` puts a secret (`{field}`) into the token; a JWT payload is only base64-encoded, so anyone holding the token can read it"
        )
    } else {
        format!(
            "claims struct `{name}` puts personal data (`{field}`) into the token; a JWT payload is only base64-encoded, so it leaks to every party and log that sees the token"
        )
    };
    let d = Diagnostic::new("JWT701", w.ctx.path, span, msg)
        .with_label(format!("`{field}` is readable by anyone holding the token"))
        .with_secondary(w.ctx.path, index::span_of(ident), "signed claims");
    if secret {
        d.with_level(crate::diagnostic::Level::Error)
    } else {
        d
    }
}
