//! JWT101, what happens to the token next: a read of unverified claims is a finding only when
//! nothing verifies the token afterwards. The walker keeps one [`FnFacts`] per function of the
//! file (does it verify a token, which functions does it call, which unverified reads did it
//! make); at the end of the file:
//! - a read in a function that also verifies (picking the key by `kid`/`iss`, then a full
//!   decode; the jwt crate's `parse_unverified` then `verify_with_key`) is quiet;
//! - so is a read in a helper that a verifying function of the same file calls;
//! - the rest wait for the package's facts: when the reading function names an expiry and the
//!   package never verifies a token and holds no verification key (a client reading the `exp` of
//!   a token it obtained itself), the finding becomes a note that says why; elsewhere it stays
//!   an error.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{PackageCheck, Walker};
use crate::diagnostic::Diagnostic;
use crate::index::{self, PackageRole};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    /// Functions that verify a token (resolved paths).
    verified_by_calls: Vec<String>,
    /// Methods that verify a token (gated on `verify_method_crates`).
    verified_by_methods: Vec<String>,
    verified_by_method_crates: Vec<String>,
    /// Methods that verify when an argument is named like a verifier (openidconnect's
    /// `id_token.claims(&verifier, &nonce)`; `claims` alone says nothing).
    verified_by_verifier_arg: Vec<String>,
    /// What such an argument's name contains.
    verifier_arg_words: Vec<String>,
    /// Words whose presence anywhere in the package means it verifies tokens or holds a
    /// verification key.
    verifier_words: Vec<String>,
    /// Words in a function's name that say it decides on the claims it reads (see
    /// `decisions_on`).
    decision_words: Vec<String>,
    /// Words of such a name that say it decides (`validate`, `has`, `is`, `authorize`).
    decision_verbs: Vec<String>,
    /// Words in a type's name that say it holds a token already verified (the type-state
    /// newtype `VerifiedToken(String)`); reading that token's payload by hand is not a finding.
    verified_type_words: Vec<String>,
    /// Words of a reader's name that say it only shows or logs the claims.
    display_words: Vec<String>,
    /// Parts of a reader's name that say it asks when the token runs out.
    expiry_reader_words: Vec<String>,
    /// Dependencies that make a package a server, or a client (see [`package_roles`]).
    server_crates: Vec<String>,
    http_client_crates: Vec<String>,
    /// Calls whose result is the program's own token (a file, the environment, a keyring).
    own_token_sources: Vec<String>,
}

/// The role of each package (`packages` are the workspace's package manifests): a server when
/// it depends on a server framework or a serving package of the workspace depends on it (a
/// shared `auth` library of an API); else a client when it has an HTTP client dependency (a
/// binary alone may be a worker that takes tokens from a queue); else unknown.
pub fn package_roles(packages: &[&crate::manifest::Manifest]) -> Vec<PackageRole> {
    use crate::manifest::DepKind;
    let d = data();
    let uses = |m: &crate::manifest::Manifest, list: &[String]| {
        m.dependencies
            .iter()
            .any(|x| x.kind != DepKind::Dev && list.contains(&x.package))
    };
    let name = |m: &crate::manifest::Manifest| m.package.as_ref().map(|p| p.name.clone());
    let mut serves: Vec<bool> = packages.iter().map(|m| uses(m, &d.server_crates)).collect();
    // A package a serving package depends on serves too, to a fixed point (bounded).
    for _ in 0..packages.len().min(64) {
        let serving: HashSet<String> = packages
            .iter()
            .zip(&serves)
            .filter(|(_, s)| **s)
            .flat_map(|(m, _)| m.dependencies.iter().filter(|x| x.kind != DepKind::Dev))
            .map(|x| x.package.clone())
            .collect();
        let mut changed = false;
        for (m, s) in packages.iter().zip(serves.iter_mut()) {
            if !*s && name(m).is_some_and(|n| serving.contains(&n)) {
                *s = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    packages
        .iter()
        .zip(serves)
        .map(|(m, s)| {
            if s {
                PackageRole::Server
            } else if uses(m, &d.http_client_crates) {
                PackageRole::Client
            } else {
                PackageRole::Unknown
            }
        })
        .collect()
}

/// Whether a token expression is the program's own credential: it reads a file, the
/// environment or a keyring, directly or through the `let` bindings it names (a few deep).
pub fn own_token(w: &Walker, e: &syn::Expr) -> bool {
    let text = w.ctx.snippet(&index::span_of(e));
    own_token_text(w, text, 3)
}

fn own_token_text(w: &Walker, text: &str, depth: usize) -> bool {
    if text.len() > 4096 {
        return false;
    }
    let squashed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if data()
        .own_token_sources
        .iter()
        .any(|s| squashed.contains(&format!("{s}(")) || squashed.contains(&format!("{s}::")))
    {
        return true;
    }
    depth > 0
        && text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|id| !id.is_empty())
            .filter_map(|id| w.binding(id))
            .any(|b| !b.init_text.is_empty() && own_token_text(w, &b.init_text, depth - 1))
}

/// Does the name of an enclosing type say its token was verified before the value was made?
/// `VerifiedIdToken`, `AcceptedToken`; never `UnverifiedToken` or `NotValidated`.
pub fn names_a_verified_type(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    data().verified_type_words.iter().any(|w| {
        n.match_indices(w.as_str())
            .any(|(i, _)| !n[..i].ends_with("un") && !n[..i].ends_with("not"))
    })
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT101"))
}

/// What one function of the file does with tokens.
#[derive(Default, Debug)]
pub struct FnFacts {
    pub name: String,
    /// Calls a verifying API.
    pub verifies: bool,
    /// Last path segments of the functions and methods it calls.
    pub calls: HashSet<String>,
    /// Unverified reads waiting for the end of the file (already marked for test code).
    pub pending: Vec<Diagnostic>,
    /// The function names an expiry (`exp`, `expiration`, ...): what a client reads.
    pub reads_expiry: bool,
    /// Test code (`#[test]`, `#[cfg(test)]`): its calls do not vouch for production helpers.
    pub in_test: bool,
    /// The claims it checks by hand.
    pub checks: super::manual_checks::ClaimChecks,
    /// Takes a `&mut` parameter: what it checks or re-enables may be its caller's value.
    pub mut_param: bool,
    /// Where it calls the functions of `calls` (the first [`MAX_CALL_SITES`]).
    pub call_sites: Vec<(String, std::ops::Range<usize>)>,
    /// Findings a hand-written claim check elsewhere in the file would make moot.
    pub held: Vec<super::manual_checks::Held>,
}

/// Words that name a token's expiry.
const EXPIRY_WORDS: &[&str] = &[
    "exp",
    "expiration",
    "expires_at",
    "expires_in",
    "expiry",
    "expires",
    "is_expired",
    "expired",
];

/// Whether `text` (a function's source) names an expiry as a whole identifier.
pub fn names_expiry(text: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| EXPIRY_WORDS.contains(&w))
}

/// Whether an argument names a verifier (`&verifier`, `&client.id_token_verifier()`).
fn names_verifier(e: &syn::Expr) -> bool {
    let text = quote::ToTokens::to_token_stream(e)
        .to_string()
        .to_ascii_lowercase();
    text.len() <= 256
        && data()
            .verifier_arg_words
            .iter()
            .any(|w| text.contains(w.as_str()))
}

/// Most call sites remembered per function.
const MAX_CALL_SITES: usize = 256;

/// Records where the current function calls `path` (its last segment names the callee).
pub fn note_call_site(w: &mut Walker, path: &[String], span: std::ops::Range<usize>) {
    let (Some(&i), Some(name)) = (w.fn_stack.last(), path.last()) else {
        return;
    };
    let f = &mut w.fns[i];
    if f.call_sites.len() < MAX_CALL_SITES {
        f.call_sites.push((name.clone(), span));
    }
}

/// Records a method call of the current function.
pub fn note_method(w: &mut Walker, m: &syn::ExprMethodCall) {
    let name = m.method.to_string();
    let d = data();
    if d.verified_by_verifier_arg.contains(&name)
        && w.ctx.crates.depends_on_any(&d.verified_by_method_crates)
        && m.args.iter().any(names_verifier)
        && let Some(&i) = w.fn_stack.last()
    {
        w.fns[i].verifies = true;
    }
    note_call(w, None, Some(&name));
}

/// Records a call of the current function; `path` is the resolved path of a function call.
pub fn note_call(w: &mut Walker, path: Option<&[String]>, method: Option<&str>) {
    let Some(&i) = w.fn_stack.last() else { return };
    let verifies = is_verifying(w, path, method);
    let name = path
        .and_then(|p| p.last().cloned())
        .or_else(|| method.map(str::to_string));
    let f = &mut w.fns[i];
    f.verifies |= verifies;
    if let Some(n) = name {
        f.calls.insert(n);
    }
}

/// Is this call (a resolved function path, or a method name) a verifying API?
fn is_verifying(w: &Walker, path: Option<&[String]>, method: Option<&str>) -> bool {
    let d = data();
    match (path, method) {
        (Some(p), _) => d
            .verified_by_calls
            .iter()
            .any(|c| index::path_matches(p, c)),
        (None, Some(m)) => {
            d.verified_by_methods.iter().any(|x| x == m)
                && w.ctx.crates.depends_on_any(&d.verified_by_method_crates)
        }
        _ => false,
    }
}

/// Does an expression call a verifying API (`decode::<C>(..)`, `key.verify_token(..)`)?
pub fn verifies_expr(w: &Walker, e: &syn::Expr) -> bool {
    use syn::visit::Visit;
    struct V<'w, 'a> {
        w: &'w Walker<'a>,
        hit: bool,
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func {
                let canon = self.w.ctx.resolve(&p.path);
                self.hit |= is_verifying(self.w, Some(&canon), None);
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let name = m.method.to_string();
            self.hit |= is_verifying(self.w, None, Some(&name));
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut v = V { w, hit: false };
    v.visit_expr(e);
    v.hit
}

/// Holds an unverified read until the file is walked (outside any function: reported now).
/// A read in the `Err` arm of a verification is reported at once: the token just failed the
/// check (a "grace period" that trusts an expired or forged token).
pub fn hold(w: &mut Walker, d: Diagnostic) {
    if !w.ctx.enabled(&d.code) {
        return;
    }
    let mut d = if w.in_test() { d.in_test_code() } else { d };
    for note in super::version_notes(&d.code, w.ctx.crates) {
        d = d.with_note(note);
    }
    if w.verify_failed > 0 {
        let d = d.with_note("this read is in the error branch of the verification: the token just failed it (expired, or signed with another key), and its claims are used anyway");
        w.out.diagnostics.push(d);
        return;
    }
    match w.fn_stack.last() {
        Some(&i) => w.fns[i].pending.push(d),
        None => w.out.diagnostics.push(d),
    }
}

/// Decides the held reads of a walked file.
pub fn finish(w: &mut Walker) {
    let mut fns = std::mem::take(&mut w.fns);
    verifies_through_calls(&mut fns);
    let verifying_callers: Vec<&FnFacts> = fns.iter().filter(|f| f.verifies).collect();
    // A test that verifies says nothing about how production code uses a helper it calls.
    let vouches =
        |g: &&FnFacts, f: &FnFacts| g.calls.contains(&f.name) && (f.in_test || !g.in_test);
    let words = data().verifier_words.clone();
    for f in &fns {
        if f.pending.is_empty() || f.verifies {
            continue;
        }
        if verifying_callers.iter().any(|g| vouches(g, f)) {
            continue;
        }
        let client_like = f.reads_expiry;
        // A client reads the tokens it holds: quiet, unless the reader's name says it
        // verifies or authorizes (a `verify` command that does not). A reader that only
        // shows or logs the claims is quiet anywhere.
        let quiet = w.ctx.crates.role == PackageRole::Client && !claims_to_verify(&f.name)
            || only_shows(&f.name)
            || client_like && asks_expiry(&f.name);
        let decided: Vec<Diagnostic> = f
            .pending
            .iter()
            .flat_map(|d| decisions_on(&fns, f, d))
            .collect();
        // A permission check on the unverified claims is a finding in a client too.
        let reads = f.pending.iter().map(|d| (d, quiet));
        for (d, quiet) in reads.chain(decided.iter().map(|d| (d, false))) {
            let d = d.clone();
            let keys = words.clone();
            w.out.package_checks.push(PackageCheck {
                words: words.clone(),
                check: Box::new(move |t, _| {
                    // A client's read of its own token (the package never verifies and holds
                    // no verification key, and the reader looks at the expiry) is no finding.
                    let own_token = quiet || client_like && !keys.iter().any(|k| t.mentions(k));
                    (!own_token).then_some(d)
                }),
                once: false,
            });
        }
    }
}

/// Does a reader's name say it only shows or logs what it reads (`log_label`, `inspect`)?
fn only_shows(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split('_')
        .any(|w| data().display_words.iter().any(|d| d == w))
}

/// Does a reader's name say it asks when its token runs out (`expires_soon`, `next_refresh_at`)?
fn asks_expiry(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !claims_to_verify(&n)
        && data()
            .expiry_reader_words
            .iter()
            .any(|w| n.contains(w.as_str()))
}

/// Does a function's name say it verifies or authorizes (`verify`, `validate_token`,
/// `authorize`, `authenticate`)?
fn claims_to_verify(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["verif", "valid", "authoriz", "authent", "check"]
        .iter()
        .any(|w| n.contains(w))
}

/// A function that calls a verifying function of the file verifies too (`token()` peeks at the
/// claims to find the key, then calls its own `verify_token`, which decodes): followed until
/// nothing changes, at most a few rounds.
fn verifies_through_calls(fns: &mut [FnFacts]) {
    for _ in 0..4 {
        let verifying: HashSet<String> = fns
            .iter()
            .filter(|f| f.verifies)
            .map(|f| f.name.clone())
            .collect();
        let mut changed = false;
        for f in fns.iter_mut() {
            if !f.verifies && f.calls.iter().any(|c| verifying.contains(c)) {
                f.verifies = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Does a function's name say it decides who may do what: a decision noun (`permission`,
/// `role`, ...) and a deciding verb among its words (`validate_permissions`, `has_role`,
/// `is_admin`, `authorize`)? A getter (`permissions`, `user_roles`) decides nothing itself.
fn names_a_decision(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let d = data();
    let noun = d.decision_words.iter().any(|w| n.contains(w.as_str()));
    let verb = n
        .split('_')
        .any(|seg| d.decision_verbs.iter().any(|v| seg.starts_with(v.as_str())));
    noun && verb
}

/// The places where a production function of the file decides on the claims an unverified read
/// returned: a function named like a permission check (`validate_permissions`, `is_admin`,
/// `has_role`) that calls the reading function, directly or through one helper of the file
/// (`self.decoded()` calling `decode_access_token`). Each gets a finding at that call, since
/// that is where forged claims grant something.
fn decisions_on(fns: &[FnFacts], reader: &FnFacts, d: &Diagnostic) -> Vec<Diagnostic> {
    // A reader of the expiry is a client refreshing its own token, not a permission source.
    if reader.in_test || reader.reads_expiry || GENERIC_READERS.contains(&reader.name.as_str()) {
        return Vec::new();
    }
    // The reader and the helpers that call it (one level), by name.
    let mut via: Vec<&str> = vec![reader.name.as_str()];
    via.extend(
        fns.iter()
            .filter(|h| !h.in_test && h.name != reader.name && h.calls.contains(&reader.name))
            .map(|h| h.name.as_str()),
    );
    let mut out = Vec::new();
    for g in fns.iter().filter(|g| !g.in_test && g.name != reader.name) {
        if !names_a_decision(&g.name) {
            continue;
        }
        let Some((callee, span)) = g.call_sites.iter().find(|(c, _)| via.contains(&c.as_str()))
        else {
            continue;
        };
        out.push(
            Diagnostic::new(
                "JWT101",
                &d.primary.file,
                span.clone(),
                format!(
                    "`{}` decides on claims that `{}` reads without checking the signature, so a forged token passes this check",
                    g.name, reader.name
                ),
            )
            .with_label(format!("unverified claims from `{callee}` decide here"))
            .with_secondary(&d.primary.file, d.primary.span.clone(), "read without verification here")
            .with_help("decide on the claims your JWT crate returns after verifying the token (for example `jsonwebtoken::decode::<Claims>(&token, &key, &validation)?.claims`)"),
        );
        if out.len() >= 3 {
            break;
        }
    }
    out
}

/// Names too common to link a decision to one reader by name.
const GENERIC_READERS: &[&str] = &["new", "from", "get", "parse", "decode", "claims", "call"];
