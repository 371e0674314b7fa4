//! Branches only an explicit opt-in reaches: `if config.allow_missing_exp { .. }`,
//! `if opts.insecure_skip_verify { .. }`. A risky setting inside such a branch is what the
//! program does when an operator asked for it, not what it does by default, so its finding is
//! lowered to a note that names the switch (a reviewer still wants to know the switch exists,
//! and that it must stay off in production). Hard-coded secrets (JWT8xx) keep their level: the
//! secret ships whether or not the branch runs.
//!
//! A switch is a plain flag (a variable, a field, or a method without arguments) whose name
//! starts with an opt-in word. `validate_exp = !caller_flag` is not a branch and stays a
//! finding; `if !strict { .. }` (a negated flag) is not recognised as an opt-in.

use std::ops::Range;

use syn::Expr;
use syn::spanned::Spanned;

use super::Walker;
use crate::diagnostic::{Diagnostic, Level};

/// How a flag's name starts when turning it on weakens a check on purpose.
const OPT_IN_PREFIXES: &[&str] = &[
    "allow_",
    "insecure",
    "skip_",
    "disable_",
    "dangerous",
    "danger_",
    "unsafe_",
    "accept_invalid",
    "accept_any",
    "accept_missing",
    "no_verify",
    "unverified",
];

/// Most opt-in branches remembered per file.
const MAX_BRANCHES: usize = 1024;

/// The opt-in switch an `if` condition tests, if it is one.
fn flag(cond: &Expr) -> Option<String> {
    let name = match cond {
        Expr::Path(p) => p.path.segments.last()?.ident.to_string(),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(_) => return None,
        },
        Expr::MethodCall(m) if m.args.is_empty() => m.method.to_string(),
        Expr::Paren(p) => return flag(&p.expr),
        _ => return None,
    };
    let lower = name.to_ascii_lowercase();
    OPT_IN_PREFIXES
        .iter()
        .any(|p| lower.starts_with(p))
        .then_some(name)
}

/// Remembers the then-branch of an `if` on an opt-in switch.
pub fn note_if(w: &mut Walker, i: &syn::ExprIf) {
    if w.opt_in_branches.len() < MAX_BRANCHES
        && let Some(name) = flag(&i.cond)
    {
        w.opt_in_branches
            .push((i.then_branch.span().byte_range(), name));
    }
}

fn inside(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// The opt-in branches of one file, shared by the checks that report after the walk.
type Branches = std::sync::Arc<Vec<(Range<usize>, String)>>;

/// Lowers a finding inside an opt-in branch to a note that names the switch.
fn lower(branches: &[(Range<usize>, String)], mut d: Diagnostic) -> Diagnostic {
    if d.code.starts_with("JWT8") || d.level == Level::Note {
        return d;
    }
    if let Some((_, name)) = branches.iter().find(|(r, _)| inside(r, &d.primary.span)) {
        d.level = Level::Note;
        d.notes.push(format!(
            "reached only when `{name}` is set: an explicit opt-in, so this is what an operator asked for, not the default; make sure it stays off in production"
        ));
    }
    d
}

/// Lowers the file's findings inside opt-in branches, those reported now and those that wait
/// for package facts (constants, config defaults, callers in other files).
pub fn finish(w: &mut Walker) {
    let branches: Branches = std::sync::Arc::new(std::mem::take(&mut w.opt_in_branches));
    if branches.is_empty() {
        return;
    }
    let out = &mut w.out;
    for d in std::mem::take(&mut out.diagnostics) {
        out.diagnostics.push(lower(&branches, d));
    }
    for c in &mut out.package_checks {
        let (b, check) = (
            branches.clone(),
            std::mem::replace(&mut c.check, Box::new(|_, _| None)),
        );
        c.check = Box::new(move |t, ws| check(t, ws).map(|d| lower(&b, d)));
    }
    for c in &mut out.deferred {
        let (b, check) = (
            branches.clone(),
            std::mem::replace(&mut c.check, Box::new(|_| None)),
        );
        c.check = Box::new(move |v| check(v).map(|d| lower(&b, d)));
    }
    for c in &mut out.field_checks {
        let (b, check) = (
            branches.clone(),
            std::mem::replace(&mut c.check, Box::new(|_| None)),
        );
        c.check = Box::new(move |f| check(f).map(|d| lower(&b, d)));
    }
}
