//! The pipeline: discover → read → parse → detect (in parallel) → deferred constant checks →
//! dependency rules → suppressions → one sorted report.

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::detect::{self, Ctx, Deferred, PackageCheck, RuleOptions};
use crate::diagnostic::{Diagnostic, Report};
use crate::discover::{self, FileKind, Found};
use crate::index::{CrateMap, UseMap, Val};
use crate::manifest::{Lockfile, Manifest};
use crate::model::facts::{PackageFacts, ValueRef, WorkspaceFacts};
use crate::model::modules::TestFiles;
use crate::prefilter::{Decision, Matcher, Prefilter};
use crate::source::SourceText;
use crate::suppress::{self, Directive};

/// Stack size of the threads that parse and walk files (deep but legal code needs room).
const STACK_SIZE: usize = 256 * 1024 * 1024;

pub struct LintRequest {
    /// Absolute project root (paths in the report are relative to it).
    pub root: PathBuf,
    /// Absolute paths to check (the root itself in workspace mode).
    pub paths: Vec<PathBuf>,
    pub config: Config,
    pub advisory_db: Option<PathBuf>,
    /// The date `until=` suppressions are judged against ([`suppress::today`]).
    pub today: jiff::civil::Date,
    /// Folders (relative to the root) of nested workspaces, analysed on their own and left
    /// out of this walk.
    pub nested: Vec<String>,
    /// The whole workspace is test code: it lies in a test folder (`tests/`, `fixtures/`, ..)
    /// of the project the run started from.
    pub all_test_code: bool,
}

/// Every crate name any rule knows about (from the catalogue's tables), used when a file
/// belongs to no package.
pub fn known_crates() -> Vec<String> {
    fn walk(v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, x) in t {
                    match (k.as_str(), x) {
                        ("call" | "path", toml::Value::String(s)) => {
                            if let Some(c) = s.split("::").next().filter(|_| s.contains("::")) {
                                out.push(c.replace('_', "-"));
                            }
                        }
                        ("crates", toml::Value::Array(a)) => {
                            out.extend(a.iter().filter_map(|s| s.as_str().map(str::to_string)))
                        }
                        _ => walk(x, out),
                    }
                }
            }
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for r in &crate::catalog::catalog().rules {
        walk(&toml::Value::Table(r.data.clone()), &mut out);
    }
    out.extend(["web-sys".to_string(), "frank_jwt".to_string()]);
    out.sort();
    out.dedup();
    out
}

#[derive(Default)]
struct FileResult {
    rel: String,
    /// The prefilter found nothing a rule could match: the file was not parsed.
    skipped: bool,
    /// A large file parsed item by item: the byte ranges of the items that were parsed.
    split: Option<Vec<std::ops::Range<usize>>>,
    source: Option<Arc<SourceText>>,
    diagnostics: Vec<Diagnostic>,
    deferred: Vec<Deferred>,
    package_checks: Vec<PackageCheck>,
    /// The file's share of its package's facts (constants, what it signs and defines).
    facts: PackageFacts,
    directives: Vec<Directive>,
    package: Option<usize>,
    /// The file's `mod NAME;` declarations (for the module tree).
    mods: Vec<crate::model::modules::ModDecl>,
    /// Inline `#[cfg(test)]` modules of the file (test code inside a production file).
    test_ranges: Vec<std::ops::Range<usize>>,
    /// Function summaries for the checks one call away.
    fn_summaries: Vec<detect::verify_only::FnSummary>,
    /// Advisory-relevant operations the file performs (production code).
    operations: std::collections::HashSet<String>,
    /// Configuration field defaults the file defines, and checks that wait for them.
    field_defaults: Vec<detect::defaults::FieldDefault>,
    field_checks: Vec<detect::defaults::FieldCheck>,
}

fn read_text(f: &Found) -> Result<String, Box<Diagnostic>> {
    let bytes = f.read().map_err(|e| {
        Box::new(Diagnostic::new(
            "JWT000",
            &f.rel,
            0..0,
            format!("cannot read this file, so it was not checked: {e}"),
        ))
    })?;
    String::from_utf8(bytes).map_err(|e| {
        Box::new(Diagnostic::new(
            "JWT000",
            &f.rel,
            0..0,
            format!(
                "this file is not valid UTF-8 (invalid byte at offset {}), so it was not checked",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Checks that read configuration field defaults, per package (defaults from production code).
fn field_default_checks(
    results: &mut [FileResult],
    test_files: &TestFiles,
    sources: &mut BTreeMap<String, Arc<SourceText>>,
) -> Vec<Diagnostic> {
    use detect::defaults::{FieldDefault, FieldDefaults};
    let mut by_package: HashMap<Option<usize>, Vec<FieldDefault>> = HashMap::new();
    for r in results.iter() {
        if test_files.contains(&r.rel) {
            continue;
        }
        by_package
            .entry(r.package)
            .or_default()
            .extend(r.field_defaults.iter().cloned());
    }
    let tables: HashMap<Option<usize>, FieldDefaults> = by_package
        .into_iter()
        .map(|(p, all)| (p, FieldDefaults::new(all)))
        .collect();
    let empty = FieldDefaults::default();
    let mut out = Vec::new();
    for r in results.iter_mut() {
        let table = tables.get(&r.package).unwrap_or(&empty);
        for c in std::mem::take(&mut r.field_checks) {
            if let Some(d) = (c.check)(table) {
                if let Some(s) = &r.source {
                    sources.entry(r.rel.clone()).or_insert_with(|| s.clone());
                }
                out.push(d);
            }
        }
    }
    out
}

/// The advisory-relevant operations the workspace's production code performs: what the walk
/// recorded in parsed files, plus a byte search (`Type::method`) of the files the prefilter
/// skipped, done only when a lockfile holds a crate such an advisory is about.
fn workspace_operations(
    results: &[FileResult],
    rust: &[&Found],
    test_files: &TestFiles,
    locks: &[Lockfile],
) -> Operations {
    let mut ops = Operations::default();
    for r in results.iter().filter(|r| !test_files.contains(&r.rel)) {
        ops.add(r.package, r.operations.iter().cloned());
    }
    let paths = crate::deps::reached_by_paths();
    let crates: std::collections::HashSet<&str> = crate::deps::builtin_advisories()
        .iter()
        .filter(|a| !a.reached_by.is_empty())
        .map(|a| a.krate.as_str())
        .collect();
    let locked = locks
        .iter()
        .any(|l| l.packages.iter().any(|p| crates.contains(p.name.as_str())));
    if !locked {
        return ops;
    }
    let needles: Vec<(&String, String)> = paths
        .iter()
        .map(|p| {
            let segs: Vec<&str> = p.rsplit("::").take(2).collect();
            (p, format!("{}::{}", segs.get(1).unwrap_or(&""), segs[0]))
        })
        .collect();
    for (r, f) in results.iter().zip(rust) {
        if !r.skipped || test_files.contains(&r.rel) {
            continue;
        }
        let Ok(text) = f.read() else { continue };
        for (p, n) in &needles {
            if memchr::memmem::find(&text, n.as_bytes()).is_some() {
                ops.add(r.package, [(*p).clone()]);
            }
        }
    }
    ops
}

/// Advisory-relevant operations of production code: the workspace's, and each package's (by
/// its index in `Workspace::packages`; `None` for files of no package).
#[derive(Default)]
struct Operations {
    all: std::collections::HashSet<String>,
    by_package: HashMap<Option<usize>, std::collections::HashSet<String>>,
}

impl Operations {
    fn add(&mut self, package: Option<usize>, ops: impl IntoIterator<Item = String>) {
        let mine = self.by_package.entry(package).or_default();
        for o in ops {
            mine.insert(o.clone());
            self.all.insert(o);
        }
    }

    /// Per package directory, for the dependency rules.
    fn by_dir(&self, ws: &Workspace) -> HashMap<PathBuf, std::collections::HashSet<String>> {
        ws.packages
            .iter()
            .enumerate()
            .map(|(i, (dir, _))| {
                let ops = self.by_package.get(&Some(i)).cloned().unwrap_or_default();
                (dir.clone(), ops)
            })
            .collect()
    }
}

/// The checks one call away, per package (function summaries of production code only).
fn one_call_away(
    results: &[FileResult],
    test_files: &TestFiles,
    opts: &RuleOptions,
) -> Vec<Diagnostic> {
    let mut by_package: HashMap<Option<usize>, Vec<&detect::verify_only::FnSummary>> =
        HashMap::new();
    for r in results {
        by_package
            .entry(r.package)
            .or_default()
            .extend(&r.fn_summaries);
    }
    by_package
        .values()
        .flat_map(|s| {
            detect::verify_only::one_call_away(s, &opts.enabled, |f| test_files.contains(f))
        })
        .collect()
}

/// Replaces the bytes of these ranges with spaces (test modules a mention must not come from).
fn blank_ranges(text: &mut [u8], ranges: &[std::ops::Range<usize>]) {
    for r in ranges {
        if let Some(part) = text.get_mut(r.clone()) {
            part.fill(b' ');
        }
    }
}

/// Files that are test code because a parent module declares them under `#[cfg(test)]` (or
/// because a test file declares them).
fn module_test_files(results: &[FileResult]) -> TestFiles {
    let decls: HashMap<String, Vec<crate::model::modules::ModDecl>> = results
        .iter()
        .map(|r| (r.rel.clone(), r.mods.clone()))
        .collect();
    TestFiles::new(&decls)
}

/// Marks findings located in test code (by path, by the module tree, or already tagged by the
/// walker) and applies `test-code`: hidden (counted), notes, or reported at the rule's level.
/// Findings about unread files (JWT000, JWT001) are never test code: an unread file is a hole.
fn apply_test_code_policy(
    diagnostics: Vec<Diagnostic>,
    test_files: &TestFiles,
    cfg: &Config,
) -> (Vec<Diagnostic>, usize) {
    use crate::config::TestCode;
    let mut hidden = 0;
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        if d.code == "JWT000" || d.code == "JWT001" {
            kept.push(d);
            continue;
        }
        let in_test =
            d.tags.iter().any(|t| t == "test-code") || test_files.contains(&d.primary.file);
        if !in_test {
            kept.push(d);
            continue;
        }
        let d = d.with_tag("test-code");
        match cfg.test_code {
            TestCode::Hide => hidden += 1,
            TestCode::Note => kept.push(d.with_level(crate::diagnostic::Level::Note)),
            TestCode::Report => kept.push(d),
        }
    }
    (kept, hidden)
}

/// Advisory findings about operations the workspace never performs are hidden (counted)
/// unless `[advisories] out-of-reach = "note"`.
fn apply_out_of_reach_policy(
    diagnostics: Vec<Diagnostic>,
    cfg: &Config,
) -> (Vec<Diagnostic>, usize) {
    if cfg.out_of_reach == crate::config::OutOfReach::Note {
        return (diagnostics, 0);
    }
    let before = diagnostics.len();
    let kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| !d.tags.iter().any(|t| t == crate::deps::OUT_OF_REACH))
        .collect();
    let hidden = before - kept.len();
    (kept, hidden)
}

/// The JWT000 finding of a file (or manifest) that could not be parsed.
fn unparsed(rel: &str, span: std::ops::Range<usize>, why: &str, label: &str) -> Diagnostic {
    Diagnostic::new(
        "JWT000",
        rel,
        span,
        format!("this file could not be parsed, so it was not checked: {why}"),
    )
    .with_label(label)
}

/// Lints one file. `extra`: words the package facts ask for (for a large file, items holding
/// them are parsed too).
fn lint_rust(
    f: &Found,
    crates: &CrateMap,
    opts: &RuleOptions,
    package: Option<usize>,
    prefilter: Option<&Matcher>,
    all_test: bool,
    extra: &[String],
) -> FileResult {
    let mut r = FileResult {
        rel: f.rel.clone(),
        package,
        ..Default::default()
    };
    let text = match read_text(f) {
        Ok(t) => t,
        Err(d) => {
            r.diagnostics.push(*d);
            return r;
        }
    };
    let m = crate::model::modules::scan_file(&text, &crates.test_features);
    r.mods = m.decls;
    r.test_ranges = m.test_ranges;
    let decision = prefilter
        .map(|p| p.decide(text.as_bytes(), crates))
        .unwrap_or(Decision::Parse);
    if decision == Decision::Skip {
        // No rule can match in the file, so it cannot hide a finding: not even lexed.
        r.skipped = true;
        return r;
    }
    let src = Arc::new(SourceText::new(text));
    r.directives = suppress::scan(&f.rel, &src, false);
    r.source = Some(src.clone());
    if decision == Decision::Directives {
        r.skipped = true;
        return r;
    }
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        // Test hook (debug builds only): panic on files whose path contains this text, to prove
        // a panic becomes a JWT001 finding and the run goes on.
        #[cfg(debug_assertions)]
        if let Some(t) = std::env::var_os("CARGO_JWTLINT_TEST_PANIC")
            && !t.is_empty()
            && f.rel.contains(&*t.to_string_lossy())
        {
            panic!("test panic requested by CARGO_JWTLINT_TEST_PANIC");
        }
        let ctx = Ctx {
            path: &f.rel,
            text: &src,
            uses: UseMap::default(),
            crates,
            opts,
            is_test_file: all_test || detect::is_test_path(&f.rel),
            consts: HashMap::new(),
        };
        let res = if src.text.len() > crate::split::threshold() {
            crate::split::lint_large(ctx, extra).map(|(found, ranges)| (found, Some(ranges)))
        } else {
            crate::parse::parse_file(&src.text).map(|file| {
                suppress::reach_from_tree(&mut r.directives, &file, &src);
                (detect::lint_file(ctx, &file), None)
            })
        };
        proc_macro2::extra::invalidate_current_thread_spans();
        res
    }));
    match outcome {
        Ok(Ok((found, split))) => r.absorb(found, split),
        Ok(Err(e)) => r
            .diagnostics
            .push(unparsed(&f.rel, e.span, &e.message, "syn stopped here")),
        Err(panic) => {
            proc_macro2::extra::invalidate_current_thread_spans();
            r.diagnostics.push(internal_error(&f.rel, panic.as_ref()));
        }
    }
    r.drop_text_if_unneeded();
    r
}

impl FileResult {
    /// Takes the findings and facts of a walked file.
    fn absorb(&mut self, found: detect::FileFindings, split: Option<Vec<std::ops::Range<usize>>>) {
        self.split = split;
        self.diagnostics = found.diagnostics;
        self.deferred = found.deferred;
        self.package_checks = found.package_checks;
        self.facts = found.facts;
        self.fn_summaries = found.fn_summaries;
        self.operations = found.operations;
        self.field_defaults = found.field_defaults;
        self.field_checks = found.field_checks;
    }

    /// Drops the text now, on the worker, unless the report may point into it: holding every
    /// text until all files are done made the peak memory the size of the whole tree.
    fn drop_text_if_unneeded(&mut self) {
        if self.diagnostics.is_empty()
            && self.deferred.is_empty()
            && self.package_checks.is_empty()
            && self.field_checks.is_empty()
            && self.directives.is_empty()
        {
            self.source = None;
        }
    }
}

/// JWT001 for a file whose check panicked: the file was not fully checked, the run goes on.
fn internal_error(rel: &str, panic: &(dyn std::any::Any + Send)) -> Diagnostic {
    let what = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    Diagnostic::new(
        "JWT001",
        rel,
        0..0,
        format!("internal error while checking this file, so it was not fully checked: {what}"),
    )
}

/// Is the prefilter on? `CARGO_JWTLINT_NO_PREFILTER=1` turns it off (to compare results).
fn prefilter_enabled() -> bool {
    std::env::var_os("CARGO_JWTLINT_NO_PREFILTER").is_none_or(|v| v.is_empty() || v == "0")
}

/// The consts of a file the prefilter skipped (run on the big-stack pool); of a large file,
/// only those `name` needs. Panics are contained.
fn file_consts_of(text: &str, name: &str) -> Option<HashMap<String, Val>> {
    if text.len() > crate::split::threshold() {
        return guarded(|| crate::split::consts_of(text, name));
    }
    parsed_for(text, detect::file_consts)
}

/// What `f` reads from the parsed text of a file the prefilter skipped (`None` when it does
/// not parse); a panic in the parser is contained, and the thread's span table is freed.
fn parsed_for<T>(text: &str, f: impl FnOnce(&syn::File) -> T) -> Option<T> {
    guarded(|| crate::parse::parse_file(text).ok().map(|file| f(&file)))
}

fn guarded<T>(f: impl FnOnce() -> Option<T>) -> Option<T> {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let out = f();
        proc_macro2::extra::invalidate_current_thread_spans();
        out
    }));
    r.ok().flatten()
}

/// Lints one Rust source text as a file of a package that depends on every known crate, with
/// the default options, without the prefilter and without containing panics (an entry point
/// for fuzzing and property tests). Returns the findings, directives' findings excluded.
pub fn lint_source_text(path: &str, text: &str) -> Vec<Diagnostic> {
    let crates = CrateMap::assume_all(&known_crates());
    let opts = RuleOptions::default();
    let src = SourceText::new(text.to_string());
    let _ = suppress::scan(path, &src, false);
    let _ = Prefilter::new(&[]).decide(text.as_bytes(), &crates);
    let out = match crate::parse::parse_file(text) {
        Ok(file) => {
            let ctx = Ctx {
                path,
                text: &src,
                uses: UseMap::default(),
                crates: &crates,
                opts: &opts,
                is_test_file: detect::is_test_path(path),
                consts: HashMap::new(),
            };
            detect::lint_file(ctx, &file).diagnostics
        }
        Err(e) => vec![Diagnostic::new("JWT000", path, e.span, e.message)],
    };
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

/// Parses one manifest text (an entry point for fuzzing). Returns whether it parsed.
pub fn lint_manifest_text(path: &str, text: &str) -> bool {
    let src = Arc::new(SourceText::new(text.to_string()));
    let _ = suppress::scan(path, &src, true);
    Manifest::parse(path, PathBuf::from("."), src).is_ok()
}

/// Parses one Cargo.lock as the dependency rules do, and scans it for directives (for the fuzz
/// targets): whether it parsed, and how many packages it lists.
pub fn lint_lockfile_text(path: &str, text: &str) -> Option<usize> {
    let src = Arc::new(SourceText::new(text.to_string()));
    let _ = suppress::scan(path, &src, true);
    Lockfile::parse(path, PathBuf::from("."), src)
        .ok()
        .map(|l| l.packages.len())
}

/// Reads the suppression directives of one file's text (for the fuzz targets).
pub fn scan_directives(path: &str, text: &str, toml: bool) -> usize {
    suppress::scan(path, &SourceText::new(text.to_string()), toml).len()
}

/// Runs the whole pipeline.
/// What the stages collect on the way to the report: findings, the texts they point into, and
/// the suppression directives of every file read.
#[derive(Default)]
struct Collected {
    diagnostics: Vec<Diagnostic>,
    sources: BTreeMap<String, Arc<SourceText>>,
    directives: Vec<Directive>,
}

impl Collected {
    /// Adds a finding located in one of `results`, keeping the text it points into.
    fn push_located(&mut self, d: Diagnostic, results: &[FileResult]) {
        if let Some(s) = results
            .iter()
            .find(|r| r.rel == d.primary.file)
            .and_then(|r| r.source.clone())
        {
            self.sources.entry(d.primary.file.clone()).or_insert(s);
        }
        self.diagnostics.push(d);
    }
}

/// The workspace: manifests and lockfiles, and one crate map per package.
struct Workspace {
    manifests: Vec<Manifest>,
    locks: Vec<Lockfile>,
    /// (package directory, what it depends on).
    packages: Vec<(PathBuf, CrateMap)>,
    /// For each package, the workspace packages it depends on (see [`member_dependencies`]).
    member_deps: Vec<Vec<usize>>,
    /// The crate map of files that belong to no package.
    fallback: CrateMap,
    known: Vec<String>,
}

impl Workspace {
    /// The package of a file: the deepest package directory containing it.
    fn package_index(&self) -> impl Fn(&Path) -> Option<usize> + Sync + '_ {
        // A hash lookup per ancestor (a linear scan over hundreds of packages per file showed
        // up in profiles of vendored trees).
        let dirs: HashMap<&Path, usize> = self
            .packages
            .iter()
            .enumerate()
            .map(|(i, (dir, _))| (dir.as_path(), i))
            .collect();
        move |abs: &Path| abs.ancestors().skip(1).find_map(|a| dirs.get(a).copied())
    }

    /// Where a value used in package `pkg` may be defined: the package itself, then the
    /// workspace packages it depends on (a shared `consts` crate), in that order.
    fn value_scope(&self, pkg: Option<usize>) -> impl Iterator<Item = Option<usize>> + '_ {
        let deps = pkg
            .and_then(|p| self.member_deps.get(p))
            .map_or(&[][..], Vec::as_slice);
        std::iter::once(pkg).chain(deps.iter().map(|&d| Some(d)))
    }

    fn crates_of(&self, pkg: Option<usize>) -> &CrateMap {
        pkg.map(|i| &self.packages[i].1).unwrap_or(&self.fallback)
    }
}

/// The threads that parse and walk files, started once per process. `Err` says why they could
/// not be started (an address-space limit, `ulimit -v`): then nothing is parsed, because the
/// 2 MB stacks of ordinary threads could overflow on deep but legal code.
pub fn worker_pool() -> Result<&'static rayon::ThreadPool, String> {
    static POOL: std::sync::OnceLock<Result<rayon::ThreadPool, String>> =
        std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(STACK_SIZE)
            .build()
            .map_err(|e| {
                format!(
                    "cannot start the parser threads: each needs a {} MiB stack to parse deeply \
                     nested code safely, and creating one failed ({e}); no file was checked \
                     (is the address space limited, for example by `ulimit -v`?)",
                    STACK_SIZE >> 20
                )
            })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The report of a run whose parser threads could not be started: every file is a JWT000
/// naming the reason (see [`worker_pool`]).
fn unchecked(
    files: Vec<Found>,
    mut out: Collected,
    why: &str,
    req: &LintRequest,
    files_scanned: usize,
) -> Report {
    for f in files {
        out.diagnostics.push(Diagnostic::new(
            "JWT000",
            &f.rel,
            0..0,
            format!("this file was not checked: {why}"),
        ));
    }
    make_report(out, &TestFiles::default(), req, files_scanned)
}

/// The pipeline, one stage after the other: discover, load the workspace, scan the sources in
/// parallel, build the package facts (module tree, constants, mentions, field defaults,
/// function summaries), run the package-level and dependency rules, apply suppressions and the
/// test-code policy, and make the report.
pub fn run(req: &LintRequest) -> Report {
    let stage = Stages::new();
    let found = discover_files(req);
    stage.done("discover");
    let files_scanned = found.files.len() + found.problems.len();
    let mut out = Collected {
        diagnostics: found.problems,
        ..Collected::default()
    };
    let pool = match worker_pool() {
        Ok(p) => p,
        Err(why) => return unchecked(found.files, out, &why, req, files_scanned),
    };
    let ws = load_workspace(&found.files, &mut out, pool);
    stage.done("manifests");
    let rust = rust_files(&found.files);
    let opts = rule_options(&req.config);
    let mut scanned = scan_sources(&rust, &ws, &opts, pool, req.all_test_code);
    stage.done("sources");
    stage.count(&scanned);
    let mut models = PackageModels::build(&scanned, &rust, &ws, req, pool);
    stage.done("models");
    let operations = package_rules(&mut scanned, &rust, &mut models, &opts, &ws, &mut out);
    stage.done("package rules");
    dependency_rules(&ws, operations, req, &mut out);
    stage.done("dependency rules");
    // Suppressions, the test-code and out-of-reach policies, levels and the summary.
    let report = make_report(out, &models.test_files, req, files_scanned);
    stage.done("report");
    report
}

/// The files to lint: under the PATHs, minus configured excludes and nested workspaces.
fn discover_files(req: &LintRequest) -> discover::Discovery {
    let cfg = &req.config;
    let in_nested = |rel: &str| {
        req.nested.iter().any(|n| {
            rel.strip_prefix(n.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
    };
    discover::discover(&req.root, &req.paths, &|rel: &str| {
        cfg.is_excluded(rel) || in_nested(rel)
    })
}

fn rust_files(files: &[Found]) -> Vec<&Found> {
    files.iter().filter(|f| f.kind == FileKind::Rust).collect()
}

fn rule_options(cfg: &Config) -> RuleOptions {
    RuleOptions {
        access_max_secs: cfg.access_max_secs,
        refresh_max_secs: cfg.refresh_max_secs,
        enabled: cfg.enabled.iter().cloned().collect(),
    }
}

/// What is known of each package once every file is scanned: which files are test code (the
/// module tree) and the package's facts (constants, statics, helpers, signed types).
struct PackageModels {
    test_files: TestFiles,
    facts: HashMap<Option<usize>, PackageFacts>,
}

impl PackageModels {
    fn build(
        scanned: &[FileResult],
        rust: &[&Found],
        ws: &Workspace,
        req: &LintRequest,
        pool: &rayon::ThreadPool,
    ) -> PackageModels {
        let mut test_files = module_test_files(scanned);
        test_files.all = req.all_test_code;
        let facts = package_constants(scanned, rust, ws, &test_files, pool);
        PackageModels { test_files, facts }
    }
}

/// The rules that need the package models: package-level checks, config-field defaults,
/// values one call away, and the per-file findings deferred to package facts. Returns the
/// operations each package performs (for the advisories).
fn package_rules(
    scanned: &mut Vec<FileResult>,
    rust: &[&Found],
    models: &mut PackageModels,
    opts: &RuleOptions,
    ws: &Workspace,
    out: &mut Collected,
) -> Operations {
    let tf = &models.test_files;
    run_package_checks(scanned, rust, tf, &mut models.facts, out);
    let found_here = field_default_checks(scanned, tf, &mut out.sources);
    out.diagnostics.extend(found_here);
    let operations = workspace_operations(scanned, rust, tf, &ws.locks);
    add_one_call_away(scanned, rust, tf, opts, out);
    collect_file_findings(std::mem::take(scanned), &models.facts, ws, out);
    operations
}

/// The dependency rules (JWT011-JWT016), judged by what the packages do, and the configured
/// levels of every finding.
fn dependency_rules(
    ws: &Workspace,
    operations: Operations,
    req: &LintRequest,
    out: &mut Collected,
) {
    let cfg = &req.config;
    out.diagnostics.extend(crate::deps::check(
        &ws.manifests,
        &ws.locks,
        &crate::deps::DepsOptions {
            strict_exact: cfg.strict_exact,
            advisory_db: req.advisory_db.clone(),
            operations_by_dir: Some(operations.by_dir(ws)),
            operations: Some(operations.all),
        },
    ));
    apply_levels(&mut out.diagnostics, cfg);
}

/// `CARGO_JWTLINT_STATS=1`: the time at the end of each stage, on stderr.
struct Stages {
    on: bool,
    t0: std::time::Instant,
}

impl Stages {
    fn new() -> Self {
        Stages {
            on: std::env::var_os("CARGO_JWTLINT_STATS").is_some(),
            t0: std::time::Instant::now(),
        }
    }

    fn done(&self, name: &str) {
        if self.on {
            eprintln!("[stats] {name}: {:?}", self.t0.elapsed());
        }
    }

    fn count(&self, results: &[FileResult]) {
        if self.on {
            let parsed = results.iter().filter(|r| !r.skipped).count();
            eprintln!("[stats] rust files: {}, parsed: {parsed}", results.len());
        }
    }
}

/// Whether a lockfile can matter to a rule: it names a crate the catalogue, the dependency rules
/// or an advisory knows (as a quoted string: `name = "jsonwebtoken"`). Any other lockfile is
/// only recorded as present (JWT015), not parsed.
fn lock_names_known_crate(text: &str) -> bool {
    static NEEDLES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let needles = NEEDLES.get_or_init(|| {
        let mut names: Vec<String> = known_crates();
        names.extend(crate::deps::jwt_crates().iter().cloned());
        for a in crate::deps::builtin_advisories() {
            names.push(a.krate.clone());
            names.extend(a.via.iter().flatten().cloned());
        }
        let mut out: Vec<String> = names
            .iter()
            .flat_map(|n| [n.clone(), n.replace('-', "_"), n.replace('_', "-")])
            .map(|n| format!("\"{n}\""))
            .collect();
        out.sort();
        out.dedup();
        out
    });
    needles
        .iter()
        .any(|n| memchr::memmem::find(text.as_bytes(), n.as_bytes()).is_some())
}

/// Stage: manifests and lockfiles (read and parsed in parallel), workspace inheritance, one
/// crate map per package.
fn load_workspace(files: &[Found], out: &mut Collected, pool: &rayon::ThreadPool) -> Workspace {
    enum Parsed {
        Manifest(Manifest),
        Lock(Lockfile),
    }
    /// A file's findings, directives, text and parsed form.
    type Loaded = (
        Vec<Diagnostic>,
        Vec<Directive>,
        Option<(String, Arc<SourceText>)>,
        Option<Parsed>,
    );
    let loaded: Vec<Loaded> = pool.install(|| {
        files
            .par_iter()
            .filter(|f| f.kind != FileKind::Rust)
            .map(|f| {
                let text = match read_text(f) {
                    Ok(t) => t,
                    Err(d) => return (vec![*d], Vec::new(), None, None),
                };
                let src = Arc::new(SourceText::new(text));
                let dir = f.abs.parent().map(Path::to_path_buf).unwrap_or_default();
                let directives = suppress::scan(&f.rel, &src, true);
                let parsed = if f.kind == FileKind::Manifest {
                    Manifest::parse(&f.rel, dir, src.clone()).map(Parsed::Manifest)
                } else if lock_names_known_crate(&src.text) {
                    Lockfile::parse(&f.rel, dir, src.clone()).map(Parsed::Lock)
                } else {
                    Ok(Parsed::Lock(Lockfile {
                        path: f.rel.clone(),
                        dir,
                        text: src.clone(),
                        packages: Vec::new(),
                    }))
                };
                let (diags, parsed) = match parsed {
                    Ok(p) => (Vec::new(), Some(p)),
                    Err(e) => (
                        vec![unparsed(&f.rel, e.span, &e.message, "TOML error here")],
                        None,
                    ),
                };
                (diags, directives, Some((f.rel.clone(), src)), parsed)
            })
            .collect()
    });
    let mut manifests: Vec<Manifest> = Vec::new();
    let mut locks: Vec<Lockfile> = Vec::new();
    for (diags, directives, source, parsed) in loaded {
        // In the order of `files`, as the serial loop did.
        out.diagnostics.extend(diags);
        out.directives.extend(directives);
        if let Some((rel, src)) = source {
            out.sources.insert(rel, src);
        }
        match parsed {
            Some(Parsed::Manifest(m)) => manifests.push(m),
            Some(Parsed::Lock(l)) => locks.push(l),
            None => {}
        }
    }
    // Workspace inheritance: each member inherits from the nearest ancestor workspace manifest.
    let workspaces: Vec<Manifest> = manifests
        .iter()
        .filter(|m| m.workspace.is_some())
        .cloned()
        .collect();
    let mut inherited = manifests.clone();
    for m in inherited.iter_mut() {
        if let Some(ws) = workspaces
            .iter()
            .filter(|w| m.dir.starts_with(&w.dir))
            .max_by_key(|w| w.dir.components().count())
        {
            m.inherit_from(ws);
        }
    }
    let known = known_crates();
    let packages: Vec<(PathBuf, CrateMap)> = inherited
        .iter()
        .filter(|m| m.package.is_some())
        .map(|m| {
            let mut cm = CrateMap::default();
            for d in &m.dependencies {
                cm.add(&d.extern_name(), &d.package);
                add_facade_crates(&mut cm, d);
            }
            // Which API generation each dependency is (lockfile version, else lowest allowed).
            for (krate, v) in crate::deps::resolved_versions(m, &locks, |_| true) {
                cm.versions.insert(krate, v);
            }
            cm.test_features = crate::model::cfg::TestFeatures::of_package(m, &inherited);
            (m.dir.clone(), cm)
        })
        .collect();
    let package_manifests: Vec<&Manifest> =
        inherited.iter().filter(|m| m.package.is_some()).collect();
    let member_deps = member_dependencies(&package_manifests);
    let roles = detect::next_use::package_roles(&package_manifests);
    let packages = packages
        .into_iter()
        .zip(roles)
        .map(|((dir, mut cm), role)| {
            cm.role = role;
            (dir, cm)
        })
        .collect();
    let fallback = CrateMap::assume_all(&known);
    Workspace {
        manifests,
        locks,
        packages,
        member_deps,
        fallback,
        known,
    }
}

/// For each package (in `packages` order), the other workspace packages it depends on by name
/// (path or `workspace = true` dependencies on a member).
fn member_dependencies(packages: &[&Manifest]) -> Vec<Vec<usize>> {
    let index: HashMap<&str, usize> = packages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.package.as_ref().map(|p| (p.name.as_str(), i)))
        .collect();
    packages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut deps: Vec<usize> = m
                .dependencies
                .iter()
                .filter_map(|d| index.get(d.package.as_str()).copied())
                .filter(|&j| j != i)
                .collect();
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

/// A dependency on a facade with its JWT feature on (`salvo` with `jwt-auth`) is a dependency
/// on the crate it re-exports too; its module path is resolved to that crate (see
/// `index::UseMap::resolve`).
fn add_facade_crates(cm: &mut CrateMap, d: &crate::manifest::Dependency) {
    for f in crate::deps::facades() {
        if d.package == f.krate && d.features.contains(&f.feature) {
            cm.packages.insert(f.provides.clone());
            cm.facades
                .push((d.extern_name(), f.module.clone(), f.provides.clone()));
        }
    }
}

/// The prefilter knows the catalogue's names and the JWT-related extern names in use.
fn make_prefilter(ws: &Workspace) -> Option<Prefilter> {
    prefilter_enabled().then(|| {
        let known: std::collections::HashSet<&str> = ws.known.iter().map(String::as_str).collect();
        let mut externs: Vec<String> = ws
            .packages
            .iter()
            .flat_map(|(_, cm)| cm.externs.iter())
            .chain(ws.fallback.externs.iter())
            .filter(|(_, pkg)| known.contains(pkg.as_str()))
            .map(|(e, _)| e.clone())
            .collect();
        externs.sort();
        externs.dedup();
        Prefilter::new(&externs)
    })
}

/// Stage: every source file, in parallel on threads with a large stack; then the files the
/// prefilter skipped that package facts need after all.
fn scan_sources(
    rust: &[&Found],
    ws: &Workspace,
    opts: &RuleOptions,
    pool: &rayon::ThreadPool,
    all_test: bool,
) -> Vec<FileResult> {
    let prefilter = make_prefilter(ws);
    // One automaton per package (the last slot: files of no package), chosen on first use.
    let matchers: Vec<std::sync::OnceLock<Arc<Matcher>>> = (0..=ws.packages.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let matcher_of = |pkg: Option<usize>| -> Option<&Matcher> {
        let p = prefilter.as_ref()?;
        let slot = &matchers[pkg.unwrap_or(ws.packages.len())];
        Some(slot.get_or_init(|| p.matcher(ws.crates_of(pkg))))
    };
    let package_of = ws.package_index();
    let mut results = pool.install(|| {
        rust.par_iter()
            .map(|f| {
                let pkg = package_of(&f.abs);
                lint_rust(
                    f,
                    ws.crates_of(pkg),
                    opts,
                    pkg,
                    matcher_of(pkg),
                    all_test,
                    &[],
                )
            })
            .collect::<Vec<_>>()
    });
    for (i, extra) in files_to_relint(&results, rust) {
        let pkg = results[i].package;
        let f = rust[i];
        results[i] =
            pool.install(|| lint_rust(f, ws.crates_of(pkg), opts, pkg, None, all_test, &extra));
    }
    results
}

/// Skipped files that the package facts need: where a claims struct the package signs is
/// defined (a plain `models.rs`, for JWT204/JWT701), where a configuration field a check reads
/// gets its default, and where a helper that returns a verify-only result is called. Also the
/// large files parsed item by item whose unparsed items hold such a word. With each file, the
/// words found in it.
fn files_to_relint(results: &[FileResult], rust: &[&Found]) -> Vec<(usize, Vec<String>)> {
    let mut needles: HashMap<Option<usize>, Vec<String>> = HashMap::new();
    for r in results {
        let n = needles.entry(r.package).or_default();
        n.extend(r.facts.signed_types().map(|name| format!("struct {name}")));
        for c in &r.field_checks {
            n.extend(c.fields.iter().map(|f| format!("{f}:")));
        }
        for f in r.fn_summaries.iter().filter(|f| f.returns.is_some()) {
            n.push(format!("{}(", f.name));
        }
    }
    (0..results.len())
        .filter(|&i| results[i].skipped || results[i].split.is_some())
        .filter_map(|i| {
            let names = needles.get(&results[i].package)?;
            if names.is_empty() {
                return None;
            }
            let t = rust[i].read().ok()?;
            let parsed = results[i].split.as_deref().unwrap_or_default();
            // In a split file, only a word outside the items already parsed asks for more.
            let outside = |n: &String| {
                memchr::memmem::find_iter(&t, n.as_bytes())
                    .any(|at| !parsed.iter().any(|r| r.contains(&at)))
            };
            let mut found: Vec<String> = names.iter().filter(|n| outside(n)).cloned().collect();
            found.sort();
            found.dedup();
            (!found.is_empty()).then_some((i, found))
        })
        .collect()
}

/// Stage: each package's facts (its files' shares merged), whose constants the deferred checks
/// read. Constants some deferred check needs but no parsed file defined are looked for in the
/// skipped files of the same package, then of the workspace packages it depends on (a byte
/// search first, then a parse).
fn package_constants(
    results: &[FileResult],
    rust: &[&Found],
    ws: &Workspace,
    test_files: &TestFiles,
    pool: &rayon::ThreadPool,
) -> HashMap<Option<usize>, PackageFacts> {
    let mut consts: HashMap<Option<usize>, PackageFacts> = HashMap::new();
    for r in results {
        // A file a `#[cfg(test)] mod` declares is test code the walker could not know about:
        // what it signs, defines or holds says nothing about production code.
        if test_files.declared_test(&r.rel) {
            consts.entry(r.package).or_default();
            continue;
        }
        consts.entry(r.package).or_default().merge(&r.facts);
    }
    let mut skipped: HashMap<Option<usize>, Vec<&Found>> = HashMap::new();
    for (r, f) in results.iter().zip(rust) {
        // A large file parsed item by item may define it in an item that was not parsed.
        if r.skipped || r.split.is_some() {
            skipped.entry(r.package).or_default().push(f);
        }
    }
    let wanted: Vec<(Option<usize>, &str)> = wanted_refs(results, |w| match w {
        ValueRef::Const(n) => Some(n),
        ValueRef::Field(_) => None,
    })
    .into_iter()
    .filter(|(p, n)| !consts.get(p).is_some_and(|t| t.consts.contains_key(*n)))
    .collect();
    let mut opened: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (want_in, name) in wanted {
        // A value found is kept in the table of the package that defines it.
        for pkg in ws.value_scope(want_in) {
            if find_const(&mut consts, &skipped, &mut opened, pkg, name, pool) {
                break;
            }
        }
    }
    skipped_field_defaults(results, &skipped, ws, &mut consts, pool);
    consts
}

/// Looks for constant `name` in the files of `pkg` that were not parsed; true when `pkg`'s
/// table holds it.
fn find_const<'f>(
    consts: &mut HashMap<Option<usize>, PackageFacts>,
    skipped: &HashMap<Option<usize>, Vec<&'f Found>>,
    opened: &mut std::collections::HashSet<&'f str>,
    pkg: Option<usize>,
    name: &str,
    pool: &rayon::ThreadPool,
) -> bool {
    if consts
        .get(&pkg)
        .is_some_and(|t| t.consts.contains_key(name))
    {
        return true;
    }
    for f in skipped.get(&pkg).map(Vec::as_slice).unwrap_or_default() {
        if opened.contains(f.rel.as_str()) {
            continue;
        }
        let Ok(text) = f.read() else {
            continue;
        };
        // A function's value (`ttl()`) is defined as `fn ttl`.
        let bare = name.strip_suffix("()").unwrap_or(name);
        if memchr::memmem::find(&text, bare.as_bytes()).is_none() {
            continue;
        }
        // A large file gives only the constants `name` needs: it is opened again for the
        // next name.
        if text.len() <= crate::split::threshold() {
            opened.insert(&f.rel);
        }
        let found = pool.install(|| {
            String::from_utf8(text)
                .ok()
                .and_then(|t| file_consts_of(&t, bare))
        });
        let table = &mut consts.entry(pkg).or_default().consts;
        for (k, v) in found.unwrap_or_default() {
            table.entry(k).or_insert(v);
        }
        if table.contains_key(name) {
            return true;
        }
    }
    false
}

/// The `(package, name)` pairs the deferred checks wait for, of one kind (sorted, once each).
fn wanted_refs(
    results: &[FileResult],
    pick: impl Fn(&ValueRef) -> Option<&String> + Copy,
) -> Vec<(Option<usize>, &str)> {
    let mut wanted: Vec<(Option<usize>, &str)> = results
        .iter()
        .flat_map(|r| {
            r.deferred
                .iter()
                .filter_map(move |d| Some((r.package, pick(&d.what)?.as_str())))
        })
        .collect();
    wanted.sort();
    wanted.dedup();
    wanted
}

/// Config defaults some deferred check needs, from the package's skipped files (a config
/// module with no JWT word is not parsed by the prefilter): each skipped production file is
/// read once, and parsed when it holds an `impl Default` or a serde default and names one of
/// the fields its package waits for.
fn skipped_field_defaults(
    results: &[FileResult],
    skipped: &HashMap<Option<usize>, Vec<&Found>>,
    ws: &Workspace,
    consts: &mut HashMap<Option<usize>, PackageFacts>,
    pool: &rayon::ThreadPool,
) {
    let mut fields: HashMap<Option<usize>, Vec<&str>> = HashMap::new();
    for (pkg, name) in wanted_refs(results, |w| match w {
        ValueRef::Field(n) => Some(n),
        ValueRef::Const(_) => None,
    }) {
        fields.entry(pkg).or_default().push(name);
    }
    for (pkg, names) in fields {
        for f in skipped.get(&pkg).map(Vec::as_slice).unwrap_or_default() {
            if detect::is_test_path(&f.rel) {
                continue;
            }
            let Ok(text) = f.read() else { continue };
            let has = |w: &str| memchr::memmem::find(&text, w.as_bytes()).is_some();
            if text.len() > crate::split::threshold()
                || !(has("Default") || has("serde(default"))
                || !names.iter().any(|n| has(n))
            {
                continue;
            }
            let found = pool.install(|| {
                let text = String::from_utf8(text).ok()?;
                parsed_for(&text, |file| {
                    let features = &ws.crates_of(pkg).test_features;
                    crate::model::config_defaults::of(file, &detect::file_consts(file), features)
                })
            });
            if let Some(d) = found {
                consts.entry(pkg).or_default().field_defaults.merge(&d);
            }
        }
    }
}

/// Stage: package checks. The words they look for are searched in every production file of the
/// package (skipped files included), then each check runs with its package's facts and the
/// workspace's.
fn run_package_checks(
    results: &mut [FileResult],
    rust: &[&Found],
    test_files: &TestFiles,
    consts: &mut HashMap<Option<usize>, PackageFacts>,
    out: &mut Collected,
) {
    let mut words_of: HashMap<Option<usize>, Vec<String>> = HashMap::new();
    for r in results.iter() {
        for c in &r.package_checks {
            words_of
                .entry(r.package)
                .or_default()
                .extend(c.words.iter().cloned());
        }
    }
    for (pkg, words) in words_of.iter_mut() {
        words.sort();
        words.dedup();
        let table = consts.entry(*pkg).or_default();
        for (r, f) in results.iter().zip(rust) {
            // What production code of the package says (tests may mention anything): test
            // files, files a `#[cfg(test)] mod` declares, and inline test modules are left out.
            if r.package != *pkg || detect::is_test_path(&r.rel) || test_files.declared_test(&r.rel)
            {
                continue;
            }
            let missing: Vec<&String> = words.iter().filter(|w| !table.mentions(w)).collect();
            if missing.is_empty() {
                break;
            }
            let mut text = match &r.source {
                Some(s) => s.text.as_bytes().to_vec(),
                None => f.read().unwrap_or_default(),
            };
            blank_ranges(&mut text, &r.test_ranges);
            for w in missing {
                if crate::source::mentions(&text, w) {
                    table.mentions.insert(w.clone());
                }
            }
        }
    }
    let mut checks: Vec<(Option<usize>, PackageCheck)> = Vec::new();
    for r in results.iter_mut() {
        let pkg = r.package;
        checks.extend(
            std::mem::take(&mut r.package_checks)
                .into_iter()
                .map(|c| (pkg, c)),
        );
    }
    let workspace = WorkspaceFacts::of(consts.iter());
    let empty = PackageFacts::default();
    let mut once: std::collections::HashSet<(Option<usize>, String)> = Default::default();
    for (pkg, c) in checks {
        let first_only = c.once;
        if let Some(d) = (c.check)(consts.get(&pkg).unwrap_or(&empty), &workspace)
            && (!first_only || once.insert((pkg, d.code.clone())))
        {
            out.push_located(d, results);
        }
    }
}

/// Stage: helpers that return verify-only results, judged with their callers.
fn add_one_call_away(
    results: &[FileResult],
    rust: &[&Found],
    test_files: &TestFiles,
    opts: &RuleOptions,
    out: &mut Collected,
) {
    for d in one_call_away(results, test_files, opts) {
        // The worker dropped the text of a file without findings: read it again (rare).
        let Some(i) = results.iter().position(|r| r.rel == d.primary.file) else {
            continue;
        };
        let text = match &results[i].source {
            Some(s) => Some(s.clone()),
            None => read_text(rust[i])
                .ok()
                .map(|t| Arc::new(SourceText::new(t))),
        };
        if let Some(s) = text {
            out.sources.entry(d.primary.file.clone()).or_insert(s);
            out.diagnostics.push(d);
        }
    }
}

/// Stage: each file's own findings, its deferred checks (now that constants are known), its
/// directives and the texts the findings point into.
fn collect_file_findings(
    results: Vec<FileResult>,
    consts: &HashMap<Option<usize>, PackageFacts>,
    ws: &Workspace,
    out: &mut Collected,
) {
    for r in results {
        let keep_source =
            !r.diagnostics.is_empty() || !r.deferred.is_empty() || !r.directives.is_empty();
        out.diagnostics.extend(r.diagnostics);
        let lookup = |what: &_| {
            ws.value_scope(r.package)
                .find_map(|p| consts.get(&p).and_then(|t| t.value_of(what)))
        };
        for d in r.deferred {
            if let Some(v) = lookup(&d.what)
                && let Some(diag) = (d.check)(v)
            {
                out.diagnostics.push(diag);
            }
        }
        out.directives.extend(r.directives);
        if keep_source && let Some(s) = r.source {
            out.sources.insert(r.rel, s);
        }
    }
}

/// Stage: configured levels, and only the rules that are on (unread files always count).
fn apply_levels(diagnostics: &mut Vec<Diagnostic>, cfg: &Config) {
    for d in diagnostics.iter_mut() {
        if let Some(l) = cfg.levels.get(&d.code) {
            d.level = *l;
        }
    }
    diagnostics
        .retain(|d| cfg.enabled.contains(&d.code) || d.code == "JWT000" || d.code == "JWT001");
}

/// Stage: suppressions, the test-code policy, and the sorted report with only the texts it
/// points into.
fn make_report(
    out: Collected,
    test_files: &TestFiles,
    req: &LintRequest,
    files_scanned: usize,
) -> Report {
    let cfg = &req.config;
    let mut out = out;
    let config_rel = cfg
        .source
        .as_deref()
        .map(|f| discover::rel_path(&req.root, f));
    let (kept, suppressed) = suppress::apply(
        out.diagnostics,
        &out.directives,
        &mut out.sources,
        cfg,
        req.today,
        config_rel.as_deref(),
    );
    let (kept, hidden_test_code) = apply_test_code_policy(kept, test_files, cfg);
    let (kept, hidden_out_of_reach) = apply_out_of_reach_policy(kept, cfg);
    let wanted: std::collections::HashSet<&str> = kept
        .iter()
        .chain(suppressed.iter().map(|s| &s.diagnostic))
        .flat_map(|d| {
            std::iter::once(d.primary.file.as_str())
                .chain(d.secondary.iter().map(|l| l.file.as_str()))
        })
        .collect();
    let sources: BTreeMap<String, Arc<SourceText>> = out
        .sources
        .into_iter()
        .filter(|(k, _)| wanted.contains(k.as_str()))
        .collect();
    let mut report = Report {
        diagnostics: kept,
        sources,
        files_scanned: files_scanned.max(1),
        suppressed: suppressed.len(),
        suppressions: suppressed,
        hidden_test_code,
        hidden_out_of_reach,
    };
    report.finish();
    report
}
