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
pub fn discover(
    root: &Path,
    paths: &[PathBuf],
    exclude: &(dyn Fn(&str) -> bool + Sync),
) -> Discovery {
    let mut out = Discovery::default();
    let mut dirs: Vec<PathBuf> = Vec::new();
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
        dirs.push(p.clone());
    }
    // One parallel walk over every directory (a thread pool per directory would cost more than
    // the walk when many are given, as in `cargo jwtlint crates/*`).
    walk_dirs(root, &dirs, exclude, &mut out);
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.files.dedup_by(|a, b| a.rel == b.rel);
    out.problems
        .sort_by(|a, b| a.primary.file.cmp(&b.primary.file));
    out
}

/// One entry of the walk: a file to check, a finding for something that cannot be read, or
/// nothing (not a Rust source, manifest or lockfile; excluded; a directory).
fn classify(
    root: &Path,
    dir: &Path,
    entry: Result<ignore::DirEntry, ignore::Error>,
    exclude: &(dyn Fn(&str) -> bool + Sync),
) -> Option<Result<Found, Diagnostic>> {
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
            return Some(Err(unreadable(&rel, err)));
        }
    };
    let name = entry.file_name().to_string_lossy().into_owned();
    let kind = kind_of(&name)?;
    let rel = rel_path(root, entry.path());
    if exclude(&rel) {
        return None;
    }
    let ft = entry.file_type()?;
    let found = |rel: String| Found {
        abs: entry.path().to_path_buf(),
        rel,
        kind,
    };
    if ft.is_file() {
        Some(Ok(found(rel)))
    } else if ft.is_symlink() {
        // Follow a symlink to a file, never to a directory (no loops); report broken links.
        match std::fs::metadata(entry.path()) {
            Ok(m) if m.is_file() => Some(Ok(found(rel))),
            Ok(m) if m.is_dir() => None,
            Ok(_) => Some(Err(unreadable(
                &rel,
                "a symlink to something that is not a regular file",
            ))),
            Err(e) => Some(Err(unreadable(&rel, format!("broken symlink: {e}")))),
        }
    } else if !ft.is_dir() {
        // FIFOs, sockets and devices are never opened (a FIFO would block the run), but a
        // file the user expects to be checked is named, like any unreadable file.
        Some(Err(unreadable(
            &rel,
            "not a regular file (a FIFO, socket or device)",
        )))
    } else {
        // Directories named `*.rs` are walked into, never opened as files.
        None
    }
}

/// A parallel, gitignore-aware walk of directories (the caller sorts the result).
fn walk_dirs(
    root: &Path,
    dirs: &[PathBuf],
    exclude: &(dyn Fn(&str) -> bool + Sync),
    out: &mut Discovery,
) {
    let Some((first, rest)) = dirs.split_first() else {
        return;
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for d in rest {
        builder.add(d);
    }
    let walker = builder
        .standard_filters(true)
        .hidden(true)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            !(is_dir && e.depth() > 0 && (name == "target" || name == "node_modules"))
        })
        .build_parallel();
    let collected = std::sync::Mutex::new(Discovery::default());
    walker.run(|| {
        Box::new(|entry| {
            if let Some(r) = classify(root, first, entry, exclude) {
                let mut d = collected.lock().unwrap_or_else(|e| e.into_inner());
                match r {
                    Ok(f) => d.files.push(f),
                    Err(p) => d.problems.push(p),
                }
            }
            ignore::WalkState::Continue
        })
    });
    let d = collected.into_inner().unwrap_or_else(|e| e.into_inner());
    out.files.extend(d.files);
    out.problems.extend(d.problems);
}
