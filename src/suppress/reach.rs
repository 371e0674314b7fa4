//! What a directive alone on its line covers, from the syntax tree: the statement, item,
//! expression, field, match arm or variant that starts on the next code line, through the
//! line where that node ends (`let k = f(\n  a,\n  b\n)`, a method chain over many lines, an
//! item with attributes or doc comments above it). Like `#[allow(..)]`, a directive above an
//! item covers the whole item. When no node starts on that line (a closing brace, a line
//! inside a macro's tokens), the line-based reach of [`super::scan`] stays.

use std::collections::BTreeMap;

use syn::spanned::Spanned;
use syn::visit::Visit;

use super::{Directive, Reach};
use crate::source::SourceText;

/// The first line after `line` that is neither blank nor a plain comment (doc comments and
/// attributes count: they are part of the item below).
fn next_code_line(src: &SourceText, line: usize) -> Option<usize> {
    (line + 1..=src.line_count()).find(|&l| {
        let t = src.line_text(l).trim();
        let doc = t.starts_with("///") && !t.starts_with("////")
            || t.starts_with("//!")
            || t.starts_with("/**") && !t.starts_with("/**/")
            || t.starts_with("/*!");
        !t.is_empty() && (doc || !(t.starts_with("//") || t.starts_with("/*")))
    })
}

/// The last line of the nodes starting on each wanted line (byte offsets -> lines).
struct Ends<'s> {
    src: &'s SourceText,
    /// Wanted start line -> the furthest end line seen of a node starting there.
    ends: BTreeMap<usize, usize>,
}

impl Ends<'_> {
    fn note(&mut self, node: &dyn Spanned) {
        let r = node.span().byte_range();
        let start = self.src.line_of(r.start);
        if let Some(end) = self.ends.get_mut(&start) {
            let last = self.src.line_of(r.end.saturating_sub(1).max(r.start));
            *end = (*end).max(last);
        }
    }
}

impl<'ast> Visit<'ast> for Ends<'_> {
    fn visit_stmt(&mut self, n: &'ast syn::Stmt) {
        self.note(n);
        syn::visit::visit_stmt(self, n);
    }
    fn visit_item(&mut self, n: &'ast syn::Item) {
        self.note(n);
        syn::visit::visit_item(self, n);
    }
    fn visit_impl_item(&mut self, n: &'ast syn::ImplItem) {
        self.note(n);
        syn::visit::visit_impl_item(self, n);
    }
    fn visit_trait_item(&mut self, n: &'ast syn::TraitItem) {
        self.note(n);
        syn::visit::visit_trait_item(self, n);
    }
    fn visit_expr(&mut self, n: &'ast syn::Expr) {
        self.note(n);
        syn::visit::visit_expr(self, n);
    }
    fn visit_field(&mut self, n: &'ast syn::Field) {
        self.note(n);
        syn::visit::visit_field(self, n);
    }
    fn visit_field_value(&mut self, n: &'ast syn::FieldValue) {
        self.note(n);
        syn::visit::visit_field_value(self, n);
    }
    fn visit_arm(&mut self, n: &'ast syn::Arm) {
        self.note(n);
        syn::visit::visit_arm(self, n);
    }
    fn visit_variant(&mut self, n: &'ast syn::Variant) {
        self.note(n);
        syn::visit::visit_variant(self, n);
    }
}

/// Replaces the line-based reach of each directive alone on its line with the syntax tree's.
pub fn from_tree(directives: &mut [Directive], file: &syn::File, src: &SourceText) {
    let wanted: Vec<(usize, usize)> = directives
        .iter()
        .enumerate()
        .filter(|(_, d)| d.own_line)
        .filter_map(|(i, d)| match &d.reach {
            Reach::Lines(r) => next_code_line(src, r.start).map(|l| (i, l)),
            Reach::File => None,
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    let mut v = Ends {
        src,
        ends: wanted.iter().map(|&(_, l)| (l, 0)).collect(),
    };
    v.visit_file(file);
    for (i, l) in wanted {
        let end = v.ends.get(&l).copied().unwrap_or(0);
        if end >= l
            && let Reach::Lines(r) = &mut directives[i].reach
        {
            *r = r.start..end + 1;
        }
    }
}
