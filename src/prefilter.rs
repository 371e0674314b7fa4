//! The prefilter: one Aho-Corasick pass over a file's bytes decides whether any rule could match
//! it, before the (much more expensive) lexing, parsing and walking.
//!
//! The patterns are derived from the catalogue (`rules/*.md`, `[data]`), never written by hand:
//! - every string that names a path (`call`, `path`, `header_sources`, `sinks.call`, ... anything
//!   with `::`) requires its last segment; when the segment before it is a type (starts with an
//!   upper-case letter, as in `EncodingKey::from_secret`), both words are required, because an
//!   associated function can only be named through its type (`use` of an associated function is
//!   not possible) and a file-local alias still names the type in its `use`;
//! - every other identifier-like string in the data (`method`, `field`, `struct`, the lists of
//!   field and method names such as `exp_fields`, `secret_fields`, `write_methods`,
//!   `alg_members`, handle methods ...) is a trigger on its own;
//! - strings under [`QUALIFIER_KEYS`] only narrow a match that something else started (messages,
//!   versions, crate gates, key words such as `token_words`), so they are not triggers;
//! - the extern names of the package's JWT-related dependencies (`jwt`, `jsonwebtoken`, renamed
//!   ones too) are triggers in that package.
//!
//! Matches count only as whole identifiers (the bytes around them are not `[A-Za-z0-9_]`): every
//! detector compares whole identifiers or path segments, and this keeps `exp` from matching
//! `expect`. A file with no trigger but a `jwtlint:` directive is only scanned for directives (so
//! unused suppressions are still reported); a file with neither is skipped.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::index::CrateMap;

/// Keys of `[data]` tables whose strings qualify a match but never start one.
pub const QUALIFIER_KEYS: &[&str] = &[
    "message",
    // claim lists and verify-only calls: their messages, the list's element type, the variant
    // it must hold and the words that quiet them narrow a match their `call`/`method` started.
    "missing",
    "conditional",
    "variant_of",
    "requires",
    "quiet",
    // JWT101's "what happens next": verifying APIs and verifier words only quiet a finding.
    "verified_by_calls",
    "verified_by_methods",
    "verified_by_method_crates",
    "verified_by_verifier_arg",
    "verifier_arg_words",
    "decision_words",
    "anti_forgery_words",
    "secret_env_words",
    "identifier_words",
    "not_identifier_words",
    "decision_verbs",
    "own_expiry_words",
    "verifier_words",
    "display_words",
    "expiry_reader_words",
    "server_crates",
    "http_client_crates",
    "own_token_sources",
    // JWT501's self-issued tokens: words of the package's facts, not triggers.
    "self_issued_words",
    "self_issued",
    "by_design_in",
    "covers",
    "issued",
    "absent",
    "absent_words",
    "help",
    "level",
    // Roles of a finding for later passes (`empty-key`, `signature-off`), not words.
    "tags",
    // Claims whose hand-written check quiets a finding (`exp`, `iss`, `aud`), not triggers.
    "unless_checked",
    "versions",
    "crates",
    "storage",
    "receiver",
    "value",
    "args",
    "token_words",
    "weak_token_words",
    "weak_token_followers",
    "refresh_words",
    // JWT401: a write method matters only on a storage handle, which `handles` names.
    "write_methods",
    // JWT102: alg members and allow-lists matter only on a value from `header_sources`.
    "alg_members",
    "allowlist_fields",
    "key_members",
    // JWT801: words that mark a struct or value as JWT-related.
    "jwt_words",
    // JWT801: words of an embedded file's name that make it a public key, not a secret.
    "public_file_words",
    // JWT401: cookie-name fields matter only next to a flag field (`cookie_flags`).
    "cookie_name_fields",
    "flag",
    // JWT402: attributes matter only on a cookie built with one of `constructors`.
    "http_only",
    "secure",
    "same_site",
    "removal",
    "secure_by_framework",
    "private_adders",
    "removal_adders",
    "tuple_adders",
    // JWT501: issuer/audience configuration matters only on a `validation_ctors` value.
    "asymmetric",
    "issuer_methods",
    "audience_methods",
    "issuer_fields",
    "audience_fields",
    "any_aud_versions",
    // JWT104: algorithm names and narrowing methods matter only on an allowlist `lists` names.
    "hmac_algs",
    "narrowing",
    // JWT701/JWT204: field names matter only in a claims struct the package signs (the signing
    // call is the trigger; struct definitions in skipped files are found lazily).
    "claim_secret_fields",
    "claim_personal_fields",
    "claim_secret_words",
    "claim_secret_pairs",
    "claims_wrappers",
    "id_token_fields",
    "claims_wrapper_calls",
    "claim_personal_words",
    "chain",
    // JWT601/JWT901: words judged inside a function or package something else made relevant.
    "retire_words",
    "logout_words",
    "revocation_words",
    "jti_reads",
    "version_words",
    "access_type_words",
    "jti_fields",
    "end_verbs",
    "session_nouns",
    // JWT201: struct-name words that tell a server-side record from a token.
    "record_words",
    // JWT101: type-name words of a token verified before the value was made.
    "verified_type_words",
    // Narrowing keys of `[[data.match]]`: the value a field is set to, list and closure
    // arguments, version requirements.
    "value_path",
    "lacks",
    "closure_returns",
    "closure_calls",
    "version_req",
    // verify-only calls: the label and note of their findings.
    "label",
    "returned_note",
    // `[[data.configure]]`: what the value must be given, and what finishes or unsets it,
    // matter only on a value built by its `from` (the trigger).
    "needs",
    "other",
    "moot",
    "terminal",
    "unset",
    // Version notes add text to findings; they start nothing.
    "crate",
    "note",
];

/// Keys whose names matter only in a file that mentions JWTs, and the texts that say so. This
/// mirrors the JWT801 detector's own gate on secret fields (`jwt_file` in `detect/secrets.rs`):
/// a field named `key` is only a JWT secret in a file that talks about JWTs.
pub const JWT_FILE_KEYS: &[&str] = &["secret_fields", "generic_secret_fields", "cookie_flags"];
pub const JWT_FILE_MARKERS: &[&str] = &["jwt", "Jwt", "JWT", "jsonwebtoken"];

/// Keys whose names matter only in a file that mentions JWTs or in a package that depends on a
/// JWT crate (`deps::jwt_crates`). This mirrors the JWT201 detector's gate on expiry fields
/// (`jwt_context` in `detect/lifetime.rs`): `exp` is a float parser's exponent far more often
/// than a claim. JWT801's `env_lookups` make a settings file of such a package worth parsing for
/// literal fallbacks of secret-named variables, although it names no JWT API.
pub const JWT_CONTEXT_KEYS: &[&str] = &["exp_fields", "env_lookups"];

/// The suppression marker (see `suppress::scan`).
const DIRECTIVE: &str = "jwtlint:";

/// What to do with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some rule could match: parse and walk it.
    Parse,
    /// No rule can match, but the file holds suppression directives: scan those only.
    Directives,
    /// Nothing in this file can produce a finding.
    Skip,
}

/// One condition that makes a file worth parsing: all of `words` occur in it, in a package that
/// depends on one of `crates` (empty: any package). Crate-specific entries are gated the way the
/// detectors gate them: the entry's `crates`, else the first segment of its path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Requirement {
    pub words: Vec<String>,
    pub crates: Vec<String>,
    /// Also needs one of [`JWT_FILE_MARKERS`] anywhere in the text.
    pub jwt_file: bool,
    /// Also needs a JWT crate among the package's dependencies or one of [`JWT_FILE_MARKERS`]
    /// anywhere in the text.
    pub jwt_context: bool,
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f == '_' || f.is_ascii_alphabetic())
        && c.all(|x| x == '_' || x.is_ascii_alphanumeric())
}

fn from_path(p: &str, crates: &[String]) -> Option<Requirement> {
    let segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
    let last = *segs.last()?;
    if !is_ident(last) {
        return None;
    }
    let mut words = vec![last.to_string()];
    if segs.len() >= 3 {
        let ty = segs[segs.len() - 2];
        if is_ident(ty) && ty.starts_with(|c: char| c.is_ascii_uppercase()) {
            words.insert(0, ty.to_string());
        }
    }
    let crates = if crates.is_empty() && segs.len() >= 2 {
        vec![segs[0].replace('_', "-")]
    } else {
        crates.to_vec()
    };
    Some(Requirement {
        words,
        crates,
        jwt_file: false,
        jwt_context: false,
    })
}

fn collect(key: &str, v: &toml::Value, gate: &[String], out: &mut BTreeSet<Requirement>) {
    collect_in(key, v, gate, (false, false), out)
}

/// `flags`: (JWT file, JWT context) gates of the keys above.
fn collect_in(
    key: &str,
    v: &toml::Value,
    gate: &[String],
    flags: (bool, bool),
    out: &mut BTreeSet<Requirement>,
) {
    if QUALIFIER_KEYS.contains(&key) {
        return;
    }
    // A JWT-file (or JWT-context) key gates every name below it, nested tables included.
    let flags = (
        flags.0 || JWT_FILE_KEYS.contains(&key),
        flags.1 || JWT_CONTEXT_KEYS.contains(&key),
    );
    let (jwt_file, jwt_context) = flags;
    match v {
        toml::Value::String(s) if s.contains("::") => out.extend(from_path(s, gate)),
        toml::Value::String(s) if is_ident(s) => {
            out.insert(Requirement {
                words: vec![s.clone()],
                crates: gate.to_vec(),
                jwt_file,
                jwt_context,
            });
        }
        toml::Value::Array(a) => a.iter().for_each(|x| collect_in(key, x, gate, flags, out)),
        toml::Value::Table(t) => {
            // An entry's own `crates` gates every name in it.
            let own: Vec<String> = t
                .get("crates")
                .and_then(|c| c.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let gate = if own.is_empty() { gate } else { &own };
            t.iter()
                .for_each(|(k, x)| collect_in(k, x, gate, flags, out))
        }
        _ => {}
    }
}

/// Every requirement the catalogue's rules give (sorted, deduplicated).
pub fn rule_requirements() -> Vec<Requirement> {
    let mut out = BTreeSet::new();
    for r in &crate::catalog::catalog().rules {
        for (k, v) in &r.data {
            collect(k, v, &[], &mut out);
        }
    }
    out.into_iter().collect()
}

/// A word that makes a top-level item of a large file worth parsing (see `split`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ItemWord {
    pub word: String,
    /// Counts only as a whole identifier (else anywhere, as a substring).
    pub whole: bool,
}

/// The words that make an item of a large file worth parsing: every requirement's words (any
/// crate gate), the names and path segments under qualifier keys (as substrings: detectors
/// match some of them inside identifiers and strings), the segments of the advisories'
/// `reached_by` paths, every known crate name and the JWT-file markers. A superset of what the
/// prefilter asks of a whole file, because an item is judged without the rest of its file.
pub fn item_words() -> &'static [ItemWord] {
    static WORDS: std::sync::OnceLock<Vec<ItemWord>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        fn qualifiers(key: &str, v: &toml::Value, inside: bool, out: &mut BTreeSet<String>) {
            let inside = inside || QUALIFIER_KEYS.contains(&key);
            match v {
                toml::Value::String(s) if inside => {
                    out.extend(s.split("::").filter(|w| is_ident(w)).map(String::from))
                }
                toml::Value::Array(a) => a.iter().for_each(|x| qualifiers(key, x, inside, out)),
                toml::Value::Table(t) => t.iter().for_each(|(k, x)| qualifiers(k, x, inside, out)),
                _ => {}
            }
        }
        let mut whole: BTreeSet<String> = rule_requirements()
            .into_iter()
            .flat_map(|r| r.words)
            .collect();
        for p in crate::deps::reached_by_paths() {
            whole.extend(p.split("::").filter(|w| is_ident(w)).map(String::from));
        }
        whole.extend(
            crate::lint::known_crates()
                .iter()
                .map(|c| c.replace('-', "_")),
        );
        let mut sub: BTreeSet<String> = JWT_FILE_MARKERS.iter().map(|m| m.to_string()).collect();
        for r in &crate::catalog::catalog().rules {
            for (k, v) in &r.data {
                qualifiers(k, v, false, &mut sub);
            }
        }
        let mut out: Vec<ItemWord> = whole
            .into_iter()
            .filter(|w| !sub.contains(w))
            .map(|word| ItemWord { word, whole: true })
            .collect();
        out.extend(sub.into_iter().map(|word| ItemWord { word, whole: false }));
        out
    })
}

#[derive(Debug, Clone)]
enum Role {
    /// A word of these requirements (indices into `reqs`).
    Word(Vec<usize>),
    /// An extern crate name: a trigger in packages that depend on it under that name.
    Extern,
    Directive,
}

/// Active requirement indices, active extern names, and whether the package depends on a
/// JWT crate (which settles the requirements with `jwt_context`).
type CacheKey = (Vec<usize>, Vec<String>, bool);

/// The automata of the process, one per distinct key: the catalogue is the same for every
/// workspace, so a run over hundreds of workspaces with the same dependencies builds each
/// automaton once. At most [`MAX_CACHED_MATCHERS`] are kept; past that, one is built per use.
fn matcher_cache() -> &'static Mutex<HashMap<CacheKey, Arc<Matcher>>> {
    static CACHE: std::sync::OnceLock<Mutex<HashMap<CacheKey, Arc<Matcher>>>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Bound on the automata kept for the process (each is tens of kilobytes).
const MAX_CACHED_MATCHERS: usize = 256;

/// The catalogue's requirements, computed once per process.
fn requirements() -> &'static [Requirement] {
    static REQS: std::sync::OnceLock<Vec<Requirement>> = std::sync::OnceLock::new();
    REQS.get_or_init(rule_requirements)
}

/// The prefilter of a run: the catalogue's requirements and one automaton per set of active
/// requirements (built on first use, shared by the whole process). A package's automaton holds
/// only the words that can matter in it: `new` (of `Validation::new`) is no pattern in a package
/// without jsonwebtoken, so the search does not stop at every `new` of a vendored tree. The
/// automaton is chosen once per package ([`Prefilter::matcher`]), not per file.
pub struct Prefilter {
    externs: Vec<String>,
    all: std::sync::OnceLock<Matcher>,
}

impl Prefilter {
    /// The prefilter for the catalogue and these extern crate names (with `_`).
    pub fn new(extern_names: &[String]) -> Prefilter {
        Prefilter {
            externs: extern_names.to_vec(),
            all: std::sync::OnceLock::new(),
        }
    }

    /// All patterns any package can use.
    pub fn patterns(&self) -> &[String] {
        self.all
            .get_or_init(|| Matcher::new(requirements().to_vec(), &self.externs))
            .patterns()
    }

    /// The automaton for the files of a package with these dependencies (shared by every
    /// package with the same active requirements).
    pub fn matcher(&self, crates: &CrateMap) -> Arc<Matcher> {
        let reqs = requirements();
        let active: Vec<usize> = (0..reqs.len())
            .filter(|&i| crates.depends_on_any(&reqs[i].crates))
            .collect();
        let externs: Vec<String> = self
            .externs
            .iter()
            .filter(|e| crates.externs.contains_key(*e))
            .cloned()
            .collect();
        let jwt_dep = crates.depends_on_any(crate::deps::jwt_crates());
        let key = (active, externs, jwt_dep);
        let cache = matcher_cache();
        if let Some(m) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return m.clone();
        }
        let m = Arc::new(build_matcher(&key));
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < MAX_CACHED_MATCHERS {
            cache.insert(key, m.clone());
        }
        m
    }

    /// Decides what to do with one file of a package with these dependencies.
    pub fn decide(&self, text: &[u8], crates: &CrateMap) -> Decision {
        self.matcher(crates).decide(text, crates)
    }
}

/// The automaton of one cache key.
fn build_matcher((active, externs, jwt_dep): &CacheKey) -> Matcher {
    let reqs = requirements();
    let reqs = active
        .iter()
        .map(|&i| {
            let mut r = reqs[i].clone();
            // A JWT dependency settles the context; without one the text must say.
            r.jwt_file |= r.jwt_context && !jwt_dep;
            r.jwt_context = false;
            r
        })
        .collect();
    Matcher::new(reqs, externs)
}

/// One automaton over a set of requirements.
pub struct Matcher {
    ac: AhoCorasick,
    patterns: Vec<String>,
    roles: Vec<Vec<Role>>,
    /// Requirements: the pattern ids that must all occur, and the crate gate.
    reqs: Vec<(Vec<usize>, Vec<String>, bool)>,
}

fn ident_byte(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

impl Matcher {
    /// Builds the automaton from these requirements and extern crate names (with `_`).
    pub fn new(requirements: Vec<Requirement>, extern_names: &[String]) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut roles: Vec<Vec<Role>> = Vec::new();
        let mut id_of = |w: &str, roles: &mut Vec<Vec<Role>>| -> usize {
            *ids.entry(w.to_string()).or_insert_with(|| {
                patterns.push(w.to_string());
                roles.push(Vec::new());
                patterns.len() - 1
            })
        };
        let mut reqs: Vec<(Vec<usize>, Vec<String>, bool)> = Vec::new();
        for Requirement {
            words,
            crates,
            jwt_file,
            jwt_context,
        } in requirements
        {
            // Without the package's dependencies at hand, a JWT context is a JWT file
            // ([`Prefilter::matcher`] settles it per package).
            let jwt_file = jwt_file || jwt_context;
            let r = reqs.len();
            let members: Vec<usize> = words.iter().map(|w| id_of(w, &mut roles)).collect();
            for &m in &members {
                match roles[m].iter_mut().find(|x| matches!(x, Role::Word(_))) {
                    Some(Role::Word(v)) => v.push(r),
                    _ => roles[m].push(Role::Word(vec![r])),
                }
            }
            reqs.push((members, crates, jwt_file));
        }
        for e in extern_names {
            if is_ident(e) {
                let id = id_of(e, &mut roles);
                roles[id].push(Role::Extern);
            }
        }
        let id = id_of(DIRECTIVE, &mut roles);
        roles[id].push(Role::Directive);
        // A DFA: the fastest search, and the automaton is small (a few hundred short words).
        let ac = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .expect("prefilter patterns build");
        Matcher {
            ac,
            patterns,
            roles,
            reqs,
        }
    }

    /// All patterns of the automaton.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Decides what to do with one file of a package with these dependencies.
    pub fn decide(&self, text: &[u8], crates: &CrateMap) -> Decision {
        let mut seen = vec![false; self.patterns.len()];
        let mut left: Vec<usize> = self.reqs.iter().map(|r| r.0.len()).collect();
        let mut directive = false;
        let mut jwt_file: Option<bool> = None;
        for m in self.ac.find_iter(text) {
            let id = m.pattern().as_usize();
            let roles = &self.roles[id];
            if matches!(roles.as_slice(), [Role::Directive]) {
                directive = true;
                continue;
            }
            // Whole identifiers only (every other pattern is an identifier).
            let before = m.start().checked_sub(1).map(|i| text[i]);
            let after = text.get(m.end()).copied();
            if before.is_some_and(ident_byte) || after.is_some_and(ident_byte) {
                continue;
            }
            if seen[id] {
                continue;
            }
            seen[id] = true;
            for r in roles {
                match r {
                    Role::Extern if crates.externs.contains_key(&self.patterns[id]) => {
                        return Decision::Parse;
                    }
                    Role::Word(rs) => {
                        for &r in rs {
                            left[r] -= 1;
                            let (_, gate, needs_jwt) = &self.reqs[r];
                            if left[r] == 0
                                && crates.depends_on_any(gate)
                                && (!needs_jwt
                                    || *jwt_file.get_or_insert_with(|| {
                                        JWT_FILE_MARKERS.iter().any(|k| {
                                            memchr::memmem::find(text, k.as_bytes()).is_some()
                                        })
                                    }))
                            {
                                return Decision::Parse;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if directive {
            Decision::Directives
        } else {
            Decision::Skip
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_data_strings(key: &str, v: &toml::Value, out: &mut Vec<(String, String)>) {
        match v {
            toml::Value::String(s) => out.push((key.to_string(), s.clone())),
            toml::Value::Array(a) => a.iter().for_each(|x| all_data_strings(key, x, out)),
            toml::Value::Table(t) => t.iter().for_each(|(k, x)| all_data_strings(k, x, out)),
            _ => {}
        }
    }

    /// Guards against a new `[data]` key of everyday words left out of [`QUALIFIER_KEYS`]: a
    /// word that starts a parse in every package, JWT or not, must be JWT-specific. (A key of
    /// words like `session` or `delete` made the prefilter parse most files of every crate.)
    #[test]
    fn ungated_triggers_are_not_everyday_words() {
        const EVERYDAY: &[&str] = &[
            "session",
            "sessions",
            "cache",
            "lock",
            "delete",
            "remove",
            "end",
            "clear",
            "token",
            "tokens",
            "key",
            "secret",
            "name",
            "value",
            "data",
            "id",
            "user",
            "config",
            "default",
            "expires_at",
            "invite",
            "verification",
            "claims",
            "payload",
            "verified",
            "accepted",
            "validated",
            "trusted",
            "revoke",
            "destroy",
            "grant",
            "kill",
        ];
        for r in rule_requirements() {
            if !r.crates.is_empty() || r.jwt_file || r.jwt_context || r.words.len() != 1 {
                continue;
            }
            assert!(
                !EVERYDAY.contains(&r.words[0].as_str()),
                "`{}` triggers a parse in every package: put its `[data]` key in QUALIFIER_KEYS or gate it",
                r.words[0]
            );
        }
    }

    /// Guards against drift: every name in every rule's `[data]` (except qualifier keys) is a
    /// pattern, and a path's last segment is always required.
    #[test]
    fn every_name_in_the_catalogue_is_a_pattern() {
        let pf = Prefilter::new(&[]);
        let pats: BTreeSet<&str> = pf.patterns().iter().map(String::as_str).collect();
        let reqs = rule_requirements();
        let mut checked = 0;
        for r in &crate::catalog::catalog().rules {
            let mut strings = Vec::new();
            for (k, v) in &r.data {
                all_data_strings(k, v, &mut strings);
            }
            for (key, s) in strings {
                if QUALIFIER_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let word = if s.contains("::") {
                    s.rsplit("::").next().unwrap().to_string()
                } else if is_ident(&s) {
                    s.clone()
                } else {
                    continue;
                };
                assert!(
                    pats.contains(word.as_str()),
                    "{}: `{s}` ({key}) has no pattern `{word}`",
                    r.code
                );
                assert!(
                    reqs.iter().any(|q| q.words.last() == Some(&word)),
                    "{}: `{word}` is required by no requirement",
                    r.code
                );
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} names checked");
    }

    #[test]
    fn every_data_key_is_a_trigger_or_a_known_qualifier() {
        // A new key in `[data]` is a trigger by default; this lists what the catalogue uses so a
        // reviewer sees when one appears.
        let mut keys = BTreeSet::new();
        fn walk(v: &toml::Value, keys: &mut BTreeSet<String>) {
            match v {
                toml::Value::Table(t) => t.iter().for_each(|(k, x)| {
                    keys.insert(k.clone());
                    walk(x, keys)
                }),
                toml::Value::Array(a) => a.iter().for_each(|x| walk(x, keys)),
                _ => {}
            }
        }
        for r in &crate::catalog::catalog().rules {
            walk(&toml::Value::Table(r.data.clone()), &mut keys);
        }
        assert!(keys.contains("call") && keys.contains("method"));
    }

    /// Writes the pattern list to `$JWTLINT_PRINT_PATTERNS` (used by tests/bench/run.sh so that
    /// ripgrep searches for exactly the same words).
    #[test]
    fn print_patterns() {
        if let Some(out) = std::env::var_os("JWTLINT_PRINT_PATTERNS") {
            let pf = Prefilter::new(
                &crate::lint::known_crates()
                    .iter()
                    .map(|c| c.replace('-', "_"))
                    .collect::<Vec<_>>(),
            );
            let mut s = pf.patterns().join("\n");
            s.push('\n');
            std::fs::write(out, s).expect("write patterns");
        }
    }

    #[test]
    fn decides_on_whole_identifiers_and_conjunctions() {
        let pf = Prefilter::new(&["jsonwebtoken".to_string()]);
        let none = CrateMap::default();
        let mut jwt = CrateMap::default();
        jwt.add("jsonwebtoken", "jsonwebtoken");
        let d = |t: &str, c: &CrateMap| pf.decide(t.as_bytes(), c);
        assert_eq!(
            d("fn f() { dangerous::insecure_decode::<C>(&t) }", &jwt),
            Decision::Parse
        );
        assert_eq!(d("fn f() { x.expect(\"y\") }", &none), Decision::Skip);
        // An expiry field only in a package with a JWT crate or a file that mentions JWTs (as
        // the JWT201 detector requires): a float parser's `exp` is not parsed.
        assert_eq!(d("fn f() { let e = c.exp; }", &none), Decision::Skip);
        assert_eq!(d("fn f() { let e = c.exp; }", &jwt), Decision::Parse);
        assert_eq!(
            d("// jwt\nfn f() { let e = c.exp; }", &none),
            Decision::Parse
        );
        // A secret field only in a file that mentions JWTs (as the JWT801 detector requires).
        assert_eq!(d("S { key: k }", &none), Decision::Skip);
        assert_eq!(d("// jwt\nS { key: k }", &none), Decision::Parse);
        assert_eq!(d("S { key: k } // myJwtThing", &none), Decision::Parse);
        // `from_secret` alone is not enough: it must come with its type.
        assert_eq!(d("fn from_secret() {}", &none), Decision::Skip);
        assert_eq!(
            d(
                "use jsonwebtoken::EncodingKey as K; K::from_secret(b\"s\")",
                &jwt
            ),
            Decision::Parse
        );
        assert_eq!(d("use jsonwebtoken;", &none), Decision::Skip);
        // Crate-specific names count only in packages depending on that crate.
        assert_eq!(d("fn f() { decode(x) }", &none), Decision::Skip);
        assert_eq!(d("fn f() { decode(x) }", &jwt), Decision::Parse);
        assert_eq!(d("use jsonwebtoken;", &jwt), Decision::Parse);
        assert_eq!(
            d("// jwtlint: allow(JWT101) old\nfn f() {}", &none),
            Decision::Directives
        );
        assert_eq!(d("", &none), Decision::Skip);
    }
}
