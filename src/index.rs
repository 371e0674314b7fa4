//! Resolution before matching: a per-file `use` map, the package's dependency renames, and a
//! small constant evaluator (literals, `const`/`static` values, `let` bindings, arithmetic,
//! durations of std/chrono/time/coarsetime, and literal fallbacks of environment lookups).

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use syn::spanned::Spanned;
use syn::{Expr, Lit, UseTree};

/// Maps the names code uses for crates (`jwt`) to real crate names (`jsonwebtoken`).
#[derive(Clone, Debug, Default)]
pub struct CrateMap {
    /// extern name (with `_`) -> package name (with `-`).
    pub externs: HashMap<String, String>,
    /// Real crate names this package depends on.
    pub packages: HashSet<String>,
    /// True when no manifest was found: every known crate is assumed under its own name.
    pub assumed: bool,
    /// Resolved versions of the JWT crates (the lockfile's, else the lowest the requirement
    /// allows), so rules can tell API generations and guard rails apart.
    pub versions: HashMap<String, semver::Version>,
    /// Features only test builds enable (`cfg(any(test, feature = ..))` guards test code).
    pub test_features: crate::model::cfg::TestFeatures,
    /// Whether the package serves requests or only makes them (see [`PackageRole`]).
    pub role: PackageRole,
    /// Facade modules turned on: (extern name, module, package it re-exports), so
    /// `salvo::jwt_auth::X` resolves to `salvo-jwt-auth::X`.
    pub facades: Vec<(String, String, String)>,
}

/// What a package is, by its dependencies: a server (a web or RPC server framework, its own
/// or that of a workspace package that depends on it), a client (no server, and an HTTP client
/// crate), or neither known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PackageRole {
    #[default]
    Unknown,
    Server,
    Client,
}

impl CrateMap {
    pub fn assume_all(known: &[String]) -> CrateMap {
        let mut m = CrateMap {
            assumed: true,
            ..Default::default()
        };
        for k in known {
            m.add(&k.replace('-', "_"), k);
        }
        m
    }

    pub fn add(&mut self, extern_name: &str, package: &str) {
        self.externs
            .insert(extern_name.to_string(), package.to_string());
        self.packages.insert(package.to_string());
    }

    /// Crate names compare with `-` and `_` as the same character (`frank_jwt`, `gloo-storage`).
    /// The gate of a knowledge-table entry: the package depends on one of the entry's `crates`,
    /// or, when it names none, on the crate its path starts with (`jsonwebtoken::decode`).
    pub fn allows(&self, crates: &[String], path: Option<&str>) -> bool {
        if !crates.is_empty() {
            return self.depends_on_any(crates);
        }
        match path
            .filter(|p| p.contains("::"))
            .and_then(|p| p.split("::").next())
        {
            Some(krate) => self.depends_on(krate),
            None => true,
        }
    }

    /// The resolved version of a crate, when a manifest says.
    pub fn version_of(&self, package: &str) -> Option<&semver::Version> {
        self.versions.get(package)
    }

    pub fn depends_on(&self, package: &str) -> bool {
        self.packages.contains(package)
            || self.packages.contains(&package.replace('-', "_"))
            || self.packages.contains(&package.replace('_', "-"))
    }

    pub fn depends_on_any(&self, packages: &[String]) -> bool {
        packages.is_empty() || packages.iter().any(|p| self.depends_on(p))
    }
}

/// The `use` declarations of one file (all scopes flattened: precise enough for imports).
#[derive(Clone, Debug, Default)]
pub struct UseMap {
    pub names: HashMap<String, Vec<String>>,
    pub globs: Vec<Vec<String>>,
}

impl UseMap {
    pub fn add_use(&mut self, tree: &UseTree, leading_colon: bool) {
        let _ = leading_colon;
        self.walk(tree, Vec::new());
    }

    fn walk(&mut self, tree: &UseTree, prefix: Vec<String>) {
        match tree {
            UseTree::Path(p) => {
                let mut pre = prefix;
                pre.push(p.ident.to_string());
                self.walk(&p.tree, pre);
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last() {
                        self.names.insert(last.clone(), prefix.clone());
                    }
                } else {
                    let mut full = prefix;
                    full.push(name.clone());
                    self.names.insert(name, full);
                }
            }
            UseTree::Rename(r) => {
                let name = r.ident.to_string();
                let mut full = prefix.clone();
                if name != "self" {
                    full.push(name);
                }
                let alias = r.rename.to_string();
                if alias != "_" {
                    self.names.insert(alias, full);
                }
            }
            UseTree::Glob(_) => self.globs.push(prefix),
            UseTree::Group(g) => {
                for t in &g.items {
                    self.walk(t, prefix.clone());
                }
            }
        }
    }

    /// Canonical path of a path expression: the crate's real name first when known.
    pub fn resolve(&self, segs: &[String], crates: &CrateMap) -> Vec<String> {
        let Some(head) = segs.first() else {
            return Vec::new();
        };
        let mut out: Vec<String> = match head.as_str() {
            "crate" | "self" | "super" | "Self" => segs.to_vec(),
            _ => {
                if let Some(full) = self.names.get(head) {
                    let mut v = full.clone();
                    v.extend(segs[1..].iter().cloned());
                    v
                } else if !crates.externs.contains_key(head) {
                    // Try glob imports of known crates (`use jsonwebtoken::*;`).
                    let from_glob = self.globs.iter().find(|g| {
                        g.first()
                            .map(|h| crates.externs.contains_key(h) || h == "crate")
                            .unwrap_or(false)
                            && g.first().map(|h| h != "crate").unwrap_or(false)
                    });
                    match from_glob {
                        Some(g) => {
                            let mut v = g.clone();
                            v.extend(segs.iter().cloned());
                            v
                        }
                        None => segs.to_vec(),
                    }
                } else {
                    segs.to_vec()
                }
            }
        };
        // An alias chain: `use jsonwebtoken as jwt; use jwt::EncodingKey;`.
        for _ in 0..8 {
            let Some(full) = out.first().and_then(|h| self.names.get(h)) else {
                break;
            };
            if full.len() == 1 && full[0] == out[0]
                || full.first() == out.first()
                    && full.len() > 1
                    && full[..] == out[..full.len().min(out.len())]
            {
                break;
            }
            let mut v = full.clone();
            v.extend(out[1..].iter().cloned());
            out = v;
        }
        // A facade's module: `salvo::jwt_auth::ConstDecoder` is salvo-jwt-auth's.
        if out.len() >= 2
            && let Some((_, _, pkg)) = crates
                .facades
                .iter()
                .find(|(ext, module, _)| out[0] == *ext && out[1] == *module)
        {
            out.splice(0..2, [pkg.clone()]);
            return out;
        }
        // `::jsonwebtoken` or an alias chain: map the head to the real crate name.
        if let Some(h) = out.first_mut()
            && let Some(pkg) = crates.externs.get(h.as_str())
        {
            *h = pkg.clone();
        }
        out
    }
}

/// Segments of a syn path as strings.
pub fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Matches a canonical path against a pattern like `jsonwebtoken::Validation::new`: same crate,
/// same last segment, and the same type segment when the pattern names one.
pub fn path_matches(canon: &[String], pattern: &str) -> bool {
    // Without allocating, and the last segment first: this runs for every call of every parsed
    // file against every table row, and most rows differ in their last segment.
    let last = pattern.rsplit(':').next().unwrap_or_default();
    let Some(canon_last) = canon.last() else {
        return false;
    };
    if last.is_empty() || canon_last != last {
        return false;
    }
    let segs = || pattern.split(':').filter(|s| !s.is_empty());
    let n = segs().count();
    if n == 1 {
        return true;
    }
    if !same_crate_name(&canon[0], segs().next().unwrap_or_default()) {
        return false;
    }
    if n >= 3 {
        let ty = segs().nth(n - 2).unwrap_or_default();
        if ty.chars().next().is_some_and(char::is_uppercase) || canon.len() >= n {
            return canon.len() >= 2 && canon[canon.len() - 2] == ty;
        }
    }
    true
}

/// Crate names equal up to `-` and `_`.
fn same_crate_name(a: &str, b: &str) -> bool {
    let norm = |c: u8| if c == b'_' { b'-' } else { c };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}

/// Longest string or byte value the evaluator keeps; a longer one is unknown. Key material is
/// a few kilobytes at most, and without a cap `let s2 = s1.clone() + &s1;` lines double a value
/// per line.
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// A value the evaluator could work out. Strings and bytes are shared, so a binding that copies
/// another (`let t = s;`) costs a reference count, not the text.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Str(Arc<str>),
    Bytes(Arc<[u8]>),
    Int(i128),
    Float(f64),
    Bool(bool),
    /// A duration, in seconds.
    Dur(f64),
    /// "now" plus an offset in seconds.
    Time(f64),
    /// Contents compiled in from a file: (macro, path).
    Embedded(String, String),
    /// A literal used when an environment variable or config value is missing.
    Fallback(Box<Val>),
    /// A reference to a constant defined elsewhere in the crate (resolved later).
    ConstRef(String),
}

impl Val {
    /// A string value, or unknown past [`MAX_VALUE_LEN`].
    pub fn text(s: impl AsRef<str> + Into<Arc<str>>) -> Option<Val> {
        (s.as_ref().len() <= MAX_VALUE_LEN).then(|| Val::Str(s.into()))
    }

    /// A byte value, or unknown past [`MAX_VALUE_LEN`].
    pub fn bytes(b: Vec<u8>) -> Option<Val> {
        (b.len() <= MAX_VALUE_LEN).then(|| Val::Bytes(b.into()))
    }

    pub fn as_secs(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            Val::Dur(d) => Some(*d),
            _ => None,
        }
    }

    /// Literal key material (string or bytes), looking through fallbacks.
    pub fn literal_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Val::Str(s) => Some(s.as_bytes().to_vec()),
            Val::Bytes(b) => Some(b.to_vec()),
            Val::Fallback(v) => v.literal_bytes(),
            _ => None,
        }
    }
}

/// Where names are looked up while evaluating.
pub trait Env {
    fn lookup(&self, name: &str) -> Option<Val>;
    /// True when `name` is a binding whose value is "now"-like (a timestamp of the current time).
    fn is_now(&self, _name: &str) -> bool {
        false
    }
}

pub struct NoEnv;
impl Env for NoEnv {
    fn lookup(&self, _: &str) -> Option<Val> {
        None
    }
}

const NOW_WORDS: &[&str] = &[
    "now",
    "now_utc",
    "get_current_timestamp",
    "current_timestamp",
    "timestamp_now",
    "unix_now",
    "now_secs",
    "current_time",
    "epoch",
];

pub fn unit_secs(name: &str) -> Option<f64> {
    let n = name
        .trim_start_matches("from_")
        .trim_start_matches("new_")
        .trim_start_matches("try_");
    Some(match n {
        "secs" | "seconds" | "second" | "sec" => 1.0,
        "millis" | "milliseconds" => 0.001,
        "micros" | "microseconds" => 1e-6,
        "nanos" | "nanoseconds" => 1e-9,
        "mins" | "minutes" | "minute" => 60.0,
        "hours" | "hour" => 3600.0,
        "days" | "day" => 86400.0,
        "weeks" | "week" => 604800.0,
        _ => return None,
    })
}

/// The value-carrying branches of an `if`/`else` chain or a `match` (the tail expression of
/// each block; arms that diverge, such as `Err(_) => return ..`, carry nothing). An `if`
/// without `else` carries nothing: its value is `()`.
pub fn branch_values(e: &Expr) -> impl Iterator<Item = &Expr> {
    fn push<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::If(i) => {
                let Some((_, els)) = &i.else_branch else {
                    return;
                };
                // `if cfg!(test) { test_key } else { .. }`: the test branch is not shipped.
                match cfg_test(&i.cond) {
                    Some(true) => push(els, out),
                    Some(false) => push_block(&i.then_branch, out),
                    None => {
                        push_block(&i.then_branch, out);
                        push(els, out);
                    }
                }
            }
            Expr::Match(m) => m.arms.iter().for_each(|a| push(&a.body, out)),
            Expr::Block(b) => push_block(&b.block, out),
            Expr::Paren(p) => push(&p.expr, out),
            e if diverges(e) => {}
            e => out.push(e),
        }
    }
    fn push_block<'e>(b: &'e syn::Block, out: &mut Vec<&'e Expr>) {
        if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last() {
            push(e, out);
        }
    }
    let mut out = Vec::new();
    if matches!(e, Expr::If(_) | Expr::Match(_)) {
        push(e, &mut out);
    }
    out.into_iter()
}

/// `cfg!(test)` is `Some(true)`, `cfg!(not(test))` is `Some(false)`, anything else `None`.
pub fn cfg_test(cond: &Expr) -> Option<bool> {
    let Expr::Macro(m) = cond else { return None };
    if !m.mac.path.is_ident("cfg") {
        return None;
    }
    match m.mac.tokens.to_string().replace(' ', "").as_str() {
        "test" => Some(true),
        "not(test)" => Some(false),
        _ => None,
    }
}

/// An expression that never yields a value: `return`, `break`, `continue`, a panicking macro,
/// or a block that ends in one.
pub fn diverges(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
            )
        }),
        Expr::Block(b) => b.block.stmts.last().is_some_and(|s| match s {
            syn::Stmt::Expr(e, _) => diverges(e),
            syn::Stmt::Macro(m) => diverges(&Expr::Macro(syn::ExprMacro {
                attrs: Vec::new(),
                mac: m.mac.clone(),
            })),
            _ => false,
        }),
        _ => false,
    }
}

/// The value a reviewer would judge when branches differ: literal key material in any branch
/// (a development secret that production can reach), else the longest duration or largest
/// number, else the value all known branches agree on. Branches of unknown value are skipped;
/// booleans that disagree are unknown (which one is risky depends on the setting).
pub fn riskiest(vals: impl Iterator<Item = Option<Val>>) -> Option<Val> {
    let known: Vec<Val> = vals.flatten().collect();
    if let Some(lit) = known
        .iter()
        .find(|v| matches!(v, Val::Str(_) | Val::Bytes(_) | Val::Embedded(..)))
    {
        return Some(lit.clone());
    }
    if known.iter().all(|v| v.as_secs().is_some()) {
        return known
            .iter()
            .max_by(|a, b| {
                a.as_secs()
                    .partial_cmp(&b.as_secs())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .cloned();
    }
    if known.iter().all(|v| matches!(v, Val::Time(_))) {
        return known
            .iter()
            .max_by(|a, b| match (a, b) {
                (Val::Time(x), Val::Time(y)) => {
                    x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal)
                }
                _ => std::cmp::Ordering::Equal,
            })
            .cloned();
    }
    let first = known.first()?;
    known.iter().all(|v| v == first).then(|| first.clone())
}

/// The scrutinee of a `match` that only unwraps it: every arm that yields a value yields the
/// binding its pattern took (`match decode_header(t) { Ok(h) => h, Err(_) => return false }`),
/// so the result carries the scrutinee's facts, as `decode_header(t)?` would.
pub fn unwrapped_scrutinee(e: &Expr) -> Option<&Expr> {
    let Expr::Match(m) = e else { return None };
    let mut any = false;
    for arm in &m.arms {
        if diverges(&arm.body) {
            continue;
        }
        let Expr::Path(p) = strip_block(&arm.body) else {
            return None;
        };
        let name = p.path.get_ident()?.to_string();
        let pat = &arm.pat;
        if !quote::quote!(#pat)
            .to_string()
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == name)
        {
            return None;
        }
        any = true;
    }
    any.then_some(&*m.expr)
}

fn strip_block(e: &Expr) -> &Expr {
    match e {
        Expr::Block(b) if b.block.stmts.len() == 1 => match &b.block.stmts[0] {
            syn::Stmt::Expr(inner, None) => strip_block(inner),
            _ => e,
        },
        Expr::Paren(p) => strip_block(&p.expr),
        _ => e,
    }
}

/// Evaluates an expression to a constant-like value, or None.
pub fn eval(expr: &Expr, env: &dyn Env) -> Option<Val> {
    eval_depth(expr, env, 0)
}

fn eval_depth(expr: &Expr, env: &dyn Env, depth: usize) -> Option<Val> {
    if depth > 48 {
        return None;
    }
    let ev = |e: &Expr| eval_depth(e, env, depth + 1);
    match expr {
        Expr::Lit(l) => lit_val(&l.lit),
        Expr::Paren(p) => ev(&p.expr),
        Expr::Group(g) => ev(&g.expr),
        Expr::Reference(r) => ev(&r.expr),
        Expr::Cast(c) => ev(&c.expr),
        Expr::Try(t) => ev(&t.expr),
        Expr::Unary(u) => match (&u.op, ev(&u.expr)?) {
            (syn::UnOp::Neg(_), Val::Int(i)) => Some(Val::Int(-i)),
            (syn::UnOp::Neg(_), Val::Float(f)) => Some(Val::Float(-f)),
            (syn::UnOp::Deref(_), v) => Some(v),
            _ => None,
        },
        Expr::Block(b) if b.block.stmts.len() == 1 => match &b.block.stmts[0] {
            syn::Stmt::Expr(e, None) => ev(e),
            _ => None,
        },
        Expr::If(_) | Expr::Match(_) => riskiest(branch_values(expr).map(ev)),
        Expr::Path(p) => eval_path(p, env),
        // Byte arrays: `&[]`, `[1, 2, 3]` (a literal key); `[0u8; 32]` is not evaluated.
        Expr::Array(a) => eval_array(a, &ev),
        // `now.timestamp_millis() / 1000`: back to seconds. A millisecond timestamp on its own
        // is not evaluated (its offsets would be read as seconds).
        Expr::Binary(b)
            if matches!(b.op, syn::BinOp::Div(_))
                && millis_receiver(&b.left).is_some()
                && ev(&b.right) == Some(Val::Int(1000)) =>
        {
            ev(millis_receiver(&b.left)?)
        }
        Expr::Binary(b) => {
            let l = ev(&b.left);
            let r = ev(&b.right);
            binop(&b.op, l, r)
        }
        Expr::Call(c) => eval_call(c, &ev).or_else(|| fn_call_value(c, env)),
        Expr::MethodCall(m) => eval_method_call(m, &ev).or_else(|| {
            let own = !VALUE_METHODS.contains(&m.method.to_string().as_str());
            own.then(|| method_value(m, env)).flatten()
        }),
        Expr::Macro(m) => eval_macro(m, &ev),
        _ => None,
    }
}

/// A path: a binding or constant of the environment, "now", a well-known constant
/// (`Duration::MAX`, `i64::MAX`), or a reference to a SCREAMING_CASE constant resolved later.
fn eval_path(p: &syn::ExprPath, env: &dyn Env) -> Option<Val> {
    let segs = path_segments(&p.path);
    let last = segs.last()?;
    if segs.len() == 1 {
        if let Some(v) = env.lookup(last) {
            return Some(v);
        }
        if env.is_now(last) {
            return Some(Val::Time(0.0));
        }
        if last
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && last.chars().any(|c| c.is_ascii_uppercase())
        {
            return Some(Val::ConstRef(last.clone()));
        }
        return None;
    }
    // `Self::CONST`, `config::TTL`, `i64::MAX` ...
    if let Some(v) = env.lookup(last) {
        return Some(v);
    }
    match (segs[segs.len() - 2].as_str(), last.as_str()) {
        ("Duration" | "TimeDelta", "MAX") | ("i64" | "u64" | "i32" | "u32", "MAX") => {
            Some(Val::Dur(f64::INFINITY))
        }
        ("Duration", "ZERO") => Some(Val::Dur(0.0)),
        ("Duration", "SECOND") => Some(Val::Dur(1.0)),
        ("Duration", "MINUTE") => Some(Val::Dur(60.0)),
        ("Duration", "HOUR") => Some(Val::Dur(3600.0)),
        ("Duration", "DAY") => Some(Val::Dur(86400.0)),
        ("Duration", "WEEK") => Some(Val::Dur(604800.0)),
        _ if last
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
        {
            Some(Val::ConstRef(last.clone()))
        }
        _ => None,
    }
}

/// Byte arrays: `&[]`, `[1, 2, 3]` (a literal key). `[0u8; 32]` is not evaluated: such a
/// buffer is nearly always filled with random bytes before use.
fn eval_array(a: &syn::ExprArray, ev: &dyn Fn(&Expr) -> Option<Val>) -> Option<Val> {
    let mut out = Vec::new();
    for e in &a.elems {
        match ev(e)? {
            Val::Int(i) => out.push(u8::try_from(i).ok()?),
            _ => return None,
        }
    }
    Val::bytes(out)
}

/// A call: durations (`Duration::from_secs(..)`, `TimeDelta::hours(..)`), value wrappers
/// (`Some`, `Ok`, `String::from`), and "now".
fn eval_call(c: &syn::ExprCall, ev: &dyn Fn(&Expr) -> Option<Val>) -> Option<Val> {
    let Expr::Path(fp) = &*c.func else {
        return None;
    };
    let segs = path_segments(&fp.path);
    let last = segs.last()?.as_str();
    let ty = if segs.len() >= 2 {
        segs[segs.len() - 2].as_str()
    } else {
        ""
    };
    let arg0 = c.args.first();
    // Second-count newtypes: aliri_clock `DurationSecs(n)`.
    if last == "DurationSecs" && c.args.len() == 1 {
        return Some(Val::Dur(ev(arg0?)?.as_secs()?));
    }
    // Durations: std/coarsetime `Duration::from_secs`, chrono `Duration::days`,
    // `TimeDelta::hours`, time `Duration::minutes`, `Duration::new(secs, nanos)`.
    if matches!(
        ty,
        "Duration" | "TimeDelta" | "StdDuration" | "ChronoDuration" | "TimeDuration"
    ) || ty.ends_with("Duration")
    {
        if last == "new" {
            return Some(Val::Dur(ev(arg0?)?.as_secs()?));
        }
        if let Some(u) = unit_secs(last) {
            return Some(Val::Dur(ev(arg0?)?.as_secs()? * u));
        }
        return None;
    }
    if c.args.len() == 1 && is_value_wrapper(ty, last) {
        return ev(arg0?);
    }
    if matches!(last, "Some" | "Ok") && c.args.len() == 1 {
        return ev(arg0?);
    }
    if NOW_WORDS.contains(&last) || (last == "timestamp" && segs.len() == 1) {
        return Some(Val::Time(0.0));
    }
    None
}

/// A call of a parameterless function of the package (`token_ttl()`, `config::secret()`,
/// `Self::lifetime()`): its value when this file defines it, else a reference resolved later
/// (the `name()` constant of [`crate::detect::ConstExprs`]). Calls of a type's functions
/// (`Utc::now()`, `Key::generate()`) are not.
fn fn_call_value(c: &syn::ExprCall, env: &dyn Env) -> Option<Val> {
    let Expr::Path(fp) = &*c.func else {
        return None;
    };
    if !c.args.is_empty() || fp.qself.is_some() {
        return None;
    }
    let segs = path_segments(&fp.path);
    let (last, modules) = segs.split_last()?;
    let lower = |s: &String| s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    if !lower(last) || !modules.iter().all(|m| lower(m) || m == "Self") {
        return None;
    }
    fn_value_of(last, env)
}

/// A method of the package called without arguments (`self.token_ttl()`,
/// `settings.jwt_secret()`), valued like [`fn_call_value`].
fn method_value(m: &syn::ExprMethodCall, env: &dyn Env) -> Option<Val> {
    if unit_secs(&m.method.to_string()).is_some() {
        return None;
    }
    if !m.args.is_empty() || m.turbofish.is_some() {
        return None;
    }
    if !matches!(peel(&m.receiver), Expr::Path(_) | Expr::Field(_)) {
        return None;
    }
    fn_value_of(&m.method.to_string(), env)
}

fn fn_value_of(name: &str, env: &dyn Env) -> Option<Val> {
    let key = crate::detect::fn_value_key(name);
    env.lookup(&key).or(Some(Val::ConstRef(key)))
}

/// Methods [`eval_method_call`] knows, and common ones of the standard library: never taken
/// for a method of the package.
const VALUE_METHODS: &[&str] = &[
    "to_string",
    "to_owned",
    "into",
    "as_bytes",
    "as_ref",
    "to_vec",
    "as_str",
    "into_bytes",
    "clone",
    "as_slice",
    "into_owned",
    "unwrap",
    "expect",
    "timestamp",
    "unix_timestamp",
    "as_secs",
    "num_seconds",
    "whole_seconds",
    "as_secs_f64",
    "as_u64",
    "to_std",
    "into_std",
    "get",
    "trim",
    "expose_secret",
    "timestamp_nanos",
    "timestamp_millis",
    "as_millis",
    "unwrap_or_default",
    "len",
    "is_empty",
    "iter",
    "into_iter",
    "collect",
    "build",
    "finish",
    "parse",
    "lock",
    "read",
    "write",
    "borrow",
    "borrow_mut",
    "as_deref",
    "as_mut",
    "take",
    "ok",
    "err",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "keys",
    "values",
    "first",
    "last",
    "next",
    "to_lowercase",
    "to_uppercase",
    "chars",
    "bytes",
    "default",
    "new",
    "as_path",
    "display",
    "to_str",
    "to_string_lossy",
    "into_inner",
    "inner",
    "deref",
    "as_deref_mut",
];

/// A method call: conversions that keep the value, arithmetic, fallbacks of environment
/// lookups (`unwrap_or`, `unwrap_or_default`), and unit helpers (`5.minutes()`).
fn eval_method_call(m: &syn::ExprMethodCall, ev: &dyn Fn(&Expr) -> Option<Val>) -> Option<Val> {
    let name = m.method.to_string();
    let recv = || ev(&m.receiver);
    match name.as_str() {
        "to_string" | "to_owned" | "into" | "as_bytes" | "as_ref" | "to_vec" | "as_str"
        | "into_bytes" | "clone" | "as_slice" | "into_owned" | "unwrap" | "expect"
        | "timestamp" | "unix_timestamp" | "as_secs" | "num_seconds" | "whole_seconds"
        | "as_secs_f64" | "as_u64" | "to_std" | "into_std" | "get" | "trim" | "expose_secret" => {
            recv()
        }
        "timestamp_nanos" | "timestamp_millis" | "as_millis" => None,
        "pow" => {
            let (Val::Int(b), Val::Int(e)) = (recv()?, ev(m.args.first()?)?) else {
                return None;
            };
            Some(Val::Int(b.checked_pow(u32::try_from(e).ok()?)?))
        }
        "checked_add"
        | "saturating_add"
        | "wrapping_add"
        | "add"
        | "checked_add_signed"
        | "saturating_add_signed" => binop(
            &syn::BinOp::Add(Default::default()),
            recv(),
            ev(m.args.first()?),
        ),
        "checked_mul" | "saturating_mul" | "wrapping_mul" | "mul" => binop(
            &syn::BinOp::Mul(Default::default()),
            recv(),
            ev(m.args.first()?),
        ),
        "checked_sub" | "saturating_sub" | "sub" => binop(
            &syn::BinOp::Sub(Default::default()),
            recv(),
            ev(m.args.first()?),
        ),
        "unwrap_or" | "unwrap_or_else" | "or" => {
            let fb = m.args.first()?;
            let fb = match fb {
                Expr::Closure(cl) => ev(&cl.body),
                e => ev(e),
            };
            match (recv(), fb) {
                (Some(v), _) if !is_env_lookup(&m.receiver) => Some(v),
                (_, Some(v @ (Val::Str(_) | Val::Bytes(_)))) => Some(Val::Fallback(Box::new(v))),
                // `env::var(..).unwrap_or(DEFAULT_SECRET)`: resolved later, still a fallback.
                (_, Some(v @ Val::ConstRef(_))) if is_env_lookup(&m.receiver) => {
                    Some(Val::Fallback(Box::new(v)))
                }
                (_, Some(v)) => Some(v),
                _ => None,
            }
        }
        "unwrap_or_default" if is_env_lookup(&m.receiver) => {
            Some(Val::Fallback(Box::new(Val::Str("".into()))))
        }
        // `5.minutes()` (time's NumericalDuration, chrono-humanize style helpers)
        n => {
            let u = unit_secs(n)?;
            if m.args.is_empty() {
                Some(Val::Dur(recv()?.as_secs()? * u))
            } else {
                None
            }
        }
    }
}

/// A macro: embedded files (`include_bytes!`) and `concat!` of literals.
fn eval_macro(m: &syn::ExprMacro, ev: &dyn Fn(&Expr) -> Option<Val>) -> Option<Val> {
    let name = m.mac.path.segments.last()?.ident.to_string();
    match name.as_str() {
        "include_bytes" | "include_str" => {
            let lit: syn::LitStr = m.mac.parse_body().ok()?;
            Some(Val::Embedded(name, lit.value()))
        }
        "concat" => {
            let args = m
                .mac
                .parse_body_with(
                    syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
                )
                .ok()?;
            let mut s = String::new();
            for a in &args {
                match ev(a)? {
                    Val::Str(x) => s.push_str(&x),
                    Val::Int(i) => s.push_str(&i.to_string()),
                    _ => return None,
                }
                if s.len() > MAX_VALUE_LEN {
                    return None;
                }
            }
            Val::text(s)
        }
        "vec" => None,
        _ => None,
    }
}

/// Constructors that wrap their one argument without changing the bytes it holds (`type`,
/// functions): a literal inside them is still the value (`Base64Url::from_raw(b"k".to_vec())`,
/// `SecretString::new("k".into())`).
const VALUE_WRAPPERS: &[(&str, &[&str])] = &[
    ("String", &["from", "new"]),
    ("Vec", &["from", "new"]),
    ("Box", &["from", "new"]),
    ("Cow", &["from", "new"]),
    ("Arc", &["from", "new"]),
    ("Rc", &["from", "new"]),
    // aliri_base64: raw bytes (not Base64 text) wrapped for `jwa::Hmac::new`.
    ("Base64Url", &["from_raw"]),
    ("Base64", &["from_raw"]),
    ("Bytes", &["from", "from_static", "copy_from_slice"]),
    // secrecy and zeroize wrappers.
    ("SecretString", &["new", "from"]),
    ("SecretBox", &["new", "from"]),
    ("SecretVec", &["new", "from"]),
    ("Secret", &["new"]),
    ("Zeroizing", &["new"]),
];

/// Is `ty::func(x)` one of [`VALUE_WRAPPERS`]?
fn is_value_wrapper(ty: &str, func: &str) -> bool {
    VALUE_WRAPPERS
        .iter()
        .any(|(t, fs)| *t == ty && fs.contains(&func))
}

/// The receiver of a millisecond timestamp call (`now.timestamp_millis()`, `d.as_millis()`).
fn millis_receiver(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Paren(p) => millis_receiver(&p.expr),
        Expr::Cast(c) => millis_receiver(&c.expr),
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "timestamp_millis" | "as_millis"
            ) =>
        {
            Some(&m.receiver)
        }
        _ => None,
    }
}

/// `std::env::var(..)`, `env::var_os`, `dotenv::var`, `option_env!`, `.get("...")` on config.
/// Looks through what hands a value on unchanged in shape: `&x`, `(x)` and argument-less
/// method calls (`x.as_bytes()`, `x.clone()`), down to the value's own expression.
pub fn peel(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::MethodCall(m) if m.args.is_empty() => &m.receiver,
            _ => return e,
        };
    }
}

/// Conversions that hand a key or a setting on as the same value (`cfg.secret.as_bytes()`).
pub const VALUE_CONVERSIONS: &[&str] = &[
    "as_bytes",
    "as_str",
    "as_ref",
    "clone",
    "to_string",
    "to_owned",
    "into",
    "into_bytes",
    "to_vec",
    "as_slice",
];

/// Does a type name `name` (its last path segment), itself or as a type argument of a wrapper
/// that `through` accepts (`Option<bool>`, `Result<Storage, JsValue>`)?
pub fn type_names(ty: &syn::Type, name: &str, through: &dyn Fn(&syn::Ident) -> bool) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident == name {
        return true;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return false;
    };
    through(&last.ident)
        && a.args.iter().any(|g| match g {
            syn::GenericArgument::Type(t) => type_names(t, name, through),
            _ => false,
        })
}

pub fn is_env_lookup(e: &Expr) -> bool {
    match e {
        Expr::Call(c) => {
            if let Expr::Path(p) = &*c.func {
                let segs = path_segments(&p.path);
                let last = segs.last().map(String::as_str).unwrap_or("");
                return matches!(last, "var" | "var_os" | "env_var" | "get_env" | "getenv")
                    || segs
                        .iter()
                        .any(|s| s == "env" || s == "dotenv" || s == "dotenvy");
            }
            false
        }
        Expr::Macro(m) => m.mac.path.is_ident("option_env"),
        Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "ok" | "map" | "map_err" | "and_then" | "filter"
            ) && is_env_lookup(&m.receiver)
        }
        Expr::Try(t) => is_env_lookup(&t.expr),
        Expr::Paren(p) => is_env_lookup(&p.expr),
        _ => false,
    }
}

fn binop(op: &syn::BinOp, l: Option<Val>, r: Option<Val>) -> Option<Val> {
    use syn::BinOp::*;
    let (l, r) = (l?, r?);
    match op {
        Add(_) | AddAssign(_) => match (l, r) {
            (Val::Time(t), v) | (v, Val::Time(t)) => Some(Val::Time(t + v.as_secs()?)),
            (Val::Int(a), Val::Int(b)) => Some(Val::Int(a.checked_add(b)?)),
            (Val::Str(a), Val::Str(b)) if a.len() + b.len() <= MAX_VALUE_LEN => {
                Val::text(format!("{a}{b}"))
            }
            (Val::Str(_), Val::Str(_)) => None,
            (a, b) => {
                let dur = matches!(a, Val::Dur(_)) || matches!(b, Val::Dur(_));
                let s = a.as_secs()? + b.as_secs()?;
                Some(if dur { Val::Dur(s) } else { Val::Float(s) })
            }
        },
        Sub(_) | SubAssign(_) => match (l, r) {
            (Val::Time(a), Val::Time(b)) => Some(Val::Dur(a - b)),
            (Val::Time(t), v) => Some(Val::Time(t - v.as_secs()?)),
            (Val::Int(a), Val::Int(b)) => Some(Val::Int(a.checked_sub(b)?)),
            (a, b) => Some(Val::Float(a.as_secs()? - b.as_secs()?)),
        },
        Mul(_) | MulAssign(_) => match (l, r) {
            (Val::Int(a), Val::Int(b)) => Some(Val::Int(a.checked_mul(b)?)),
            (Val::Dur(d), v) | (v, Val::Dur(d)) => Some(Val::Dur(d * v.as_secs()?)),
            (a, b) => Some(Val::Float(a.as_secs()? * b.as_secs()?)),
        },
        Div(_) | DivAssign(_) => match (l, r) {
            (Val::Int(a), Val::Int(b)) if b != 0 => Some(Val::Int(a / b)),
            (Val::Dur(d), v) => Some(Val::Dur(d / v.as_secs()?)),
            (a, b) if b.as_secs()? != 0.0 => Some(Val::Float(a.as_secs()? / b.as_secs()?)),
            _ => None,
        },
        _ => None,
    }
}

pub fn lit_val(lit: &Lit) -> Option<Val> {
    match lit {
        Lit::Str(s) => Val::text(s.value()),
        Lit::ByteStr(b) => Val::bytes(b.value()),
        Lit::Int(i) => i.base10_parse::<i128>().ok().map(Val::Int),
        Lit::Float(f) => f.base10_parse::<f64>().ok().map(Val::Float),
        Lit::Bool(b) => Some(Val::Bool(b.value)),
        _ => None,
    }
}

/// Byte range of any syntax node (file-relative with proc-macro2 `span-locations`).
///
/// `Spanned::span` prints the whole node to tokens, so asking it for every link of a long
/// method chain costs time quadratic in the chain; expressions (the common case) take the
/// first and last token directly.
pub fn span_of<T: Spanned + 'static>(node: &T) -> Range<usize> {
    let any = node as &dyn std::any::Any;
    if let Some(e) = any.downcast_ref::<Expr>() {
        return expr_range(e);
    }
    if let Some(m) = any.downcast_ref::<syn::ExprMethodCall>() {
        return expr_start(&m.receiver)..m.paren_token.span.close().byte_range().end;
    }
    if let Some(c) = any.downcast_ref::<syn::ExprCall>() {
        return expr_start(&c.func)..c.paren_token.span.close().byte_range().end;
    }
    node.span().byte_range()
}

/// Byte range of an expression, from its first to its last token, for the shapes that chain.
fn expr_range(e: &Expr) -> Range<usize> {
    match e {
        Expr::MethodCall(m) => expr_start(&m.receiver)..m.paren_token.span.close().byte_range().end,
        Expr::Call(c) => expr_start(&c.func)..c.paren_token.span.close().byte_range().end,
        Expr::Field(f) => expr_start(&f.base)..f.member.span().byte_range().end,
        Expr::Try(t) => expr_start(&t.expr)..t.question_token.span.byte_range().end,
        Expr::Await(a) => expr_start(&a.base)..a.await_token.span.byte_range().end,
        _ => e.span().byte_range(),
    }
}

/// Byte offset of the first token of an expression (iterative along receivers).
fn expr_start(mut e: &Expr) -> usize {
    loop {
        match e {
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Call(c) => e = &c.func,
            Expr::Field(f) => e = &f.base,
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::Index(i) => e = &i.expr,
            Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => {
                return match (&p.path.leading_colon, p.path.segments.first()) {
                    (Some(c), _) => c.spans[0].byte_range().start,
                    (None, Some(s)) => s.ident.span().byte_range().start,
                    (None, None) => e.span().byte_range().start,
                };
            }
            _ => return e.span().byte_range().start,
        }
    }
}
