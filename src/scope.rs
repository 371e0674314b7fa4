//! PATH arguments inside a Cargo project filter a whole-workspace analysis instead of replacing
//! it: `cargo jwtlint server/src/auth.rs` loads the workspace that holds the file (manifests,
//! lockfile, config, every file of its packages), so cross-file facts are the same as in the
//! workspace run, and reports only the findings located in the given paths (a finding counts
//! when its primary label or one of its secondary labels lies there, so a workspace-level
//! requirement inherited by a given member is kept). Paths in the report are relative to the
//! project root.

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::Report;

pub struct Scope {
    /// The project root all given paths belong to.
    pub root: PathBuf,
    /// The given paths, relative to the root with forward slashes (`.` for the root itself).
    pub rel: Vec<String>,
    /// Given paths that do not exist (walked as given, so they are named as unread).
    missing: Vec<PathBuf>,
}

/// `a/./b/../c` -> `a/c`, without touching the file system (no link is followed).
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

impl Scope {
    /// The scope of absolute `given` paths (already normalised, see [`normalise`]) that lie in
    /// the project at `root`.
    pub fn new(root: PathBuf, given: &[PathBuf]) -> Scope {
        let missing = given
            .iter()
            .filter(|g| std::fs::symlink_metadata(g).is_err())
            .cloned()
            .collect();
        let rel = given
            .iter()
            .map(|g| crate::discover::rel_path(&root, g))
            .collect();
        Scope { root, rel, missing }
    }

    /// What the walk covers: the whole project, plus given paths that do not exist.
    pub fn walk_paths(&self) -> Vec<PathBuf> {
        std::iter::once(self.root.clone())
            .chain(self.missing.iter().cloned())
            .collect()
    }

    /// Does a root-relative file lie in the given paths?
    pub fn covers(&self, file: &str) -> bool {
        self.rel.iter().any(|p| {
            p == "."
                || file == p
                || file
                    .strip_prefix(p.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    }

    /// Keeps the findings (and the suppressed findings) located in the given paths.
    pub fn filter(&self, report: &mut Report) {
        let located = |d: &crate::diagnostic::Diagnostic| {
            std::iter::once(&d.primary)
                .chain(&d.secondary)
                .any(|l| self.covers(&l.file))
        };
        report.diagnostics.retain(located);
        report.suppressions.retain(|s| located(&s.diagnostic));
        report.suppressed = report.suppressions.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }

    #[test]
    fn covers_files_and_folders_but_not_prefixes_of_names() {
        let s = Scope {
            root: PathBuf::from("/p"),
            rel: vec!["src/auth.rs".into(), "api".into()],
            missing: vec![],
        };
        assert!(s.covers("src/auth.rs"));
        assert!(s.covers("api/src/lib.rs"));
        assert!(!s.covers("api2/src/lib.rs"));
        assert!(!s.covers("src/auth.rs.bak"));
        assert!(!s.covers("src/lib.rs"));
    }
}
