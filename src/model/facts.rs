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
    /// The HMAC verification keys of the package's production code (JWT301), in walk order,
    /// at most [`MAX_HMAC_KEYS`] per file.
    pub hmac_keys: Vec<HmacKey>,
    /// Serializable structs defined without a token-id (`jti`) field (JWT901).
    pub without_jti: HashSet<String>,
    /// A logout of the package ends server-side sessions or tokens (`delete_session(..)`),
    /// which requests are checked against: a revocation path (JWT901).
    pub ends_sessions: bool,
    /// Defaults of configuration fields (`impl Default`, serde default functions).
    pub field_defaults: super::config_defaults::FieldDefaults,
    /// For each function name production code calls: the claims its callers check by hand,
    /// themselves or through `&mut` helpers (a held JWT202/JWT501 finding in a function of
    /// another file is moot when its callers check the claim).
    pub checks_by_callee: HashMap<String, crate::detect::manual_checks::ClaimChecks>,
    /// Names of production functions that sign tokens (JWT601: a refresh handler in another
    /// file whose helper mints the new pair).
    pub signing_fns: HashSet<String>,
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
        self.field_defaults.merge(&other.field_defaults);
        self.ends_sessions |= other.ends_sessions;
        self.hmac_keys.extend(other.hmac_keys.iter().cloned());
        self.signing_fns.extend(other.signing_fns.iter().cloned());
        for (k, v) in &other.checks_by_callee {
            self.checks_by_callee
                .entry(k.clone())
                .or_default()
                .extend(v);
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

    /// The value a deferred check waits for: a constant, or a config field's default.
    pub fn value_of(&self, what: &ValueRef) -> Option<&Val> {
        match what {
            ValueRef::Const(n) => self.consts.get(n),
            ValueRef::Field(n) => self.field_defaults.get(n),
        }
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

/// How many HMAC verification keys a file records (the rest add nothing to JWT301).
pub const MAX_HMAC_KEYS: usize = 16;

/// Where an HMAC verification key comes from, as far as the source shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Literal key bytes.
    Literal(Vec<u8>),
    /// An environment variable (`env::var("JWT_SECRET")`, `env!(..)`), by name.
    Env(String),
    /// A field of a configuration or state value with a generic secret name (`cfg.jwt_secret`),
    /// by field name.
    Field(String),
    /// A field whose name gives the secret a purpose of its own (`self.email_link_secret`):
    /// a dedicated secret, not the one a key of unknown origin may hold.
    Dedicated(String),
    /// A function of the workspace that hands out the secret (`keys::platform_secret()`,
    /// `hmac_secret_from_env(SHARED_VAR)`), by name and literal argument: packages calling the
    /// same helper share its secret.
    Helper(String),
    /// A parameter of the function that builds the key: the secret is whatever its callers
    /// pass, which this key alone does not show.
    Param,
    /// The contents of a file read at run time, by its literal path (a `static` key loaded
    /// with `fs::read("/etc/app/hmac.key")`): that file's own secret.
    File(String),
    /// Random bytes made by the process itself (a zeroed buffer an RNG fills, `rand::random()`):
    /// no other service can hold them.
    Random,
    /// Anything else (a file read at run time, a value the source does not show).
    Unknown,
}

/// A secret's name for comparison: ASCII lowercase, without `_` and `-`
/// (`JWT_SECRET` and `jwt_secret` name the same setting).
fn setting_name(n: &str) -> String {
    n.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Could a helper named `h` hand out the setting `v`? Its name's own words (without `get`,
/// `load`, `jwt`, `secret`, ...) all occur in the setting's name: `platform_secret()` and
/// `PLATFORM_JWT_SECRET`. A helper with arguments is known by them instead: `from_env(VAR)`
/// reads `VAR`.
fn helper_reads(h: &str, v: &str) -> bool {
    const NOISE: &[&str] = &[
        "get", "load", "read", "fetch", "from", "env", "jwt", "secret", "key", "hmac", "token",
        "bytes",
    ];
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase())
            .collect()
    };
    if let Some((_, args)) = h.split_once('(') {
        let v = setting_name(v);
        return args
            .trim_end_matches(')')
            .split(", ")
            .any(|a| setting_name(a) == v);
    }
    let own: Vec<String> = words(h)
        .into_iter()
        .filter(|w| !NOISE.contains(&w.as_str()))
        .collect();
    let theirs = words(v);
    !own.is_empty() && own.iter().all(|w| theirs.contains(w))
}

impl KeySource {
    /// Could two keys be the same secret? A literal is the secret of the package that holds
    /// it, shared only by a package holding the same literal; two differently named
    /// environment variables or configuration fields name two secrets (a field and a variable
    /// of the same name may be one: `jwt_secret` loaded from `JWT_SECRET`); a key of unknown
    /// origin could be the secret of any variable or field, but not a dedicated one, a helper's
    /// (two callers of one helper share it) or random bytes of the process.
    pub fn may_equal(&self, other: &KeySource) -> bool {
        use KeySource::*;
        match (self, other) {
            (Literal(a), Literal(b)) => a == b,
            (Literal(_), _) | (_, Literal(_)) => false,
            (Random | Param, _) | (_, Random | Param) => false,
            (File(a), File(b)) => a == b,
            (File(_), _) | (_, File(_)) => false,
            (Dedicated(_) | Helper(_), Unknown) | (Unknown, Dedicated(_) | Helper(_)) => false,
            (Unknown, _) | (_, Unknown) => true,
            (Helper(h), Env(v) | Field(v) | Dedicated(v))
            | (Env(v) | Field(v) | Dedicated(v), Helper(h)) => {
                setting_name(h) == setting_name(v) || helper_reads(h, v)
            }
            (
                Env(a) | Field(a) | Dedicated(a) | Helper(a),
                Env(b) | Field(b) | Dedicated(b) | Helper(b),
            ) => setting_name(a) == setting_name(b),
        }
    }
}

/// One HMAC verification key of a package: where it is made and from what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacKey {
    pub file: String,
    pub span: std::ops::Range<usize>,
    pub source: KeySource,
}

/// What a deferred check needs the package to know.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueRef {
    /// A `const`/`static` defined in another file.
    Const(String),
    /// A config field read as `cfg.name`, by its default.
    Field(String),
}

/// Facts of the whole workspace, one entry per package (the package's index into the
/// workspace's members; `None` for files outside any package).
#[derive(Debug, Default, Clone)]
pub struct WorkspaceFacts {
    /// Packages that verify tokens with an HMAC key, with their keys (JWT301).
    pub hmac_verifiers: BTreeMap<Option<usize>, Vec<HmacKey>>,
}

impl WorkspaceFacts {
    /// The workspace facts of a set of package tables.
    pub fn of<'a>(
        packages: impl IntoIterator<Item = (&'a Option<usize>, &'a PackageFacts)>,
    ) -> Self {
        let hmac_verifiers = packages
            .into_iter()
            .filter(|(_, f)| !f.hmac_keys.is_empty())
            .map(|(p, f)| (*p, f.hmac_keys.clone()))
            .collect();
        WorkspaceFacts { hmac_verifiers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_first_constant_and_every_hmac_key() {
        let key = |f: &str| HmacKey {
            file: f.into(),
            span: 0..1,
            source: KeySource::Unknown,
        };
        let mut a = PackageFacts::default();
        a.consts.insert("K".into(), Val::Bool(true));
        a.hmac_keys.push(key("a.rs"));
        let mut b = PackageFacts::default();
        b.consts.insert("K".into(), Val::Bool(false));
        b.hmac_keys.push(key("b.rs"));
        b.signed.insert(("Claims".into(), "b.rs".into()));
        a.merge(&b);
        assert!(matches!(a.consts.get("K"), Some(Val::Bool(true))));
        assert_eq!(a.hmac_keys, [key("a.rs"), key("b.rs")]);
        assert!(a.signs_any());
        assert_eq!(a.signed_types().collect::<Vec<_>>(), ["Claims"]);
    }

    #[test]
    fn key_sources_that_cannot_be_one_secret() {
        let lit = |s: &str| KeySource::Literal(s.as_bytes().to_vec());
        let env = |s: &str| KeySource::Env(s.into());
        assert!(!lit("a").may_equal(&lit("b")));
        assert!(lit("a").may_equal(&lit("a")));
        assert!(!lit("a").may_equal(&env("A")));
        assert!(!env("A").may_equal(&env("B")));
        assert!(env("A").may_equal(&env("A")));
        assert!(!KeySource::Unknown.may_equal(&lit("a")));
        assert!(KeySource::Unknown.may_equal(&env("A")));
        assert!(KeySource::Unknown.may_equal(&KeySource::Unknown));
        let field = |s: &str| KeySource::Field(s.into());
        assert!(field("jwt_secret").may_equal(&env("JWT_SECRET")));
        assert!(!field("email_link_secret").may_equal(&field("jwt_secret")));
        let helper = |s: &str| KeySource::Helper(s.into());
        assert!(helper("platform_secret").may_equal(&helper("platform_secret")));
        assert!(!helper("platform_secret").may_equal(&helper("ledger_secret")));
        assert!(!helper("platform_secret").may_equal(&KeySource::Unknown));
        assert!(!helper("platform_secret").may_equal(&env("LEDGER_JWT_SECRET")));
        assert!(helper("jwt_secret").may_equal(&env("JWT_SECRET")));
        assert!(helper("platform_secret").may_equal(&env("PLATFORM_JWT_SECRET")));
        assert!(!helper("get_secret").may_equal(&env("PLATFORM_JWT_SECRET")));
        assert!(helper("from_env(A_SECRET)").may_equal(&env("A_SECRET")));
        assert!(!helper("from_env(A_SECRET)").may_equal(&env("B_SECRET")));
        assert!(!KeySource::Random.may_equal(&KeySource::Random));
        assert!(!KeySource::Random.may_equal(&KeySource::Unknown));
        assert!(!field("email_link_secret").may_equal(&env("JWT_SECRET")));
        let dedicated = KeySource::Dedicated("email_link_secret".into());
        assert!(!dedicated.may_equal(&KeySource::Unknown));
        assert!(field("secret").may_equal(&KeySource::Unknown));
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
