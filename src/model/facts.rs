//! Typed facts that travel between the files of a package, and between the packages of a
//! workspace: what the package-level checks (see `detect::PackageCheck`) are decided with.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::index::Val;

/// The claims type recorded when a signing call's payload type could not be told.
pub const UNKNOWN_TYPE: &str = "*";

/// Facts of one package, gathered from its files. A file's walk fills in its own share (its
/// constants, what it signs and defines); the package's table is the union of its files'.
#[derive(Debug, Default, Clone)]
pub struct PackageFacts {
    /// `const`/`static` values, by their real names (for the deferred checks).
    pub consts: HashMap<String, Val>,
    /// Words some package check asked for that occur in a production file of the package
    /// (a word written `=word` was looked for as a whole identifier).
    pub mentions: HashSet<String>,
    /// Claims types signed in production code, with the file of the signing call
    /// (`(type, file)`; the type is [`UNKNOWN_TYPE`] when it could not be told).
    pub signed: HashSet<(String, String)>,
    /// The subset of `signed` signed as the whole payload (nothing adds `exp` on the way).
    pub signed_raw: HashSet<(String, String)>,
    /// Where production code signs a type as the whole payload: the first such call per
    /// `(type, file)`, so a finding about the type can point at the token being issued.
    pub signing_sites: BTreeMap<(String, String), std::ops::Range<usize>>,
    /// Structs defined, as `(type, file)`.
    pub defines: HashSet<(String, String)>,
    /// The file of the package's first HMAC verification key in production code (JWT301).
    pub hmac_verify: Option<String>,
    /// Serializable structs defined without a token-id (`jti`) field (JWT901).
    pub without_jti: HashSet<String>,
}

impl PackageFacts {
    /// Adds a file's facts; where both hold a value (a constant, the HMAC file), the one
    /// already here stays.
    pub fn merge(&mut self, other: &PackageFacts) {
        for (k, v) in &other.consts {
            self.consts.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self.mentions.extend(other.mentions.iter().cloned());
        self.signed.extend(other.signed.iter().cloned());
        self.signed_raw.extend(other.signed_raw.iter().cloned());
        for (k, v) in &other.signing_sites {
            self.signing_sites
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        self.defines.extend(other.defines.iter().cloned());
        self.without_jti.extend(other.without_jti.iter().cloned());
        if self.hmac_verify.is_none() {
            self.hmac_verify.clone_from(&other.hmac_verify);
        }
    }

    /// Does the package issue its own tokens (one of `issued` occurs in its production code)
    /// without ever naming any of `absent` (the claims such tokens would carry)? Self-issued
    /// tokens without `iss`/`aud` need no `iss`/`aud` check.
    pub fn self_issued_without(&self, issued: &[String], absent: &[String]) -> bool {
        issued.iter().any(|k| self.mentions(k)) && !absent.iter().any(|k| self.mentions(k))
    }

    /// Does the package sign the claims type `name` that the file `file` names (verifies)? When
    /// `file` defines a `name` itself, only signing calls in `file`, or in files that define no
    /// `name` of their own, sign that type; otherwise any signing call of `name` does when at
    /// most one file defines it (two `Claims` of two modules are two types).
    pub fn signs_type_named_in(&self, name: &str, file: &str) -> bool {
        let definers = self.defines.iter().filter(|(n, _)| n == name).count();
        let own = self.defines(name, file);
        self.signed.iter().any(|(n, g)| {
            n == name && (g == file || !self.defines(n, g) || (!own && definers <= 1))
        })
    }

    /// Does production code of the package sign any claims at all?
    pub fn signs_any(&self) -> bool {
        !self.signed.is_empty()
    }

    /// The claims types signed whose name is known.
    pub fn signed_types(&self) -> impl Iterator<Item = &str> {
        self.signed
            .iter()
            .map(|(t, _)| t.as_str())
            .filter(|t| *t != UNKNOWN_TYPE)
    }

    /// Was `word` found in a production file of the package?
    pub fn mentions(&self, word: &str) -> bool {
        self.mentions.contains(word)
    }

    /// Does the file `file` define a struct `name`?
    pub fn defines(&self, name: &str, file: &str) -> bool {
        self.defines.contains(&(name.to_string(), file.to_string()))
    }
}

/// Facts of the whole workspace, one entry per package (the package's index into the
/// workspace's members; `None` for files outside any package).
#[derive(Debug, Default, Clone)]
pub struct WorkspaceFacts {
    /// Packages that verify tokens with an HMAC key, with the file that does (JWT301).
    pub hmac_verifiers: BTreeMap<Option<usize>, String>,
}

impl WorkspaceFacts {
    /// The workspace facts of a set of package tables.
    pub fn of<'a>(
        packages: impl IntoIterator<Item = (&'a Option<usize>, &'a PackageFacts)>,
    ) -> Self {
        let hmac_verifiers = packages
            .into_iter()
            .filter_map(|(p, f)| Some((*p, f.hmac_verify.clone()?)))
            .collect();
        WorkspaceFacts { hmac_verifiers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_first_constant_and_hmac_file() {
        let mut a = PackageFacts::default();
        a.consts.insert("K".into(), Val::Bool(true));
        a.hmac_verify = Some("a.rs".into());
        let mut b = PackageFacts::default();
        b.consts.insert("K".into(), Val::Bool(false));
        b.hmac_verify = Some("b.rs".into());
        b.signed.insert(("Claims".into(), "b.rs".into()));
        a.merge(&b);
        assert!(matches!(a.consts.get("K"), Some(Val::Bool(true))));
        assert_eq!(a.hmac_verify.as_deref(), Some("a.rs"));
        assert!(a.signs_any());
        assert_eq!(a.signed_types().collect::<Vec<_>>(), ["Claims"]);
    }

    #[test]
    fn a_signed_type_is_told_from_a_namesake_of_another_file() {
        let mut a = PackageFacts::default();
        a.defines.insert(("Claims".into(), "auth.rs".into()));
        a.defines.insert(("Claims".into(), "user.rs".into()));
        a.signed.insert(("Claims".into(), "auth.rs".into()));
        assert!(a.signs_type_named_in("Claims", "auth.rs"));
        assert!(!a.signs_type_named_in("Claims", "user.rs"));
        // One definition, signed in one file and verified in another.
        a.defines.insert(("Refresh".into(), "claims.rs".into()));
        a.signed.insert(("Refresh".into(), "mint.rs".into()));
        assert!(a.signs_type_named_in("Refresh", "check.rs"));
    }

    #[test]
    fn unknown_types_are_not_named() {
        let mut a = PackageFacts::default();
        a.signed.insert((UNKNOWN_TYPE.into(), "a.rs".into()));
        assert!(a.signs_any());
        assert_eq!(a.signed_types().count(), 0);
    }
}
