//! JWT104 mixed-alg-allowlist: one algorithm allowlist holding HMAC and asymmetric algorithms,
//! applied to one key (`Validation { algorithms: vec![HS256, RS256], .. }`,
//! `validation.algorithms = vec![..]`): the RS256-to-HS256 key-confusion shape. The severity
//! follows the crate version (`[[data.severity]]`): before jsonwebtoken 7 the raw key bytes are
//! used for whatever the header names, from 7 a key of the wrong family is rejected. A list that
//! the function narrows afterwards (`.retain(..)`, `.clear()`, a new assignment) is clean.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::Expr;
use syn::visit::{self, Visit};

use super::Walker;
use crate::diagnostic::{Diagnostic, Level};
use crate::index;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Data {
    hmac_algs: Vec<String>,
    asymmetric: Vec<String>,
    /// Methods that narrow a list in place.
    narrowing: Vec<String>,
    lists: Vec<ListSite>,
    severity: Vec<Severity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListSite {
    /// A field holding the allowlist (assigned or in a struct literal).
    #[serde(default)]
    field: Option<String>,
    /// A builder method taking the allowlist.
    #[serde(default)]
    method: Option<String>,
    crates: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Severity {
    #[serde(rename = "crate")]
    krate: String,
    versions: String,
    level: Level,
    note: String,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| crate::catalog::rule_data("JWT104"))
}

/// Algorithm names of a literal list (`vec![Algorithm::HS256, ..]`, `[..]`, `&[..]`,
/// `[..].to_vec()`, `Some(vec![..])`).
fn alg_names(e: &Expr, lets: &HashMap<String, Vec<String>>) -> Option<Vec<String>> {
    let last = |x: &Expr| match x {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    match e {
        Expr::Reference(r) => alg_names(&r.expr, lets),
        Expr::Paren(p) => alg_names(&p.expr, lets),
        Expr::Array(a) => Some(a.elems.iter().filter_map(last).collect()),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => Some(
            crate::parse::macro_exprs(&m.mac)?
                .iter()
                .filter_map(last)
                .collect(),
        ),
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "to_vec" | "into") => {
            alg_names(&m.receiver, lets)
        }
        Expr::Call(c) if matches!(&*c.func, Expr::Path(p) if p.path.is_ident("Some")) => {
            alg_names(c.args.first()?, lets)
        }
        Expr::Path(p) => lets.get(&p.path.get_ident()?.to_string()).cloned(),
        _ => None,
    }
}

struct Candidate {
    span: Range<usize>,
    /// The list's place (`validation.algorithms`), when known, for later narrowing.
    place: Option<String>,
    hmac: String,
    asym: String,
    krate: String,
}

#[derive(Default)]
struct Scan {
    lets: HashMap<String, Vec<String>>,
    found: Vec<Candidate>,
    /// (place, where it was narrowed or replaced).
    narrowed: Vec<(String, usize)>,
}

struct V<'s, 'w, 'a> {
    w: &'w Walker<'a>,
    s: &'s mut Scan,
}

impl V<'_, '_, '_> {
    fn text(&self, e: &Expr) -> String {
        self.w
            .ctx
            .snippet(&index::span_of(e))
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    }

    fn judge(&mut self, list: &Expr, span: Range<usize>, place: Option<String>, krate: &str) {
        let Some(names) = alg_names(list, &self.s.lets) else {
            return;
        };
        let d = data();
        let hmac = names.iter().find(|n| d.hmac_algs.contains(n));
        let asym = names.iter().find(|n| d.asymmetric.contains(n));
        if let (Some(h), Some(a)) = (hmac, asym) {
            self.s.found.push(Candidate {
                span,
                place,
                hmac: h.clone(),
                asym: a.clone(),
                krate: krate.to_string(),
            });
        }
    }

    fn site_for_field(&self, name: &str) -> Option<&'static ListSite> {
        data().lists.iter().find(|l| {
            l.field.as_deref() == Some(name) && self.w.ctx.crates.depends_on_any(&l.crates)
        })
    }
}

impl<'ast> Visit<'ast> for V<'_, '_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        visit::visit_local(self, l);
        let pat = match &l.pat {
            syn::Pat::Type(t) => &*t.pat,
            p => p,
        };
        let (syn::Pat::Ident(pi), Some(init)) = (pat, &l.init) else {
            return;
        };
        let name = pi.ident.to_string();
        if let Some(names) = alg_names(&init.expr, &self.s.lets) {
            self.s.lets.insert(name.clone(), names);
        }
        // `let mut v = Validation { algorithms: .., .. }`: the list's place is `v.algorithms`.
        if let Expr::Struct(st) = &*init.expr {
            let start = index::span_of(st).start;
            for c in self.s.found.iter_mut() {
                if c.place.is_none()
                    && c.span.start >= start
                    && c.span.end <= index::span_of(st).end
                {
                    let field = self
                        .w
                        .ctx
                        .snippet(&c.span)
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    c.place = Some(format!("{name}.{field}"));
                }
            }
        }
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Expr::Field(f) = &*a.left
            && let syn::Member::Named(n) = &f.member
            && let Some(site) = self.site_for_field(&n.to_string())
        {
            let place = self.text(&a.left);
            let start = index::span_of(a).start;
            self.s.narrowed.push((place.clone(), start));
            let krate = site.crates.first().cloned().unwrap_or_default();
            self.judge(&a.right, index::span_of(a), Some(place), &krate);
        }
        visit::visit_expr_assign(self, a);
    }

    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        for fv in &s.fields {
            if let syn::Member::Named(n) = &fv.member
                && let Some(site) = self.site_for_field(&n.to_string())
            {
                let krate = site.crates.first().cloned().unwrap_or_default();
                self.judge(&fv.expr, index::span_of(fv), None, &krate);
            }
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if data().narrowing.contains(&name) {
            let place = self.text(&m.receiver);
            self.s.narrowed.push((place, index::span_of(m).start));
        }
        if let Some(site) = data().lists.iter().find(|l| {
            l.method.as_deref() == Some(name.as_str())
                && self.w.ctx.crates.depends_on_any(&l.crates)
        }) && let Some(list) = m.args.first()
        {
            let krate = site.crates.first().cloned().unwrap_or_default();
            let span = m.method.span().byte_range().start..index::span_of(m).end;
            self.judge(list, span, None, &krate);
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Runs once per function body.
pub fn check_fn(w: &mut Walker, block: &syn::Block) {
    if !w.ctx.enabled("JWT104") {
        return;
    }
    let mut s = Scan::default();
    V { w, s: &mut s }.visit_block(block);
    let mut out = Vec::new();
    for c in &s.found {
        // Narrowed (or replaced) afterwards: a default list cut down per key type.
        if let Some(p) = &c.place
            && s.narrowed
                .iter()
                .any(|(q, at)| q == p && *at > c.span.start)
        {
            continue;
        }
        let mut d = Diagnostic::new(
            "JWT104",
            w.ctx.path,
            c.span.clone(),
            format!(
                "this allowlist accepts both `{}` and `{}` for one key: whoever knows the public key can sign an HMAC token with it wherever the key bytes are used for both",
                c.hmac, c.asym
            ),
        )
        .with_label("HMAC and asymmetric algorithms in one allowlist");
        for sev in &data().severity {
            if sev.krate != c.krate {
                continue;
            }
            let Some(v) = w.ctx.crates.version_of(&sev.krate) else {
                continue;
            };
            if semver::VersionReq::parse(&sev.versions).is_ok_and(|r| r.matches(v)) {
                d = d
                    .with_level(sev.level)
                    .with_note(sev.note.replace("{version}", &v.to_string()));
            }
        }
        out.push(d);
    }
    for d in out {
        w.report(d);
    }
}

/// The algorithm names a `match` on a token's own `alg` header lists in its arms, by family:
/// `match header.algorithm() { Some("RS256") => .., Some("HS256") => .., _ => None }`. `None`
/// when the scrutinee reads no algorithm or no arm names one.
pub struct HeaderArms {
    /// The first HMAC arm's pattern and its name.
    pub hmac: Option<(Range<usize>, String)>,
    pub asym: Option<String>,
}

impl HeaderArms {
    pub fn mixed(&self) -> bool {
        self.hmac.is_some() && self.asym.is_some()
    }
}

pub fn header_arms(m: &syn::ExprMatch) -> Option<HeaderArms> {
    let scrutinee = quote::ToTokens::to_token_stream(&*m.expr).to_string();
    let words: Vec<&str> = scrutinee
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .collect();
    let reads_alg = words
        .iter()
        .any(|w| matches!(*w, "alg" | "algorithm" | "algorithm_id"));
    // The token's header, not a setting that names an algorithm (`cfg.algorithm`).
    let of_header = words.iter().any(|w| {
        matches!(
            *w,
            "header" | "hdr" | "jose_header" | "jws_header" | "headers"
        )
    });
    if !(reads_alg && of_header) {
        return None;
    }
    let d = data();
    let mut out = HeaderArms {
        hmac: None,
        asym: None,
    };
    for arm in &m.arms {
        let text = quote::ToTokens::to_token_stream(&arm.pat).to_string();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if out.hmac.is_none() && d.hmac_algs.iter().any(|a| a == word) {
                out.hmac = Some((index::span_of(&arm.pat), word.to_string()));
            } else if out.asym.is_none() && d.asymmetric.iter().any(|a| a == word) {
                out.asym = Some(word.to_string());
            }
        }
    }
    (out.hmac.is_some() || out.asym.is_some()).then_some(out)
}

/// JWT104 on a `match` over the token's `alg` whose arms accept an HMAC algorithm next to an
/// asymmetric one: the token picks the family, and an HMAC arm keyed with the public key's bytes
/// (the usual shape) lets anyone who knows that key sign tokens.
pub fn check_header_match(w: &mut Walker, m: &syn::ExprMatch) {
    if !w.ctx.enabled("JWT104") {
        return;
    }
    let Some(arms) = header_arms(m) else { return };
    let (Some((span, hmac)), Some(asym)) = (&arms.hmac, &arms.asym) else {
        return;
    };
    let d = Diagnostic::new(
        "JWT104",
        w.ctx.path,
        span.clone(),
        format!(
            "this match on the token's own `alg` accepts `{hmac}` next to `{asym}`: the token picks the family, and an HMAC key made of public-key bytes lets anyone who knows the public key sign tokens"
        ),
    )
    .with_label("HMAC arm beside asymmetric ones")
    .with_help("verify each key with its one algorithm (choose the key by `kid`, never by `alg`), and drop the HMAC arm or give it a secret of its own");
    w.report(d);
}
