//! Default values of configuration fields: what a setting read from a config struct holds when
//! nobody configures it. `impl Default for Settings { fn default() -> Self { Settings { secret:
//! "change-me".into(), .. } } }` and `#[serde(default = "default_ttl")] ttl: u64` with
//! `fn default_ttl() -> u64 { 60 * 60 * 24 * 30 }` give the defaults of `secret` and `ttl`.
//!
//! Fields are known by name only (the type of `cfg` in `cfg.secret` is not inferred), so a
//! name two config structs give different defaults is ambiguous and resolves to nothing.
//! Empty strings and byte strings are left out: an empty default is the usual "must be set"
//! placeholder, not a key anyone would ship.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Expr, Item};

use crate::detect::is_test_attr;
use crate::index::{self, Env, Val};
use crate::model::cfg::TestFeatures;

/// Field name → its default value, `None` when structs of the package disagree.
#[derive(Debug, Default, Clone)]
pub struct FieldDefaults(pub HashMap<String, Option<Val>>);

impl FieldDefaults {
    /// The default of field `name`, when it is known and unambiguous.
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.0.get(name)?.as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds one default; a different value for a name already present makes it ambiguous.
    pub fn insert(&mut self, name: String, v: Val) {
        match self.0.get(&name) {
            None => {
                self.0.insert(name, Some(v));
            }
            Some(Some(old)) if *old != v => {
                self.0.insert(name, None);
            }
            Some(_) => {}
        }
    }

    pub fn merge(&mut self, other: &FieldDefaults) {
        for (k, v) in &other.0 {
            match v {
                Some(v) => self.insert(k.clone(), v.clone()),
                None => {
                    self.0.insert(k.clone(), None);
                }
            }
        }
    }
}

struct Consts<'a>(&'a HashMap<String, Val>);
impl Env for Consts<'_> {
    fn lookup(&self, name: &str) -> Option<Val> {
        self.0.get(name).cloned()
    }
}

/// What one file says about defaults: `impl Default` struct literals, serde default functions.
struct Collect<'e> {
    /// The package's test-only features.
    features: &'e TestFeatures,
    /// Zero-argument functions: name → tail expression.
    fns: HashMap<String, &'e Expr>,
    /// Fields with `#[serde(default = "path")]`: field → last segment of the function path.
    serde_fns: Vec<(String, String)>,
    /// Field initialisers of `Default::default` bodies.
    fields: Vec<(String, &'e Expr)>,
}

impl<'e> Visit<'e> for Collect<'e> {
    fn visit_item(&mut self, i: &'e Item) {
        let attrs = match i {
            Item::Mod(m) => &m.attrs,
            Item::Impl(m) => &m.attrs,
            Item::Fn(m) => &m.attrs,
            Item::Struct(m) => &m.attrs,
            _ => return syn::visit::visit_item(self, i),
        };
        if !is_test_attr(attrs, self.features) {
            syn::visit::visit_item(self, i);
        }
    }

    fn visit_item_fn(&mut self, f: &'e syn::ItemFn) {
        if f.sig.inputs.is_empty()
            && let Some(e) = tail(&f.block)
        {
            self.fns.insert(f.sig.ident.to_string(), e);
        }
    }

    fn visit_item_struct(&mut self, s: &'e syn::ItemStruct) {
        for f in &s.fields {
            let Some(name) = &f.ident else { continue };
            if let Some(func) = serde_default_fn(&f.attrs) {
                self.serde_fns.push((name.to_string(), func));
            }
        }
    }

    fn visit_item_impl(&mut self, i: &'e syn::ItemImpl) {
        let is_default = i
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last())
            .is_some_and(|s| s.ident == "Default");
        for item in &i.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            if is_default && f.sig.ident == "default" {
                if let Some(Expr::Struct(s)) = tail(&f.block) {
                    for fv in &s.fields {
                        if let syn::Member::Named(n) = &fv.member {
                            self.fields.push((n.to_string(), &fv.expr));
                        }
                    }
                }
            } else if f.sig.inputs.is_empty()
                && let Some(e) = tail(&f.block)
            {
                // `#[serde(default = "Settings::default_ttl")]` names an associated function.
                self.fns.insert(f.sig.ident.to_string(), e);
            }
        }
    }
}

/// The expression a block ends with.
fn tail(b: &syn::Block) -> Option<&Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

/// `#[serde(default = "path::to::f")]`: the function's last segment.
fn serde_default_fn(attrs: &[syn::Attribute]) -> Option<String> {
    let mut found = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = a.parse_nested_meta(|m| {
            if m.path.is_ident("default") && m.input.peek(syn::Token![=]) {
                let s: syn::LitStr = m.value()?.parse()?;
                found = s.value().rsplit("::").next().map(str::to_string);
            } else if m.input.peek(syn::Token![=]) {
                let _: Expr = m.value()?.parse()?;
            }
            Ok(())
        });
    }
    found
}

/// A value worth remembering as a default: concrete, and not an empty placeholder.
fn keep(v: Val) -> Option<Val> {
    match &v {
        Val::ConstRef(_) => None,
        Val::Str(s) if s.is_empty() => None,
        Val::Bytes(b) if b.is_empty() => None,
        _ => Some(v),
    }
}

/// The field defaults a production file defines (items under `#[cfg(test)]` left out).
pub fn of(
    file: &syn::File,
    consts: &HashMap<String, Val>,
    features: &TestFeatures,
) -> FieldDefaults {
    let mut c = Collect {
        features,
        fns: HashMap::new(),
        serde_fns: Vec::new(),
        fields: Vec::new(),
    };
    c.visit_file(file);
    let env = Consts(consts);
    let mut out = FieldDefaults::default();
    for (name, e) in &c.fields {
        if let Some(v) = index::eval(e, &env).and_then(keep) {
            out.insert(name.clone(), v);
        }
    }
    for (name, func) in &c.serde_fns {
        if let Some(v) = c
            .fns
            .get(func)
            .and_then(|e| index::eval(e, &env))
            .and_then(keep)
        {
            out.insert(name.clone(), v);
        }
    }
    out
}

/// The config field an expression reads, looking through the conversions a key or a setting
/// passes on the way (`cfg.secret.as_bytes()`, `&self.settings.ttl`, `cfg.ttl as i64`).
pub fn field_read(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Reference(r) => field_read(&r.expr),
        Expr::Paren(p) => field_read(&p.expr),
        Expr::Cast(c) => field_read(&c.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && index::VALUE_CONVERSIONS.contains(&m.method.to_string().as_str()) =>
        {
            field_read(&m.receiver)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(src: &str) -> FieldDefaults {
        of(
            &syn::parse_file(src).unwrap(),
            &HashMap::new(),
            &TestFeatures::default(),
        )
    }

    #[test]
    fn impl_default_and_serde_default_functions() {
        let d = defaults(
            r#"
            const DAY: u64 = 86400;
            pub struct Settings { secret: String, #[serde(default = "default_ttl")] ttl: u64, secure: bool }
            impl Default for Settings {
                fn default() -> Self {
                    Settings { secret: "change-me-in-prod".to_string(), ttl: 1, secure: false }
                }
            }
            fn default_ttl() -> u64 { 30 * 86400 }
            "#,
        );
        assert_eq!(d.get("secret"), Some(&Val::Str("change-me-in-prod".into())));
        assert_eq!(d.get("secure"), Some(&Val::Bool(false)));
        // Two defaults for `ttl` (the impl and the serde function) disagree: ambiguous.
        assert_eq!(d.get("ttl"), None);
    }

    #[test]
    fn test_items_and_empty_placeholders_are_left_out() {
        let d = defaults(
            r#"
            pub struct C { key: String, name: String }
            impl Default for C { fn default() -> Self { Self { key: String::new(), name: "x".into() } } }
            #[cfg(test)]
            mod tests {
                impl Default for T { fn default() -> Self { Self { token_secret: "test-secret".into() } } }
            }
            "#,
        );
        assert_eq!(d.get("key"), None);
        assert_eq!(d.get("token_secret"), None);
        assert_eq!(d.get("name"), Some(&Val::Str("x".into())));
    }

    #[test]
    fn field_reads_look_through_conversions() {
        let e: Expr = syn::parse_str("&self.settings.secret.as_bytes()").unwrap();
        assert_eq!(field_read(&e).as_deref(), Some("secret"));
        let e: Expr = syn::parse_str("secret.as_bytes()").unwrap();
        assert_eq!(field_read(&e), None);
    }
}
