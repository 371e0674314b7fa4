//! The dependency rules (JWT011-JWT016): risky JWT crate requirements in Cargo.toml and risky
//! versions resolved in Cargo.lock.
//!
//! Knowledge (which crates are JWT crates, advisories, unmaintained crates, crypto provider
//! features) lives in `rules/advisories.toml`; this module only reads it. An optional RustSec
//! advisory-db checkout adds advisories at run time ([`load_advisory_db`]).
//!
//! Model: every JWT dependency entry is a *requirement site* (a `[dependencies]`-like entry or a
//! `[workspace.dependencies]` entry). Members that inherit a workspace entry add a secondary
//! label to the workspace site instead of a finding of their own. Resolved versions are judged
//! on every Cargo.lock independently, at the lock entry's `version = ` value, and again at each
//! member requirement whose dependencies bring the affected entry in ([`LockedRequirement`],
//! [`BroughtIn`]); a manifest requirement on the affected crate itself is judged by the lowest
//! version it allows.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Label, Level};
use crate::manifest::{DepKind, Dependency, Lockfile, Manifest};

/// Options of the dependency rules (`[deps]` in jwtlint.toml / CLI flags).
#[derive(Clone, Debug, Default)]
pub struct DepsOptions {
    /// JWT016: report every JWT crate requirement that is not `=x.y.z`.
    pub strict_exact: bool,
    /// `--advisory-db PATH`: a RustSec advisory-db checkout to read on top of the built-in table.
    pub advisory_db: Option<PathBuf>,
    /// The operations the workspace's production code performs (paths of `reached_by`
    /// entries of the advisory table that some call resolves to). `None`: unknown, so every
    /// advisory is reported at its own level.
    pub operations: Option<std::collections::HashSet<String>>,
    /// The same, per package directory: a requirement line is judged by the operations of the
    /// packages that use it (a load generator that only signs does not reach a validation flaw
    /// because another member of its workspace validates). Absent: the workspace's.
    pub operations_by_dir:
        Option<std::collections::HashMap<PathBuf, std::collections::HashSet<String>>>,
}

// ---------------------------------------------------------------------------------------------
// Knowledge (rules/advisories.toml)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Knowledge {
    jwt_crates: Vec<String>,
    advisory_db_crates: Vec<String>,
    crypto_provider: CryptoProvider,
    #[serde(default)]
    advisory: Vec<RawAdvisory>,
    #[serde(default)]
    unmaintained: Vec<Unmaintained>,
    #[serde(default)]
    feature_dependency: Vec<FeatureDependency>,
    #[serde(default)]
    wrapper: Vec<Wrapper>,
    #[serde(default)]
    facade: Vec<Facade>,
}

/// A crate that re-exports a JWT crate as one of its modules behind a feature
/// (`salvo::jwt_auth` is salvo-jwt-auth under salvo's `jwt-auth`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facade {
    #[serde(rename = "crate")]
    pub krate: String,
    /// The module of `krate` that is the re-exported crate.
    pub module: String,
    /// The feature of `krate` that turns the module on.
    pub feature: String,
    /// The re-exported crate's package name.
    pub provides: String,
}

/// The facade table of `rules/advisories.toml`.
pub fn facades() -> &'static [Facade] {
    &knowledge().facade
}

/// A crate that performs a JWT crate's operations itself (jwt-authorizer decodes with
/// jsonwebtoken): a package depending on it reaches what that crate's advisories are about,
/// whatever its own code calls.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrapper {
    #[serde(rename = "crate")]
    krate: String,
    wraps: Vec<String>,
}

/// A crate feature that turns on optional dependencies (`jsonwebtoken/rust_crypto` → rsa).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureDependency {
    #[serde(rename = "crate")]
    krate: String,
    feature: String,
    brings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CryptoProvider {
    #[serde(rename = "crate")]
    krate: String,
    since: String,
    features: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvisory {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(rename = "crate")]
    krate: String,
    affected: Vec<String>,
    patched: Vec<String>,
    summary: String,
    url: String,
    severity: Level,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    via: Option<Vec<String>>,
    #[serde(default)]
    help: Option<String>,
    #[serde(default)]
    reached_by: Vec<String>,
    #[serde(default)]
    unreached: Option<String>,
    #[serde(default)]
    lock_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Unmaintained {
    #[serde(rename = "crate")]
    krate: String,
    reason: String,
    alternative: String,
}

/// One advisory, from the built-in table or from an advisory-db file.
#[derive(Clone, Debug)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub krate: String,
    /// Affected when any matches (empty: every version not patched or unaffected).
    pub affected: Vec<VersionReq>,
    pub patched: Vec<VersionReq>,
    pub unaffected: Vec<VersionReq>,
    pub summary: String,
    pub url: String,
    pub severity: Level,
    pub informational: Option<String>,
    /// Only report when reached in the lockfile from one of these crates (`None`: any JWT crate).
    pub via: Option<Vec<String>>,
    pub help: Option<String>,
    /// Calls (resolved paths) that perform the affected operation; when the workspace makes
    /// none of them the finding is a note whose message says so (`unreached`).
    pub reached_by: Vec<String>,
    pub unreached: Option<String>,
    /// Reported at the Cargo.lock entry only, not at each requirement that brings the crate
    /// in (an advisory the fix of which is `cargo update -p CRATE`, whatever requires it).
    pub lock_only: bool,
}

impl Advisory {
    pub fn affects(&self, v: &Version) -> bool {
        let v = release_of(v);
        (self.affected.is_empty() || self.affected.iter().any(|r| r.matches(&v)))
            && !self.patched.iter().any(|r| r.matches(&v))
            && !self.unaffected.iter().any(|r| r.matches(&v))
    }

    /// The lowest patched version above `v`, if the advisory names one.
    fn fixed_above(&self, v: &Version) -> Option<Version> {
        self.patched
            .iter()
            .filter_map(lowest_allowed)
            .filter(|p| p > v)
            .min()
    }

    fn title(&self) -> String {
        match self.aliases.first() {
            Some(a) => format!("{} ({a})", self.id),
            None => self.id.clone(),
        }
    }
}

fn knowledge() -> &'static Knowledge {
    static K: OnceLock<Knowledge> = OnceLock::new();
    K.get_or_init(|| {
        let text = crate::catalog::catalog()
            .data_file("advisories.toml")
            .expect("rules/advisories.toml is embedded");
        toml::from_str(text).unwrap_or_else(|e| panic!("rules/advisories.toml: {e}"))
    })
}

fn parse_reqs(list: &[String], what: &str) -> Result<Vec<VersionReq>, String> {
    list.iter()
        .map(|r| VersionReq::parse(r).map_err(|e| format!("{what}: bad requirement `{r}`: {e}")))
        .collect()
}

/// The built-in advisories of `rules/advisories.toml`.
pub fn builtin_advisories() -> &'static [Advisory] {
    static A: OnceLock<Vec<Advisory>> = OnceLock::new();
    A.get_or_init(|| {
        knowledge()
            .advisory
            .iter()
            .map(|a| {
                let ctx = format!("rules/advisories.toml: {}", a.id);
                Advisory {
                    id: a.id.clone(),
                    aliases: a.aliases.clone(),
                    krate: a.krate.clone(),
                    affected: parse_reqs(&a.affected, &ctx).unwrap_or_else(|e| panic!("{e}")),
                    patched: parse_reqs(&a.patched, &ctx).unwrap_or_else(|e| panic!("{e}")),
                    unaffected: Vec::new(),
                    summary: a.summary.clone(),
                    url: a.url.clone(),
                    severity: a.severity,
                    informational: a.informational.clone(),
                    via: a.via.clone(),
                    help: a.help.clone(),
                    reached_by: a.reached_by.clone(),
                    lock_only: a.lock_only,
                    unreached: a.unreached.clone(),
                }
            })
            .collect()
    })
}

/// Every call path of the built-in advisories' `reached_by` lists (what source code records).
pub fn reached_by_paths() -> &'static [String] {
    static P: OnceLock<Vec<String>> = OnceLock::new();
    P.get_or_init(|| {
        let mut out: Vec<String> = builtin_advisories()
            .iter()
            .flat_map(|a| a.reached_by.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    })
}

/// The crates the dependency rules treat as JWT crates.
pub fn jwt_crates() -> &'static [String] {
    &knowledge().jwt_crates
}

pub fn is_jwt_crate(name: &str) -> bool {
    knowledge().jwt_crates.iter().any(|c| c == name)
}

// ---------------------------------------------------------------------------------------------
// Versions

/// `v` without pre-release and build metadata, so requirements match it by number alone.
fn release_of(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

/// The lowest version one comparator allows.
fn comparator_floor(c: &Comparator) -> Version {
    let (minor, patch) = (c.minor.unwrap_or(0), c.patch.unwrap_or(0));
    let mut v = Version::new(c.major, minor, patch);
    match c.op {
        Op::Less | Op::LessEq => return Version::new(0, 0, 0),
        Op::Greater => match (c.minor, c.patch) {
            (None, _) => return Version::new(c.major.saturating_add(1), 0, 0),
            (Some(m), None) => return Version::new(c.major, m.saturating_add(1), 0),
            (Some(_), Some(p)) => {
                if c.pre.is_empty() {
                    v.patch = p.saturating_add(1);
                } else {
                    // The smallest pre-release above `x.y.z-pre` is `x.y.z-pre.0`.
                    v.pre = Prerelease::new(&format!("{}.0", c.pre)).unwrap_or_default();
                }
                return v;
            }
        },
        _ => {}
    }
    v.pre = c.pre.clone();
    v
}

/// The lowest version a requirement allows: the largest lower bound of its comparators
/// (`"8"` → 8.0.0, `"^9.2"` → 9.2.0, `"~8.1"` → 8.1.0, `">=7, <10"` → 7.0.0, `"*"` → 0.0.0).
/// `None` when the requirement allows nothing (`">=2, <1"`).
pub fn lowest_allowed(req: &VersionReq) -> Option<Version> {
    let v = req
        .comparators
        .iter()
        .map(comparator_floor)
        .max()
        .unwrap_or(Version::new(0, 0, 0));
    let satisfiable = req.comparators.iter().all(|c| {
        let probe = release_of(&v);
        match c.op {
            // Upper bounds must still hold for the floor.
            Op::Less | Op::LessEq | Op::Exact | Op::Tilde | Op::Caret | Op::Wildcard => {
                Comparator {
                    pre: Prerelease::EMPTY,
                    ..c.clone()
                }
                .matches(&probe)
                    || !v.pre.is_empty()
            }
            _ => true,
        }
    });
    satisfiable.then_some(v)
}

/// Parses a Cargo requirement string (`""` is not a requirement).
pub fn parse_req(s: &str) -> Option<VersionReq> {
    let s = s.trim();
    if s.is_empty() {
        None
    } else {
        VersionReq::parse(s).ok()
    }
}

/// Has the requirement an upper bound? (`*`, `>=x` and `>x` alone have none.)
fn has_upper_bound(req: &VersionReq) -> bool {
    req.comparators
        .iter()
        .any(|c| !matches!(c.op, Op::Greater | Op::GreaterEq))
}

/// Is the requirement exactly one `=x.y.z`?
fn is_exact(req: &VersionReq) -> bool {
    matches!(req.comparators.as_slice(), [c] if c.op == Op::Exact && c.minor.is_some() && c.patch.is_some())
}

/// `10.3.0` → `10.3`, `0.17.12` → `0.17.12`: what to write in a caret requirement.
fn caret_text(v: &Version) -> String {
    if v.major > 0 && v.minor == 0 && v.patch == 0 && v.pre.is_empty() {
        v.major.to_string()
    } else if v.patch == 0 && v.pre.is_empty() {
        format!("{}.{}", v.major, v.minor)
    } else {
        v.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Project layout: workspaces and lockfiles

/// `a/b/Cargo.toml` → `a/b`; `Cargo.toml` → ``.
fn dir_of(rel: &str) -> &str {
    match rel.rfind('/') {
        Some(i) => &rel[..i],
        None => "",
    }
}

fn is_ancestor_or_self(anc: &str, dir: &str) -> bool {
    anc.is_empty()
        || anc == dir
        || (dir.starts_with(anc) && dir.as_bytes().get(anc.len()) == Some(&b'/'))
}

/// Index of the nearest workspace manifest at or above manifest `i`.
fn nearest_workspace(manifests: &[Manifest], i: usize) -> Option<usize> {
    let dir = dir_of(&manifests[i].path);
    manifests
        .iter()
        .enumerate()
        .filter(|(_, m)| m.workspace.is_some() && is_ancestor_or_self(dir_of(&m.path), dir))
        .max_by_key(|(_, m)| dir_of(&m.path).len())
        .map(|(j, _)| j)
}

/// The lockfile cargo uses for manifest `i`: the workspace's, else the package's own.
fn covering_lock(manifests: &[Manifest], locks: &[Lockfile], i: usize) -> Option<usize> {
    let at = |dir: &str| locks.iter().position(|l| dir_of(&l.path) == dir);
    nearest_workspace(manifests, i)
        .and_then(|w| at(dir_of(&manifests[w].path)))
        .or_else(|| at(dir_of(&manifests[i].path)))
}

/// The manifests with `workspace = true` entries filled in from their workspace.
fn effective_manifests(manifests: &[Manifest]) -> Vec<Manifest> {
    let mut out = manifests.to_vec();
    for (i, m) in out.iter_mut().enumerate() {
        if m.dependencies.iter().any(|d| d.workspace)
            && let Some(w) = nearest_workspace(manifests, i)
        {
            m.inherit_from(&manifests[w]);
        }
    }
    out
}

/// A locked package and the `(name, version)` of the dependencies it lists.
fn lock_edges(lock: &Lockfile) -> Vec<Vec<usize>> {
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, q) in lock.packages.iter().enumerate() {
        by_name.entry(q.name.as_str()).or_default().push(j);
    }
    lock.packages
        .iter()
        .map(|p| {
            p.dependencies
                .iter()
                .filter_map(|d| {
                    // `name`, `name version` or `name version (source)`.
                    let mut parts = d.split_whitespace();
                    let cands = by_name.get(parts.next()?)?;
                    match parts.next() {
                        Some(v) => cands
                            .iter()
                            .copied()
                            .find(|&j| lock.packages[j].version == v),
                        None => cands.first().copied(),
                    }
                })
                .collect()
        })
        .collect()
}

/// Multi-source BFS from every package whose name is in `roots`; returns parent pointers
/// (`Some(None)` for a root, `Some(Some(p))` for a package reached from `p`).
fn reach_from(
    lock: &Lockfile,
    edges: &[Vec<usize>],
    roots: &[String],
) -> Vec<Option<Option<usize>>> {
    let mut parent = vec![None; lock.packages.len()];
    let mut queue = VecDeque::new();
    for (i, p) in lock.packages.iter().enumerate() {
        if roots.contains(&p.name) {
            parent[i] = Some(None);
            queue.push_back(i);
        }
    }
    while let Some(i) = queue.pop_front() {
        for &j in &edges[i] {
            if parent[j].is_none() {
                parent[j] = Some(Some(i));
                queue.push_back(j);
            }
        }
    }
    parent
}

/// The lock packages from the root that reached `i` (per [`reach_from`]) down to `i`.
fn chain_path(parent: &[Option<Option<usize>>], mut i: usize) -> Vec<usize> {
    let mut path = vec![i];
    while let Some(Some(up)) = parent[i] {
        if path.len() >= 16 {
            break;
        }
        path.push(up);
        i = up;
    }
    path.reverse();
    path
}

/// Shortest path of lock packages from `from` to `to` (both included) that passes a package
/// named in `roots` (`None`: any path). `None` when there is no such path or `from == to`.
fn path_through(
    lock: &Lockfile,
    edges: &[Vec<usize>],
    from: usize,
    to: usize,
    roots: Option<&[String]>,
) -> Option<Vec<usize>> {
    if from == to {
        return None;
    }
    let is_root = |i: usize| roots.is_none_or(|r| r.contains(&lock.packages[i].name));
    // A state is (package, whether the path so far passed a root): index `2 * package + passed`.
    let state = |i: usize, passed: bool| 2 * i + usize::from(passed || is_root(i));
    let mut parent: Vec<Option<usize>> = vec![None; 2 * lock.packages.len()];
    let start = state(from, false);
    let mut seen = vec![false; parent.len()];
    seen[start] = true;
    let mut queue = VecDeque::from([start]);
    while let Some(s) = queue.pop_front() {
        let (i, passed) = (s / 2, s % 2 == 1);
        if i == to && passed {
            let mut path = vec![i];
            let mut at = s;
            while let Some(up) = parent[at] {
                path.push(up / 2);
                at = up;
            }
            path.reverse();
            return Some(path);
        }
        for &c in &edges[i] {
            let t = state(c, passed);
            if !seen[t] {
                seen[t] = true;
                parent[t] = Some(s);
                queue.push_back(t);
            }
        }
    }
    None
}

/// `jsonwebtoken 8.3.0 → ring 0.16.20`.
fn chain_text(lock: &Lockfile, path: &[usize]) -> String {
    let names: Vec<String> = path
        .iter()
        .map(|&i| format!("{} {}", lock.packages[i].name, lock.packages[i].version))
        .collect();
    names.join(" → ")
}

// ---------------------------------------------------------------------------------------------
// Advisory database (RustSec advisory-db checkout)

#[derive(Deserialize)]
struct DbFile {
    advisory: DbAdvisory,
    #[serde(default)]
    versions: DbVersions,
}

#[derive(Deserialize)]
struct DbAdvisory {
    id: String,
    package: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
struct DbVersions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// What an advisory-db checkout holds for the JWT-related crates.
#[derive(Debug, Default)]
pub struct AdvisoryDb {
    pub advisories: Vec<Advisory>,
    /// Ids the database marks as withdrawn (dropped from the built-in table too).
    pub withdrawn: Vec<String>,
    /// Files that could not be read or parsed: (path, reason).
    pub errors: Vec<(PathBuf, String)>,
}

/// Parses one advisory-db Markdown file (TOML front matter in a ```` ```toml ```` fence).
/// `Ok(None)` for a withdrawn advisory (its id is returned in the error-free `withdrawn` list).
fn parse_db_advisory(text: &str) -> Result<(Advisory, bool), String> {
    let text = text.trim_start_matches('\u{feff}');
    let body = text
        .strip_prefix("```toml")
        .ok_or("missing ```toml front matter")?
        .trim_start_matches(['\r', '\n']);
    let end = body
        .find("\n```")
        .ok_or("unterminated ```toml front matter")?;
    let fm: DbFile = toml::from_str(&body[..end]).map_err(|e| e.to_string())?;
    let rest = &body[end + 4..];
    let heading = rest
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(str::trim);
    let title = fm
        .advisory
        .title
        .as_deref()
        .or(heading)
        .unwrap_or("advisory without title");
    let ctx = format!("advisory {}", fm.advisory.id);
    let adv =
        Advisory {
            url: fm.advisory.url.clone().unwrap_or_else(|| {
                format!("https://rustsec.org/advisories/{}.html", fm.advisory.id)
            }),
            id: fm.advisory.id,
            aliases: fm.advisory.aliases,
            krate: fm.advisory.package,
            affected: Vec::new(),
            patched: parse_reqs(&fm.versions.patched, &ctx)?,
            unaffected: parse_reqs(&fm.versions.unaffected, &ctx)?,
            summary: lowercase_first(title.trim_end_matches('.')),
            severity: if fm.advisory.informational.is_some() {
                Level::Warning
            } else {
                Level::Error
            },
            informational: fm.advisory.informational,
            via: None,
            help: None,
            reached_by: Vec::new(),
            unreached: None,
            lock_only: false,
        };
    Ok((adv, fm.advisory.withdrawn.is_some()))
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        (Some(f), Some(n)) if f.is_uppercase() && !n.is_uppercase() => {
            f.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}

/// Reads `crates/<name>/*.md` of a RustSec advisory-db checkout for the JWT-related crates.
pub fn load_advisory_db(root: &Path) -> AdvisoryDb {
    let mut db = AdvisoryDb::default();
    if !root.join("crates").is_dir() {
        db.errors.push((
            root.to_path_buf(),
            "not an advisory-db checkout (no `crates/` folder)".into(),
        ));
        return db;
    }
    for name in &knowledge().advisory_db_crates {
        let dir = root.join("crates").join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        for f in files {
            match std::fs::read_to_string(&f)
                .map_err(|e| e.to_string())
                .and_then(|t| parse_db_advisory(&t))
            {
                Ok((a, true)) => db.withdrawn.push(a.id),
                Ok((a, false)) => db.advisories.push(a),
                Err(e) => db.errors.push((f, e)),
            }
        }
    }
    db
}

/// The built-in advisories merged with a database's: a database entry replaces a built-in one
/// with the same id or alias; withdrawn ids are dropped.
fn merged_advisories(db: Option<&AdvisoryDb>) -> Vec<Advisory> {
    let Some(db) = db else {
        return builtin_advisories().to_vec();
    };
    let same = |a: &Advisory, b: &Advisory| {
        a.id == b.id || a.aliases.contains(&b.id) || b.aliases.contains(&a.id)
    };
    let mut out: Vec<Advisory> = builtin_advisories()
        .iter()
        .filter(|b| !db.withdrawn.contains(&b.id) && !db.advisories.iter().any(|a| same(a, b)))
        .cloned()
        .collect();
    for a in &db.advisories {
        let mut a = a.clone();
        // Keep the built-in routing and help for crypto crates the table already knows.
        if let Some(b) = builtin_advisories().iter().find(|b| same(&a, b)) {
            a.via = b.via.clone();
            a.help = a.help.or_else(|| b.help.clone());
        }
        out.push(a);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Requirement sites

struct Site {
    /// Manifest holding the entry (workspace manifest for `[workspace.dependencies]`).
    owner: usize,
    /// The entry as written (a workspace entry for inherited dependencies).
    dep: Dependency,
    /// Manifests whose builds use this entry (owner, or the inheriting members).
    users: Vec<usize>,
    /// `(file, span)` of each inheriting member entry.
    inheritors: Vec<(String, Range<usize>)>,
}

impl Site {
    fn file<'a>(&self, manifests: &'a [Manifest]) -> &'a str {
        &manifests[self.owner].path
    }

    fn with_inheritors(&self, mut d: Diagnostic) -> Diagnostic {
        for (f, s) in &self.inheritors {
            d = d.with_secondary(f, s.clone(), "inherited here with `workspace = true`");
        }
        d
    }
}

fn display_name(d: &Dependency) -> String {
    if d.key == d.package {
        format!("`{}`", d.key)
    } else {
        format!("`{}` (package `{}`)", d.key, d.package)
    }
}

fn table_of(d: &Dependency, in_workspace: bool) -> String {
    if in_workspace {
        return "[workspace.dependencies]".into();
    }
    match &d.target {
        Some(t)
            if t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            format!("[target.{t}.{}]", d.kind.table_name())
        }
        Some(t) => format!("[target.'{t}'.{}]", d.kind.table_name()),
        None => format!("[{}]", d.kind.table_name()),
    }
}

fn collect_sites(manifests: &[Manifest], eff: &[Manifest]) -> Vec<Site> {
    let mut sites: Vec<Site> = Vec::new();
    let mut ws_site: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for (i, m) in manifests.iter().enumerate() {
        for d in m.workspace.iter().flat_map(|w| &w.dependencies) {
            if is_jwt_crate(&d.package) {
                ws_site.insert((m.path.clone(), d.span.start), sites.len());
                sites.push(Site {
                    owner: i,
                    dep: d.clone(),
                    users: vec![],
                    inheritors: vec![],
                });
            }
        }
    }
    for (i, m) in eff.iter().enumerate() {
        for d in &m.dependencies {
            if !is_jwt_crate(&d.package) {
                continue;
            }
            if d.workspace {
                let Some((wf, ws)) = &d.inherited_span else {
                    continue;
                };
                if let Some(&s) = ws_site.get(&(wf.clone(), ws.start)) {
                    sites[s].users.push(i);
                    if m.path != *wf || d.span != *ws {
                        sites[s].inheritors.push((m.path.clone(), d.span.clone()));
                    }
                }
                continue;
            }
            sites.push(Site {
                owner: i,
                dep: d.clone(),
                users: vec![i],
                inheritors: vec![],
            });
        }
    }
    for s in &mut sites {
        if s.users.is_empty() {
            s.users.push(s.owner);
        }
    }
    sites
}

/// Is the site's dependency from a registry (not a path or git source)?
fn from_registry(d: &Dependency) -> bool {
    d.path.is_none() && d.git.is_none()
}

/// The version of `package` a lockfile resolves for requirement `req`, if any.
fn locked_match(lock: &Lockfile, package: &str, req: Option<&VersionReq>) -> Option<usize> {
    lock.packages.iter().enumerate().find_map(|(j, p)| {
        if p.name != package || p.source.is_none() {
            return None;
        }
        let v = Version::parse(&p.version).ok()?;
        req.is_none_or(|r| r.matches(&release_of(&v)) || r.matches(&v))
            .then_some(j)
    })
}

// ---------------------------------------------------------------------------------------------
// The check

/// Runs JWT011-JWT016 over a project's manifests and lockfiles (paths relative to the root).
pub fn check(manifests: &[Manifest], locks: &[Lockfile], opts: &DepsOptions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let db = opts.advisory_db.as_deref().map(load_advisory_db);
    if let Some(db) = &db {
        out.extend(db_errors(db));
    }
    let advisories = merged_advisories(db.as_ref());
    let eff = effective_manifests(manifests);
    let sites = collect_sites(manifests, &eff);
    // Secondary labels for lock findings: (lock, package) → requirement sites it resolves.
    let mut resolved_at: BTreeMap<(usize, usize), Vec<Label>> = BTreeMap::new();

    for site in &sites {
        let file = site.file(manifests);
        let d = &site.dep;
        let in_ws = manifests[site.owner].workspace.as_ref().is_some_and(|w| {
            w.dependencies
                .iter()
                .any(|x| x.span == d.span && x.key == d.key)
        });
        let req = d.req.as_deref().and_then(parse_req);
        let name = display_name(d);

        // JWT011 unpinned-jwt-dependency
        if let Some(diag) = unpinned(file, d, req.as_ref(), &name, in_ws) {
            out.push(site.with_inheritors(diag));
        }

        // JWT013 unmaintained-jwt-crate
        if d.path.is_none()
            && let Some(u) = knowledge()
                .unmaintained
                .iter()
                .find(|u| u.krate == d.package)
        {
            let msg = format!(
                "{name} is an unmaintained JWT crate ({}): a flaw found in it will not be fixed",
                u.reason
            );
            out.push(
                site.with_inheritors(
                    Diagnostic::new("JWT013", file, d.span.clone(), msg)
                        .with_label("unmaintained JWT crate")
                        .with_help(format!("migrate to the maintained {}", u.alternative)),
                ),
            );
        }

        // JWT016 non-exact-jwt-requirement
        if opts.strict_exact
            && from_registry(d)
            && let Some(r) = &req
            && !is_exact(r)
        {
            let low = lowest_allowed(r)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "x.y.z".into());
            let msg = format!(
                "{name} requirement \"{}\" is not exact: a lockfile refresh can bring in a JWT release nobody reviewed",
                d.req.as_deref().unwrap_or_default()
            );
            out.push(
                site.with_inheritors(
                    Diagnostic::new("JWT016", file, d.span.clone(), msg)
                        .with_label("not an `=x.y.z` requirement")
                        .with_help(format!(
                            "pin the reviewed release exactly: `{} = \"={low}\"`",
                            d.key
                        )),
                ),
            );
        }

        // JWT012 vulnerable-jwt-version (manifest side), judged by its users' own operations.
        let own_ops = site_operations(&eff, site, opts);
        let ops = own_ops.as_ref().or(opts.operations.as_ref());
        out.extend(requirement_advisory(
            manifests,
            locks,
            site,
            &advisories,
            &mut resolved_at,
            ops,
        ));
        out.extend(feature_advisory(
            manifests,
            locks,
            site,
            &advisories,
            own_ops.as_ref(),
        ));
    }

    out.extend(missing_crypto_backend(manifests, locks, &eff, &sites));
    out.extend(missing_lockfiles(manifests, locks, &eff));
    let mut taken = reported_advisories(&out);
    out.extend(lock_advisories(
        manifests,
        &eff,
        locks,
        &advisories,
        &resolved_at,
        &mut taken,
        opts,
    ));
    one_per_requirement(out)
}

/// The operations of the packages that use a requirement site, when they are known per package.
fn site_operations(
    eff: &[Manifest],
    site: &Site,
    opts: &DepsOptions,
) -> Option<std::collections::HashSet<String>> {
    let by_dir = opts.operations_by_dir.as_ref()?;
    let mut ops = std::collections::HashSet::new();
    for &u in &site.users {
        let m = eff.get(u)?;
        // A manifest without a package (a virtual workspace root) uses no code of its own.
        m.package.as_ref()?;
        // A wrapper of the crate among its dependencies does the operations out of sight.
        let wrapped = m.dependencies.iter().any(|d| {
            knowledge()
                .wrapper
                .iter()
                .any(|w| w.krate == d.package && w.wraps.contains(&site.dep.package))
        });
        if wrapped {
            return None;
        }
        if let Some(o) = by_dir.get(&m.dir) {
            ops.extend(o.iter().cloned());
        }
    }
    Some(ops)
}

/// One JWT012 finding per manifest line: the packages a requirement brings in (a crypto crate
/// through it, a wrapper's JWT crate) join the line's first finding as notes, with their
/// advisories, so a suppression still names each advisory and a new one on the line still
/// fails. Out-of-reach findings stay apart (they are hidden by default).
fn one_per_requirement(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    let mut first: BTreeMap<(String, usize, usize), usize> = BTreeMap::new();
    for d in diags {
        let groupable = d.code == "JWT012"
            && !d.primary.file.ends_with("Cargo.lock")
            && !d.tags.iter().any(|t| t == OUT_OF_REACH);
        if !groupable {
            out.push(d);
            continue;
        }
        let key = (
            d.primary.file.clone(),
            d.primary.span.start,
            d.primary.span.end,
        );
        match first.get(&key) {
            Some(&i) => absorb(&mut out[i], d),
            None => {
                first.insert(key, out.len());
                out.push(d);
            }
        }
    }
    out
}

/// Adds finding `d` (same line, same rule) to `into`: the worse level, `d`'s message as a note,
/// its advisories and secondary labels.
fn absorb(into: &mut Diagnostic, d: Diagnostic) {
    if d.level > into.level {
        into.level = d.level;
    }
    into.notes.push(format!("also: {}", d.message));
    for a in d.advisories {
        if !into.advisories.contains(&a) {
            into.advisories.push(a);
        }
    }
    for l in d.secondary {
        if !into
            .secondary
            .iter()
            .any(|x| x.file == l.file && x.span == l.span)
        {
            into.secondary.push(l);
        }
    }
}

/// JWT012 at a requirement that shuts out the fix of an advisory hitting the lowest version it
/// allows; records the requirement as "required here" for the lock entries it resolves to.
fn requirement_advisory(
    manifests: &[Manifest],
    locks: &[Lockfile],
    site: &Site,
    advisories: &[Advisory],
    resolved_at: &mut BTreeMap<(usize, usize), Vec<Label>>,
    operations: Option<&std::collections::HashSet<String>>,
) -> Option<Diagnostic> {
    let file = site.file(manifests);
    let d = &site.dep;
    let req = d.req.as_deref().and_then(parse_req);
    for &u in &site.users {
        if let Some(l) = covering_lock(manifests, locks, u)
            && let Some(j) = locked_match(&locks[l], &d.package, req.as_ref())
        {
            let labels = resolved_at.entry((l, j)).or_default();
            let label = Label {
                file: file.to_string(),
                span: d.span.clone(),
                message: "required here".into(),
            };
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    let r = req.as_ref().filter(|r| !r.comparators.is_empty())?;
    let low = lowest_allowed(r).filter(|_| from_registry(d))?;
    // The requirement line is at fault only when it shuts out every fixed release
    // (`"9"` can never reach 10.3): a requirement whose range holds the fix (`"10"`)
    // resolves to it on `cargo update`, and a lockfile that pins an affected release
    // is reported at its own entry (with this line as "required here").
    let hits: Vec<&Advisory> = advisories
        .iter()
        .filter(|a| a.krate == d.package && a.affects(&low))
        .filter(|a| a.fixed_above(&low).is_none_or(|f| !r.matches(&f)))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let what = format!(
        "{} requirement \"{}\" allows {} {low}, which",
        display_name(d),
        d.req.as_deref().unwrap_or_default(),
        d.package
    );
    let place = Place::Requirement;
    let diag = vulnerable(file, d.span.clone(), &what, &d.package, &low, &hits, place);
    // The workspace uses this crate itself: its own calls say whether it reaches the flaw.
    let diag = judged_by_use(diag, &hits, operations);
    Some(site.with_inheritors(diag))
}

/// Without a lockfile: a requirement whose features turn on a dependency that no release
/// fixes (jsonwebtoken's `rust_crypto` brings in rsa, affected by RUSTSEC-2023-0071 in every
/// version) is affected whatever gets resolved. With a lockfile the lock entry says it.
/// Reported only where the package's own code is seen to reach the advisory (it signs with an
/// RSA private key): without a lockfile nothing else says the crate is really built.
fn feature_advisory(
    manifests: &[Manifest],
    locks: &[Lockfile],
    site: &Site,
    advisories: &[Advisory],
    operations: Option<&std::collections::HashSet<String>>,
) -> Option<Diagnostic> {
    if site
        .users
        .iter()
        .any(|&u| covering_lock(manifests, locks, u).is_some())
    {
        return None;
    }
    let d = &site.dep;
    let (feature, brought, hits) = knowledge()
        .feature_dependency
        .iter()
        .filter(|f| f.krate == d.package && d.features.contains(&f.feature))
        .flat_map(|f| f.brings.iter().map(move |b| (f, b)))
        .find_map(|(f, b)| {
            let ops = operations?;
            let hits: Vec<&Advisory> = advisories
                .iter()
                .filter(|a| a.krate == *b && a.patched.is_empty())
                .filter(|a| a.via.as_ref().is_none_or(|v| v.contains(&d.package)))
                .filter(|a| a.reached_by.iter().any(|p| ops.contains(p)))
                .collect();
            (!hits.is_empty()).then_some((f.feature.as_str(), b.as_str(), hits))
        })?;
    let written = match d.req.as_deref() {
        Some(r) => format!("{} requirement \"{r}\"", display_name(d)),
        None => format!("{} (no version requirement)", display_name(d)),
    };
    let what = format!(
        "{written} turns on its `{feature}` feature, which brings in {brought} (every release), which"
    );
    let any = Version::new(0, 0, 0);
    let place = Place::BringsIn { key: &d.key };
    let file = site.file(manifests);
    let diag = vulnerable(file, d.span.clone(), &what, brought, &any, &hits, place);
    Some(site.with_inheritors(diag))
}

/// The `(file, span, advisory)` of the JWT012 findings in `out`.
fn reported_advisories(out: &[Diagnostic]) -> Taken {
    out.iter()
        .filter(|d| d.code == "JWT012")
        .flat_map(|d| {
            let p = &d.primary;
            d.advisories
                .iter()
                .map(|a| (p.file.clone(), p.span.start, p.span.end, a.id.clone()))
        })
        .collect()
}

/// JWT000 for advisory database files that could not be read.
fn db_errors(db: &AdvisoryDb) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (p, e) in &db.errors {
        let file = p.to_string_lossy().replace('\\', "/");
        out.push(
            Diagnostic::new(
                "JWT000",
                &file,
                0..0,
                format!("advisory database file could not be read: {e}"),
            )
            .with_help("point `--advisory-db` at a RustSec advisory-db checkout, or fix the file"),
        );
    }
    out
}

/// JWT014 missing-crypto-backend, per package using the entry (features add up per member).
/// The JWT014 message and help for a requirement with `n` provider features (0, or 2+).
fn provider_message(
    cp: &CryptoProvider,
    d: &Dependency,
    v: &Version,
    n: usize,
) -> (String, String) {
    let name = display_name(d);
    let quoted: Vec<String> = cp.features.iter().map(|f| format!("`{f}`")).collect();
    if n == 0 {
        let defaults = if d.default_features {
            "its default features"
        } else {
            "`default-features = false`"
        };
        (
            format!(
                "{name} {v} has no crypto provider with {defaults} and neither {}: it compiles, then panics at the first encode or decode",
                quoted.join(" nor ")
            ),
            format!(
                "add exactly one provider feature to `{}`: `features = [\"{}\"]` (or `\"{}\"`)",
                d.key,
                cp.features.last().map(String::as_str).unwrap_or_default(),
                cp.features.first().map(String::as_str).unwrap_or_default(),
            ),
        )
    } else {
        (
            format!(
                "{name} {v} enables both {}: it cannot pick a crypto provider and panics at the first encode or decode",
                quoted.join(" and ")
            ),
            format!(
                "keep exactly one of {} in the features of `{}`",
                quoted.join(" and "),
                d.key
            ),
        )
    }
}

fn missing_crypto_backend(
    manifests: &[Manifest],
    locks: &[Lockfile],
    eff: &[Manifest],
    sites: &[Site],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let cp = &knowledge().crypto_provider;
    let since = Version::parse(&cp.since).expect("crypto_provider.since is a version");
    for site in sites.iter().filter(|s| s.dep.package == cp.krate) {
        let mut bad: Vec<(usize, &Dependency, Version, usize)> = Vec::new();
        for &u in &site.users {
            let Some(d) = eff[u].dependencies.iter().find(|d| {
                d.package == cp.krate
                    && if u == site.owner && !d.workspace {
                        d.span == site.dep.span
                    } else {
                        d.inherited_span.as_ref().is_some_and(|(f, s)| {
                            *f == manifests[site.owner].path && *s == site.dep.span
                        })
                    }
            }) else {
                // A workspace entry nobody inherits: nothing is built with it.
                continue;
            };
            let req = d.req.as_deref().and_then(parse_req);
            let lock_v = covering_lock(manifests, locks, u).and_then(|l| {
                locked_match(&locks[l], &d.package, req.as_ref())
                    .and_then(|j| Version::parse(&locks[l].packages[j].version).ok())
            });
            let Some(v) = lock_v.or_else(|| req.as_ref().and_then(lowest_allowed)) else {
                continue;
            };
            if release_of(&v) < since {
                continue;
            }
            // The package's own features can pick the provider (`aws-lc-rs = ["jsonwebtoken/aws_lc_rs"]`):
            // those a default build turns on count; a provider only some feature forwards is a
            // choice left to the package's users.
            let (by_default, forwarded) = eff[u].forwarded_features(&d.key);
            let n = cp
                .features
                .iter()
                .filter(|f| d.features.contains(f) || by_default.contains(f))
                .count();
            let delegated = n == 0 && cp.features.iter().any(|f| forwarded.contains(f));
            if n != 1 && !delegated {
                bad.push((u, d, v, n));
            }
        }
        if let Some((_, d, v, n)) = bad.first() {
            let file = site.file(manifests);
            let (msg, help) = provider_message(cp, d, v, *n);
            let mut diag = Diagnostic::new("JWT014", file, site.dep.span.clone(), msg)
                .with_label("no usable crypto provider feature")
                .with_help(help);
            let norm = |f: &str| f.replace('-', "_");
            for f in d.features.iter().filter(|f| !cp.features.contains(f)) {
                if cp.features.contains(&norm(f)) {
                    diag = diag.with_note(format!(
                        "feature `{f}` only enables the optional dependency; the provider feature is `{}`",
                        norm(f)
                    ));
                }
            }
            for (u, d, _, _) in &bad {
                if manifests[*u].path != file || d.span != site.dep.span {
                    diag = diag.with_secondary(
                        &manifests[*u].path,
                        d.span.clone(),
                        "used here without a provider feature",
                    );
                }
            }
            out.push(diag);
        }
    }

    out
}

/// JWT015 missing-lockfile: a binary package depending on a JWT crate with no Cargo.lock.
fn missing_lockfiles(
    manifests: &[Manifest],
    locks: &[Lockfile],
    eff: &[Manifest],
) -> Vec<Diagnostic> {
    // One lockfile per workspace: the binary packages without one, grouped by their workspace
    // root, with the JWT requirement of each.
    let mut by_root: BTreeMap<usize, Vec<(usize, &Dependency)>> = BTreeMap::new();
    for (i, m) in eff.iter().enumerate() {
        if !m.package.as_ref().is_some_and(|p| p.has_bin)
            || covering_lock(manifests, locks, i).is_some()
        {
            continue;
        }
        if let Some(d) = m
            .dependencies
            .iter()
            .find(|d| d.kind != DepKind::Dev && is_jwt_crate(&d.package) && d.path.is_none())
        {
            let root = nearest_workspace(manifests, i).unwrap_or(i);
            by_root.entry(root).or_default().push((i, d));
        }
    }
    by_root
        .into_iter()
        .map(|(root, bins)| missing_lockfile(manifests, eff, root, &bins))
        .collect()
}

/// The JWT015 finding of one workspace: at the root manifest (its package name, or its
/// `[workspace]` header), with each binary's JWT requirement as a secondary label.
fn missing_lockfile(
    manifests: &[Manifest],
    eff: &[Manifest],
    root: usize,
    bins: &[(usize, &Dependency)],
) -> Diagnostic {
    let m = &manifests[root];
    let span = match &m.package {
        Some(p) => p.name_span.clone(),
        None => m
            .text
            .text
            .find("[workspace]")
            .map_or(0..0, |at| at..at + "[workspace]".len()),
    };
    let pkg = |i: usize| {
        eff[i]
            .package
            .as_ref()
            .map(|p| format!("`{}`", p.name))
            .unwrap_or_default()
    };
    let names: Vec<String> = bins.iter().take(3).map(|(i, _)| pkg(*i)).collect();
    let more = bins.len().saturating_sub(3);
    let who = match (bins.len(), more) {
        (1, _) => format!(
            "binary package {} depends on {}",
            names[0],
            display_name(bins[0].1)
        ),
        (_, 0) => format!("binary packages {} depend on JWT crates", names.join(", ")),
        _ => format!(
            "binary packages {} and {more} more depend on JWT crates",
            names.join(", ")
        ),
    };
    let msg = format!(
        "{who} but the workspace has no committed Cargo.lock: every build may resolve a different JWT crate version"
    );
    let mut d = Diagnostic::new("JWT015", &m.path, span, msg)
        .with_label("no Cargo.lock next to this manifest")
        .with_help("commit Cargo.lock at the workspace root (remove it from .gitignore) so releases build the reviewed versions");
    for (i, dep) in bins {
        d = d.with_secondary(
            &eff[*i].path,
            dep.span.clone(),
            "resolved afresh on every build",
        );
    }
    d
}

/// `(file, span start, span end, advisory id)` of the JWT012 findings made so far.
type Taken = BTreeSet<(String, usize, usize, String)>;

/// JWT012 vulnerable-jwt-version, the lockfile side: each resolved package an advisory hits
/// (a crypto crate only when a JWT crate brings it in), with the requirements it resolves; and
/// the same advisories at each member requirement whose dependencies bring that package in.
fn lock_advisories(
    manifests: &[Manifest],
    eff: &[Manifest],
    locks: &[Lockfile],
    advisories: &[Advisory],
    resolved_at: &BTreeMap<(usize, usize), Vec<Label>>,
    taken: &mut Taken,
    opts: &DepsOptions,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (l, lock) in locks.iter().enumerate() {
        let edges = lock_edges(lock);
        let reqs = locked_requirements(manifests, eff, locks, l);
        let mut reach = BTreeMap::new();
        for (j, p) in lock.packages.iter().enumerate() {
            let Ok(v) = Version::parse(&p.version) else {
                continue;
            };
            if p.source.is_none() {
                continue;
            }
            let (hits, via_path) = lock_hits(lock, &edges, &mut reach, j, &v, advisories);
            if hits.is_empty() {
                continue;
            }
            let brought = brought_in(lock, &edges, &reqs, j, &hits);
            // A JWT crate that a wrapper brings in is used by code this run cannot see.
            let wrapped = is_jwt_crate(&p.name) && brought.iter().any(wraps);
            let what = match &via_path {
                Some(c) => format!(
                    "{} {v} resolved in Cargo.lock (through {}), which",
                    p.name,
                    chain_text(lock, c)
                ),
                None => format!("{} {v} resolved in Cargo.lock, which", p.name),
            };
            let mut diag = vulnerable(
                &lock.path,
                p.span.clone(),
                &what,
                &p.name,
                &v,
                &hits,
                Place::LockEntry,
            );
            if !wrapped {
                diag = judged_by_use(diag, &hits, opts.operations.as_ref());
            }
            for label in resolved_at.get(&(l, j)).into_iter().flatten() {
                diag = diag.with_secondary(&label.file, label.span.clone(), label.message.clone());
            }
            for b in &brought {
                let r = &reqs[b.req];
                diag = diag.with_secondary(&r.file, r.span.clone(), "brings it in");
            }
            out.push(diag);
            for b in &brought {
                out.extend(brings_in_finding(lock, &reqs[b.req], b, &v, opts, taken));
            }
        }
    }
    out
}

/// The advisories that hit lock package `j` at version `v`, and for a crate that is not a JWT
/// crate, the chain from the JWT crate that brings it in (`reach` caches BFS per root set).
fn lock_hits<'a>(
    lock: &Lockfile,
    edges: &[Vec<usize>],
    reach: &mut BTreeMap<Vec<String>, Vec<Option<Option<usize>>>>,
    j: usize,
    v: &Version,
    advisories: &'a [Advisory],
) -> (Vec<&'a Advisory>, Option<Vec<usize>>) {
    let name = &lock.packages[j].name;
    let jwt = is_jwt_crate(name);
    let mut hits = Vec::new();
    let mut via_path = None;
    for a in advisories
        .iter()
        .filter(|a| a.krate == *name && a.affects(v))
    {
        if jwt {
            hits.push(a);
            continue;
        }
        let roots = a.via.clone().unwrap_or_else(|| jwt_crates().to_vec());
        let parent = reach
            .entry(roots.clone())
            .or_insert_with(|| reach_from(lock, edges, &roots));
        if parent[j].is_some_and(|up| up.is_some()) {
            via_path.get_or_insert_with(|| chain_path(parent, j));
            hits.push(a);
        }
    }
    (hits, via_path)
}

/// A registry requirement of a package a lockfile covers, at the line a finding points at.
struct LockedRequirement {
    /// The entry as the package sees it (`workspace = true` entries filled in).
    dep: Dependency,
    /// Where it is written: the entry itself, or the `[workspace.dependencies]` entry it inherits.
    file: String,
    span: Range<usize>,
    /// `(file, span)` of each member entry that inherits it.
    inheritors: Vec<(String, Range<usize>)>,
    /// Features enabled on it: its own, and those a default build of the package forwards.
    features: Vec<String>,
    /// The lock package it resolves to.
    locked: usize,
}

/// The registry requirements of the packages lockfile `l` covers, one per written entry.
fn locked_requirements(
    manifests: &[Manifest],
    eff: &[Manifest],
    locks: &[Lockfile],
    l: usize,
) -> Vec<LockedRequirement> {
    let mut out: Vec<LockedRequirement> = Vec::new();
    for (i, m) in eff.iter().enumerate() {
        if m.package.is_none() || covering_lock(manifests, locks, i) != Some(l) {
            continue;
        }
        for d in m.dependencies.iter().filter(|d| from_registry(d)) {
            if d.workspace && d.inherited_span.is_none() {
                continue;
            }
            let req = d.req.as_deref().and_then(parse_req);
            let Some(locked) = locked_match(&locks[l], &d.package, req.as_ref()) else {
                continue;
            };
            let (file, span, inheritor) = match &d.inherited_span {
                Some((wf, ws)) => {
                    let own =
                        (m.path != *wf || d.span != *ws).then(|| (m.path.clone(), d.span.clone()));
                    (wf.clone(), ws.clone(), own)
                }
                None => (m.path.clone(), d.span.clone(), None),
            };
            let mut features = d.features.clone();
            features.extend(m.forwarded_features(&d.key).0);
            match out
                .iter_mut()
                .find(|r| r.file == file && r.span == span && r.locked == locked)
            {
                Some(r) => {
                    r.inheritors.extend(inheritor);
                    r.features.extend(features);
                }
                None => out.push(LockedRequirement {
                    dep: d.clone(),
                    file,
                    span,
                    inheritors: inheritor.into_iter().collect(),
                    features,
                    locked,
                }),
            }
        }
    }
    out
}

/// How one requirement brings in an affected lock package.
struct BroughtIn<'a> {
    /// Index into the lockfile's [`LockedRequirement`]s.
    req: usize,
    /// Lock packages from the one the requirement resolves to down to the affected one.
    path: Vec<usize>,
    /// The advisories reached along such a path (a crypto crate's only within its `via` roots).
    hits: Vec<&'a Advisory>,
    /// The requirement's feature that turns on the path's first hop, when the table knows it.
    feature: Option<String>,
}

/// The requirements whose dependencies bring in lock package `j` (not `j`'s own requirements).
fn brought_in<'a>(
    lock: &Lockfile,
    edges: &[Vec<usize>],
    reqs: &[LockedRequirement],
    j: usize,
    hits: &[&'a Advisory],
) -> Vec<BroughtIn<'a>> {
    let jwt = is_jwt_crate(&lock.packages[j].name);
    let mut out = Vec::new();
    for (r, req) in reqs.iter().enumerate() {
        let mut path = None;
        let mut reached = Vec::new();
        for &a in hits.iter().filter(|a| !a.lock_only) {
            let roots = (!jwt).then(|| a.via.as_deref().unwrap_or(jwt_crates()));
            if let Some(p) = path_through(lock, edges, req.locked, j, roots) {
                path.get_or_insert(p);
                reached.push(a);
            }
        }
        // Only a JWT crate or a wrapper of one (its next hop is a JWT crate) is the requirement
        // that brings the package in; a crate several layers up is not where the fix is made.
        let jwt_at = |i: usize| {
            path.as_ref()
                .and_then(|p: &Vec<usize>| p.get(i))
                .is_some_and(|&k| is_jwt_crate(&lock.packages[k].name))
        };
        if !(jwt_at(0) || jwt_at(1)) {
            continue;
        }
        if let Some(path) = path {
            let feature = enabling_feature(lock, req, &path);
            out.push(BroughtIn {
                req: r,
                path,
                hits: reached,
                feature,
            });
        }
    }
    out
}

/// Whether the requirement of `b` is another crate that depends on the affected one (a
/// wrapper such as jwt-authorizer), not the affected crate itself.
fn wraps(b: &BroughtIn) -> bool {
    b.path.len() >= 2
}

/// The requirement's feature that the table says turns on the first hop of `path`.
fn enabling_feature(lock: &Lockfile, req: &LockedRequirement, path: &[usize]) -> Option<String> {
    let from = &lock.packages[*path.first()?].name;
    let next = &lock.packages[*path.get(1)?].name;
    knowledge()
        .feature_dependency
        .iter()
        .find(|f| f.krate == *from && f.brings.contains(next) && req.features.contains(&f.feature))
        .map(|f| f.feature.clone())
}

/// The JWT012 finding at a requirement that brings in an affected lock package, with the lock
/// entry as a secondary label; `None` when the line already carries these advisories.
fn brings_in_finding(
    lock: &Lockfile,
    req: &LockedRequirement,
    b: &BroughtIn,
    v: &Version,
    opts: &DepsOptions,
    taken: &mut Taken,
) -> Option<Diagnostic> {
    let key = |a: &Advisory| (req.file.clone(), req.span.start, req.span.end, a.id.clone());
    // An advisory no release fixes is actionable at the requirement only through the feature
    // that brings the crate in (rsa through `rust_crypto`: switch the backend); otherwise the
    // lock entry's finding is the one place to read about it.
    let hits: Vec<&Advisory> = b
        .hits
        .iter()
        .copied()
        .filter(|a| !a.patched.is_empty() || b.feature.is_some())
        .filter(|a| taken.insert(key(a)))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let p = &lock.packages[*b.path.last()?];
    let d = &req.dep;
    let through = chain_text(lock, &b.path);
    let how = match &b.feature {
        Some(f) => format!("through its `{f}` feature ({through})"),
        None => format!("(through {through})"),
    };
    let written = match d.req.as_deref() {
        Some(r) => format!("{} requirement \"{r}\"", display_name(d)),
        None => format!("{} (no version requirement)", display_name(d)),
    };
    let what = format!("{written} brings in {} {v} {how}, which", p.name);
    let place = Place::BringsIn { key: &d.key };
    // A wrapper of a JWT crate performs the operations itself, out of this run's sight.
    let wrapped = is_jwt_crate(&p.name) && wraps(b);
    let mut diag = vulnerable(&req.file, req.span.clone(), &what, &p.name, v, &hits, place);
    if !wrapped {
        diag = judged_by_use(diag, &hits, opts.operations.as_ref());
    }
    diag = diag.with_secondary(&lock.path, p.span.clone(), "resolved here");
    for (f, s) in &req.inheritors {
        diag = diag.with_secondary(f, s.clone(), "inherited here with `workspace = true`");
    }
    Some(diag)
}

/// An advisory whose affected operation the workspace never performs (no call of its
/// `reached_by` paths in production code) is a note, and the message says why. Every advisory
/// of the finding must be out of reach for that.
fn judged_by_use(
    d: Diagnostic,
    hits: &[&Advisory],
    operations: Option<&std::collections::HashSet<String>>,
) -> Diagnostic {
    let Some(ops) = operations else { return d };
    let out_of_reach =
        |a: &&Advisory| !a.reached_by.is_empty() && !a.reached_by.iter().any(|p| ops.contains(p));
    if hits.is_empty() || !hits.iter().all(out_of_reach) {
        return d;
    }
    let why = hits
        .iter()
        .filter_map(|a| a.unreached.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let mut d = d.with_level(Level::Note).with_tag(OUT_OF_REACH);
    d.message = format!("{}; {why}", d.message);
    d
}

/// Tag of an advisory finding whose affected operation the workspace never performs.
pub const OUT_OF_REACH: &str = "out-of-reach";

fn unpinned(
    file: &str,
    d: &Dependency,
    req: Option<&VersionReq>,
    name: &str,
    in_ws: bool,
) -> Option<Diagnostic> {
    let table = table_of(d, in_ws);
    if d.path.is_some() && d.git.is_none() {
        return None;
    }
    if let Some(git) = &d.git {
        if d.rev.is_some() || d.tag.is_some() {
            return None;
        }
        let follows = match &d.branch {
            Some(b) => format!("branch `{b}`"),
            None => "the default branch".to_string(),
        };
        let msg = format!(
            "{name} in {table} is a git dependency that follows {follows}: every `cargo update` takes whatever was pushed there, unreviewed"
        );
        return Some(
            Diagnostic::new("JWT011", file, d.git_span.clone().unwrap_or(d.span.clone()), msg)
                .with_label("no `rev` or `tag`")
                .with_help(format!("pin a reviewed commit: `{} = {{ git = \"{git}\", rev = \"<full commit sha>\" }}`, or use a crates.io release", d.key)),
        );
    }
    let text = d.req.as_deref().unwrap_or("");
    let (why, label) = match req {
        None if text.trim().is_empty() => (
            "has no version requirement, which cargo treats as `*`",
            "no version",
        ),
        None => return None,
        Some(r) if r.comparators.is_empty() => (
            "accepts every release (`*`), including new major versions",
            "any version",
        ),
        Some(r) if !has_upper_bound(r) => (
            "has no upper bound, so it accepts every future major version",
            "no upper bound",
        ),
        _ => return None,
    };
    let suggest = advisory_floor(&d.package)
        .map(|v| format!("`{} = \"{}\"`", d.key, caret_text(&v)))
        .unwrap_or_else(|| format!("`{} = \"x.y\"`", d.key));
    let msg = format!(
        "{name} requirement \"{text}\" in {table} {why}: a JWT crate's validation defaults can change in any of them"
    );
    Some(
        Diagnostic::new("JWT011", file, d.span.clone(), msg)
            .with_label(label)
            .with_help(format!(
                "write a caret requirement on the release you reviewed, e.g. {suggest}"
            )),
    )
}

/// The first version of `krate` that no built-in advisory affects (caret-requirement floor).
fn advisory_floor(krate: &str) -> Option<Version> {
    builtin_advisories()
        .iter()
        .filter(|a| a.krate == krate)
        .filter_map(|a| a.patched.iter().filter_map(lowest_allowed).min())
        .max()
}

/// Where a JWT012 finding points, which decides its label and the fix its help names.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// A requirement on the affected crate itself that shuts out the fix.
    Requirement,
    /// The affected crate's Cargo.lock entry.
    LockEntry,
    /// The requirement (key `key`) of another crate that brings the affected one in.
    BringsIn { key: &'a str },
}

/// One JWT012 finding listing every advisory that hits `v`.
fn vulnerable(
    file: &str,
    span: Range<usize>,
    what: &str,
    krate: &str,
    v: &Version,
    hits: &[&Advisory],
    place: Place,
) -> Diagnostic {
    let level = hits
        .iter()
        .map(|a| a.severity)
        .max()
        .unwrap_or(Level::Warning);
    let mut msg = what.to_string();
    if let [a] = hits {
        let _ = write!(msg, " is affected by {}: {}", a.title(), a.summary);
    } else {
        let _ = write!(msg, " is affected by {} advisories: ", hits.len());
        let parts: Vec<String> = hits
            .iter()
            .map(|a| format!("{}: {}", a.title(), a.summary))
            .collect();
        msg.push_str(&parts.join("; "));
    }
    let fixed = hits
        .iter()
        .filter(|a| a.help.is_none())
        .filter_map(|a| a.fixed_above(v))
        .max();
    let mut help = Vec::new();
    if let Some(f) = fixed {
        help.push(match place {
            Place::Requirement => format!("require {krate} {f} or later: `\"{}\"`", caret_text(&f)),
            Place::LockEntry if is_jwt_crate(krate) => format!(
                "update to {krate} {f} or later: require `\"{}\"` in Cargo.toml and run `cargo update -p {krate}`",
                caret_text(&f)
            ),
            Place::LockEntry => format!(
                "update to {krate} {f} or later (`cargo update -p {krate}`); if a JWT crate holds it back, upgrade that crate"
            ),
            Place::BringsIn { key } => format!(
                "run `cargo update -p {krate}` to take {krate} {f} or later; if `{key}` does not allow it, upgrade `{key}` to a release that does"
            ),
        });
    }
    help.extend(hits.iter().filter_map(|a| a.help.clone()));
    if help.is_empty() {
        help.push(format!(
            "no fixed {krate} release exists: replace the crate or the feature that brings it in"
        ));
    }
    let mut d = Diagnostic::new("JWT012", file, span, msg)
        .with_level(level)
        .with_label(match place {
            Place::Requirement => "lowest allowed version is affected",
            Place::LockEntry => "affected version resolved",
            Place::BringsIn { .. } => "brings in an affected version",
        })
        .with_help(help.join("; "));
    for a in hits {
        d = d.with_note(format!("{}: {}", a.id, a.url));
    }
    d.advisories = hits
        .iter()
        .map(|a| crate::diagnostic::AdvisoryRef {
            id: a.id.clone(),
            aliases: a.aliases.clone(),
        })
        .collect();
    d
}

/// The JWT crates a manifest depends on, with the version its lockfile resolves, else the lowest
/// version its requirement allows (for source rules that depend on the API generation).
/// Pass a manifest whose `workspace = true` entries were filled by [`Manifest::inherit_from`].
pub fn resolved_jwt_versions(manifest: &Manifest, locks: &[Lockfile]) -> Vec<(String, Version)> {
    resolved_versions(manifest, locks, is_jwt_crate)
}

/// The same for every dependency `keep` accepts (the analysis also selects the API generation
/// of web crates, for example tower-sessions 0.4's insecure cookie default).
pub fn resolved_versions(
    manifest: &Manifest,
    locks: &[Lockfile],
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, Version)> {
    let dir = dir_of(&manifest.path);
    let mut candidates: Vec<&Lockfile> = locks
        .iter()
        .filter(|l| is_ancestor_or_self(dir_of(&l.path), dir))
        .collect();
    // Nearest first: the package's own lockfile, then the enclosing workspace's.
    candidates.sort_by_key(|l| std::cmp::Reverse(dir_of(&l.path).len()));
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in manifest.dependencies.iter().filter(|d| keep(&d.package)) {
        let req = d.req.as_deref().and_then(parse_req);
        let locked = candidates.iter().find_map(|l| {
            locked_match(l, &d.package, req.as_ref())
                .and_then(|j| Version::parse(&l.packages[j].version).ok())
        });
        if let Some(v) = locked.or_else(|| req.as_ref().and_then(lowest_allowed))
            && seen.insert((d.package.clone(), v.clone()))
        {
            out.push((d.package.clone(), v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn low(s: &str) -> Option<String> {
        lowest_allowed(&VersionReq::parse(s).unwrap()).map(|v| v.to_string())
    }

    #[test]
    fn lowest_allowed_versions() {
        for (req, want) in [
            ("8", "8.0.0"),
            ("^9.2", "9.2.0"),
            ("=7.2.0", "7.2.0"),
            ("~8.1", "8.1.0"),
            (">=7, <10", "7.0.0"),
            (">=9.3, <11", "9.3.0"),
            ("*", "0.0.0"),
            ("<10", "0.0.0"),
            (">9", "10.0.0"),
            (">9.2", "9.3.0"),
            (">9.2.1", "9.2.2"),
            ("9.*", "9.0.0"),
            ("0.17.12", "0.17.12"),
            (">= 0.17.12", "0.17.12"),
            (">=1.0.0-rc.1", "1.0.0-rc.1"),
            ("10.3", "10.3.0"),
        ] {
            assert_eq!(low(req).as_deref(), Some(want), "lowest allowed by {req:?}");
        }
        assert_eq!(low(">=2, <1"), None);
        // Hostile numbers must not overflow.
        assert_eq!(
            low(">18446744073709551615").as_deref(),
            Some("18446744073709551615.0.0")
        );
    }

    #[test]
    fn upper_bounds_and_exactness() {
        let r = |s: &str| VersionReq::parse(s).unwrap();
        assert!(!has_upper_bound(&r("*")));
        assert!(!has_upper_bound(&r(">=7")));
        assert!(!has_upper_bound(&r(">7, >=8")));
        assert!(has_upper_bound(&r(">=7, <10")));
        assert!(has_upper_bound(&r("~1.2")));
        assert!(has_upper_bound(&r("1")));
        assert!(is_exact(&r("=9.3.1")));
        assert!(!is_exact(&r("=9.3")));
        assert!(!is_exact(&r("9.3.1")));
    }

    #[test]
    fn builtin_table_loads_and_judges() {
        let v = |s: &str| Version::parse(s).unwrap();
        let hits = |k: &str, s: &str| {
            builtin_advisories()
                .iter()
                .filter(|a| a.krate == k && a.affects(&v(s)))
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(hits("jsonwebtoken", "10.3.0"), Vec::<&str>::new());
        assert_eq!(hits("jsonwebtoken", "10.2.9"), ["GHSA-h395-gr6q-cpjc"]);
        assert_eq!(hits("jsonwebtoken", "8.3.0").len(), 2);
        assert_eq!(hits("jsonwebtoken", "6.0.1").len(), 3);
        assert_eq!(hits("jsonwebtoken", "3.0.0").len(), 4);
        assert_eq!(
            hits("ring", "0.16.20"),
            ["RUSTSEC-2025-0010", "RUSTSEC-2025-0009"]
        );
        assert_eq!(hits("ring", "0.17.14"), Vec::<&str>::new());
        assert_eq!(hits("simple_asn1", "0.6.1"), Vec::<&str>::new());
        assert_eq!(hits("rsa", "0.9.6"), ["RUSTSEC-2023-0071"]);
        assert!(
            builtin_advisories()
                .iter()
                .all(|a| a.id != "RUSTSEC-2025-0007"),
            "withdrawn advisory must not be listed"
        );
        assert_eq!(advisory_floor("jsonwebtoken"), Some(v("10.3.0")));
        assert!(is_jwt_crate("jwt-compact") && !is_jwt_crate("ring"));
    }

    #[test]
    fn advisory_db_front_matter() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"jwt\"\ndate = 2099-01-01\n\
                    informational = \"unsound\"\n\n[versions]\npatched = [\">= 0.17.0\"]\nunaffected = [\"< 0.10.0\"]\n```\n\n\
                    # Tokens Are Accepted twice.\n\nBody.\n";
        let (a, withdrawn) = parse_db_advisory(text).unwrap();
        assert!(!withdrawn);
        assert_eq!(a.summary, "tokens Are Accepted twice");
        assert!(a.affects(&Version::new(0, 16, 0)));
        assert!(!a.affects(&Version::new(0, 9, 0)));
        assert!(!a.affects(&Version::new(0, 17, 0)));
        assert_eq!(a.severity, Level::Warning);
        assert!(parse_db_advisory("no front matter").is_err());
    }
}
