//! Claim checks a function does by hand, after the library's own check was switched off or never
//! configured: `validation.validate_exp = false` followed by `if claims.exp < now { .. }`, or a
//! `Validation` without `set_issuer` whose decoded claims are compared with the configured
//! issuers (`validate_issuers(&cfg, claims.get("iss"))`). A finding that such a check makes moot
//! is held ([`Held`]) until the file is walked, then dropped when the function that made it, a
//! function it calls, or a caller checks the claim.
//!
//! What counts as a check: a read of the claim (a field `.exp`/`.iss`/`.aud` and their long
//! names, `claims["iss"]`, `claims.get("iss")`, or a variable bound to one of those, including
//! `if let Some(exp) = claims.exp`) that is compared (`==`, `<`, ...), tested with a comparing
//! method (`contains`, `duration_since`, `is_some_and`, ...) or handed to a function whose name
//! says it checks (`validate_issuers`, `check_exp`). Turning the library check back on counts too
//! (`set_audience(..)`, `validate_aud = true`): a helper that re-enables it per configuration.
//! `validate_exp = true` does not: it checks nothing when `exp` is no longer required.

use std::collections::HashSet;

use syn::visit::{self, Visit};
use syn::{BinOp, Expr, Lit, Pat};

use super::Walker;
use crate::diagnostic::Diagnostic;

/// A claim a program can check by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Claim {
    Exp,
    Iss,
    Aud,
}

impl Claim {
    fn of_name(name: &str) -> Option<Claim> {
        match name {
            "exp" | "expires_at" | "expiration" | "expiry" | "expires" | "exp_at" => {
                Some(Claim::Exp)
            }
            "iss" | "issuer" => Some(Claim::Iss),
            "aud" | "audience" | "audiences" => Some(Claim::Aud),
            // The program's own end date (`not_after`, `valid_until`, `deadline`).
            n if is_own_expiry(n) => Some(Claim::Exp),
            _ => None,
        }
    }
}

/// The claims one function checks by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimChecks(HashSet<Claim>);

impl ClaimChecks {
    pub fn has(&self, c: Claim) -> bool {
        self.0.contains(&c)
    }

    pub fn extend(&mut self, other: &ClaimChecks) {
        self.0.extend(other.0.iter().copied());
    }
}

/// What happens to a held finding whose claims were not checked.
#[derive(Debug)]
pub enum Then {
    /// Reported as it is.
    Report,
    /// Reported unless the package issues its own tokens and never names the unchecked claims
    /// (see `Walker::report_unless_self_issued`).
    UnlessSelfIssued {
        issued: Vec<String>,
        absent: Vec<String>,
        /// The claims type the finding's value verifies: the package signing it also makes the
        /// tokens self-issued.
        verifies: Option<String>,
    },
}

/// A finding made moot by a hand-written check of every one of `claims`.
#[derive(Debug)]
pub struct Held {
    pub claims: Vec<Claim>,
    pub d: Diagnostic,
    pub then: Then,
}

/// Methods that compare or test the value they are called on or given.
const COMPARING_METHODS: &[&str] = &[
    "contains",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "cmp",
    "partial_cmp",
    "starts_with",
    "ends_with",
    "duration_since",
    "signed_duration_since",
    "is_before",
    "is_after",
    "any",
    "all",
    "is_some_and",
    "is_ok_and",
    "is_none_or",
    "map_or",
    "contains_key",
    "checked_duration_since",
];

/// Words in a function's name that say it checks what it is given.
const CHECKING_WORDS: &[&str] = &[
    "valid", "check", "verify", "ensure", "assert", "expired", "match", "allowed", "accept",
];

/// The claim an expression reads directly: `x.iss`, `x["iss"]`, `x.get("iss")`.
fn direct_read(e: &Expr) -> Option<Claim> {
    match e {
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Claim::of_name(&n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Index(i) => str_lit(&i.index).and_then(|s| Claim::of_name(&s)),
        Expr::MethodCall(m) if m.method == "get" || m.method == "get_str" => m
            .args
            .first()
            .and_then(str_lit)
            .and_then(|s| Claim::of_name(&s)),
        _ => None,
    }
}

/// Whether a claim name is the program's own expiry (`haltAt`, `valid_until`), not `exp` nor a
/// start time: JWT202's `own_expiry_words`.
fn is_own_expiry(name: &str) -> bool {
    #[derive(Default, serde::Deserialize)]
    #[serde(default)]
    struct Words {
        own_expiry_words: Vec<String>,
    }
    static W: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    let n = name.to_ascii_lowercase();
    n != "exp"
        && W.get_or_init(|| crate::catalog::rule_data("JWT202"))
            .own_expiry_words
            .iter()
            .any(|w| n.contains(w.as_str()))
}

/// A list argument (`&["iss", "haltAt"]`) that names an own expiry claim.
fn requires_own_expiry(e: &Expr) -> bool {
    match e {
        Expr::Reference(r) => requires_own_expiry(&r.expr),
        Expr::Array(a) => a
            .elems
            .iter()
            .any(|x| str_lit(x).is_some_and(|s| is_own_expiry(&s))),
        _ => false,
    }
}

fn str_lit(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Reference(r) => str_lit(&r.expr),
        _ => None,
    }
}

/// Claims read anywhere in an expression (directly or through an alias).
fn reads_in(e: &Expr, aliases: &[(String, Claim)]) -> Vec<Claim> {
    struct R<'a> {
        aliases: &'a [(String, Claim)],
        out: Vec<Claim>,
        budget: usize,
    }
    impl<'ast> Visit<'ast> for R<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            if let Some(c) = direct_read(e) {
                self.out.push(c);
            }
            if let Expr::Path(p) = e
                && let Some(id) = p.path.get_ident()
                && let Some((_, c)) = self.aliases.iter().find(|(n, _)| id == n)
            {
                self.out.push(*c);
            }
            visit::visit_expr(self, e);
        }
    }
    let mut r = R {
        aliases,
        out: Vec::new(),
        budget: 256,
    };
    r.visit_expr(e);
    r.out
}

fn pat_idents(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(i) => {
            out.push(i.ident.to_string());
            if let Some((_, sub)) = &i.subpat {
                pat_idents(sub, out);
            }
        }
        Pat::Type(t) => pat_idents(&t.pat, out),
        Pat::Reference(r) => pat_idents(&r.pat, out),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|e| pat_idents(e, out)),
        Pat::Tuple(t) => t.elems.iter().for_each(|e| pat_idents(e, out)),
        Pat::Guard(g) => pat_idents(&g.pat, out),
        Pat::Or(o) => o.cases.iter().for_each(|e| pat_idents(e, out)),
        Pat::Paren(p) => pat_idents(&p.pat, out),
        _ => {}
    }
}

struct Scan {
    aliases: Vec<(String, Claim)>,
    checks: ClaimChecks,
}

impl Scan {
    fn bind(&mut self, pat: &Pat, init: &Expr) {
        let claims = reads_in(init, &self.aliases);
        let Some(&c) = claims.first() else { return };
        let mut names = Vec::new();
        pat_idents(pat, &mut names);
        for n in names {
            if self.aliases.len() < 64 {
                self.aliases.push((n, c));
            }
        }
    }

    fn checked(&mut self, claims: Vec<Claim>) {
        self.checks.0.extend(claims);
    }
}

impl<'ast> Visit<'ast> for Scan {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.bind(&l.pat, &init.expr);
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.bind(&l.pat, &l.expr);
        visit::visit_expr_let(self, l);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        // `match claims.exp { Some(exp) if exp < now => .. }`: the arms bind the claim.
        for arm in &m.arms {
            self.bind(&arm.pat, &m.expr);
        }
        visit::visit_expr_match(self, m);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if matches!(
            b.op,
            BinOp::Eq(_) | BinOp::Ne(_) | BinOp::Lt(_) | BinOp::Le(_) | BinOp::Gt(_) | BinOp::Ge(_)
        ) {
            let mut claims = reads_in(&b.left, &self.aliases);
            claims.extend(reads_in(&b.right, &self.aliases));
            self.checked(claims);
        }
        visit::visit_expr_binary(self, b);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if COMPARING_METHODS.contains(&name.as_str()) {
            let mut claims = reads_in(&m.receiver, &self.aliases);
            for a in &m.args {
                claims.extend(reads_in(a, &self.aliases));
            }
            self.checked(claims);
        }
        // Switching the library's own check back on.
        if name == "set_audience" {
            self.checks.0.insert(Claim::Aud);
        }
        if name == "set_issuer" {
            self.checks.0.insert(Claim::Iss);
        }
        // Requiring a claim of the program's own that says when the token ends (`haltAt`).
        if name == "set_required_spec_claims" && m.args.iter().any(requires_own_expiry) {
            self.checks.0.insert(Claim::Exp);
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func
            && let Some(last) = p.path.segments.last()
        {
            let name = last.ident.to_string().to_ascii_lowercase();
            if CHECKING_WORDS.iter().any(|w| name.contains(w)) {
                let claims: Vec<Claim> = c
                    .args
                    .iter()
                    .flat_map(|a| reads_in(a, &self.aliases))
                    .collect();
                self.checked(claims);
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        // `validation.validate_aud = true` turns the library check back on.
        if let Expr::Field(f) = &*a.left
            && let syn::Member::Named(n) = &f.member
            && let Expr::Lit(l) = &*a.right
            && let Lit::Bool(b) = &l.lit
            && b.value
            && n == "validate_aud"
        {
            self.checks.0.insert(Claim::Aud);
        }
        // The left side is written, not read.
        visit::visit_expr(self, &a.right);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

/// The claims a function body checks by hand.
pub fn scan(body: &syn::Block) -> ClaimChecks {
    let mut s = Scan {
        aliases: Vec::new(),
        checks: ClaimChecks::default(),
    };
    s.visit_block(body);
    s.checks
}

/// Function names too common to link a caller to one function by name.
const GENERIC_NAMES: &[&str] = &[
    "new", "default", "from", "into", "build", "get", "run", "call", "clone", "try_from", "fmt",
    "deref", "handle", "main",
];

/// Reports a held finding whose claims nobody checked.
pub fn release(w: &mut Walker, d: Diagnostic, then: Then) {
    match then {
        Then::Report => w.out.diagnostics.push(d),
        Then::UnlessSelfIssued {
            issued,
            absent,
            verifies,
        } => w.report_unless_self_issued_type(d, &issued, &absent, verifies),
    }
}

/// Decides a held finding with the package's facts: dropped when a caller in another file
/// checks the claims ([`PackageFacts::checks_by_callee`]), else as [`release`] would.
fn release_for_package(w: &mut Walker, fn_name: String, h: Held) {
    let Held { claims, d, then } = h;
    let words = match &then {
        Then::Report => Vec::new(),
        Then::UnlessSelfIssued { issued, absent, .. } => {
            issued.iter().chain(absent).cloned().collect()
        }
    };
    let file = w.ctx.path.to_string();
    w.report_for_package(words, move |t, _| {
        if t.checks_by_callee
            .get(&fn_name)
            .is_some_and(|c| claims.iter().all(|x| c.has(*x)))
        {
            return None;
        }
        match then {
            Then::Report => Some(d),
            Then::UnlessSelfIssued {
                issued,
                absent,
                verifies,
            } => {
                let own = verifies
                    .as_deref()
                    .is_some_and(|v| t.signs_type_named_in(v, &file));
                (!own && !t.self_issued_without(&issued, &absent)).then_some(d)
            }
        }
    });
}

/// The checks of the `&mut` helpers a function calls: `apply_audience(&mut v, cfg)` re-enables
/// the audience check on the caller's `Validation`.
fn mut_callees(fns: &[super::next_use::FnFacts], f: &super::next_use::FnFacts) -> ClaimChecks {
    let mut out = ClaimChecks::default();
    for g in fns {
        if g.mut_param && !g.in_test && f.calls.contains(&g.name) {
            out.extend(&g.checks);
        }
    }
    out
}

/// The checks of a function and of the functions around it in the file: the ones it calls and
/// its callers, with the `&mut` helpers those callers run (matched by name; any other sibling
/// that its caller also calls does not count, since it may check another value, and a test's
/// assertions do not vouch for production code).
fn around(fns: &[super::next_use::FnFacts], i: usize) -> ClaimChecks {
    let f = &fns[i];
    let mut out = f.checks.clone();
    // A name every type has says nothing about who calls this one.
    let generic = GENERIC_NAMES.contains(&f.name.as_str());
    let callers: Vec<&super::next_use::FnFacts> = fns
        .iter()
        .filter(|g| !generic && g.calls.contains(&f.name) && (f.in_test || !g.in_test))
        .collect();
    for g in fns {
        if f.calls.contains(&g.name) {
            out.extend(&g.checks);
        }
    }
    for c in callers {
        out.extend(&c.checks);
        out.extend(&mut_callees(fns, c));
    }
    out
}

/// Most callee names one file adds to [`PackageFacts::checks_by_callee`].
const MAX_CALLEES_PER_FILE: usize = 4096;

/// This file's share of the package's caller checks: for each function name a production
/// function of the file calls, what that caller (with its `&mut` helpers) checks by hand.
fn note_callers(w: &mut Walker) {
    let mut added = 0;
    for f in w.fns.iter().filter(|f| !f.in_test) {
        let mut via = f.checks.clone();
        via.extend(&mut_callees(&w.fns, f));
        if via.0.is_empty() {
            continue;
        }
        for n in &f.calls {
            if added >= MAX_CALLEES_PER_FILE || GENERIC_NAMES.contains(&n.as_str()) {
                continue;
            }
            added += 1;
            w.out
                .facts
                .checks_by_callee
                .entry(n.clone())
                .or_default()
                .extend(&via);
        }
    }
}

/// Decides the held findings of a walked file: moot when the file checks the claims around the
/// function; otherwise a production function with a name callers can be linked by waits for
/// the package's callers in other files.
pub fn finish(w: &mut Walker) {
    note_callers(w);
    let mut held = Vec::new();
    for i in 0..w.fns.len() {
        if w.fns[i].held.is_empty() {
            continue;
        }
        let checks = around(&w.fns, i);
        let linkable = !w.fns[i].in_test && !GENERIC_NAMES.contains(&w.fns[i].name.as_str());
        let name = w.fns[i].name.clone();
        for h in std::mem::take(&mut w.fns[i].held) {
            if !h.claims.iter().all(|c| checks.has(*c)) {
                held.push((linkable.then(|| name.clone()), h));
            }
        }
    }
    for (name, h) in held {
        match name {
            Some(n) => release_for_package(w, n, h),
            None => release(w, h.d, h.then),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(src: &str) -> ClaimChecks {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        scan(&f.block)
    }

    #[test]
    fn comparisons_of_claim_reads_are_checks() {
        let c = checks("fn f(c: C) { if c.exp < now() { return; } }");
        assert!(c.has(Claim::Exp) && !c.has(Claim::Iss));
        let c = checks(
            "fn f(o: V) { let i = o.get(\"iss\"); if let Err(e) = validate_issuers(&cfg, i) { return; } }",
        );
        assert!(c.has(Claim::Iss));
        let c = checks(
            "fn f(c: C) { if let Some(exp) = c.exp { if SystemTime::now().duration_since(exp).is_ok() {} } }",
        );
        assert!(c.has(Claim::Exp));
        let c = checks("fn f(c: C, e: &str) { if *c.issuer != *e { bail() } }");
        assert!(c.has(Claim::Iss));
        let c = checks("fn f(s: S) { match s.exp { Some(exp) if exp + 30 < now() => 1, _ => 2 } }");
        assert!(c.has(Claim::Exp));
        let c = checks("fn f(v: &mut Validation) { v.set_audience(&a); v.validate_aud = true; }");
        assert!(c.has(Claim::Aud));
    }

    #[test]
    fn reads_that_decide_nothing_are_not_checks() {
        let c = checks("fn f(c: C) { log(c.iss); let x = c.aud.clone(); store(x); c.exp = 5; }");
        assert!(!c.has(Claim::Iss) && !c.has(Claim::Aud) && !c.has(Claim::Exp));
        let c = checks("fn f(c: C) { let v = Claims { iss: a, exp: 1 }; v.validate_aud = false; }");
        assert!(!c.has(Claim::Iss) && !c.has(Claim::Aud) && !c.has(Claim::Exp));
    }
}
