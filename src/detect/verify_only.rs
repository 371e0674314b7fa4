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
        let mut out = Vec::new();
        for r in &crate::catalog::catalog().rules {
            let entries: Vec<VerifyOnlyEntry> = r.data("verify_only");
            out.extend(entries.into_iter().map(|mut e| {
                e.rule = r.code.clone();
                e
            }));
        }
        out
    })
}

fn quiets(e: &VerifyOnlyEntry, word: &str) -> bool {
    e.quiet.iter().any(|q| match q.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == q,
    })
}

#[derive(Default)]
struct Scan {
    idents: HashSet<String>,
    /// (entry, span of the method name to the call's end, the value leaves the function).
    calls: Vec<(usize, Range<usize>, bool)>,
    /// Spans of `return` expressions and of the tail expression.
    leaving: Vec<Range<usize>>,
}

struct V<'s, 'w, 'a> {
    w: &'w Walker<'a>,
    s: &'s mut Scan,
}

impl<'ast> Visit<'ast> for V<'_, '_, '_> {
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.s.idents.insert(i.to_string().to_lowercase());
    }

    /// String keys count too: `claims["exp"]`, `payload.get("iss")`.
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        self.s.idents.insert(l.value().to_lowercase());
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.s.leaving.push(index::span_of(&**e));
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            let canon = self.w.ctx.resolve(&p.path);
            for (i, e) in table().iter().enumerate() {
                if let Some(call) = &e.call
                    && index::path_matches(&canon, call)
                    && self.w.ctx.crates.allows(&e.crates, Some(call))
                {
                    self.s.calls.push((i, index::span_of(c), false));
                }
            }
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
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
                self.s.calls.push((i, span, false));
            }
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Runs once per function body; `returns` says whether the function returns a value.
pub fn check_fn(w: &mut Walker, block: &syn::Block, returns: bool) {
    if table().is_empty() {
        return;
    }
    let mut s = Scan::default();
    if returns && let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        s.leaving.push(index::span_of(tail));
    }
    V { w, s: &mut s }.visit_block(block);
    let leaving = std::mem::take(&mut s.leaving);
    for c in s.calls.iter_mut() {
        c.2 = leaving
            .iter()
            .any(|l| l.start <= c.1.start && c.1.end <= l.end);
    }
    for (i, span, leaves) in s.calls {
        let e = &table()[i];
        if !w.ctx.enabled(&e.rule) || s.idents.iter().any(|x| quiets(e, x)) {
            continue;
        }
        let d = Diagnostic::new(&e.rule, w.ctx.path, span, e.message.clone())
            .with_label(e.label.clone().unwrap_or_else(|| {
                "verified here; no expiry check follows in this function".into()
            }))
            .with_help(e.help.clone());
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
        let keys: Vec<String> = words.iter().map(|x| super::mention_key(x)).collect();
        let note = e.returned_note.clone().unwrap_or_else(|| {
            "the verified claims are returned, and no file of this package names an expiry check"
                .into()
        });
        w.report_for_package(words, move |t, _| {
            (!keys.iter().any(|k| t.contains_key(k))).then(|| d.with_note(note))
        });
    }
}
