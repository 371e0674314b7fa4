//! Defaults of configuration fields, as a reviewer reads them: `impl Default for Config { fn
//! default() -> Self { Self { secure: false, .. } } }`, `#[derive(Default)]` (a `bool` field is
//! `false`), and a field-level `#[serde(default)]` on a `bool` (also `false`). A setting read
//! from such a field (`.secure(cfg.secure_cookie)`) counts as that default: a `secure` flag that
//! defaults to `false` is not "a value we cannot know". The facts are typed and gathered per
//! package; checks that need them wait in a [`FieldCheck`].

use std::collections::HashMap;

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index::Val;

/// One field's default: `Config.secure_cookie = false`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefault {
    pub ty: String,
    pub field: String,
    pub val: Val,
}

/// The defaults of a package, by field name (several structs may share a name).
#[derive(Debug, Default)]
pub struct FieldDefaults {
    by_field: HashMap<String, Vec<FieldDefault>>,
}

impl FieldDefaults {
    pub fn new(all: impl IntoIterator<Item = FieldDefault>) -> Self {
        let mut d = FieldDefaults::default();
        for f in all {
            d.by_field.entry(f.field.clone()).or_default().push(f);
        }
        d
    }

    /// The struct whose default for `field` is `false`, if any (the riskiest reading).
    pub fn false_in(&self, field: &str) -> Option<&str> {
        self.by_field
            .get(field)?
            .iter()
            .find(|f| f.val == Val::Bool(false))
            .map(|f| f.ty.as_str())
    }
}

/// The body of a [`FieldCheck`].
pub type FieldCheckFn = Box<dyn FnOnce(&FieldDefaults) -> Option<Diagnostic> + Send>;

/// A check that waits for the package's field defaults.
pub struct FieldCheck {
    /// The fields it reads (files of the package that name them are parsed for their defaults).
    pub fields: Vec<String>,
    pub check: FieldCheckFn,
}

fn is_bool(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("bool"))
}

fn has_serde_default(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && a.meta.require_list().is_ok_and(|l| {
                let t = l.tokens.to_string();
                t.split(',').any(|p| p.trim() == "default")
            })
    })
}

/// `#[derive(.., Default, ..)]`.
pub fn derives_default(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.meta.require_list().is_ok_and(|l| {
                l.tokens
                    .to_string()
                    .split([',', ' '])
                    .any(|w| w == "Default")
            })
    })
}

/// `bool` fields of a struct that default to `false` (derived `Default`, `#[serde(default)]`).
pub fn note_struct(w: &mut Walker, s: &syn::ItemStruct) {
    let derived = derives_default(&s.attrs);
    for f in &s.fields {
        let Some(name) = &f.ident else { continue };
        if is_bool(&f.ty) && (derived || has_serde_default(&f.attrs)) {
            w.out.field_defaults.push(FieldDefault {
                ty: s.ident.to_string(),
                field: name.to_string(),
                val: Val::Bool(false),
            });
        }
    }
}

/// `impl Default for T`: the fields its `default()` sets to values the evaluator knows.
pub fn note_impl(w: &mut Walker, im: &syn::ItemImpl) {
    let is_default = im
        .trait_
        .as_ref()
        .and_then(|t| t.0.segments.last())
        .is_some_and(|s| s.ident == "Default");
    let syn::Type::Path(self_ty) = &*im.self_ty else {
        return;
    };
    let Some(ty) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
        return;
    };
    if !is_default {
        return;
    }
    for item in &im.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        if f.sig.ident != "default" {
            continue;
        }
        let Some(syn::Stmt::Expr(syn::Expr::Struct(lit), None)) = f.block.stmts.last() else {
            continue;
        };
        for fv in &lit.fields {
            let syn::Member::Named(name) = &fv.member else {
                continue;
            };
            if let Some(val @ (Val::Bool(_) | Val::Int(_) | Val::Str(_))) = w.eval(&fv.expr) {
                w.out.field_defaults.push(FieldDefault {
                    ty: ty.clone(),
                    field: name.to_string(),
                    val,
                });
            }
        }
    }
}
