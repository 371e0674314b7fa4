//! JWT801 hardcoded-secret: literal, fallback or embedded key material handed to an HMAC key
//! constructor, and private keys compiled into the binary.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::{Expr, ExprAssign, ExprCall, ExprMethodCall, ExprStruct};

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index::{self, Val};

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct KeyCtor {
    #[serde(default)]
    call: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    arg: usize,
    /// Gate: the package depends on one of these crates.
    #[serde(default)]
    crates: Vec<String>,
    /// The argument is base64 text (length counts decoded bytes).
    #[serde(default)]
    base64: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SecretData {
    hmac: Vec<KeyCtor>,
    private_key: Vec<KeyCtor>,
    /// Field names that hold an HMAC secret in JWT configuration structs.
    secret_fields: Vec<String>,
    /// Minimum HMAC key length, bytes (RFC 7518 section 3.2: at least the hash size).
    min_len: usize,
    /// Field names too generic to mean a JWT secret on their own (`key`): they count only when
    /// the struct or the assigned-to value is named after JWTs (`jwt.key = ..`).
    generic_secret_fields: Vec<String>,
    /// Words that make a struct or value name JWT-related.
    jwt_words: Vec<String>,
    /// Words of an embedded file's name (split at every non-alphanumeric character, the
    /// extension included) that say the file is a public key or a certificate, not a secret
    /// (`partner_pub.der`, `id_rsa.pub`, `server.crt`).
    public_file_words: Vec<String>,
    /// Words of an environment variable's name (upper case) that say it holds a JWT secret.
    secret_env_words: Vec<String>,
    /// Last words of a name that say the value is a public identifier (`merchant_id`,
    /// `region`): a key made only of such values is no secret.
    identifier_words: Vec<String>,
    /// Words that make a name secret after all (`key_id` may be derived, `secret_name` too).
    not_identifier_words: Vec<String>,
}

/// Does the embedded file's name say it holds a public key or a certificate?
fn public_file(file: &str) -> bool {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let words = &data().public_file_words;
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| words.iter().any(|p| p.eq_ignore_ascii_case(w)))
}

fn data() -> &'static SecretData {
    static D: OnceLock<SecretData> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT801"))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Hmac,
    Private,
}

fn gate(w: &Walker, k: &KeyCtor) -> bool {
    w.ctx.crates.allows(&k.crates, k.call.as_deref())
}

fn decoded_len(bytes: &[u8], base64: bool) -> usize {
    if base64 {
        let n = bytes
            .iter()
            .filter(|b| !matches!(b, b'=' | b'\n' | b'\r' | b' '))
            .count();
        n * 3 / 4
    } else {
        bytes.len()
    }
}

/// The finding for a value handed to a key constructor, if the value is key material in source.
fn judge(
    kind: Kind,
    v: &Val,
    base64: bool,
    path: &str,
    span: std::ops::Range<usize>,
    what: &str,
) -> Option<Diagnostic> {
    let min = data().min_len;
    let d = match (kind, v) {
        // A public key or certificate compiled in is no secret (jsonwebtoken 4–6 `decode` takes
        // the raw bytes of either an HMAC secret or a DER public key).
        (_, Val::Embedded(_, file)) if public_file(file) => return None,
        (Kind::Hmac, Val::Fallback(inner)) => {
            let b = inner.literal_bytes()?;
            let msg = if b.is_empty() {
                format!("{what} falls back to an empty secret when the configured one is missing, so anyone can forge tokens")
            } else {
                format!(
                    "{what} falls back to a hard-coded secret ({} bytes) when the configured one is missing; anyone who reads the source can forge tokens",
                    decoded_len(&b, base64)
                )
            };
            Diagnostic::new("JWT801", path, span, msg)
                .with_label("literal fallback secret")
                .with_help("fail at startup when the secret is not configured instead of falling back to a literal (`std::env::var(\"JWT_SECRET\").expect(..)`)")
        }
        (Kind::Hmac, Val::Str(_) | Val::Bytes(_)) => {
            let b = v.literal_bytes()?;
            let n = decoded_len(&b, base64);
            let msg = if b.is_empty() {
                format!("{what} gets an empty HMAC key, so anyone can forge tokens")
            } else if n < min {
                format!(
                    "{what} gets a hard-coded HMAC secret that is also too short ({n} bytes, at least {min} needed); anyone who reads the source or brute-forces it can forge tokens"
                )
            } else {
                format!("{what} gets a hard-coded HMAC secret; anyone who reads the source or the binary can forge tokens")
            };
            let d = Diagnostic::new("JWT801", path, span, msg).with_label("hard-coded secret");
            if b.is_empty() {
                d.with_tag(super::EMPTY_KEY)
            } else {
                d
            }
        }
        (Kind::Hmac, Val::Embedded(mac, file)) => Diagnostic::new(
            "JWT801",
            path,
            span,
            format!("{what} gets an HMAC secret compiled into the binary with `{mac}!(\"{file}\")`; the secret ships with every build and lives in the repository"),
        )
        .with_label("secret compiled in"),
        (Kind::Private, Val::Embedded(mac, file)) => Diagnostic::new(
            "JWT801",
            path,
            span,
            format!("{what} gets a private key compiled into the binary with `{mac}!(\"{file}\")`; anyone with the binary or the repository can sign tokens"),
        )
        .with_label("private key compiled in")
        .with_help("load the private key at runtime from a secret store, a mounted file or an environment variable, never from the source tree"),
        (Kind::Private, Val::Str(s)) if s.contains("PRIVATE KEY") => Diagnostic::new(
            "JWT801",
            path,
            span,
            format!("{what} gets a PEM private key written in the source; anyone with the source or the binary can sign tokens"),
        )
        .with_label("private key literal")
        .with_help("load the private key at runtime from a secret store, a mounted file or an environment variable, never from the source tree"),
        (Kind::Private, Val::Bytes(b)) if String::from_utf8_lossy(b).contains("PRIVATE KEY") => Diagnostic::new(
            "JWT801",
            path,
            span,
            format!("{what} gets a PEM private key written in the source; anyone with the source or the binary can sign tokens"),
        )
        .with_label("private key literal"),
        _ => return None,
    };
    Some(d)
}

fn check_arg(
    w: &mut Walker,
    kind: Kind,
    k: &KeyCtor,
    arg: &Expr,
    span: std::ops::Range<usize>,
    what: String,
) {
    let path = w.ctx.path.to_string();
    // Any parameter it may get, whatever else a branch gives (`match m { A => lit, B => p }`).
    note_param_sink(w, kind, k.base64, arg, &what);
    let Some(v) = w.eval(arg) else {
        if kind == Kind::Hmac
            && let Some(ids) = identifier_leaves(arg)
        {
            w.report(identifier_key(&path, span, &what, &ids));
            return;
        }
        if kind == Kind::Hmac
            && let Some((n, how)) = short_key(w, arg)
        {
            w.report(short_key_finding(&path, span, &what, n, how));
            return;
        }
        // `from_secret(cfg.secret.as_bytes())`: judged by the config field's default.
        if let Some(field) = crate::model::config_defaults::field_read(arg) {
            let base64 = k.base64;
            let what = format!("{what}, through the default of config field `{field}`,");
            w.report_with_field(field, move |v| judge(kind, v, base64, &path, span, &what));
        }
        return;
    };
    match v {
        Val::ConstRef(name) => {
            let base64 = k.base64;
            w.report_with_const(name, move |v| judge(kind, v, base64, &path, span, &what));
        }
        Val::Fallback(inner) if matches!(*inner, Val::ConstRef(_)) => {
            let Val::ConstRef(name) = *inner else { return };
            let base64 = k.base64;
            w.report_with_const(name, move |v| {
                judge(
                    kind,
                    &Val::Fallback(Box::new(v.clone())),
                    base64,
                    &path,
                    span,
                    &what,
                )
            });
        }
        v => {
            let site = const_site(w, arg);
            if let Some(d) = judge(kind, &v, k.base64, &path, span, &what) {
                w.report(at_const(d, site));
            }
        }
    }
}

/// The constant of this file an argument names, with where it is initialised:
/// `from_secret(SECRET.as_bytes())` → `SECRET` and the range of its literal.
fn const_site(w: &Walker, arg: &Expr) -> Option<(String, std::ops::Range<usize>)> {
    let Expr::Path(p) = index::peel(arg) else {
        return None;
    };
    let name = p.path.get_ident()?.to_string();
    // A local bound to a literal or a literal fallback: reported at its initializer
    // (`let secret = env::var("S").unwrap_or_else(|_| "dev".into());`), once for all uses.
    if let Some(b) = w.binding(&name) {
        let literal = matches!(b.val, Some(Val::Str(_) | Val::Bytes(_) | Val::Fallback(_)));
        // A branch (`match`, `if`, a block) is judged at the use: which arm it is shows there.
        let t = b.init_text.trim_start();
        let branch = t.starts_with("match ") || t.starts_with("if ") || t.starts_with('{');
        return if literal && !branch && b.param.is_none() {
            Some((name, b.init_span.clone()?))
        } else {
            None
        };
    }
    let span = w.const_sites.get(&name)?.clone()?;
    Some((name, span))
}

/// A finding about a constant's literal, moved to the constant (where the secret is written
/// and where it must be removed), with the use as a secondary location.
fn at_const(mut d: Diagnostic, site: Option<(String, std::ops::Range<usize>)>) -> Diagnostic {
    let Some((name, span)) = site else { return d };
    let used = std::mem::replace(&mut d.primary.span, span);
    let file = d.primary.file.clone();
    d.tags.push(AT_CONST.to_string());
    d.with_secondary(&file, used, format!("`{name}` becomes a key here"))
}

/// Tag of findings moved to a constant: several uses of one constant make one finding.
const AT_CONST: &str = "at-const";

/// Several uses of one constant make one finding at the constant, with every use (up to a
/// few) as a secondary location; a use in production code wins over one in test code.
fn merge_at_const(diags: &mut Vec<Diagnostic>) {
    const MAX_USES: usize = 8;
    let is_test = |d: &Diagnostic| d.tags.iter().any(|t| t == "test-code");
    let mut kept: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    let mut at: HashMap<(String, std::ops::Range<usize>), usize> = HashMap::new();
    for d in diags.drain(..) {
        if !(d.code == "JWT801" && d.tags.iter().any(|t| t == AT_CONST)) {
            kept.push(d);
            continue;
        }
        let key = (d.primary.file.clone(), d.primary.span.clone());
        match at.get(&key) {
            None => {
                at.insert(key, kept.len());
                kept.push(d);
            }
            Some(&i) => {
                let mut d = d;
                if is_test(&kept[i]) && !is_test(&d) {
                    std::mem::swap(&mut kept[i], &mut d);
                }
                for l in d.secondary {
                    if kept[i].secondary.len() < MAX_USES && !kept[i].secondary.contains(&l) {
                        kept[i].secondary.push(l);
                    }
                }
            }
        }
    }
    *diags = kept;
}

/// The names an HMAC key is made of, when every one of them is a public identifier:
/// `merchant_id.as_bytes()`, `format!("{}:{}", cfg.app_id, cfg.region)`. `None` when any part
/// is something else (a literal part of a `format!` does not count either way).
fn identifier_leaves(arg: &Expr) -> Option<Vec<String>> {
    let mut names = Vec::new();
    collect_leaves(arg, &mut names, 0)?;
    let d = data();
    let public = |n: &String| {
        let ws = super::storage::words(n);
        !ws.iter().any(|w| d.not_identifier_words.contains(w))
            && ws.last().is_some_and(|l| d.identifier_words.contains(l))
    };
    (!names.is_empty() && names.iter().all(public)).then_some(names)
}

/// Collects the value names of a key expression; `None` for anything that is not a name, a
/// field, a conversion of one or a `format!` of them. `depth` bounds the walk.
fn collect_leaves(e: &Expr, out: &mut Vec<String>, depth: usize) -> Option<()> {
    if depth > 8 || out.len() > 16 {
        return None;
    }
    match e {
        Expr::MethodCall(m)
            if m.args.is_empty() && {
                let n = m.method.to_string();
                n == "trim" || index::VALUE_CONVERSIONS.contains(&n.as_str())
            } =>
        {
            collect_leaves(&m.receiver, out, depth + 1)
        }
        Expr::Reference(r) => collect_leaves(&r.expr, out, depth + 1),
        Expr::Paren(p) => collect_leaves(&p.expr, out, depth + 1),
        // A byte wrapper of one value (`Base64Url::from_raw(..)`, `Vec::from(..)`).
        Expr::Call(c) if c.args.len() == 1 && wrapper_call(c) => {
            collect_leaves(&c.args[0], out, depth + 1)
        }
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => {
                out.push(n.to_string());
                Some(())
            }
            syn::Member::Unnamed(_) => None,
        },
        Expr::Path(p) => {
            let i = p.path.get_ident()?.to_string();
            out.push(i);
            Some(())
        }
        Expr::Macro(m) if m.mac.path.is_ident("format") => {
            let args = m
                .mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()?;
            let mut it = args.iter();
            let Some(Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(fmt),
                ..
            })) = it.next()
            else {
                return None;
            };
            out.extend(inline_captures(&fmt.value()));
            for a in it {
                collect_leaves(a, out, depth + 1)?;
            }
            Some(())
        }
        _ => None,
    }
}

/// A key whose length the source fixes below the minimum: a slice cut short
/// (`&secret.as_bytes()[..16]`) or a buffer of too few bytes (`let mut k = [0u8; 8];` then
/// filled at random). The length and how it is cut.
fn short_key(w: &Walker, arg: &Expr) -> Option<(usize, &'static str)> {
    let min = data().min_len;
    let n_of = |e: &Expr| match w.eval(e) {
        Some(Val::Int(n)) if n >= 0 => usize::try_from(n).ok(),
        _ => None,
    };
    match index::peel(arg) {
        Expr::Index(i) => {
            let Expr::Range(r) = &*i.index else {
                return None;
            };
            let end = n_of(r.end.as_deref()?)?;
            let start = r.start.as_deref().map_or(Some(0), n_of)?;
            let n = end.checked_sub(start)?;
            (n < min).then_some((n, "the key is cut to"))
        }
        Expr::Path(p) => {
            let b = w.binding(&p.path.get_ident()?.to_string())?;
            let init = syn::parse_str::<Expr>(&b.init_text).ok()?;
            let Expr::Repeat(r) = init else { return None };
            let n = n_of(&r.len)?;
            (n < min).then_some((n, "the key buffer holds only"))
        }
        _ => None,
    }
}

fn short_key_finding(
    path: &str,
    span: std::ops::Range<usize>,
    what: &str,
    n: usize,
    how: &str,
) -> Diagnostic {
    let min = data().min_len;
    Diagnostic::new(
        "JWT801",
        path,
        span,
        format!("{what} gets an HMAC key that is too short: {how} {n} bytes (at least {min} needed), few enough to brute-force"),
    )
    .with_label(format!("{n}-byte key"))
    .with_help(format!("use at least {min} random bytes for an HMAC key (the hash size: 32 for HS256)"))
}

/// `Base64Url::from_raw(x)`, `Vec::from(x)`, `String::from(x)`, `Bytes::from(x)`: a call that
/// only wraps its one argument.
fn wrapper_call(c: &ExprCall) -> bool {
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    p.path
        .segments
        .last()
        .is_some_and(|s| matches!(s.ident.to_string().as_str(), "from_raw" | "from" | "new"))
}

/// The names captured inline by a format string: `"{app_id}:{region}"` → `app_id`, `region`.
fn inline_captures(fmt: &str) -> Vec<String> {
    fmt.split('{')
        .skip(1)
        .filter_map(|p| p.split(['}', ':']).next())
        .filter(|n| !n.is_empty() && n.chars().all(|c| c == '_' || c.is_alphanumeric()))
        .filter(|n| !n.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

fn identifier_key(
    path: &str,
    span: std::ops::Range<usize>,
    what: &str,
    ids: &[String],
) -> Diagnostic {
    let names = ids
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::new(
        "JWT801",
        path,
        span,
        format!("{what} gets an HMAC key made only of identifiers or short codes ({names}); they are not secret (or are guessed in seconds), so anyone who knows them can forge tokens"),
    )
    .with_label("key derived from public identifiers")
    .with_help("give each party a random secret of at least 32 bytes, stored outside the source, instead of deriving it from ids or names")
}

pub fn check_call(w: &mut Walker, c: &ExprCall) {
    if !w.ctx.enabled("JWT801") {
        return;
    }
    let Expr::Path(p) = &*c.func else { return };
    let canon = w.ctx.resolve(&p.path);
    let ctor = |k: &KeyCtor| {
        k.call
            .as_deref()
            .is_some_and(|pat| index::path_matches(&canon, pat))
    };
    // Most calls build no key: leave before looking at the arguments' text.
    if !data().hmac.iter().chain(&data().private_key).any(ctor) {
        return;
    }
    // A call in both tables (jsonwebtoken 4-6 `encode` takes raw key bytes of any family) is
    // judged once, as the kind its key's name suggests.
    let kinds = if c.args.iter().any(names_private_key) {
        [Kind::Private, Kind::Hmac]
    } else {
        [Kind::Hmac, Kind::Private]
    };
    for kind in kinds {
        let list = match kind {
            Kind::Hmac => &data().hmac,
            Kind::Private => &data().private_key,
        };
        let before = reported_so_far(w);
        for k in list.iter() {
            let Some(pat) = &k.call else { continue };
            if !index::path_matches(&canon, pat) || !gate(w, k) {
                continue;
            }
            if let Some(arg) = c.args.iter().nth(k.arg) {
                let what = format!("`{}`", short(pat));
                check_arg(w, kind, k, arg, index::span_of(c), what);
            }
        }
        if reported_so_far(w) != before {
            return;
        }
    }
}

/// Findings and checks made or pending in the file so far.
fn reported_so_far(w: &Walker) -> (usize, usize, usize) {
    (
        w.out.diagnostics.len(),
        w.out.deferred.len(),
        w.out.package_checks.len(),
    )
}

/// Does an argument's text name an asymmetric private key (`private_rsa_key.der`, `ec.pem`)?
fn names_private_key(e: &Expr) -> bool {
    let t = quote::ToTokens::to_token_stream(e)
        .to_string()
        .to_ascii_lowercase();
    t.len() <= 512
        && ["private", "rsa", ".pem", ".der", "ecdsa", "ed25519", ".p8"]
            .iter()
            .any(|w| t.contains(w))
}

pub fn check_method(w: &mut Walker, m: &ExprMethodCall) {
    if !w.ctx.enabled("JWT801") {
        return;
    }
    let name = m.method.to_string();
    for (kind, list) in [
        (Kind::Hmac, &data().hmac),
        (Kind::Private, &data().private_key),
    ] {
        for k in list.iter() {
            if k.method.as_deref() != Some(name.as_str()) || !gate(w, k) {
                continue;
            }
            if let Some(arg) = m.args.iter().nth(k.arg) {
                let span = m.method.span().byte_range().start..index::span_of(m).end;
                check_arg(w, kind, k, arg, span, format!("`.{name}(..)`"));
            }
        }
    }
}

fn short(pat: &str) -> String {
    let segs: Vec<&str> = pat.split("::").collect();
    segs[segs.len().saturating_sub(2)..].join("::")
}

pub(crate) fn jwt_file(w: &Walker) -> bool {
    let t = &w.ctx.text.text;
    memchr::memmem::find(t.as_bytes(), b"jwt").is_some()
        || memchr::memmem::find(t.as_bytes(), b"Jwt").is_some()
        || memchr::memmem::find(t.as_bytes(), b"JWT").is_some()
        || memchr::memmem::find(t.as_bytes(), b"jsonwebtoken").is_some()
}

fn check_field(
    w: &mut Walker,
    field: &str,
    owner: &str,
    value: &Expr,
    span: std::ops::Range<usize>,
) {
    if !w.ctx.enabled("JWT801") || !data().secret_fields.iter().any(|f| f == field) || !jwt_file(w)
    {
        return;
    }
    let owner = owner.to_lowercase();
    if data().generic_secret_fields.iter().any(|f| f == field)
        && !data().jwt_words.iter().any(|j| owner.contains(j.as_str()))
    {
        return;
    }
    let k = KeyCtor::default();
    check_arg(
        w,
        Kind::Hmac,
        &k,
        value,
        span,
        format!("the JWT secret field `{field}`"),
    );
}

pub fn check_assign(w: &mut Walker, a: &ExprAssign) {
    let Expr::Field(f) = &*a.left else { return };
    let syn::Member::Named(n) = &f.member else {
        return;
    };
    // The assigned-to value's name plus, for a local, what it was built from
    // (`let mut mw = JwtMiddleware::new(); mw.key = ..`).
    let mut owner = w.ctx.snippet(&index::span_of(&*f.base)).to_string();
    if let Expr::Path(p) = &*f.base
        && let Some(b) = p.path.get_ident().and_then(|i| w.binding(&i.to_string()))
    {
        owner.push(' ');
        owner.push_str(&b.init_text);
    }
    check_field(w, &n.to_string(), &owner, &a.right, index::span_of(a));
}

pub fn check_struct(w: &mut Walker, s: &ExprStruct) {
    let owner = index::path_segments(&s.path).join("::");
    for fv in &s.fields {
        let syn::Member::Named(n) = &fv.member else {
            continue;
        };
        check_field(w, &n.to_string(), &owner, &fv.expr, index::span_of(fv));
    }
}

/// Whitespace-free JSON text that declares a symmetric (`oct`) JWK with its secret `k`. A `k`
/// that is a format placeholder (`"k":"{}"`, `"k":"{key}"`, as in a thumbprint template filled
/// at run time) holds no secret.
fn oct_jwk_text(compact: &str) -> bool {
    compact.contains("\"kty\":\"oct\"")
        && compact.match_indices("\"k\":\"").any(|(i, m)| {
            let rest = &compact[i + m.len()..];
            let value = rest.split('"').next().unwrap_or_default();
            !value.is_empty() && !value.contains(['{', '}'])
        })
}

const OCT_JWK_MSG: &str = "this `oct` JWK carries the HMAC secret (`k`) in the source; anyone who reads the source or the binary can forge tokens";
const OCT_JWK_HELP: &str = "load the key set at run time (a file outside the repository, the environment or a secret store), or use an asymmetric key whose public JWK may be published";

/// A string literal holding an `oct` JWK (`r#"{"kty":"oct","k":".."}"#`).
pub fn check_jwk_str(w: &mut Walker, l: &syn::ExprLit) {
    let syn::Lit::Str(s) = &l.lit else { return };
    let v = s.value();
    if !v.contains("oct") {
        return;
    }
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if oct_jwk_text(&compact) {
        let d = Diagnostic::new("JWT801", w.ctx.path, s.span().byte_range(), OCT_JWK_MSG)
            .with_label("hard-coded JWK secret")
            .with_help(OCT_JWK_HELP);
        w.report(d);
    }
}

/// A `json!` object declaring an `oct` JWK with a literal `"k"`: reported at the `k` value.
pub fn check_jwk_json(w: &mut Walker, mac: &syn::Macro) {
    use proc_macro2::{TokenStream, TokenTree};
    fn flat(ts: TokenStream, out: &mut Vec<TokenTree>) {
        for t in ts {
            match t {
                TokenTree::Group(g) => flat(g.stream(), out),
                t => out.push(t),
            }
        }
    }
    let mut toks = Vec::new();
    flat(mac.tokens.clone(), &mut toks);
    let text = |t: &TokenTree| match t {
        TokenTree::Literal(l) => l.to_string(),
        TokenTree::Punct(p) => p.as_char().to_string(),
        _ => String::new(),
    };
    let compact: String = toks.iter().map(text).collect();
    if !oct_jwk_text(&compact) {
        return;
    }
    for i in 0..toks.len().saturating_sub(2) {
        if text(&toks[i]) == "\"k\""
            && text(&toks[i + 1]) == ":"
            && let TokenTree::Literal(v) = &toks[i + 2]
            && v.to_string().len() > 2
        {
            let d = Diagnostic::new("JWT801", w.ctx.path, v.span().byte_range(), OCT_JWK_MSG)
                .with_label("hard-coded JWK secret")
                .with_help(OCT_JWK_HELP);
            w.report(d);
        }
    }
}

/// Is a field name one of the generic secret names (`secret`, `jwt_secret`, `signing_key`)?
pub fn is_generic_secret_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    data().secret_fields.contains(&n)
}

/// The name of the environment variable a lookup reads (`env::var("JWT_SECRET")`).
fn env_name_of(e: &Expr) -> Option<String> {
    let Expr::Call(c) = e else { return None };
    match c.args.first()? {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// A literal (or empty) fallback of an environment variable named like a JWT secret
/// (`env::var("BILLING_JOB_SECRET").unwrap_or_else(|_| "dev".into())`), wherever the value
/// goes next from a settings struct: the program runs with a secret from its source when the
/// variable is missing. Reported at the fallback stored in a struct-literal field, in packages
/// with a JWT crate (a fallback bound to a local is judged where the key is built).
/// The struct-literal fields of a value: fallbacks stored in a settings struct.
pub fn check_env_fallback_fields(w: &mut Walker, s: &syn::ExprStruct) {
    if !w.ctx.enabled("JWT801") {
        return;
    }
    for f in &s.fields {
        if let Expr::MethodCall(m) = &f.expr {
            check_env_fallback(w, m);
        }
    }
}

/// A settings getter whose value is an env fallback (`fn jwt_secret() -> String {
/// env::var("HEARTH_JWT_SECRET").unwrap_or_else(|_| "dev".into()) }`).
pub fn check_env_fallback_tail(w: &mut Walker, block: &syn::Block) {
    if !w.ctx.enabled("JWT801") || w.in_test() {
        return;
    }
    if let Some(syn::Stmt::Expr(Expr::MethodCall(m), None)) = block.stmts.last() {
        check_env_fallback(w, m);
    }
}

fn check_env_fallback(w: &mut Walker, m: &ExprMethodCall) {
    let name = m.method.to_string();
    if !matches!(
        name.as_str(),
        "unwrap_or" | "unwrap_or_else" | "unwrap_or_default"
    ) || !index::is_env_lookup(&m.receiver)
    {
        return;
    }
    let Some(var) = env_name_of(&m.receiver) else {
        return;
    };
    let upper = var.to_ascii_uppercase();
    // A package without a JWT crate counts when the variable says JWT (a shared settings crate
    // of a workspace whose services sign with it).
    if !w.ctx.crates.depends_on_any(crate::deps::jwt_crates()) && !upper.contains("JWT") {
        return;
    }
    if !data()
        .secret_env_words
        .iter()
        .any(|k| upper.contains(k.as_str()))
    {
        return;
    }
    let Some(v @ Val::Fallback(_)) = w.eval(&Expr::MethodCall(m.clone())) else {
        return;
    };
    let span = m.method.span().byte_range().start..index::span_of(m).end;
    let what = format!("the secret `{var}`");
    if let Some(d) = judge(Kind::Hmac, &v, false, w.ctx.path, span, &what) {
        w.param_flow.fallbacks.push(d);
    }
}

/// Values through the parameters of the file's functions: a key constructor that gets a
/// parameter (`fn keys(prod_secret: &[u8]) { from_secret(prod_secret) }`) is a sink of that
/// parameter, and a call of the function with a literal or an empty fallback for it
/// (`keys(std::env::var("S").unwrap_or_default().as_bytes())`) is judged at the argument as if
/// the value were written at the constructor. One call deep, within one file.
#[derive(Default)]
pub struct ParamFlow {
    sinks: Vec<ParamSink>,
    calls: Vec<CallArg>,
    /// Literal fallbacks of secret-named environment variables (see `check_env_fallback`).
    fallbacks: Vec<Diagnostic>,
}

struct ParamSink {
    func: String,
    index: usize,
    kind: Kind,
    base64: bool,
    what: String,
}

struct CallArg {
    callee: String,
    index: usize,
    val: Val,
    span: std::ops::Range<usize>,
    in_test: bool,
    /// The file's constant the argument names, and where it is initialised.
    site: Option<(String, std::ops::Range<usize>)>,
}

/// Most sinks and calls remembered per file.
const MAX_PARAM_FLOW: usize = 4096;

/// The parameters of the current function that an expression's value may come from: the
/// parameters it names, and those a local it names was bound from.
pub fn params_in(w: &Walker, e: &Expr) -> Vec<usize> {
    struct P<'w, 'a> {
        w: &'w Walker<'a>,
        out: Vec<usize>,
        budget: usize,
    }
    impl<'ast> syn::visit::Visit<'ast> for P<'_, '_> {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            if let Some(id) = p.path.get_ident()
                && let Some(b) = self.w.binding(&id.to_string())
            {
                self.out.extend(b.param);
                self.out.extend(b.from_params.iter().copied());
            }
        }
        // A call's result is not its arguments' value (`hash(secret)`), a closure is not run.
        fn visit_expr_call(&mut self, _: &'ast syn::ExprCall) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    if w.fn_stack.is_empty() {
        return Vec::new();
    }
    let mut p = P {
        w,
        out: Vec::new(),
        budget: 256,
    };
    syn::visit::Visit::visit_expr(&mut p, e);
    p.out.sort_unstable();
    p.out.dedup();
    p.out
}

fn note_param_sink(w: &mut Walker, kind: Kind, base64: bool, arg: &Expr, what: &str) {
    let Some(&f) = w.fn_stack.last() else { return };
    let func = w.fns[f].name.clone();
    for index in params_in(w, arg) {
        if w.param_flow.sinks.len() < MAX_PARAM_FLOW {
            w.param_flow.sinks.push(ParamSink {
                func: func.clone(),
                index,
                kind,
                base64,
                what: what.to_string(),
            });
        }
    }
}

/// Records the literal and fallback arguments of a call of one of the file's functions.
pub fn note_local_call(w: &mut Walker, c: &ExprCall) {
    if !w.ctx.enabled("JWT801") || c.args.len() > 16 {
        return;
    }
    let Some(callee) = super::local_callee(c) else {
        return;
    };
    for (index, a) in c.args.iter().enumerate() {
        if w.param_flow.calls.len() >= MAX_PARAM_FLOW {
            return;
        }
        let Some(val) = w.eval(a) else { continue };
        if !matches!(val, Val::Str(_) | Val::Bytes(_) | Val::Fallback(_)) {
            continue;
        }
        let in_test = w.in_test();
        let site = const_site(w, a);
        w.param_flow.calls.push(CallArg {
            callee: callee.clone(),
            index,
            val,
            span: index::span_of(a),
            in_test,
            site,
        });
    }
}

/// Judges every recorded argument that reaches a key constructor through a parameter.
pub fn finish_params(w: &mut Walker) {
    let flow = std::mem::take(&mut w.param_flow);
    let path = w.ctx.path.to_string();
    // A fallback inside a key constructor's argument is already that constructor's finding.
    for d in flow.fallbacks {
        let covered = w.out.diagnostics.iter().any(|o| {
            o.code == "JWT801"
                && o.primary.span.start <= d.primary.span.start
                && d.primary.span.end <= o.primary.span.end
        });
        if !covered {
            w.report(d);
        }
    }
    for c in &flow.calls {
        for s in flow
            .sinks
            .iter()
            .filter(|s| s.func == c.callee && s.index == c.index)
        {
            let what = format!(
                "{}, through parameter {} of `{}`,",
                s.what,
                s.index + 1,
                s.func
            );
            if let Some(d) = judge(s.kind, &c.val, s.base64, &path, c.span.clone(), &what) {
                let d = at_const(d, c.site.clone());
                let d = if c.in_test || w.ctx.is_test_file {
                    d.in_test_code()
                } else {
                    d
                };
                if w.ctx.enabled(&d.code) {
                    w.out.diagnostics.push(d);
                }
                break;
            }
        }
    }
    merge_at_const(&mut w.out.diagnostics);
}
