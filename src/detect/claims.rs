//! JWT701 sensitive-claims: a claims struct that the crate signs (derives `Serialize`, named
//! `*Claims` or carrying `exp`) with fields that hold secrets or personal data.

use std::sync::OnceLock;

use serde::Deserialize;

use super::Walker;
use crate::diagnostic::Diagnostic;
use crate::index;

#[derive(Debug, Default, Deserialize)]
struct Data {
    /// Field names that hold secrets (credentials, keys).
    secret_fields: Vec<String>,
    /// Field names that hold personal data.
    personal_fields: Vec<String>,
    /// Crates that sign tokens; the rule runs in packages depending on one of them.
    crates: Vec<String>,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| {
        let r = crate::catalog::catalog()
            .get("JWT701")
            .expect("JWT701 in catalogue");
        Data {
            secret_fields: r.data("secret_fields"),
            personal_fields: r.data("personal_fields"),
            crates: r.data("crates"),
        }
    })
}

fn derives_serialize(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.meta
                .require_list()
                .map(|l| {
                    l.tokens
                        .to_string()
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == "Serialize")
                })
                .unwrap_or(false)
    })
}

fn skipped(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && a.meta
                .require_list()
                .map(|l| l.tokens.to_string().contains("skip"))
                .unwrap_or(false)
    })
}

pub fn check_struct_item(w: &mut Walker, s: &syn::ItemStruct) {
    if !w.ctx.enabled("JWT701")
        || !w.ctx.crates.depends_on_any(&data().crates)
        || !derives_serialize(&s.attrs)
    {
        return;
    }
    let syn::Fields::Named(fields) = &s.fields else {
        return;
    };
    let name = s.ident.to_string();
    let has_exp = fields
        .named
        .iter()
        .any(|f| f.ident.as_ref().map(|i| i == "exp").unwrap_or(false));
    if !name.ends_with("Claims") && !has_exp {
        return;
    }
    let d = data();
    let mut secrets = Vec::new();
    let mut personal = Vec::new();
    for f in &fields.named {
        let Some(id) = &f.ident else { continue };
        if skipped(&f.attrs) {
            continue;
        }
        let n = id.to_string().trim_start_matches("r#").to_ascii_lowercase();
        if d.secret_fields.contains(&n) {
            secrets.push((n, index::span_of(f)));
        } else if d.personal_fields.contains(&n) {
            personal.push((n, index::span_of(f)));
        }
    }
    if secrets.is_empty() && personal.is_empty() {
        return;
    }
    let list = |v: &[(String, std::ops::Range<usize>)]| {
        v.iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let msg = match (secrets.is_empty(), personal.is_empty()) {
        (false, true) => format!(
            "claims struct `{name}` puts secrets ({}) into the token; a JWT payload is only base64-encoded, so anyone holding the token can read them",
            list(&secrets)
        ),
        (true, false) => format!(
            "claims struct `{name}` puts personal data ({}) into the token; a JWT payload is only base64-encoded, so it leaks to every party and log that sees the token",
            list(&personal)
        ),
        _ => format!(
            "claims struct `{name}` puts secrets ({}) and personal data ({}) into the token; a JWT payload is only base64-encoded, so anyone holding the token can read them",
            list(&secrets),
            list(&personal)
        ),
    };
    let mut diag = Diagnostic::new("JWT701", w.ctx.path, index::span_of(&s.ident), msg)
        .with_label("signed claims");
    if !secrets.is_empty() {
        diag = diag.with_level(crate::diagnostic::Level::Error);
    }
    for (n, span) in secrets.iter().chain(personal.iter()) {
        diag = diag.with_secondary(
            w.ctx.path,
            span.clone(),
            format!("`{n}` is readable by anyone holding the token"),
        );
    }
    w.report(diag);
}
