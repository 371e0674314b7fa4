//! Verify calls of crates that check the signature and nothing else (`[[data.verify_only]]` in a
//! rule page): the jwt crate's `verify_with_key`, biscuit's `into_decoded`, ... never look at
//! `exp`, so the program must. Per function: a call whose function never names an expiry check
//! (`quiet` identifiers such as `exp`, `is_expired`, `validate`) is reported. When the verified
//! value leaves the function (returned), the caller may check it: then the package's other
//! files are searched for the same words before reporting.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::Expr;
use syn::visit::{self, Visit};

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyOnlyEntry {
    /// The verify method (or `call`, a resolved function path).
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub call: Option<String>,
    /// Text the method's receiver must contain (`validator` for `.validator(..).validate(..)`).
    #[serde(default)]
    pub receiver: Option<String>,
    /// The package must depend on one of these (for `call`: else the path's crate).
    #[serde(default)]
    pub crates: Vec<String>,
    /// Identifiers (lowercase) that show the expiry is checked; a word ending in `*` is a prefix.
    pub quiet: Vec<String>,
    pub message: String,
    pub help: String,
    /// The primary label (default: no expiry check follows).
    #[serde(default)]
    pub label: Option<String>,
    /// With `absent_words`: not reported when the package issues its own tokens (one of these
    /// words occurs in its production code, `sign_with_key`) and never names any of
    /// `absent_words` (self-issued HMAC tokens carry no `iss`/`aud` to check).
    #[serde(default)]
    pub self_issued_words: Vec<String>,
    #[serde(default)]
    pub absent_words: Vec<String>,
    /// The note when the claims are returned and no file of the package names a `quiet` word.
    #[serde(default)]
    pub returned_note: Option<String>,
    #[serde(default)]
    pub versions: Option<String>,
    #[serde(skip)]
    pub rule: String,
}

fn table() -> &'static [VerifyOnlyEntry] {
    static T: OnceLock<Vec<VerifyOnlyEntry>> = OnceLock::new();
    T.get_or_init(|| {
        crate::catalog::rule_entries::<VerifyOnlyEntry>("verify_only")
            .into_iter()
            .map(|(rule, e)| VerifyOnlyEntry { rule, ..e })
            .collect()
    })
}

fn quiets(e: &VerifyOnlyEntry, word: &str) -> bool {
    e.quiet.iter().any(|q| match q.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == q,
    })
}

/// What a function of the file does, for the verify-only check one call away (built in the
/// walk, judged per package): the functions it calls, whether it names each entry's expiry
/// check, and whether it hands a verify-only result back to its callers.
#[derive(Debug, Clone)]
pub struct FnSummary {
    pub name: String,
    pub file: String,
    pub in_test: bool,
    /// (callee name, span of the call).
    pub calls: Vec<(String, Range<usize>)>,
    /// Per entry of the table: the function names its expiry check.
    pub quiet: Vec<bool>,
    /// The entry whose verify-only result this function returns.
    pub returns: Option<usize>,
    /// Functions whose result this function returns (it passes them on to its callers).
    pub passes_on: Vec<String>,
}

#[derive(Default)]
struct Scan {
    idents: HashSet<String>,
    /// Calls of named functions or methods (callee, span).
    named_calls: Vec<(String, Range<usize>)>,
    /// (entry, span of the method name to the call's end, the value leaves the function, the
    /// call's full span).
    calls: Vec<(usize, Range<usize>, bool, Range<usize>)>,
    /// The same, stripped to what is handed back as it is (`Ok(x?)` -> `x`).
    leaving_direct: Vec<Range<usize>>,
    /// `let NAME = init`: (name, span of init), so a value bound and then returned leaves too.
    locals: Vec<(String, Range<usize>)>,
    /// Single-identifier paths used as values: (name, span).
    uses: Vec<(String, Range<usize>)>,
}

struct V<'s, 'w, 'a> {
    w: &'w Walker<'a>,
    s: &'s mut Scan,
}

impl<'ast> Visit<'ast> for V<'_, '_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            self.s
                .locals
                .push((pi.ident.to_string(), index::span_of(core(&init.expr))));
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if let Some(i) = p.path.get_ident() {
            self.s.uses.push((i.to_string(), index::span_of(p)));
        }
        visit::visit_expr_path(self, p);
    }

    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.s.idents.insert(i.to_string().to_lowercase());
    }

    /// String keys count too: `claims["exp"]`, `payload.get("iss")`.
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        self.s.idents.insert(l.value().to_lowercase());
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.s.leaving_direct.push(index::span_of(core(e)));
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                self.s
                    .named_calls
                    .push((last.ident.to_string(), index::span_of(c)));
            }
            let canon = self.w.ctx.resolve(&p.path);
            for (i, e) in table().iter().enumerate() {
                if let Some(call) = &e.call
                    && index::path_matches(&canon, call)
                    && self.w.ctx.crates.allows(&e.crates, Some(call))
                {
                    self.s
                        .calls
                        .push((i, index::span_of(c), false, index::span_of(c)));
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        self.s.named_calls.push((name.clone(), index::span_of(m)));
        for (i, e) in table().iter().enumerate() {
            let receiver_ok = e.receiver.as_deref().is_none_or(|r| {
                self.w
                    .ctx
                    .snippet(&index::span_of(&*m.receiver))
                    .contains(r)
            });
            if e.method.as_deref() == Some(name.as_str())
                && receiver_ok
                && self.w.ctx.crates.depends_on_any(&e.crates)
            {
                let span = m.method.span().byte_range().start..index::span_of(m).end;
                self.s.calls.push((i, span, false, index::span_of(m)));
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Runs once per function body; `returns` says whether the function returns a value.
pub fn check_fn(w: &mut Walker, name: &str, block: &syn::Block, returns: bool) {
    if table().is_empty() {
        return;
    }
    let mut s = Scan::default();
    if returns && let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        s.leaving_direct.push(index::span_of(core(tail)));
    }
    V { w, s: &mut s }.visit_block(block);
    // Handed back as it is: the call is what the function returns (`Ok(x?)`), directly or
    // through a `let` whose name is returned. A value derived from it (`t.claims().sub`) does not
    // leave: the function itself uses the token.
    let mut direct = std::mem::take(&mut s.leaving_direct);
    let bound: Vec<Range<usize>> = s
        .locals
        .iter()
        .filter(|(n, _)| s.uses.iter().any(|(u, at)| u == n && direct.contains(at)))
        .map(|x| x.1.clone())
        .collect();
    direct.extend(bound);
    let handed_back = |r: &Range<usize>| direct.iter().any(|d| is_core_of(d, r));
    for c in s.calls.iter_mut() {
        c.2 = handed_back(&c.3);
    }
    let passes_on: Vec<String> = s
        .named_calls
        .iter()
        .filter(|c| handed_back(&c.1))
        .map(|c| c.0.clone())
        .collect();
    let quiet: Vec<bool> = table()
        .iter()
        .map(|e| s.idents.iter().any(|x| quiets(e, x)))
        .collect();
    let returned = s.calls.iter().find(|c| c.2).map(|c| c.0);
    // Summaries matter only where a helper can return a verify-only result: in packages that
    // depend on one of the table's crates (elsewhere they would only cost memory).
    if !s.named_calls.is_empty() && uses_verify_only_crate(w) {
        w.out.fn_summaries.push(FnSummary {
            name: name.to_string(),
            file: w.ctx.path.to_string(),
            in_test: w.in_test(),
            calls: std::mem::take(&mut s.named_calls),
            quiet: quiet.clone(),
            returns: returned,
            passes_on,
        });
    }
    for (i, span, leaves, _) in s.calls {
        let e = &table()[i];
        if !w.ctx.enabled(&e.rule) || quiet[i] {
            continue;
        }
        let d = Diagnostic::new(&e.rule, w.ctx.path, span, e.message.clone())
            .with_label(e.label.clone().unwrap_or_else(|| {
                "verified here; no expiry check follows in this function".into()
            }))
            .with_help(e.help.clone());
        if !leaves && !e.self_issued_words.is_empty() {
            w.report_unless_self_issued(d, &e.self_issued_words, &e.absent_words);
            continue;
        }
        if !leaves {
            w.report(d);
            continue;
        }
        // The caller gets the claims: quiet when any file of the package names an expiry check.
        let words: Vec<String> = e
            .quiet
            .iter()
            .map(|q| q.trim_end_matches('*').to_string())
            .collect();
        let note = e.returned_note.clone().unwrap_or_else(|| {
            "the verified claims are returned, and no file of this package names an expiry check"
                .into()
        });
        let keys = words.clone();
        let issued = e.self_issued_words.clone();
        let absent = e.absent_words.clone();
        let all_words = words
            .into_iter()
            .chain(issued.iter().cloned())
            .chain(absent.iter().cloned())
            .collect();
        w.report_for_package(all_words, move |t, _| {
            let self_issued = t.self_issued_without(&issued, &absent);
            (!self_issued && !keys.iter().any(|k| t.mentions(k))).then(|| d.with_note(note))
        });
    }
}

fn uses_verify_only_crate(w: &Walker) -> bool {
    table().iter().any(|e| {
        let krate = e.call.as_deref().and_then(|c| c.split("::").next());
        (!e.crates.is_empty() && w.ctx.crates.depends_on_any(&e.crates))
            || krate.is_some_and(|k| w.ctx.crates.depends_on(k))
    })
}

/// What an expression hands back as it is: `Ok(x)`, `x?`, `x.map_err(..)`, `(x)`, `x.await`
/// are `x`.
fn core(e: &Expr) -> &Expr {
    match e {
        Expr::Try(t) => core(&t.expr),
        Expr::Paren(p) => core(&p.expr),
        Expr::Await(a) => core(&a.base),
        Expr::Call(c)
            if c.args.len() == 1
                && matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| matches!(s.ident.to_string().as_str(), "Ok" | "Some" | "new"))) =>
        {
            core(&c.args[0])
        }
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "map_err"
                    | "ok"
                    | "unwrap"
                    | "expect"
                    | "into"
                    | "context"
                    | "with_context"
                    | "ok_or"
                    | "ok_or_else"
            ) =>
        {
            core(&m.receiver)
        }
        e => e,
    }
}

/// A call span that is the handed-back expression itself, or its `core` (a `let` init may be
/// `verify(..)?`): the call ends where the direct span ends, give or take a `?`.
fn is_core_of(direct: &Range<usize>, call: &Range<usize>) -> bool {
    call.start == direct.start && direct.end.saturating_sub(call.end) <= 1
}

/// One call away: a function of the package that calls a helper returning a verify-only result
/// (`fn decode(..) { token.decode_with_jwks(..) }`), names no expiry check itself and does not
/// pass the result on to its own callers.
pub fn one_call_away(
    summaries: &[&FnSummary],
    enabled: &HashSet<String>,
    is_test_file: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let production = |f: &&&FnSummary| !f.in_test && !is_test_file(&f.file);
    let helpers: Vec<&FnSummary> = summaries
        .iter()
        .filter(|f| f.returns.is_some())
        .filter(production)
        .copied()
        .collect();
    let mut out = Vec::new();
    for h in helpers {
        let i = h.returns.expect("filtered");
        let e = &table()[i];
        if !enabled.contains(&e.rule) || h.quiet[i] {
            continue;
        }
        let callers: Vec<(&FnSummary, &Range<usize>)> = summaries
            .iter()
            .filter(production)
            .filter(|f| f.name != h.name)
            .flat_map(|&f| {
                f.calls
                    .iter()
                    .filter(|c| c.0 == h.name)
                    .map(move |c| (f, &c.1))
            })
            .collect();
        // Each caller that neither checks the expiry nor passes the result on to its own callers.
        for (f, span) in callers {
            if f.quiet[i] || f.passes_on.contains(&h.name) {
                continue;
            }
            let msg = format!(
                "probable missing expiry check: `{}` ({}) returns a token verified with `{}`, which checks the signature only, and `{}` uses it without checking `exp`",
                h.name,
                h.file,
                e.method
                    .as_deref()
                    .or(e.call.as_deref())
                    .unwrap_or("a verify call"),
                f.name
            );
            out.push(
                Diagnostic::new(&e.rule, &f.file, span.clone(), msg)
                    .with_label("the verified token is used here")
                    .with_help(e.help.clone()),
            );
        }
    }
    out
}
