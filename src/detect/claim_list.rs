//! Claim checks chosen from a list (`[[data.claim_list]]` in a rule page): crates such as
//! alcoholic_jwt verify only the claims named in the list handed to the verify call
//! (`validate(token, &jwk, vec![Validation::NotExpired])`). Per function, the list is followed
//! from its `vec![..]` and every `.push(..)` on the same variable; a required entry that is
//! missing is reported at the verify call, one pushed only under an `if` (a configuration
//! switch such as `ignore_expiration`) at that `if`.

use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use syn::visit::{self, Visit};
use syn::{Expr, ExprCall};

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimListEntry {
    /// The verify function (`alcoholic_jwt::validate`).
    pub call: String,
    /// Position of the list argument.
    pub arg: usize,
    /// The list's element type (`alcoholic_jwt::Validation`); entries are its variants.
    pub variant_of: String,
    /// The variant that must be in the list (`NotExpired`).
    pub requires: String,
    /// Message when the list never holds it.
    pub missing: String,
    /// Message when it is added only under a condition (`{cond}` is the condition's text).
    pub conditional: String,
    pub help: String,
    #[serde(default)]
    pub versions: Option<String>,
    #[serde(skip)]
    pub rule: String,
}

fn table() -> &'static [ClaimListEntry] {
    static T: OnceLock<Vec<ClaimListEntry>> = OnceLock::new();
    T.get_or_init(|| {
        crate::catalog::rule_entries::<ClaimListEntry>("claim_list")
            .into_iter()
            .map(|(rule, e)| ClaimListEntry { rule, ..e })
            .collect()
    })
}

/// One variant put into a list: its name and the `if` condition it sits under, if any.
#[derive(Debug, Clone)]
struct Added {
    variant: String,
    condition: Option<Range<usize>>,
}

/// What one function does with lists and verify calls.
#[derive(Default)]
struct Scan {
    /// (variable, what was added to it).
    lists: Vec<(String, Added)>,
    /// (entry index, span of the call, the list argument).
    calls: Vec<(usize, Range<usize>, ListArg)>,
    /// Conditions of the enclosing `if`s, innermost last.
    conds: Vec<Range<usize>>,
}

enum ListArg {
    Var(String),
    Inline(Vec<String>),
    Unknown,
}

fn variant_name(e: &Expr) -> Option<String> {
    let e = match e {
        Expr::Call(c) => &*c.func,
        e => e,
    };
    let Expr::Path(p) = e else { return None };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    // `Type::Variant` (the last two segments), so a variant of another type never counts.
    (segs.len() >= 2).then(|| segs[segs.len() - 2..].join("::"))
}

fn vec_items(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Macro(m) if m.mac.path.is_ident("vec") => Some(
            crate::parse::macro_exprs(&m.mac)?
                .iter()
                .filter_map(variant_name)
                .collect(),
        ),
        Expr::Array(a) => Some(a.elems.iter().filter_map(variant_name).collect()),
        Expr::Reference(r) => vec_items(&r.expr),
        _ => None,
    }
}

fn ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Reference(r) => ident(&r.expr),
        _ => None,
    }
}

struct Visitor<'s, 'w, 'a> {
    w: &'w Walker<'a>,
    s: &'s mut Scan,
}

impl Visitor<'_, '_, '_> {
    fn add(&mut self, var: String, variant: String) {
        let condition = self.s.conds.last().cloned();
        self.s.lists.push((var, Added { variant, condition }));
    }

    fn call(&mut self, c: &ExprCall) {
        let Expr::Path(p) = &*c.func else { return };
        let canon = self.w.ctx.resolve(&p.path);
        for (i, e) in table().iter().enumerate() {
            if !index::path_matches(&canon, &e.call)
                || !self.w.ctx.crates.allows(&[], Some(&e.call))
            {
                continue;
            }
            let arg = match c.args.iter().nth(e.arg) {
                Some(a) => match (vec_items(a), ident(a)) {
                    (Some(items), _) => ListArg::Inline(items),
                    (None, Some(v)) => ListArg::Var(v),
                    _ => ListArg::Unknown,
                },
                None => ListArg::Unknown,
            };
            self.s.calls.push((i, index::span_of(c), arg));
        }
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(pi), Some(init)) = (strip_type(&l.pat), &l.init)
            && let Some(items) = vec_items(&init.expr)
        {
            for v in items {
                let condition = None;
                self.s.lists.push((
                    pi.ident.to_string(),
                    Added {
                        variant: v,
                        condition,
                    },
                ));
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.visit_expr(&i.cond);
        self.s.conds.push(index::span_of(&*i.cond));
        self.visit_block(&i.then_branch);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
        self.s.conds.pop();
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "push"
            && let (Some(var), Some(v)) =
                (ident(&m.receiver), m.args.first().and_then(variant_name))
        {
            self.add(var, v);
        }
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast ExprCall) {
        self.call(c);
        visit::visit_expr_call(self, c);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn strip_type(p: &syn::Pat) -> &syn::Pat {
    match p {
        syn::Pat::Type(t) => strip_type(&t.pat),
        p => p,
    }
}

/// Runs once per function body.
pub fn check_fn(w: &mut Walker, block: &syn::Block) {
    if table().is_empty() {
        return;
    }
    let mut s = Scan::default();
    Visitor { w, s: &mut s }.visit_block(block);
    let mut out = Vec::new();
    for (i, span, arg) in &s.calls {
        let e = &table()[*i];
        if !w.ctx.enabled(&e.rule) {
            continue;
        }
        let added: Vec<Added> = match arg {
            ListArg::Inline(items) => items
                .iter()
                .map(|v| Added {
                    variant: v.clone(),
                    condition: None,
                })
                .collect(),
            ListArg::Var(v) => s
                .lists
                .iter()
                .filter(|(n, _)| n == v)
                .map(|x| x.1.clone())
                .collect(),
            ListArg::Unknown => continue,
        };
        // A list variable the function never built (a parameter) is not judged.
        if matches!(arg, ListArg::Var(_)) && added.is_empty() {
            continue;
        }
        let ty = e.variant_of.rsplit("::").next().unwrap_or_default();
        let want = format!("{ty}::{}", e.requires);
        let hits: Vec<&Added> = added.iter().filter(|a| a.variant == want).collect();
        if hits.iter().any(|a| a.condition.is_none()) {
            continue;
        }
        let d = match hits.first().and_then(|a| a.condition.clone()) {
            Some(cond) => {
                let text = w.ctx.snippet(&cond).to_string();
                Diagnostic::new(
                    &e.rule,
                    w.ctx.path,
                    cond,
                    e.conditional.replace("{cond}", &text),
                )
                .with_label("the check depends on this condition")
            }
            None => Diagnostic::new(&e.rule, w.ctx.path, span.clone(), e.missing.clone())
                .with_label("verified with this list"),
        };
        out.push(d.with_help(e.help.clone()));
    }
    for d in out {
        w.report(d);
    }
}
