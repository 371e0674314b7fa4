//! Finding the project root and the files to check: a gitignore-aware walk (the `ignore` crate)
//! that skips `target/`, never follows symlinked directories (so no loops), never opens FIFOs,
//! devices or directories named `*.rs`, and returns files in a stable order.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Rust,
    Manifest,
    Lock,
}

#[derive(Debug, Clone)]
pub struct Found {
    pub abs: PathBuf,
    /// Relative to the project root, forward slashes.
    pub rel: String,
    pub kind: FileKind,
}

#[derive(Default)]
pub struct Discovery {
    pub files: Vec<Found>,
    /// Files or directories that could not be read (each a JWT000 finding).
    pub problems: Vec<Diagnostic>,
}

/// The project root for workspace mode: the topmost ancestor of `start` whose Cargo.toml has a
/// `[workspace]` section, else the nearest ancestor with a Cargo.toml.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    let mut workspace = None;
    for dir in start.ancestors() {
        let m = dir.join("Cargo.toml");
        if m.is_file() {
            if nearest.is_none() {
                nearest = Some(dir.to_path_buf());
            }
            if let Ok(text) = std::fs::read_to_string(&m)
                && let Ok(doc) = text.parse::<toml_edit::DocumentMut>()
                && doc.contains_key("workspace")
            {
                workspace = Some(dir.to_path_buf());
            }
        }
    }
    workspace.or(nearest)
}

/// Relative path with forward slashes (falls back to the path as given).
pub fn rel_path(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    let s = r.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s).to_string();
    if s.is_empty() { ".".to_string() } else { s }
}

fn kind_of(name: &str) -> Option<FileKind> {
    if name == "Cargo.toml" {
        Some(FileKind::Manifest)
    } else if name == "Cargo.lock" {
        Some(FileKind::Lock)
    } else if name.ends_with(".rs") {
        Some(FileKind::Rust)
    } else {
        None
    }
}

fn unreadable(rel: &str, why: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(
        "JWT000",
        rel,
        0..0,
        format!("cannot read this file, so it was not checked: {why}"),
    )
}

/// Walks `paths` (absolute) and returns the files to check. `exclude` decides, on a relative path,
/// whether a file or directory is skipped.
pub fn discover(root: &Path, paths: &[PathBuf], exclude: &dyn Fn(&str) -> bool) -> Discovery {
    let mut out = Discovery::default();
    for p in paths {
        let rel = rel_path(root, p);
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                out.problems.push(unreadable(&rel, e));
                continue;
            }
        };
        if meta.is_file() {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // An explicitly named file is checked as Rust unless it is a manifest or lockfile.
            let kind = kind_of(&name).unwrap_or(FileKind::Rust);
            out.files.push(Found {
                abs: p.clone(),
                rel,
                kind,
            });
            continue;
        }
        if !meta.is_dir() {
            out.problems
                .push(unreadable(&rel, "not a regular file or directory"));
            continue;
        }
        walk_dir(root, p, exclude, &mut out);
    }
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.files.dedup_by(|a, b| a.rel == b.rel);
    out.problems
        .sort_by(|a, b| a.primary.file.cmp(&b.primary.file));
    out
}

fn walk_dir(root: &Path, dir: &Path, exclude: &dyn Fn(&str) -> bool, out: &mut Discovery) {
    let root_owned = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(true)
        .hidden(true)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if is_dir && e.depth() > 0 && (name == "target" || name == "node_modules") {
                return false;
            }
            let _ = &root_owned;
            true
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => Some(path.clone()),
                    ignore::Error::WithDepth { err, .. } => match &**err {
                        ignore::Error::WithPath { path, .. } => Some(path.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                let rel = path
                    .map(|p| rel_path(root, &p))
                    .unwrap_or_else(|| rel_path(root, dir));
                out.problems.push(unreadable(&rel, err));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = kind_of(&name) else { continue };
        let rel = rel_path(root, entry.path());
        if exclude(&rel) {
            continue;
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_file() {
            out.files.push(Found {
                abs: entry.path().to_path_buf(),
                rel,
                kind,
            });
        } else if ft.is_symlink() {
            // Follow a symlink to a file, never to a directory (no loops); report broken links.
            match std::fs::metadata(entry.path()) {
                Ok(m) if m.is_file() => out.files.push(Found {
                    abs: entry.path().to_path_buf(),
                    rel,
                    kind,
                }),
                Ok(m) if m.is_dir() => {}
                Ok(_) => out.problems.push(unreadable(
                    &rel,
                    "a symlink to something that is not a regular file",
                )),
                Err(e) => out
                    .problems
                    .push(unreadable(&rel, format!("broken symlink: {e}"))),
            }
        } else if !ft.is_dir() {
            // FIFOs, sockets and devices are never opened (a FIFO would block the run), but a
            // file the user expects to be checked is named, like any unreadable file.
            out.problems.push(unreadable(
                &rel,
                "not a regular file (a FIFO, socket or device)",
            ));
        }
        // Directories named `*.rs` are walked into, never opened as files.
    }
}
