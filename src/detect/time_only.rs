//! JWT101, claims that can identify no one: a file whose every jsonwebtoken decode reads a claims
//! type made only of time claims (`struct ExpClaim { exp: i64 }`) reads when a token expires,
//! nothing about who holds it. A client does that with a token it fetched itself (to refresh it
//! in time), often with the signature check switched off because it has no key. Such reads, and
//! a `Validation` switched off in the same file, are notes that say why, not errors.

use std::collections::HashSet;

use syn::visit::Visit;

use super::{SIGNATURE_OFF, Walker};

/// Field names of the registered and common time claims.
const TIME_CLAIMS: &[&str] = &[
    "exp",
    "iat",
    "nbf",
    "expires_at",
    "issued_at",
    "not_before",
    "expiration",
    "expiry",
];

/// jsonwebtoken's decoding functions (last path segment), in every API generation.
const DECODES: &[&str] = &[
    "decode",
    "insecure_decode",
    "dangerous_insecure_decode",
    "dangerous_insecure_decode_with_validation",
    "dangerous_unsafe_decode",
];

/// Structs of the file (at any depth) with named fields, all of them time claims.
pub fn time_only_structs(file: &syn::File) -> HashSet<String> {
    struct V(HashSet<String>);
    impl<'ast> Visit<'ast> for V {
        fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
            let syn::Fields::Named(f) = &s.fields else {
                return;
            };
            let all_time = !f.named.is_empty()
                && f.named.iter().all(|x| {
                    x.ident
                        .as_ref()
                        .is_some_and(|i| TIME_CLAIMS.contains(&i.to_string().as_str()))
                });
            if all_time {
                self.0.insert(s.ident.to_string());
            }
        }
    }
    let mut v = V(HashSet::new());
    v.visit_file(file);
    v.0
}

/// Records the claims type of a jsonwebtoken decode call (`decode::<T>(..)`; None when the call
/// names none, so the file no longer counts as reading only time claims).
pub fn note_decode(w: &mut Walker, canon: &[String], path: &syn::Path) {
    let is_decode = canon.first().is_some_and(|c| c == "jsonwebtoken")
        && canon.last().is_some_and(|l| DECODES.contains(&l.as_str()));
    if !is_decode {
        return;
    }
    let claims = path.segments.last().and_then(|s| match &s.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(syn::Type::Path(t)) => {
                t.path.segments.last().map(|s| s.ident.to_string())
            }
            _ => None,
        }),
        _ => None,
    });
    w.decodes.push(claims);
}

/// At the end of a file: when every decode reads a time-only type, the file's unverified reads
/// and switched-off checks are dropped. Such a type says when a token expires, not who holds
/// it: a client checking its own token's expiry, which is fine and no finding.
pub fn finish(w: &mut Walker, time_only: &HashSet<String>) {
    let only_time = !w.decodes.is_empty()
        && w.decodes
            .iter()
            .all(|t| t.as_ref().is_some_and(|t| time_only.contains(t)));
    if !only_time {
        return;
    }
    w.out
        .diagnostics
        .retain(|d| !(d.code == "JWT101" && d.tags.iter().any(|t| t == SIGNATURE_OFF)));
    for f in w.fns.iter_mut() {
        f.pending.clear();
    }
}
