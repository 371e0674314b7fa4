//! One syn walk per file. The walker keeps the scope facts (let bindings, test code, enclosing
//! function) and hands each node kind to the detectors that subscribe to it. Detectors never
//! walk the tree themselves, never print and never read files.

pub mod alg;
pub mod api;
pub mod branches;
pub mod claim_list;
pub mod claims;
pub mod configure;
pub mod cookies;
pub mod defaults;
pub mod hand_decode;
pub mod lifetime;
pub mod manual_checks;
pub mod mixed;
pub mod next_use;
pub mod opt_in;
pub mod secrets;
pub mod session;
pub mod storage;
pub mod time_only;
pub mod validation;
pub mod verify_only;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use quote::ToTokens;
use serde::Deserialize;
use syn::visit::{self, Visit};
use syn::{Expr, Item};

use crate::diagnostic::Diagnostic;
use crate::index::{self, CrateMap, Env, UseMap, Val};
use crate::model::cfg::TestFeatures;
use crate::model::facts::{PackageFacts, ValueRef, WorkspaceFacts};
use crate::source::SourceText;

/// Rule options the detectors read (from config, with defaults).
#[derive(Clone, Debug)]
pub struct RuleOptions {
    /// Longest acceptable access-token lifetime, seconds.
    pub access_max_secs: f64,
    /// Longest acceptable refresh-token lifetime, seconds.
    pub refresh_max_secs: f64,
    /// Rules that are on.
    pub enabled: HashSet<String>,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            access_max_secs: 3600.0,
            refresh_max_secs: 30.0 * 86400.0,
            enabled: crate::catalog::catalog()
                .default_codes()
                .into_iter()
                .collect(),
        }
    }
}

/// A check run once a constant's value is known.
pub type DeferredCheck = Box<dyn FnOnce(&Val) -> Option<Diagnostic> + Send>;

/// A check that needs the value of a constant defined in another file of the crate.
pub struct Deferred {
    pub what: ValueRef,
    pub check: DeferredCheck,
}

/// A check that needs facts of the whole package ([`PackageFacts`]: its constants, the facts
/// detectors recorded, and in `mentions` every word of `words` found in any production file of
/// the package, skipped files included; a word written `=word` must occur as a whole
/// identifier).
pub struct PackageCheck {
    pub words: Vec<String>,
    pub check: PackageCheckFn,
    /// A fact about the whole package: only its first finding (in file order) is reported.
    pub once: bool,
}

/// The body of a [`PackageCheck`]: it gets the package's facts and the workspace's.
pub type PackageCheckFn =
    Box<dyn FnOnce(&PackageFacts, &WorkspaceFacts) -> Option<Diagnostic> + Send>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionNote {
    #[serde(rename = "crate")]
    krate: String,
    versions: String,
    note: String,
}

/// Notes a rule's page gives for the resolved version of a crate (`[[data.version_notes]]`:
/// `crate`, a `versions` requirement and the `note`, where `{version}` is the version).
pub fn version_notes(code: &str, crates: &CrateMap) -> Vec<String> {
    static NOTES: std::sync::OnceLock<HashMap<String, Vec<(VersionNote, semver::VersionReq)>>> =
        std::sync::OnceLock::new();
    let all = NOTES.get_or_init(|| {
        crate::catalog::catalog()
            .rules
            .iter()
            .map(|r| {
                let notes: Vec<VersionNote> = r.data("version_notes");
                let parsed = notes
                    .into_iter()
                    .map(|n| {
                        let req = semver::VersionReq::parse(&n.versions).unwrap_or_else(|e| {
                            panic!("rules/{}: bad version_notes requirement: {e}", r.file)
                        });
                        (n, req)
                    })
                    .collect();
                (r.code.clone(), parsed)
            })
            .collect()
    });
    let Some(notes) = all.get(code) else {
        return Vec::new();
    };
    notes
        .iter()
        .filter_map(|(n, req)| {
            let v = crates.version_of(&n.krate)?;
            req.matches(v)
                .then(|| n.note.replace("{version}", &v.to_string()))
        })
        .collect()
}

/// The table key that records that `word` occurs in the package.
/// Words of a package that issues its own tokens: jsonwebtoken's signing key, or an HMAC JWT
/// header written by hand (`{"alg":"HS256"}` as raw, escaped or spaced JSON).
pub const SELF_ISSUED_WORDS: &[&str] = &[
    "EncodingKey",
    r#""alg":"HS"#,
    r#"\"alg\":\"HS"#,
    r#""alg": "HS"#,
];

/// Tag of a finding about an empty verification or signing key.
pub const EMPTY_KEY: &str = "empty-key";
/// Tag of a finding that switches a verifier's signature check off.
pub const SIGNATURE_OFF: &str = "signature-off";

/// In a function that switches the signature check off, an empty key beside it is the
/// placeholder the API asks for (`DecodingKey::from_secret(b"")` next to
/// `insecure_disable_signature_validation()`): one finding says it all, so the empty-key findings
/// reported since `first` go.
fn drop_placeholder_keys(diags: &mut Vec<Diagnostic>, first: usize) {
    let tagged = |d: &Diagnostic, t: &str| d.tags.iter().any(|x| x == t);
    if !diags[first..].iter().any(|d| tagged(d, SIGNATURE_OFF)) {
        return;
    }
    let since = diags.split_off(first);
    diags.extend(since.into_iter().filter(|d| !tagged(d, EMPTY_KEY)));
}

/// What a file's walk produces.
#[derive(Default)]
pub struct FileFindings {
    pub diagnostics: Vec<Diagnostic>,
    pub deferred: Vec<Deferred>,
    /// Checks that need facts of the whole package (see [`PackageCheck`]).
    pub package_checks: Vec<PackageCheck>,
    /// This file's share of its package's facts: its `const`/`static` values (for other files'
    /// deferred checks), what it signs and defines.
    pub facts: PackageFacts,
    /// Function summaries for checks one call away (see `verify_only`).
    pub fn_summaries: Vec<verify_only::FnSummary>,
    /// Operations an advisory depends on that production code performs (`reached_by` paths).
    pub operations: HashSet<String>,
    /// Defaults of configuration fields defined in this file.
    pub field_defaults: Vec<defaults::FieldDefault>,
    /// Checks that wait for the package's field defaults.
    pub field_checks: Vec<defaults::FieldCheck>,
}

/// A `let` binding's facts.
#[derive(Clone, Debug, Default)]
pub struct Binding {
    pub val: Option<Val>,
    /// Bound from an unverified token header (`decode_header(..)`).
    pub header: bool,
    /// Holds an algorithm read from an unverified header.
    pub header_alg: bool,
    /// A browser storage handle (`local_storage()`, `session_storage()`).
    pub storage: Option<&'static str>,
    /// The source text of the initializer (for name heuristics).
    pub init_text: String,
    /// An expiry time already checked where it was bound (`let exp = now + ..`).
    pub exp_checked: bool,
    /// A parameter of type `Option<..>` (a value that may be `None`).
    pub optional: bool,
    /// Byte range of the initializer.
    pub init_span: Option<std::ops::Range<usize>>,
    /// The parameter of the enclosing function this binding is (its index among the inputs).
    pub param: Option<usize>,
    /// Parameters of the enclosing function whose value may flow into this binding (a branch
    /// of its initializer names them): `let s = match m { A => b"..", B => prod_secret };`.
    pub from_params: Vec<usize>,
    /// Which branch of a branching initializer gives `val` (see [`branches`]).
    pub branch: Option<String>,
}

pub struct Ctx<'a> {
    pub path: &'a str,
    pub text: &'a SourceText,
    pub uses: UseMap,
    pub crates: &'a CrateMap,
    pub opts: &'a RuleOptions,
    pub is_test_file: bool,
    /// File-level constants.
    pub consts: HashMap<String, Val>,
}

impl Ctx<'_> {
    pub fn enabled(&self, code: &str) -> bool {
        self.opts.enabled.contains(code)
    }

    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        self.uses.resolve(&index::path_segments(path), self.crates)
    }

    pub fn snippet(&self, span: &Range<usize>) -> &str {
        self.text.text.get(span.clone()).unwrap_or("")
    }
}

pub struct Walker<'a> {
    pub ctx: Ctx<'a>,
    pub out: FileFindings,
    scopes: Vec<HashMap<String, Binding>>,
    test_depth: usize,
    /// Names of enclosing functions, impl types and structs (innermost last).
    pub names: Vec<String>,
    /// Names of the `let` bindings whose initialisers are being walked (innermost last).
    pub let_names: Vec<String>,
    /// Inside the `Err` arm of a `match` on a verification (`match decode(..) { Err(_) => .. }`).
    pub verify_failed: usize,
    /// Identifiers compared against something in the current function (allowlist checks).
    pub compared: HashSet<String>,
    /// What each function of the file does with tokens (JWT101's "what happens next").
    pub fns: Vec<next_use::FnFacts>,
    /// Indices into `fns` of the enclosing functions (innermost last).
    pub fn_stack: Vec<usize>,
    /// The claims type of each jsonwebtoken decode call of the file (see [`time_only`]).
    pub decodes: Vec<Option<String>>,
    /// The function walked last (its per-function checks run after its walk).
    pub last_fn: Option<usize>,
    /// Functions of the file that sign tokens themselves (JWT601's helpers).
    pub signing_fns: HashSet<String>,
    /// Refresh handlers that verify and call helpers: reported at the end of the file when one
    /// of the helpers signs (`(finding, names the handler calls)`).
    pub pending_refresh: Vec<(Diagnostic, HashSet<String>)>,
    /// Then-branches of `if`s on an opt-in switch, with the switch's name (see [`opt_in`]).
    pub opt_in_branches: Vec<(Range<usize>, String)>,
    /// Key constructors of the file that get a parameter of their function, and the calls of
    /// the file's functions with literal or fallback arguments (see `secrets::finish_params`).
    pub param_flow: secrets::ParamFlow,
    /// Algorithm sinks that get a parameter, and calls that pass a header's algorithm (JWT102
    /// one call away).
    pub alg_flow: alg::ParamFlow,
    /// `Result<bool>` verifies handed back by helpers, and `.is_ok()` uses of the file's calls.
    pub bool_flow: api::BoolFlow,
    /// Functions of the file that return a browser storage handle, by name (see
    /// [`storage::handle_fns`]).
    pub storage_fns: HashMap<String, &'static str>,
    /// Where the file's `const`/`static` initialisers are written, by name (JWT801 reports a
    /// literal secret there, once, instead of at every use).
    pub const_sites: HashMap<String, Option<Range<usize>>>,
    /// The key sources of the file's statics and consts that read a variable or a file
    /// (JWT301).
    pub static_keys: HashMap<String, crate::model::facts::KeySource>,
    /// Struct fields the file initialises from an environment variable
    /// (`Self { jwt_secret: env::var("PLATFORM_JWT_SECRET")?, .. }`), field → variable.
    pub field_envs: HashMap<String, String>,
}

impl Env for Walker<'_> {
    fn lookup(&self, name: &str) -> Option<Val> {
        for s in self.scopes.iter().rev() {
            if let Some(b) = s.get(name) {
                return b.val.clone();
            }
        }
        self.ctx.consts.get(name).cloned()
    }

    fn is_now(&self, name: &str) -> bool {
        matches!(
            name,
            "now" | "iat" | "issued_at" | "current_time" | "timestamp" | "now_ts" | "ts"
        )
    }
}

impl<'a> Walker<'a> {
    pub fn new(ctx: Ctx<'a>) -> Self {
        Walker {
            ctx,
            out: FileFindings::default(),
            scopes: vec![HashMap::new()],
            test_depth: 0,
            names: Vec::new(),
            let_names: Vec::new(),
            verify_failed: 0,
            compared: HashSet::new(),
            fns: Vec::new(),
            fn_stack: Vec::new(),
            decodes: Vec::new(),
            last_fn: None,
            signing_fns: HashSet::new(),
            pending_refresh: Vec::new(),
            opt_in_branches: Vec::new(),
            param_flow: Default::default(),
            alg_flow: Default::default(),
            bool_flow: Default::default(),
            storage_fns: HashMap::new(),
            const_sites: HashMap::new(),
            static_keys: HashMap::new(),
            field_envs: HashMap::new(),
        }
    }

    pub fn in_test(&self) -> bool {
        self.ctx.is_test_file || self.test_depth > 0
    }

    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    pub fn eval(&self, e: &Expr) -> Option<Val> {
        index::eval(e, self)
    }

    /// Reports a finding; test code gets the `test-code` tag and one level lower.
    pub fn report(&mut self, d: Diagnostic) {
        if !self.ctx.enabled(&d.code) {
            return;
        }
        let mut d = if self.in_test() { d.in_test_code() } else { d };
        for note in version_notes(&d.code, self.ctx.crates) {
            d = d.with_note(note);
        }
        self.out.diagnostics.push(d);
    }

    /// What a later report needs of the present scope: whether the rule is on, and test code.
    fn finisher(&self) -> impl FnOnce(Diagnostic) -> Option<Diagnostic> + Send + 'static {
        let in_test = self.in_test();
        let enabled = self.ctx.opts.enabled.clone();
        move |d: Diagnostic| {
            if !enabled.contains(&d.code) {
                return None;
            }
            Some(if in_test { d.in_test_code() } else { d })
        }
    }

    /// Reports now, or later when `val` is a constant from another file.
    pub fn report_with_const(
        &mut self,
        name: String,
        check: impl FnOnce(&Val) -> Option<Diagnostic> + Send + 'static,
    ) {
        self.report_with_value(ValueRef::Const(name), check);
    }

    /// Reports later, judged by the default of the config field `name` (`cfg.name`), when the
    /// package's config structs give it one.
    pub fn report_with_field(
        &mut self,
        name: String,
        check: impl FnOnce(&Val) -> Option<Diagnostic> + Send + 'static,
    ) {
        self.report_with_value(ValueRef::Field(name), check);
    }

    fn report_with_value(
        &mut self,
        what: ValueRef,
        check: impl FnOnce(&Val) -> Option<Diagnostic> + Send + 'static,
    ) {
        let finish = self.finisher();
        self.out.deferred.push(Deferred {
            what,
            check: Box::new(move |v| finish(check(v)?)),
        });
    }

    /// Reports later, when the facts of the whole package are known.
    pub fn report_for_package(
        &mut self,
        words: Vec<String>,
        check: impl FnOnce(&PackageFacts, &WorkspaceFacts) -> Option<Diagnostic> + Send + 'static,
    ) {
        let finish = self.finisher();
        self.out.package_checks.push(PackageCheck {
            words,
            check: Box::new(move |t, ws| finish(check(t, ws)?)),
            once: false,
        });
    }

    /// Like [`Walker::report_for_package`], for a finding about the package as a whole (no
    /// revocation path): the package gets one, at the first place that raises it.
    pub fn report_once_for_package(
        &mut self,
        words: Vec<String>,
        check: impl FnOnce(&PackageFacts, &WorkspaceFacts) -> Option<Diagnostic> + Send + 'static,
    ) {
        self.report_for_package(words, check);
        if let Some(c) = self.out.package_checks.last_mut() {
            c.once = true;
        }
    }

    /// Reports later, unless the package issues its own tokens (one of `issued` occurs in its
    /// production code) and never names any of `absent` (the claim the finding says goes
    /// unchecked): self-issued tokens without `aud` need no `aud` check.
    pub fn report_unless_self_issued(
        &mut self,
        d: Diagnostic,
        issued: &[String],
        absent: &[String],
    ) {
        self.report_unless_self_issued_type(d, issued, absent, None);
    }

    /// [`Self::report_unless_self_issued`], also dropped when the package signs `verifies`, the
    /// claims type the finding's verification decodes (its own refresh or session tokens).
    pub fn report_unless_self_issued_type(
        &mut self,
        d: Diagnostic,
        issued: &[String],
        absent: &[String],
        verifies: Option<String>,
    ) {
        let issued = issued.to_vec();
        let absent = absent.to_vec();
        let words = issued.iter().chain(&absent).cloned().collect();
        let file = self.ctx.path.to_string();
        self.report_for_package(words, move |t, _| {
            let own = verifies
                .as_deref()
                .is_some_and(|v| t.signs_type_named_in(v, &file));
            (!own && !t.self_issued_without(&issued, &absent)).then_some(d)
        });
    }

    /// Holds a finding that a hand-written check of every one of `claims` makes moot (see
    /// [`manual_checks`]): dropped at once when the function that made it checks them, else
    /// decided when the file is walked. Outside any function it is decided now.
    pub fn hold_unless_checked(
        &mut self,
        claims: Vec<manual_checks::Claim>,
        d: Diagnostic,
        then: manual_checks::Then,
    ) {
        if !self.ctx.enabled(&d.code) {
            return;
        }
        let Some(i) = self.fn_stack.last().copied().or(self.last_fn) else {
            return manual_checks::release(self, d, then);
        };
        let mut d = if self.in_test() { d.in_test_code() } else { d };
        if matches!(then, manual_checks::Then::Report) {
            for note in version_notes(&d.code, self.ctx.crates) {
                d = d.with_note(note);
            }
        }
        self.fns[i]
            .held
            .push(manual_checks::Held { claims, d, then });
    }

    /// Reports later, when the package's configuration field defaults are known.
    pub fn report_with_defaults(
        &mut self,
        fields: Vec<String>,
        check: impl FnOnce(&defaults::FieldDefaults) -> Option<Diagnostic> + Send + 'static,
    ) {
        let finish = self.finisher();
        self.out.field_checks.push(defaults::FieldCheck {
            fields,
            check: Box::new(move |d| finish(check(d)?)),
        });
    }

    /// Words of the enclosing function / type names and of an expression, lowercased.
    /// The names of the enclosing functions and types, and of the `let` bindings whose
    /// initialiser is being walked (`let refresh = Claims::with_custom_claims(..)`).
    pub fn context_words(&self) -> String {
        let mut all = self.names.join(" ");
        for n in &self.let_names {
            all.push(' ');
            all.push_str(n);
        }
        all.to_lowercase()
    }

    fn bind_pat(&mut self, pat: &syn::Pat, b: Binding) {
        match pat {
            syn::Pat::Ident(pi) => {
                self.scopes
                    .last_mut()
                    .expect("scope")
                    .insert(pi.ident.to_string(), b);
            }
            syn::Pat::Type(pt) => self.bind_pat(&pt.pat, b),
            syn::Pat::Reference(r) => self.bind_pat(&r.pat, b),
            syn::Pat::Paren(p) => self.bind_pat(&p.pat, b),
            syn::Pat::Guard(g) => self.bind_pat(&g.pat, b),
            // `Ok(x)` / `Some(x)` carry the value; `Err(e)` does not.
            syn::Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && ts
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "Ok" || s.ident == "Some") =>
            {
                self.bind_pat(&ts.elems[0], b)
            }
            _ => {}
        }
    }

    /// The facts of a binding initialised from `init`.
    fn classify(&self, init: &Expr) -> Binding {
        if let Some(src) = index::unwrapped_scrutinee(init) {
            return self.classify(src);
        }
        let span = index::span_of(init);
        let mut b = Binding {
            val: self.eval(init),
            init_text: self.ctx.snippet(&span).to_string(),
            init_span: Some(span),
            branch: branches::describe(self, init),
            ..Binding::default()
        };
        alg::classify_binding(self, init, &mut b);
        storage::classify_binding(self, init, &mut b);
        b
    }

    /// Binds typed function parameters whose type carries a fact (an unverified header).
    fn bind_params<'p>(&mut self, inputs: impl Iterator<Item = &'p syn::FnArg>) {
        for (i, a) in inputs.enumerate() {
            let syn::FnArg::Typed(pt) = a else { continue };
            let mut b = Binding::default();
            alg::classify_param(self, &pt.ty, &mut b);
            b.optional = matches!(&*pt.ty, syn::Type::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "Option"));
            b.param = Some(i);
            self.bind_pat(&pt.pat, b);
        }
    }

    /// Binds a closure's parameters: each shadows an outer name, and a typed one carries the
    /// facts of its type (`|h: &Header| Validation::new(h.alg)`).
    fn bind_closure_params(&mut self, c: &syn::ExprClosure) {
        for p in &c.inputs {
            let mut b = Binding::default();
            if let syn::Pat::Type(pt) = p {
                alg::classify_param(self, &pt.ty, &mut b);
            }
            self.bind_pat(p, b);
        }
    }

    fn with_scope(&mut self, f: impl FnOnce(&mut Self)) {
        self.scopes.push(HashMap::new());
        let depth = self.scopes.len();
        f(self);
        assert_eq!(self.scopes.len(), depth, "scope stack out of balance");
        self.scopes.pop();
    }

    fn with_test(&mut self, is_test: bool, f: impl FnOnce(&mut Self)) {
        if is_test {
            self.test_depth += 1;
        }
        f(self);
        if is_test {
            self.test_depth -= 1;
        }
    }

    /// Records a call that performs an operation some advisory depends on (production only).
    fn note_operation(&mut self, canon: &[String]) {
        if self.in_test() {
            return;
        }
        for p in crate::deps::reached_by_paths() {
            if index::path_matches(canon, p) {
                self.out.operations.insert(p.clone());
            }
        }
    }

    /// Records a `Validation` setting an advisory depends on (`validate_nbf = true`, a
    /// `required_spec_claims` without `"exp"`), as the path `jsonwebtoken::Validation::FIELD`
    /// of the advisory's `reached_by` list. A literal `false`, or a claim list that names
    /// `"exp"`, changes nothing such an advisory needs.
    fn note_setting(&mut self, field: &proc_macro2::Ident, value: &Expr) {
        // Most calls and fields are no such setting: that is decided first, without allocating.
        let Some(p) = crate::deps::reached_by_paths().iter().find(|p| {
            p.strip_prefix("jsonwebtoken::Validation::")
                .is_some_and(|f| field == f)
        }) else {
            return;
        };
        if self.in_test() || !self.ctx.crates.depends_on("jsonwebtoken") {
            return;
        }
        let text = self.ctx.snippet(&index::span_of(value));
        if matches!(value, Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if !b.value))
            || (p.ends_with("required_spec_claims") && text.contains("\"exp\""))
        {
            return;
        }
        self.out.operations.insert(p.clone());
    }

    /// A `match`: each arm sees its pattern bound from the scrutinee (`Ok(header) => ..`).
    fn walk_match(&mut self, m: &syn::ExprMatch) {
        alg::note_comparison(self, &m.expr);
        for a in &m.attrs {
            self.visit_attribute(a);
        }
        self.visit_expr(&m.expr);
        // Each arm sees its pattern bound from the scrutinee (`Ok(header) => ..`).
        let b = self.classify(&m.expr);
        let verifies = next_use::verifies_expr(self, &m.expr);
        for arm in &m.arms {
            // The `Err` arm of a verification: the token failed it.
            let failed = verifies && is_err_pat(&arm.pat);
            self.verify_failed += usize::from(failed);
            self.with_scope(|w| {
                w.bind_pat(&arm.pat, b.clone());
                w.visit_pat(&arm.pat);
                w.visit_expr(&arm.body);
            });
            self.verify_failed -= usize::from(failed);
        }
    }

    /// `if let` / `let ... else` conditions: the pattern is bound from the expression.
    fn walk_let(&mut self, l: &syn::ExprLet) {
        if let syn::Pat::TupleStruct(ts) = &*l.pat
            && ts.path.is_ident("Ok")
            && ts.elems.len() == 1
            && ts.elems.iter().all(discards)
        {
            api::check_dropped_bool(self, &l.expr, "`Ok(_)` accepts `Ok(false)`");
        }
        // `if let Ok(header) = decode_header(..)`: the binding lives in the enclosing
        // scope (a slight over-approximation of the `if` body).
        self.visit_expr(&l.expr);
        let b = self.classify(&l.expr);
        self.bind_pat(&l.pat, b);
    }

    /// Walks one function (free or in an `impl`): `visit_inner` visits its signature and body,
    /// then the per-function checks run on the body.
    fn walk_fn(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
        visit_inner: impl FnOnce(&mut Self),
    ) {
        let t = is_test_attr(attrs, &self.ctx.crates.test_features);
        let name = sig.ident.to_string();
        self.with_test(t, |w| {
            w.with_name(name.clone(), |w| {
                let saved = std::mem::take(&mut w.compared);
                w.with_fn(name.clone(), sig, block, |w| {
                    w.with_scope(|w| {
                        w.bind_params(sig.inputs.iter());
                        visit_inner(w)
                    })
                });
                validation::check_fn(w, block);
                api::note_fn_tail(w, &name, block);
                secrets::check_env_fallback_tail(w, block);
                claim_list::check_fn(w, block);
                let returns = !matches!(sig.output, syn::ReturnType::Default);
                verify_only::check_fn(w, &name, block, returns);
                configure::check_fn(w, block, returns);
                mixed::check_fn(w, block);
                cookies::check_fn(w, block);
                session::check_fn(w, &sig.ident, block);
                w.compared = saved;
            })
        });
    }

    /// Runs `f` inside a function's facts (for "what happens next" checks); `body` is the
    /// function's block.
    fn with_fn(
        &mut self,
        name: String,
        sig: &syn::Signature,
        body: &syn::Block,
        f: impl FnOnce(&mut Self),
    ) {
        let in_test = self.in_test();
        self.fns.push(next_use::FnFacts {
            name,
            in_test,
            mut_param: takes_mut_ref(sig),
            ..Default::default()
        });
        let i = self.fns.len() - 1;
        self.fn_stack.push(i);
        let first = self.out.diagnostics.len();
        hand_decode::check_fn(self, body);
        f(self);
        self.fn_stack.pop();
        drop_placeholder_keys(&mut self.out.diagnostics, first);
        self.fns[i].checks = manual_checks::scan(body);
        self.last_fn = Some(i);
        if !self.fns[i].pending.is_empty() {
            let text = self.ctx.snippet(&index::span_of(body));
            self.fns[i].reads_expiry = next_use::names_expiry(text);
        }
    }

    fn with_name(&mut self, name: String, f: impl FnOnce(&mut Self)) {
        self.names.push(name);
        let n = self.names.len();
        f(self);
        assert_eq!(self.names.len(), n, "name stack out of balance");
        self.names.pop();
    }

    /// Visits expressions re-parsed from a macro body (they keep their real spans).
    fn visit_macro_body(&mut self, mac: &syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if name == "json" {
            secrets::check_jwk_json(self, mac);
        }
        match name.as_str() {
            "lazy_static" => {
                if let Some(items) = parse_lazy_static(mac) {
                    for (ident, e) in items {
                        if let Some(v) = self.eval(&e) {
                            self.ctx.consts.insert(ident.clone(), v.clone());
                            self.out.facts.consts.insert(ident, v);
                        }
                        self.visit_expr(&e);
                    }
                }
            }
            "thread_local" | "cfg_if" | "tokio_main" => {
                if let Some(stmts) = crate::parse::macro_block(mac) {
                    for s in &stmts {
                        self.visit_stmt(s);
                    }
                }
            }
            "macro_rules" => {}
            _ => {
                if let Some(exprs) = crate::parse::macro_exprs(mac) {
                    for e in &exprs {
                        self.visit_expr(e);
                    }
                } else if let Some(stmts) = crate::parse::macro_block(mac) {
                    self.with_scope(|w| {
                        for s in &stmts {
                            w.visit_stmt(s);
                        }
                    });
                }
            }
        }
    }
}

fn parse_lazy_static(mac: &syn::Macro) -> Option<Vec<(String, Expr)>> {
    use syn::parse::{ParseStream, Parser};
    let parser = |input: ParseStream| -> syn::Result<Vec<(String, Expr)>> {
        let mut out = Vec::new();
        while !input.is_empty() {
            input.call(syn::Attribute::parse_outer)?;
            let _: syn::Visibility = input.parse()?;
            let _: syn::Token![static] = input.parse()?;
            let _: syn::Token![ref] = input.parse()?;
            let ident: syn::Ident = input.parse()?;
            let _: syn::Token![:] = input.parse()?;
            let _: syn::Type = input.parse()?;
            let _: syn::Token![=] = input.parse()?;
            let e: Expr = input.parse()?;
            let _: syn::Token![;] = input.parse()?;
            out.push((ident.to_string(), e));
        }
        Ok(out)
    };
    parser.parse2(mac.tokens.clone()).ok()
}

/// `#[test]`-style attributes, and a `cfg` only test builds enable (see [`crate::model::cfg`]).
/// `Err(..)` (also under a guard: `Err(e) if ..`).
fn is_err_pat(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::TupleStruct(ts) => ts.path.segments.last().is_some_and(|s| s.ident == "Err"),
        syn::Pat::Or(o) => o.cases.iter().any(is_err_pat),
        syn::Pat::Guard(g) => is_err_pat(&g.pat),
        _ => false,
    }
}

/// The function a call names, when it can be one of this file's: `keys(..)`, `Self::keys(..)`.
pub fn local_callee(c: &syn::ExprCall) -> Option<String> {
    let Expr::Path(p) = &*c.func else { return None };
    let segs = &p.path.segments;
    match segs.len() {
        1 => Some(segs[0].ident.to_string()),
        2 if segs[0].ident == "Self" => Some(segs[1].ident.to_string()),
        _ => None,
    }
}

/// The method a `self.name(..)` call names (one of the impl's, perhaps in this file).
pub fn self_method(m: &syn::ExprMethodCall) -> Option<String> {
    matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self")).then(|| m.method.to_string())
}

pub fn is_test_attr(attrs: &[syn::Attribute], features: &TestFeatures) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        if p.is_ident("cfg") {
            return a
                .meta
                .require_list()
                .is_ok_and(|l| crate::model::cfg::only_in_tests(&l.tokens.to_string(), features));
        }
        p.segments
            .last()
            .map(|s| s.ident == "test" || s.ident == "bench" || s.ident == "rstest")
            .unwrap_or(false)
    })
}

/// True for paths under `tests/`, `benches/` or `examples/`.
pub fn is_test_path(path: &str) -> bool {
    path.split('/').any(|c| {
        matches!(
            c,
            "tests" | "benches" | "examples" | "test" | "fixtures" | "testdata"
        )
    })
}

/// Collects `const` and `static` values defined at any level of a file.
pub fn file_consts(file: &syn::File) -> HashMap<String, Val> {
    let mut c = ConstExprs::default();
    c.add(file);
    c.evaluate()
}

/// The `const` and `static` initialisers of a file, gathered from one or several parsed pieces
/// of it (a large file is parsed item by item), then evaluated together. A function without
/// parameters (`fn token_ttl() -> Duration { Duration::days(30) }`, a method taking only
/// `&self`) counts as a constant named `token_ttl()`, valued by its tail expression, so a
/// helper that returns a lifetime or a secret is judged where it is called.
#[derive(Default)]
pub struct ConstExprs {
    exprs: HashMap<String, Expr>,
    /// Functions of the same name with different bodies: no value.
    ambiguous: HashSet<String>,
}

/// The key of a parameterless function's value in the constants: `name()`.
pub fn fn_value_key(name: &str) -> String {
    format!("{name}()")
}

/// The value expression of a parameterless function: its tail (or a last `return x;`).
fn fn_value(sig: &syn::Signature, block: &syn::Block) -> Option<Expr> {
    let only_self = sig
        .inputs
        .iter()
        .all(|a| matches!(a, syn::FnArg::Receiver(_)));
    if !only_self || !sig.generics.params.is_empty() || sig.asyncness.is_some() {
        return None;
    }
    match block.stmts.last()? {
        syn::Stmt::Expr(Expr::Return(r), _) => r.expr.as_deref().cloned(),
        syn::Stmt::Expr(e, None) => Some(e.clone()),
        _ => None,
    }
}

impl ConstExprs {
    /// Adds the initialisers defined at any level of this piece.
    pub fn add(&mut self, file: &syn::File) {
        struct C<'a> {
            c: &'a mut ConstExprs,
            /// Inside a `#[cfg(test)]` module: its helper functions are not the package's.
            test: bool,
        }
        impl C<'_> {
            fn add_fn(&mut self, attrs: &[syn::Attribute], sig: &syn::Signature, b: &syn::Block) {
                if self.test || is_test_attr(attrs, &TestFeatures::default()) {
                    return;
                }
                let Some(e) = fn_value(sig, b) else { return };
                let key = fn_value_key(&sig.ident.to_string());
                let same = |old: &Expr| {
                    old.to_token_stream().to_string() == e.to_token_stream().to_string()
                };
                match self.c.exprs.get(&key) {
                    Some(old) if !same(old) => {
                        self.c.ambiguous.insert(key);
                    }
                    _ => {
                        self.c.exprs.insert(key, e);
                    }
                }
            }
        }
        impl<'ast> Visit<'ast> for C<'_> {
            fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
                self.c.exprs.insert(i.ident.to_string(), (*i.expr).clone());
            }
            fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
                self.c.exprs.insert(i.ident.to_string(), (*i.expr).clone());
            }
            fn visit_impl_item_const(&mut self, i: &'ast syn::ImplItemConst) {
                self.c.exprs.insert(i.ident.to_string(), i.expr.clone());
            }
            fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
                let saved = self.test;
                self.test |= is_test_attr(&m.attrs, &TestFeatures::default());
                visit::visit_item_mod(self, m);
                self.test = saved;
            }
            fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
                self.add_fn(&f.attrs, &f.sig, &f.block);
                visit::visit_item_fn(self, f);
            }
            fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
                self.add_fn(&f.attrs, &f.sig, &f.block);
                visit::visit_impl_item_fn(self, f);
            }
        }
        C {
            c: self,
            test: false,
        }
        .visit_file(file);
    }

    /// The values, evaluated in rounds so constants defined from other constants resolve.
    pub fn evaluate(self) -> HashMap<String, Val> {
        struct E<'a>(&'a HashMap<String, Val>);
        impl Env for E<'_> {
            fn lookup(&self, n: &str) -> Option<Val> {
                self.0.get(n).cloned()
            }
        }
        let mut vals = HashMap::new();
        for _ in 0..4 {
            let mut changed = false;
            for (k, e) in self
                .exprs
                .iter()
                .filter(|(k, _)| !self.ambiguous.contains(*k))
            {
                if let Some(v) = index::eval(e, &E(&vals))
                    && !matches!(v, Val::ConstRef(_))
                    && vals.get(k) != Some(&v)
                {
                    vals.insert(k.clone(), v);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        vals
    }
}

/// Adds a piece's top-level imports to `uses` (imports apply to the whole file: hoisted).
pub fn hoist_uses(uses: &mut UseMap, file: &syn::File) {
    for item in &file.items {
        if let Item::Use(u) = item {
            uses.add_use(&u.tree, u.leading_colon.is_some());
        }
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item(&mut self, i: &'ast Item) {
        match i {
            Item::Use(u) => {
                self.ctx.uses.add_use(&u.tree, u.leading_colon.is_some());
            }
            Item::Mod(m) => {
                let t = is_test_attr(&m.attrs, &self.ctx.crates.test_features);
                // An inline module does not see its parent's imports, except through
                // `use super::..` (then it keeps them all: an over-approximation of the
                // names it takes); its own imports are hoisted.
                let items = m
                    .content
                    .as_ref()
                    .map(|c| c.1.as_slice())
                    .unwrap_or_default();
                let inherits = items.iter().any(|i| {
                    matches!(i, Item::Use(u) if matches!(&u.tree, syn::UseTree::Path(p)
                        if p.ident == "super"))
                });
                let saved = if inherits {
                    self.ctx.uses.clone()
                } else {
                    std::mem::take(&mut self.ctx.uses)
                };
                for i in items {
                    if let Item::Use(u) = i {
                        self.ctx.uses.add_use(&u.tree, u.leading_colon.is_some());
                    }
                }
                self.with_test(t, |w| visit::visit_item_mod(w, m));
                self.ctx.uses = saved;
            }
            Item::Fn(f) => {
                self.walk_fn(&f.attrs, &f.sig, &f.block, |w| visit::visit_item_fn(w, f));
            }
            Item::Impl(im) => {
                let name = match &*im.self_ty {
                    syn::Type::Path(p) => p
                        .path
                        .segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let t = is_test_attr(&im.attrs, &self.ctx.crates.test_features);
                if !t && !self.in_test() {
                    defaults::note_impl(self, im);
                }
                self.with_test(t, |w| w.with_name(name, |w| visit::visit_item_impl(w, im)));
            }
            Item::Struct(s) => {
                defaults::note_struct(self, s);
                claims::check_struct_item(self, s);
                api::check_struct_item(self, s);
                let name = s.ident.to_string();
                self.with_name(name, |w| visit::visit_item_struct(w, s));
            }
            Item::Macro(m) => {
                self.visit_macro_body(&m.mac);
            }
            _ => visit::visit_item(self, i),
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.walk_fn(&f.attrs, &f.sig, &f.block, |w| {
            visit::visit_impl_item_fn(w, f)
        });
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.with_scope(|w| visit::visit_block(w, b));
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `let _ = verify(..)?;`: a `Result<bool>` verify whose bool nobody reads.
        if let Some(init) = &l.init
            && discards(&l.pat)
        {
            api::check_dropped_bool(
                self,
                &init.expr,
                "the result is bound to `_` and never read",
            );
        }
        // Visit the initializer first (it is evaluated before the binding exists).
        if let Some(init) = &l.init {
            let named = match &l.pat {
                syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                syn::Pat::Type(pt) => match &*pt.pat {
                    syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                    _ => None,
                },
                _ => None,
            };
            let pushed = named.is_some() && self.let_names.len() < 64;
            if pushed {
                self.let_names.extend(named);
            }
            self.visit_expr(&init.expr);
            if pushed {
                self.let_names.pop();
            }
            if let Some((_, e)) = &init.diverge {
                self.visit_expr(e);
            }
        }
        let mut b = Binding::default();
        if let Some(init) = &l.init {
            b = self.classify(&init.expr);
            // `let h: Header = serde_json::from_slice(&raw)?`: typed as an unverified header.
            if let syn::Pat::Type(pt) = &l.pat {
                alg::classify_param(self, &pt.ty, &mut b);
            }
            b.exp_checked = lifetime::check_local(self, &l.pat, &init.expr, b.val.as_ref());
            b.from_params = secrets::params_in(self, &init.expr);
        }
        self.bind_pat(&l.pat, b);
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func {
                    let canon = self.ctx.resolve(&p.path);
                    next_use::note_call(self, Some(&canon), None);
                    next_use::note_call_site(self, &canon, index::span_of(c));
                    time_only::note_decode(self, &canon, &p.path);
                    self.note_operation(&canon);
                }
                api::check_call(self, c);
                alg::check_call(self, c);
                secrets::check_call(self, c);
                secrets::note_local_call(self, c);
                alg::note_local_call(self, local_callee(c), false, &c.args);
                lifetime::check_call(self, c);
                storage::check_call(self, c);
                claims::note_signing_call(self, c);
                session::note_call(self, e);
            }
            Expr::MethodCall(m) => {
                if let Some(a) = m.args.first() {
                    self.note_setting(&m.method, a);
                }
                next_use::note_method(self, m);
                next_use::note_call_site(self, &[m.method.to_string()], index::span_of(m));
                api::check_method(self, m);
                alg::check_method(self, m);
                alg::note_local_call(self, self_method(m), true, &m.args);
                secrets::check_method(self, m);
                lifetime::check_method(self, m);
                storage::check_method(self, m);
                claims::note_signing_method(self, m);
                claims::check_claim_setter(self, m);
                session::note_call(self, e);
            }
            Expr::Assign(a) => {
                if let Expr::Field(f) = &*a.left
                    && let syn::Member::Named(n) = &f.member
                {
                    self.note_setting(n, &a.right);
                }
                api::check_assign(self, a);
                alg::check_assign(self, a);
                lifetime::check_assign(self, a);
                secrets::check_assign(self, a);
                storage::check_assign(self, a);
            }
            Expr::Struct(s) => {
                for fv in &s.fields {
                    if let syn::Member::Named(n) = &fv.member {
                        self.note_setting(n, &fv.expr);
                    }
                }
                api::check_struct(self, s);
                alg::check_struct(self, s);
                lifetime::check_struct(self, s);
                secrets::check_struct(self, s);
                secrets::check_env_fallback_fields(self, s);
                storage::check_struct(self, s);
            }
            Expr::Path(p) => api::check_path(self, p),
            Expr::If(i) => opt_in::note_if(self, i),
            Expr::Lit(l) => secrets::check_jwk_str(self, l),
            Expr::Field(f) => alg::check_field(self, f),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) => {
                alg::note_comparison(self, &b.left);
                alg::note_comparison(self, &b.right);
            }
            Expr::Match(m) => {
                mixed::check_header_match(self, m);
                self.walk_match(m);
                return;
            }
            Expr::Let(l) => {
                self.walk_let(l);
                return;
            }
            Expr::Closure(c) => {
                self.with_scope(|w| {
                    w.bind_closure_params(c);
                    visit::visit_expr_closure(w, c)
                });
                return;
            }
            Expr::Macro(m) => {
                if (m.mac.path.is_ident("matches")
                    || m.mac.path.is_ident("assert_eq")
                    || m.mac.path.is_ident("assert_ne"))
                    && let Some(args) = crate::parse::macro_exprs(&m.mac)
                {
                    for a in &args {
                        alg::note_comparison(self, a);
                    }
                }
                self.visit_macro_body(&m.mac);
                return;
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        // `verify(..)?;`: the statement throws the bool away.
        if let syn::Stmt::Expr(e, Some(_)) = s {
            api::check_dropped_bool(self, e, "the returned bool is thrown away");
        }
        visit::visit_stmt(self, s);
    }

    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.visit_macro_body(&m.mac);
    }
}

/// Whether a function takes a `&mut` parameter (other than `&mut self`): a helper that can
/// change a value its caller owns (`fn apply_audience(v: &mut Validation, ..)`).
fn takes_mut_ref(sig: &syn::Signature) -> bool {
    sig.inputs.iter().any(|a| {
        matches!(a, syn::FnArg::Typed(t)
            if matches!(&*t.ty, syn::Type::Reference(r) if r.mutability.is_some()))
    })
}

/// A pattern that binds nothing anyone reads: `_` or a `_name`.
fn discards(p: &syn::Pat) -> bool {
    match p {
        syn::Pat::Wild(_) => true,
        syn::Pat::Ident(i) => i.ident.to_string().starts_with('_') && i.subpat.is_none(),
        syn::Pat::Type(t) => discards(&t.pat),
        _ => false,
    }
}

/// Lints one parsed file.
pub fn lint_file(mut ctx: Ctx<'_>, file: &syn::File) -> FileFindings {
    let consts = file_consts(file);
    hoist_uses(&mut ctx.uses, file);
    let mut facts = PieceFacts::default();
    facts.add(file);
    let mut walk = PieceWalk::new(ctx, consts, facts);
    walk.walk(file);
    walk.finish()
}

/// What the walk of any piece of a file needs to know of the others: its storage-handle
/// helpers, constants and env-initialised fields. Gathered from every piece before the walk, so
/// a piece's walk knows what later pieces define.
#[derive(Default)]
pub struct PieceFacts {
    storage_fns: HashMap<String, &'static str>,
    /// Where each `const`/`static` is initialised; a name defined twice (in two functions or
    /// modules) maps to `None`, since which one a use means is not known here.
    const_sites: HashMap<String, Option<Range<usize>>>,
    static_keys: HashMap<String, crate::model::facts::KeySource>,
    field_envs: HashMap<String, String>,
    /// Inside a constant's initialiser (constants nested there are not recorded).
    in_const: usize,
}

impl PieceFacts {
    /// Learns what one piece defines, in one pass over it.
    pub fn add(&mut self, piece: &syn::File) {
        self.visit_file(piece);
    }

    fn add_const(&mut self, name: String, e: &Expr) {
        if self.in_const > 0 {
            return;
        }
        // A name defined twice is not known here (as for `const_sites`).
        if self.const_sites.contains_key(&name) {
            self.static_keys.remove(&name);
        } else if let Some(src) = session::static_key_source(e) {
            self.static_keys.insert(name.clone(), src);
        }
        let span = index::span_of(e);
        self.const_sites
            .entry(name)
            .and_modify(|s| *s = None)
            .or_insert(Some(span));
    }

    fn inside_const(&mut self, f: impl FnOnce(&mut Self)) {
        self.in_const += 1;
        f(self);
        self.in_const -= 1;
    }
}

impl<'ast> Visit<'ast> for PieceFacts {
    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.add_const(i.ident.to_string(), &i.expr);
        self.inside_const(|s| visit::visit_item_const(s, i));
    }
    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.add_const(i.ident.to_string(), &i.expr);
        self.inside_const(|s| visit::visit_item_static(s, i));
    }
    fn visit_impl_item_const(&mut self, i: &'ast syn::ImplItemConst) {
        self.add_const(i.ident.to_string(), &i.expr);
        self.inside_const(|s| visit::visit_impl_item_const(s, i));
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if let Some(kind) = storage::handle_kind(&f.sig, &f.block) {
            self.storage_fns.insert(f.sig.ident.to_string(), kind);
        }
        visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if let Some(kind) = storage::handle_kind(&f.sig, &f.block) {
            self.storage_fns.insert(f.sig.ident.to_string(), kind);
        }
        visit::visit_impl_item_fn(self, f);
    }
    fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
        self.field_envs.extend(session::env_fields(s));
        visit::visit_expr_struct(self, s);
    }
}

/// One walk over a file given as parsed pieces, in file order (a large file, item by item):
/// the same facts as a walk over the whole file, when `ctx.uses` holds the file's imports and
/// `consts` the constants the pieces need.
pub struct PieceWalk<'a> {
    w: Walker<'a>,
    consts: HashMap<String, Val>,
    /// Claims types of the pieces made only of time claims (see [`time_only`]).
    time_only: std::collections::HashSet<String>,
}

impl<'a> PieceWalk<'a> {
    pub fn new(ctx: Ctx<'a>, consts: HashMap<String, Val>, facts: PieceFacts) -> Self {
        let mut w = Walker::new(Ctx {
            consts: consts.clone(),
            ..ctx
        });
        w.storage_fns = facts.storage_fns;
        w.const_sites = facts.const_sites;
        w.static_keys = facts.static_keys;
        w.field_envs = facts.field_envs;
        PieceWalk {
            w,
            consts,
            time_only: Default::default(),
        }
    }

    /// Walks the next piece (its inner attributes and items).
    pub fn walk(&mut self, piece: &syn::File) {
        self.time_only.extend(time_only::time_only_structs(piece));
        if !self.w.ctx.is_test_file {
            let features = &self.w.ctx.crates.test_features;
            let defaults = crate::model::config_defaults::of(piece, &self.consts, features);
            self.w.out.facts.field_defaults.merge(&defaults);
        }
        self.w.visit_file(piece);
    }

    /// The findings and facts of the whole file.
    pub fn finish(mut self) -> FileFindings {
        time_only::finish(&mut self.w, &self.time_only);
        manual_checks::finish(&mut self.w);
        session::finish(&mut self.w);
        next_use::finish(&mut self.w);
        secrets::finish_params(&mut self.w);
        alg::finish_params(&mut self.w);
        api::finish_bool_flow(&mut self.w);
        opt_in::finish(&mut self.w);
        let mut out = self.w.out;
        out.facts.consts.extend(self.consts);
        out
    }
}
