//! Which branch of an `if`/`else` chain or a `match` a judged value comes from. The evaluator
//! judges such a value by its riskiest branch (`index::riskiest`); a finding then says which
//! branch that is (`when \`remember\``, `in the \`_\` arm of \`match kind\``), so the reader
//! does not have to work it out, and a safe default branch is not mistaken for the finding.

use syn::Expr;

use super::Walker;
use crate::index;

/// How deep [`in_value`] looks through operators and calls for a branch.
const MAX_DEPTH: usize = 16;
/// The longest condition or pattern text quoted in a description.
const MAX_QUOTE: usize = 48;

/// The description of the branch that gives `e` (an `if` or `match`) its judged value, when the
/// branches disagree; `None` when `e` does not branch or every known branch gives one value.
pub fn describe(w: &Walker, e: &Expr) -> Option<String> {
    if !matches!(e, Expr::If(_) | Expr::Match(_)) {
        return None;
    }
    let mut leaves = Vec::new();
    collect(w, e, None, &mut leaves, 0);
    let vals: Vec<_> = leaves.iter().map(|(l, _)| w.eval(l)).collect();
    let known: Vec<_> = vals.iter().flatten().collect();
    if known.len() < 2 || known.iter().all(|v| *v == known[0]) {
        return None;
    }
    let worst = index::riskiest(vals.iter().cloned())?;
    let at = vals.iter().position(|v| v.as_ref() == Some(&worst))?;
    Some(leaves.swap_remove(at).1)
}

/// The branch description of a value computed from a branching expression or from a binding
/// initialised by one (`now + ttl` after `let ttl = if remember { .. } else { .. }`).
pub fn in_value(w: &Walker, e: &Expr) -> Option<String> {
    find(w, e, 0)
}

fn find(w: &Walker, e: &Expr, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let go = |e: &Expr| find(w, e, depth + 1);
    match e {
        Expr::If(_) | Expr::Match(_) => describe(w, e),
        Expr::Binary(b) => go(&b.left).or_else(|| go(&b.right)),
        Expr::Paren(p) => go(&p.expr),
        Expr::Group(g) => go(&g.expr),
        Expr::Cast(c) => go(&c.expr),
        Expr::Reference(r) => go(&r.expr),
        Expr::Try(t) => go(&t.expr),
        Expr::Unary(u) => go(&u.expr),
        Expr::MethodCall(m) => go(&m.receiver).or_else(|| m.args.iter().find_map(go)),
        Expr::Call(c) => c.args.iter().find_map(go),
        Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) if b.block.stmts.len() == 1 => go(e),
            _ => None,
        },
        Expr::Path(p) => p
            .path
            .get_ident()
            .and_then(|i| w.binding(&i.to_string()))
            .and_then(|b| b.branch.clone()),
        _ => None,
    }
}

/// The value-carrying leaves of a branching expression, each with where it sits. Mirrors
/// `index::branch_values` (diverging arms carry nothing, a `cfg!(test)` branch is not shipped).
fn collect<'e>(
    w: &Walker,
    e: &'e Expr,
    outer: Option<&str>,
    out: &mut Vec<(&'e Expr, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let within = |here: String| match outer {
        Some(o) => format!("{o}, {here}"),
        None => here,
    };
    match e {
        Expr::If(_) => if_chain(w, e, &within, out, depth),
        Expr::Match(m) => {
            let scrutinee = quote(w, &m.expr);
            for arm in &m.arms {
                let pat = quote_pat(w, &arm.pat);
                let here = within(format!("in the `{pat}` arm of `match {scrutinee}`"));
                collect(w, &arm.body, Some(&here), out, depth + 1);
            }
        }
        Expr::Block(b) => {
            if let Some(t) = tail(&b.block) {
                collect(w, t, outer, out, depth + 1);
            }
        }
        Expr::Paren(p) => collect(w, &p.expr, outer, out, depth + 1),
        e if index::diverges(e) => {}
        e => out.push((e, outer.unwrap_or("in one branch").to_string())),
    }
}

/// The leaves of `if a {..} else if b {..} else {..}`: "when `a`", "when `b`" (and not `a`),
/// and the final `else` "when none of `a`, `b` holds".
fn if_chain<'e>(
    w: &Walker,
    mut e: &'e Expr,
    within: &dyn Fn(String) -> String,
    out: &mut Vec<(&'e Expr, String)>,
    depth: usize,
) {
    let mut prior: Vec<String> = Vec::new();
    while let Expr::If(i) = e {
        let Some((_, els)) = &i.else_branch else {
            return;
        };
        let cond = quote(w, &i.cond);
        // `if cfg!(test) { test_key } else { .. }`: the test branch is not shipped.
        let shipped = index::cfg_test(&i.cond);
        if shipped != Some(true)
            && let Some(t) = tail(&i.then_branch)
        {
            let here = match prior.as_slice() {
                [] => format!("when `{cond}`"),
                p => format!("when `{cond}` and not `{}`", p.join("` or `")),
            };
            collect(w, t, Some(&within(here)), out, depth + 1);
        }
        if shipped == Some(false) {
            return;
        }
        prior.push(cond);
        e = els;
    }
    let here = match prior.as_slice() {
        [one] => format!("when `{one}` does not hold"),
        p => format!("when none of `{}` holds", p.join("`, `")),
    };
    collect(w, e, Some(&within(here)), out, depth + 1);
}

fn tail(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => Some(e),
        _ => None,
    }
}

fn quote(w: &Walker, e: &Expr) -> String {
    shorten(w.ctx.snippet(&index::span_of(e)))
}

fn quote_pat(w: &Walker, p: &syn::Pat) -> String {
    shorten(w.ctx.snippet(&index::span_of(p)))
}

/// One line of at most [`MAX_QUOTE`] characters (the emitters sanitise it further).
fn shorten(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= MAX_QUOTE {
        return one;
    }
    let cut: String = one.chars().take(MAX_QUOTE - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    fn labels(body: &str) -> Vec<String> {
        let text = format!(
            "use jsonwebtoken::{{encode, Header}};\nstruct Claims {{ exp: u64 }}\nfn f(now: u64, remember: bool, kind: u8, k: &jsonwebtoken::EncodingKey) {{\n{body}\nlet c = Claims {{ exp: now + ttl }};\nencode(&Header::default(), &c, k);\n}}\n"
        );
        crate::lint::lint_source_text("src/lib.rs", &text)
            .into_iter()
            .filter(|d| d.code == "JWT201")
            .map(|d| d.primary.message)
            .collect()
    }

    #[test]
    fn names_the_branch_that_gives_the_longest_lifetime() {
        assert_eq!(
            labels("let ttl = if remember { 90 * 86400 } else { 900 };"),
            ["expires after 90 days when `remember`"]
        );
        assert_eq!(
            labels("let ttl = if remember { 900 } else { 90 * 86400 };"),
            ["expires after 90 days when `remember` does not hold"]
        );
        assert_eq!(
            labels("let ttl = match kind { 0 => 900, 1 => 400 * 86400, _ => return };"),
            ["expires after 1.1 years in the `1` arm of `match kind`"]
        );
        assert_eq!(
            labels("let ttl = if kind == 0 { 60 } else if remember { 2 * 86400 } else { 600 };"),
            ["expires after 2 days when `remember` and not `kind == 0`"]
        );
    }

    #[test]
    fn a_value_that_does_not_branch_names_no_branch() {
        assert_eq!(labels("let ttl = 2 * 86400;"), ["expires after 2 days"]);
        assert_eq!(
            labels("let ttl = if remember { 2 * 86400 } else { 2 * 86400 };"),
            ["expires after 2 days"]
        );
    }
}
