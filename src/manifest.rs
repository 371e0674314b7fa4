//! Cargo.toml and Cargo.lock, parsed with spans (toml_edit keeps byte ranges of every key and
//! value), into the facts the rules need: packages, their dependencies (renames, workspace
//! inheritance, targets, git sources) and lockfile-resolved versions.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use toml_edit::{Item, TableLike, Value};

use crate::source::SourceText;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

impl DepKind {
    pub fn table_name(self) -> &'static str {
        match self {
            DepKind::Normal => "dependencies",
            DepKind::Dev => "dev-dependencies",
            DepKind::Build => "build-dependencies",
        }
    }
}

/// One dependency entry as written in a manifest.
#[derive(Clone, Debug)]
pub struct Dependency {
    /// The key: the name the code uses (`jwt` in `jwt = { package = "jsonwebtoken" }`).
    pub key: String,
    /// The real crate name (`package = ...`, else the key). For `workspace = true` entries it is
    /// filled from `[workspace.dependencies]` by [`Manifest::inherit_from`].
    pub package: String,
    pub req: Option<String>,
    pub kind: DepKind,
    /// `cfg(...)` or a target triple, for `[target.X.dependencies]`.
    pub target: Option<String>,
    /// `workspace = true`.
    pub workspace: bool,
    pub git: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub rev: Option<String>,
    pub path: Option<String>,
    pub features: Vec<String>,
    pub default_features: bool,
    pub optional: bool,
    /// Byte range of the key.
    pub key_span: Range<usize>,
    /// Byte range of the version requirement, else of the whole entry.
    pub span: Range<usize>,
    /// For inherited entries: the span in the workspace manifest of the entry it inherits.
    pub inherited_span: Option<(String, Range<usize>)>,
    /// Byte range of the `git = ...` value, if any.
    pub git_span: Option<Range<usize>>,
}

impl Dependency {
    /// The identifier the code uses for this crate (`-` becomes `_`).
    pub fn extern_name(&self) -> String {
        self.key.replace('-', "_")
    }
}

#[derive(Clone, Debug, Default)]
pub struct PackageSection {
    pub name: String,
    pub name_span: Range<usize>,
    /// Has a binary target (`src/main.rs`, `src/bin/`, or `[[bin]]`).
    pub has_bin: bool,
}

#[derive(Clone, Debug, Default)]
pub struct WorkspaceSection {
    pub members: Vec<String>,
    pub exclude: Vec<String>,
    pub dependencies: Vec<Dependency>,
}

#[derive(Clone, Debug)]
pub struct Manifest {
    /// Path relative to the project root, forward slashes.
    pub path: String,
    /// Directory holding the manifest (absolute or as given).
    pub dir: PathBuf,
    pub text: Arc<SourceText>,
    pub package: Option<PackageSection>,
    pub workspace: Option<WorkspaceSection>,
    pub dependencies: Vec<Dependency>,
    /// The `[features]` table: feature name -> what it enables (`dep/feature`, `dep?/feature`,
    /// other features, `dep:name`).
    pub features: std::collections::BTreeMap<String, Vec<String>>,
}

impl Manifest {
    /// Features of dependency `key` that this package's own features enable: (enabled by a
    /// build with default features, enabled by some feature at all).
    pub fn forwarded_features(&self, key: &str) -> (Vec<String>, Vec<String>) {
        let of_dep = |entry: &str| {
            let (dep, feat) = entry.split_once('/')?;
            (dep.trim_end_matches('?') == key).then(|| feat.to_string())
        };
        let all = self
            .features
            .values()
            .flatten()
            .filter_map(|e| of_dep(e))
            .collect();
        let on = self
            .features_on(vec!["default".to_string()])
            .iter()
            .flat_map(|f| self.features.get(f).into_iter().flatten())
            .filter_map(|e| of_dep(e))
            .collect();
        (on, all)
    }

    /// The package's own features that `start` turns on, following `[features]` (entries
    /// `dep:x` and `x/y` name no feature of this package and are not followed).
    pub fn features_on(&self, start: Vec<String>) -> std::collections::BTreeSet<String> {
        let mut on = std::collections::BTreeSet::new();
        let mut todo = start;
        while let Some(f) = todo.pop() {
            if f.contains('/') || f.starts_with("dep:") || !on.insert(f.clone()) {
                continue;
            }
            todo.extend(self.features.get(&f).into_iter().flatten().cloned());
        }
        on
    }
}

/// A parse failure with the byte range it points at.
#[derive(Debug, Clone)]
pub struct ManifestError {
    pub message: String,
    pub span: Range<usize>,
}

impl Manifest {
    pub fn parse(
        path: &str,
        dir: PathBuf,
        text: Arc<SourceText>,
    ) -> Result<Manifest, ManifestError> {
        let doc = toml_edit::Document::parse(text.text.clone()).map_err(|e| ManifestError {
            message: e.message().trim().to_string(),
            span: e.span().unwrap_or(0..0),
        })?;
        let root = doc.as_table();
        let package = root.get("package").and_then(Item::as_table_like).map(|p| {
            let (name, name_span) = p
                .get_key_value("name")
                .map(|(_, v)| {
                    (
                        v.as_str().unwrap_or("").to_string(),
                        v.span().unwrap_or(0..0),
                    )
                })
                .unwrap_or_default();
            let has_bin = root.contains_key("bin")
                || dir.join("src/main.rs").is_file()
                || dir.join("src/bin").is_dir();
            PackageSection {
                name,
                name_span,
                has_bin,
            }
        });
        let workspace = root
            .get("workspace")
            .and_then(Item::as_table_like)
            .map(|w| WorkspaceSection {
                members: string_array(w.get("members")),
                exclude: string_array(w.get("exclude")),
                dependencies: w
                    .get("dependencies")
                    .and_then(Item::as_table_like)
                    .map(|t| deps_of(t, DepKind::Normal, None))
                    .unwrap_or_default(),
            });
        let mut dependencies = Vec::new();
        collect_dep_tables(root, None, &mut dependencies);
        if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
            for (cfg, t) in targets.iter() {
                if let Some(t) = t.as_table_like() {
                    collect_dep_tables(t, Some(cfg), &mut dependencies);
                }
            }
        }
        let features = root
            .get("features")
            .and_then(Item::as_table_like)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.to_string(), string_array(Some(v))))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Manifest {
            path: path.to_string(),
            dir,
            text,
            package,
            workspace,
            dependencies,
            features,
        })
    }

    /// Fills `workspace = true` entries from the workspace manifest's `[workspace.dependencies]`.
    pub fn inherit_from(&mut self, ws: &Manifest) {
        let Some(wsd) = ws.workspace.as_ref() else {
            return;
        };
        for d in self.dependencies.iter_mut().filter(|d| d.workspace) {
            if let Some(w) = wsd.dependencies.iter().find(|w| w.key == d.key) {
                d.package = w.package.clone();
                d.req = w.req.clone();
                d.git = w.git.clone();
                d.branch = w.branch.clone();
                d.tag = w.tag.clone();
                d.rev = w.rev.clone();
                d.path = w.path.clone();
                let mut f = w.features.clone();
                f.extend(d.features.iter().cloned());
                d.features = f;
                d.default_features = w.default_features && d.default_features;
                d.inherited_span = Some((ws.path.clone(), w.span.clone()));
            }
        }
    }
}

fn collect_dep_tables(t: &dyn TableLike, target: Option<&str>, out: &mut Vec<Dependency>) {
    for (kind, names) in [
        (DepKind::Normal, &["dependencies"][..]),
        (DepKind::Dev, &["dev-dependencies", "dev_dependencies"][..]),
        (
            DepKind::Build,
            &["build-dependencies", "build_dependencies"][..],
        ),
    ] {
        for n in names {
            if let Some(d) = t.get(n).and_then(Item::as_table_like) {
                out.extend(deps_of(d, kind, target));
            }
        }
    }
}

fn string_array(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn deps_of(t: &dyn TableLike, kind: DepKind, target: Option<&str>) -> Vec<Dependency> {
    let mut out = Vec::new();
    for (key, item) in t.iter() {
        let key_span = t.key(key).and_then(|k| k.span()).unwrap_or(0..0);
        let mut d = Dependency {
            key: key.to_string(),
            package: key.to_string(),
            req: None,
            kind,
            target: target.map(str::to_string),
            workspace: false,
            git: None,
            branch: None,
            tag: None,
            rev: None,
            path: None,
            features: Vec::new(),
            default_features: true,
            optional: false,
            key_span: key_span.clone(),
            span: item.span().unwrap_or(key_span.clone()),
            inherited_span: None,
            git_span: None,
        };
        match item {
            Item::Value(Value::String(s)) => {
                d.req = Some(s.value().clone());
                d.span = s.span().unwrap_or(key_span);
            }
            _ => {
                let Some(tbl) = item.as_table_like() else {
                    continue;
                };
                let s = |k: &str| tbl.get(k).and_then(|v| v.as_str()).map(str::to_string);
                if let Some(p) = s("package") {
                    d.package = p;
                }
                d.req = s("version");
                d.git = s("git");
                d.git_span = tbl.get("git").and_then(|v| v.span());
                d.branch = s("branch");
                d.tag = s("tag");
                d.rev = s("rev");
                d.path = s("path");
                d.workspace = tbl
                    .get("workspace")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                d.optional = tbl
                    .get("optional")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false);
                d.default_features = tbl
                    .get("default-features")
                    .or_else(|| tbl.get("default_features"))
                    .and_then(|v| v.as_bool())
                    .unwrap_or(true);
                d.features = string_array(tbl.get("features"));
                let anchor = ["version", "git", "workspace", "path"]
                    .iter()
                    .find_map(|k| tbl.get(k).and_then(|v| v.span()));
                if let Some(sp) = anchor {
                    d.span = sp;
                } else if d.span.is_empty() {
                    d.span = key_span;
                }
            }
        }
        out.push(d);
    }
    out
}

/// One `[[package]]` of a Cargo.lock.
#[derive(Clone, Debug)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    pub source: Option<String>,
    pub dependencies: Vec<String>,
    /// Byte range of the `[[package]]` entry's `version = ...` value.
    pub span: Range<usize>,
}

#[derive(Clone, Debug)]
pub struct Lockfile {
    pub path: String,
    pub dir: PathBuf,
    pub text: Arc<SourceText>,
    pub packages: Vec<LockedPackage>,
}

impl Lockfile {
    pub fn parse(
        path: &str,
        dir: PathBuf,
        text: Arc<SourceText>,
    ) -> Result<Lockfile, ManifestError> {
        let doc = toml_edit::Document::parse(text.text.clone()).map_err(|e| ManifestError {
            message: e.message().trim().to_string(),
            span: e.span().unwrap_or(0..0),
        })?;
        let mut packages = Vec::new();
        if let Some(aot) = doc
            .as_table()
            .get("package")
            .and_then(Item::as_array_of_tables)
        {
            for p in aot.iter() {
                let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let span = p
                    .get("version")
                    .and_then(|v| v.span())
                    .or_else(|| p.span())
                    .unwrap_or(0..0);
                packages.push(LockedPackage {
                    name: s("name").unwrap_or_default(),
                    version: s("version").unwrap_or_default(),
                    source: s("source"),
                    dependencies: string_array(p.get("dependencies")),
                    span,
                });
            }
        }
        Ok(Lockfile {
            path: path.to_string(),
            dir,
            text,
            packages,
        })
    }

    /// Resolved versions of a crate in this lockfile.
    pub fn versions_of<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a LockedPackage> + 'a {
        self.packages.iter().filter(move |p| p.name == name)
    }
}
