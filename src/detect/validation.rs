//! JWT501, the per-function part: a jsonwebtoken `Validation::new(<asymmetric alg>)` that the
//! function never gives an issuer or an audience before using it. Runs once per function body.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::visit::{self, Visit};
use syn::{Expr, Pat};

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    validation_ctors: Vec<String>,
    asymmetric: Vec<String>,
    issuer_methods: Vec<String>,
    audience_methods: Vec<String>,
    issuer_fields: Vec<String>,
    audience_fields: Vec<String>,
    /// jsonwebtoken versions that accept a token carrying any `aud` when no audience is set:
    /// there, every `Validation` (any algorithm, and `default_ctors`) must set an audience.
    any_aud_versions: Option<String>,
    default_ctors: Vec<String>,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT501"))
}

#[derive(Default)]
struct Candidate {
    span: std::ops::Range<usize>,
    alg: String,
    /// The algorithm is a literal asymmetric one (else it is computed: `header.alg`, a param).
    asymmetric: bool,
    issuer: bool,
    audience: bool,
    escapes: bool,
    /// Handed back to the caller (`return v`, the tail expression): judged only when this
    /// function configured an issuer or an audience (a factory of the rules), else left to
    /// the caller.
    returned: bool,
    /// Where the one configured side was set (for a half-configured validation).
    configured_at: Option<std::ops::Range<usize>>,
    /// Built in a jsonwebtoken version that accepts any `aud` when none is set.
    any_aud: bool,
    /// The claims type it verifies (`decode::<Claims>(.., &validation)`), when written.
    verifies: Option<String>,
}

struct Scan<'w, 'a> {
    w: &'w Walker<'a>,
    found: BTreeMap<String, Candidate>,
}

fn ident_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => ident_of(&r.expr),
        Expr::Paren(p) => ident_of(&p.expr),
        _ => None,
    }
}

fn pat_ident(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(i) => Some(i.ident.to_string()),
        Pat::Type(t) => pat_ident(&t.pat),
        _ => None,
    }
}

/// Is this expression the variable itself, possibly wrapped (`v`, `Ok(v)`, `Arc::new(v)`, `(v, x)`)?
fn returns(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Path(p) => p.path.is_ident(name),
        Expr::Paren(p) => returns(&p.expr, name),
        Expr::Call(c) => c.args.iter().any(|a| returns(a, name)),
        Expr::Tuple(t) => t.elems.iter().any(|a| returns(a, name)),
        Expr::Struct(s) => s.fields.iter().any(|f| mentions(&f.expr, name)),
        _ => false,
    }
}

/// Does the variable appear anywhere in this expression?
fn mentions(e: &Expr, name: &str) -> bool {
    struct M<'n>(&'n str, bool);
    impl<'ast> Visit<'ast> for M<'_> {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if i == self.0 {
                self.1 = true;
            }
        }
    }
    let mut m = M(name, false);
    m.visit_expr(e);
    m.1
}

impl Scan<'_, '_> {
    /// A `Validation::new(alg)` call: literal HMAC algorithms are left out (self-issued tokens).
    fn ctor(&self, e: &Expr) -> Option<Candidate> {
        let Expr::Call(c) = e else { return None };
        let Expr::Path(fp) = &*c.func else {
            return None;
        };
        let canon = self.w.ctx.resolve(&fp.path);
        let any_aud = super::api::version_ok(
            self.w,
            &["jsonwebtoken".to_string()],
            None,
            &data().any_aud_versions,
        ) && data().any_aud_versions.is_some();
        if any_aud
            && c.args.is_empty()
            && data()
                .default_ctors
                .iter()
                .any(|p| index::path_matches(&canon, p))
        {
            return Some(Candidate {
                span: index::span_of(c),
                alg: "default".into(),
                any_aud,
                ..Default::default()
            });
        }
        if !data()
            .validation_ctors
            .iter()
            .any(|p| index::path_matches(&canon, p))
        {
            return None;
        }
        let arg = c.args.first()?;
        let (alg, asymmetric) = match arg {
            Expr::Path(a) if a.path.segments.len() >= 2 => {
                let last = a.path.segments.last()?.ident.to_string();
                if !data().asymmetric.contains(&last) {
                    if !any_aud {
                        return None;
                    }
                    (last, false)
                } else {
                    (last, true)
                }
            }
            other => (
                self.w.ctx.snippet(&index::span_of(other)).to_string(),
                false,
            ),
        };
        Some(Candidate {
            span: index::span_of(c),
            alg,
            asymmetric,
            any_aud,
            ..Default::default()
        })
    }
}

impl<'ast> Visit<'ast> for Scan<'_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (Some(name), Some(init)) = (pat_ident(&l.pat), &l.init)
            && let Some(c) = self.ctor(&init.expr)
        {
            self.found.insert(name, c);
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let verifies = turbofish_type(call);
        for a in &call.args {
            // `decode(&t, &k, &Validation::new(Algorithm::RS256))`: built and used in one place.
            if let Expr::Reference(r) = a
                && let Some(c) = self.ctor(&r.expr)
                && (c.asymmetric || c.any_aud)
            {
                let verifies = verifies.clone();
                self.found
                    .insert(format!("#{}", c.span.start), Candidate { verifies, ..c });
            } else if let Some(v) = ident_of(a)
                && let Some(c) = self.found.get_mut(&v)
                && verifies.is_some()
            {
                c.verifies.clone_from(&verifies);
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if let Some(v) = ident_of(&m.receiver)
            && let Some(c) = self.found.get_mut(&v)
        {
            let name = m.method.to_string();
            if data().issuer_methods.contains(&name) {
                c.issuer = true;
                c.configured_at = Some(index::span_of(m));
            }
            if data().audience_methods.contains(&name) {
                c.audience = true;
                c.configured_at = Some(index::span_of(m));
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Expr::Field(f) = &*a.left
            && let Some(v) = ident_of(&f.base)
            && let Some(c) = self.found.get_mut(&v)
            && let syn::Member::Named(n) = &f.member
        {
            let n = n.to_string();
            if data().issuer_fields.contains(&n) {
                c.issuer = true;
            }
            if data().audience_fields.contains(&n) || n == "validate_aud" {
                c.audience = true;
            }
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            for (name, c) in self.found.iter_mut() {
                if returns(e, name) {
                    c.returned = true;
                }
            }
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        for fv in &s.fields {
            for (name, c) in self.found.iter_mut() {
                if mentions(&fv.expr, name) {
                    c.escapes = true;
                }
            }
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
        if r.mutability.is_some()
            && let Some(v) = ident_of(&r.expr)
            && let Some(c) = self.found.get_mut(&v)
        {
            c.escapes = true;
        }
        visit::visit_expr_reference(self, r);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

/// The type named by a call's turbofish (`decode::<RefreshClaims>(..)` → `RefreshClaims`).
fn turbofish_type(call: &syn::ExprCall) -> Option<String> {
    let Expr::Path(p) = &*call.func else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(syn::Type::Path(t)) => {
            Some(t.path.segments.last()?.ident.to_string())
        }
        _ => None,
    })
}

/// Checks one function body.
pub fn check_fn(w: &mut Walker, body: &syn::Block) {
    if !w.ctx.enabled("JWT501") {
        return;
    }
    let mut scan = Scan {
        w,
        found: BTreeMap::new(),
    };
    scan.visit_block(body);
    // The tail expression hands the value back to the caller.
    if let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() {
        for (name, c) in scan.found.iter_mut() {
            if returns(tail, name) {
                c.returned = true;
            }
        }
    }
    let found = std::mem::take(&mut scan.found);
    for (_, c) in found {
        if c.escapes || (c.issuer && c.audience) || (c.returned && !c.issuer && !c.audience) {
            continue;
        }
        // jsonwebtoken < 9 accepts any `aud` when none is set, whatever the algorithm.
        if c.any_aud && !c.asymmetric {
            if c.audience {
                continue;
            }
            let version = w
                .ctx
                .crates
                .version_of("jsonwebtoken")
                .map(|v| v.to_string())
                .unwrap_or_default();
            let what = if c.alg == "default" {
                "`Validation::default()`".to_string()
            } else {
                format!("`Validation::new({})`", c.alg)
            };
            let msg = format!(
                "this {what} sets no audience, and jsonwebtoken {version} then accepts a token carrying any `aud`, so tokens minted for other services are accepted"
            );
            let d = Diagnostic::new("JWT501", w.ctx.path, c.span.clone(), msg)
                .with_label("no set_audience")
                .with_help("call `validation.set_audience(&[AUDIENCE])`, or upgrade to jsonwebtoken 9, which rejects a token with an `aud` when none is expected");
            // A package that signs its own HMAC tokens and never names `aud` has no audience
            // to check (as from 9 on, below).
            report_unless_self_issued(w, d, (false, true), c.verifies.clone());
            continue;
        }
        // A computed algorithm may be HMAC (self-issued tokens without iss/aud): only report
        // when the function checks one of the two and forgets the other.
        if !c.asymmetric && c.issuer == c.audience {
            continue;
        }
        let missing = match (c.issuer, c.audience) {
            (false, false) => "neither the issuer nor the audience is",
            (false, true) => "the issuer is not",
            _ => "the audience is not",
        };
        let msg = format!(
            "probable missing claim check: this `Validation::new({})` {}, but {missing} checked, so tokens issued for other applications or tenants are accepted",
            c.alg,
            if c.asymmetric {
                "verifies identity-provider tokens"
            } else {
                "verifies tokens"
            }
        );
        let label = if !c.issuer && !c.audience {
            "no set_issuer or set_audience"
        } else if !c.issuer {
            "no set_issuer"
        } else {
            "no set_audience"
        };
        let d = match (&c.configured_at, c.issuer != c.audience) {
            // Half configured: point at the check that is there, and at the validation.
            (Some(at), true) => Diagnostic::new("JWT501", w.ctx.path, at.clone(), msg)
                .with_label(label)
                .with_secondary(w.ctx.path, c.span.clone(), "validation built here"),
            _ => Diagnostic::new("JWT501", w.ctx.path, c.span.clone(), msg).with_label(label),
        };
        report_unless_self_issued(w, d, (!c.issuer, !c.audience), c.verifies.clone());
    }
}

/// Reports, unless the package signs its own tokens and never names the claim that goes
/// unchecked (`iss`, `aud`): such tokens carry nothing to check. Also unless the package signs
/// the very claims type verified here (`verifies`): the tokens are its own, not an identity
/// provider's, whatever other tokens of the package carry.
fn report_unless_self_issued(
    w: &mut Walker,
    d: Diagnostic,
    (no_iss, no_aud): (bool, bool),
    verifies: Option<String>,
) {
    let unchecked: Vec<String> = [(no_iss, "=iss"), (no_aud, "=aud")]
        .into_iter()
        .filter(|x| x.0)
        .map(|x| x.1.to_string())
        .collect();
    let issued: Vec<String> = super::SELF_ISSUED_WORDS
        .iter()
        .map(|w| w.to_string())
        .collect();
    use super::manual_checks::{Claim, Then};
    let claims = [(no_iss, Claim::Iss), (no_aud, Claim::Aud)]
        .into_iter()
        .filter(|x| x.0)
        .map(|x| x.1)
        .collect();
    let then = Then::UnlessSelfIssued {
        issued,
        absent: unchecked,
        verifies,
    };
    w.hold_unless_checked(claims, d, then);
}
