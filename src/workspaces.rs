//! Which Cargo workspaces a run analyses, each on its own (its root, configuration, lockfile and
//! package model), and the base folder report paths are relative to.
//!
//! - No PATH, inside a Cargo project: that project's workspace, plus every nested workspace
//!   found below its root (a `fuzz/` crate with its own `[workspace]`, as cargo-fuzz makes, or
//!   a package no workspace claims), each analysed as its own root. The enclosing project's
//!   walk decides which nested workspaces are found (its `exclude`; tracked files count even
//!   when an ignore file names them); each nested workspace then reads its own configuration.
//! - No PATH, no `Cargo.toml` above the current directory: every workspace found below it.
//! - PATHs: each path belongs to the workspace that holds it (cargo's rule, see
//!   [`crate::discover::find_project_root`]); paths in several workspaces give several
//!   analyses, each filtered to its paths ([`Scope`]). A directory outside any project stands
//!   for the workspaces below it; other paths outside any project are linted as loose files.
//!
//! Report paths are relative to the workspace root for PATHs in one workspace (as before);
//! otherwise to the project root that contains the current directory when every analysed
//! workspace lies in it, else to the current directory.

use std::path::{Path, PathBuf};

use crate::discover::rel_path;
use crate::scope::Scope;

/// A workspace configuration's `exclude` test, on paths relative to its root.
pub type Exclude = Box<dyn Fn(&str) -> bool + Sync>;

/// One analysis of the run.
pub struct Unit {
    /// The workspace root (for loose files: the base folder).
    pub root: PathBuf,
    /// What to walk (absolute).
    pub walk: Vec<PathBuf>,
    /// PATHs the findings are narrowed to (`None`: the whole workspace).
    pub scope: Option<Scope>,
    /// Roots of the workspaces strictly inside this one, analysed on their own (left out of
    /// this one's walk).
    pub nested: Vec<PathBuf>,
    /// Loose files outside any Cargo project (linted as given, with the base's configuration).
    pub loose: bool,
}

impl Unit {
    /// The nested workspaces' folders, relative to this root.
    pub fn nested_rel(&self) -> Vec<String> {
        self.nested
            .iter()
            .map(|n| rel_path(&self.root, n))
            .collect()
    }
}

/// The analyses of a run and the folder report paths are relative to.
pub struct Plan {
    pub base: PathBuf,
    pub units: Vec<Unit>,
}

/// A given path's start folder for [`crate::discover::find_project_root`] (the folder itself,
/// or the parent of a file or of a path that does not exist).
fn start_of(p: &Path) -> Option<&Path> {
    if std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
        Some(p)
    } else {
        p.parent()
    }
}

/// The roots of the workspaces found below `dir` (manifests the walk finds, each mapped to its
/// workspace root by cargo's rule), strictly inside `dir` unless `include_self`.
pub fn roots_below(
    dir: &Path,
    exclude: &(dyn Fn(&str) -> bool + Sync),
    include_self: bool,
) -> Vec<PathBuf> {
    let found = crate::discover::discover(dir, &[dir.to_path_buf()], exclude);
    let mut roots: Vec<PathBuf> = found
        .files
        .iter()
        .filter(|f| f.kind == crate::discover::FileKind::Manifest)
        .filter_map(|f| f.abs.parent())
        .filter_map(crate::discover::find_project_root)
        .filter(|r| r.starts_with(dir) && (include_self || r != dir))
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// Roots that lie in no other root of the list.
fn outermost(roots: &[PathBuf]) -> Vec<PathBuf> {
    roots
        .iter()
        .filter(|r| !roots.iter().any(|o| o != *r && r.starts_with(o)))
        .cloned()
        .collect()
}

/// What the arguments name, before nested workspaces are looked for: workspace roots with the
/// given paths in them (`None`: the whole workspace), and loose paths.
struct Seeds {
    roots: Vec<(PathBuf, Option<Vec<PathBuf>>)>,
    loose: Vec<PathBuf>,
}

impl Seeds {
    fn add(&mut self, root: PathBuf, path: Option<PathBuf>) {
        let i = match self.roots.iter().position(|(r, _)| *r == root) {
            Some(i) => i,
            None => {
                self.roots.push((root, Some(Vec::new())));
                self.roots.len() - 1
            }
        };
        let slot = &mut self.roots[i].1;
        match (path, slot.as_mut()) {
            (None, _) => *slot = None,
            (Some(p), Some(paths)) => paths.push(p),
            (Some(_), None) => {}
        }
    }
}

fn seeds(given: &[PathBuf], cwd: &Path) -> Result<Seeds, String> {
    let mut s = Seeds {
        roots: Vec::new(),
        loose: Vec::new(),
    };
    if given.is_empty() {
        match crate::discover::find_project_root(cwd) {
            Some(r) => s.add(r, None),
            None => {
                let below = outermost(&roots_below(cwd, &|_| false, true));
                if below.is_empty() {
                    return Err("error: no Cargo.toml found in this directory, any parent or any folder below; run inside a Cargo project or pass PATHs to lint".to_string());
                }
                for r in below {
                    s.add(r, None);
                }
            }
        }
        return Ok(s);
    }
    for g in given {
        let g = crate::scope::normalise(&cwd.join(g));
        if let Some(r) = start_of(&g).and_then(crate::discover::find_project_root) {
            s.add(r, Some(g));
            continue;
        }
        let below = if g.is_dir() {
            outermost(&roots_below(&g, &|_| false, true))
        } else {
            Vec::new()
        };
        if below.is_empty() {
            s.loose.push(g);
        }
        for r in below {
            s.add(r, None);
        }
    }
    Ok(s)
}

/// The analyses for the given paths (absolute or relative to `cwd`). `exclude_of` gives the
/// `exclude` test of a workspace root's configuration, which decides what its walk finds.
pub fn plan(
    given: &[PathBuf],
    cwd: &Path,
    exclude_of: &dyn Fn(&Path) -> Exclude,
) -> Result<Plan, String> {
    let seeds = seeds(given, cwd)?;
    let mut units: Vec<Unit> = Vec::new();
    for (root, paths) in &seeds.roots {
        let exclude = exclude_of(root);
        let nested = roots_below(root, &*exclude, false);
        let scope = paths.as_ref().map(|p| Scope::new(root.clone(), p));
        // The nested workspaces the given paths cover (all of them without PATHs).
        let wanted: Vec<&PathBuf> = nested
            .iter()
            .filter(|n| scope.as_ref().is_none_or(|s| s.covers(&rel_path(root, n))))
            .collect();
        for n in wanted {
            if units.iter().any(|u| u.root == *n) || seeds.roots.iter().any(|(r, _)| r == n) {
                continue;
            }
            units.push(Unit {
                root: n.clone(),
                walk: vec![n.clone()],
                scope: None,
                nested: nested
                    .iter()
                    .filter(|x| *x != n && x.starts_with(n))
                    .cloned()
                    .collect(),
                loose: false,
            });
        }
        let walk = match &scope {
            Some(s) => s.walk_paths(),
            None => vec![root.clone()],
        };
        units.retain(|u| u.root != *root);
        units.push(Unit {
            root: root.clone(),
            walk,
            scope,
            nested,
            loose: false,
        });
    }
    units.sort_by(|a, b| a.root.cmp(&b.root));
    let base = base(&units, given, cwd, !seeds.loose.is_empty());
    if !seeds.loose.is_empty() {
        units.push(Unit {
            root: base.clone(),
            walk: seeds.loose,
            scope: None,
            nested: Vec::new(),
            loose: true,
        });
    }
    Ok(Plan { base, units })
}

/// The folder report paths are relative to (see the module documentation).
fn base(units: &[Unit], given: &[PathBuf], cwd: &Path, loose: bool) -> PathBuf {
    if let [one] = units
        && !given.is_empty()
        && !loose
    {
        return one.root.clone();
    }
    match crate::discover::find_project_root(cwd) {
        Some(r) if !loose && units.iter().all(|u| u.root.starts_with(&r)) => r,
        _ => cwd.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outermost_keeps_roots_in_no_other() {
        let r = |s: &str| PathBuf::from(s);
        assert_eq!(
            outermost(&[r("/a"), r("/a/fuzz"), r("/b"), r("/bc")]),
            [r("/a"), r("/b"), r("/bc")]
        );
    }
}
