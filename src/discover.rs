//! Finding the project root and the files to check: a gitignore-aware walk (the `ignore` crate)
//! that skips `target/`, never follows symlinked directories (so no loops), follows a symlinked
//! file only to a regular file inside the tree (see [`crate::safe_fs`]), never opens FIFOs,
//! devices or directories named `*.rs`, and returns files in a stable order.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::safe_fs;

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
    /// What to open: `abs`, or the checked canonical target when `abs` is a symlink.
    pub open: PathBuf,
}

impl Found {
    /// The file's bytes, read the bounded, non-blocking way of [`safe_fs::read_regular`].
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        safe_fs::read_regular(&self.open)
    }
}

#[derive(Default)]
pub struct Discovery {
    pub files: Vec<Found>,
    /// Files or directories that could not be read (each a JWT000 finding).
    pub problems: Vec<Diagnostic>,
}

/// The project root, by cargo's rule: the nearest `Cargo.toml` above `start` is the package;
/// its workspace is the nearest ancestor manifest with a `[workspace]` whose `members` globs
/// name the package (and whose `exclude` does not). A manifest that has `[workspace]` itself is
/// its own root, so a nested workspace is linted on its own. Without a workspace that claims
/// it, the package's own folder is the root.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    let mut dirs = start.ancestors().filter(|d| d.join("Cargo.toml").is_file());
    let package = dirs.next()?.to_path_buf();
    if workspace_manifest(&package).is_some() {
        return Some(package);
    }
    for dir in dirs {
        if let Some(doc) = workspace_manifest(dir)
            && claims(&doc, dir, &package)
        {
            return Some(dir.to_path_buf());
        }
    }
    Some(package)
}

/// `dir/Cargo.toml` when it has a `[workspace]` table.
fn workspace_manifest(dir: &Path) -> Option<toml_edit::DocumentMut> {
    let text = safe_fs::read_text_in_tree(&dir.join("Cargo.toml"), dir).ok()?;
    let doc = text.parse::<toml_edit::DocumentMut>().ok()?;
    doc.get("workspace")?.as_table()?;
    Some(doc)
}

/// The `path` of every dependency the workspace manifest declares (the root package's
/// dependency tables, per target too, and `[workspace.dependencies]`), relative to its folder.
fn path_dependencies(doc: &toml_edit::DocumentMut) -> Vec<String> {
    let tables = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut deps: Vec<&dyn toml_edit::TableLike> = Vec::new();
    for t in tables {
        deps.extend(doc.get(t).and_then(|v| v.as_table_like()));
    }
    if let Some(targets) = doc.get("target").and_then(|v| v.as_table_like()) {
        for (_, target) in targets.iter() {
            for t in tables {
                deps.extend(target.get(t).and_then(|v| v.as_table_like()));
            }
        }
    }
    deps.extend(
        doc.get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|v| v.as_table_like()),
    );
    deps.iter()
        .flat_map(|t| t.iter())
        .filter_map(|(_, d)| d.as_table_like()?.get("path")?.as_str().map(str::to_string))
        .collect()
}

/// Whether the workspace manifest `doc` at `root` has `package` among its members (the
/// `members` globs, as cargo reads them, or a path dependency, which cargo makes a member) and
/// not among its `exclude`s.
fn claims(doc: &toml_edit::DocumentMut, root: &Path, package: &Path) -> bool {
    let Some(ws) = doc.get("workspace").and_then(|w| w.as_table()) else {
        return false;
    };
    let Ok(rel) = package.strip_prefix(root) else {
        return false;
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    let list = |key: &str| -> Vec<String> {
        ws.get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(|x| x.trim_end_matches('/').to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let matches = |pats: &[String]| {
        pats.iter().any(|p| {
            globset::Glob::new(p.trim_start_matches("./"))
                .is_ok_and(|g| g.compile_matcher().is_match(&rel))
        })
    };
    let by_path = path_dependencies(doc)
        .iter()
        .any(|p| crate::scope::normalise(&root.join(p)) == package);
    (matches(&list("members")) || by_path) && !matches(&list("exclude"))
}

/// The report path of `p`: relative to `root` (the path as given when it is not below it),
/// components joined by `/`, and lossless, so two files never share one (see
/// [`report_component`]). `.` for the root itself.
pub fn rel_path(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    let mut out = String::new();
    for c in r.components() {
        let part = match c {
            std::path::Component::CurDir => continue,
            std::path::Component::RootDir => {
                out.push('/');
                continue;
            }
            c => report_component(c.as_os_str()),
        };
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(&part);
    }
    if out.is_empty() { ".".to_string() } else { out }
}

/// One path component as printed: UTF-8 as it is, except that a backslash is doubled and each
/// byte that is not UTF-8 becomes `\xNN`, so `a\b.rs` (a file name holding a backslash, on
/// Unix) is never confused with `a/b.rs`, nor two undecodable names with each other.
pub fn report_component(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(name).to_vec();
    #[cfg(not(unix))]
    let bytes = name.to_string_lossy().into_owned().into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            if ch == '\\' && cfg!(unix) {
                out.push_str("\\\\");
            } else {
                out.push(ch);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// The bytes a report path stands for: [`rel_path`]'s escapes undone (`\\\\` is a backslash,
/// `\\xNN` a raw byte), for formats that name the file by URI.
pub fn report_path_bytes(rel: &str) -> Vec<u8> {
    let b = rel.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (
            b[i],
            b.get(i + 1),
            hex.and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'\\', Some(b'\\'), _) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x'), Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
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
    let bases = link_bases(root, paths);
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in paths {
        match given_path(root, p, &bases) {
            Given::Dir => dirs.push(p.clone()),
            // A named file is checked even when `exclude` matches it, unless the predicate
            // says otherwise (`--force-exclude`, see `Config::is_excluded`).
            Given::File(f) if exclude(&f.rel) => {}
            Given::File(f) => out.files.push(f),
            Given::Problem(d) => out.problems.push(d),
        }
    }
    // One parallel walk over every directory (a thread pool per directory would cost more than
    // the walk when many are given, as in `cargo jwtlint crates/*`).
    walk_dirs(root, &dirs, &bases, exclude, &mut out);
    add_tracked(root, &dirs, &bases, exclude, &mut out);
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.files.dedup_by(|a, b| a.rel == b.rel);
    out.problems
        .sort_by(|a, b| a.primary.file.cmp(&b.primary.file));
    out
}

/// Where symlinks may lead: the canonical project root and every directory given on the
/// command line.
fn link_bases(root: &Path, paths: &[PathBuf]) -> Vec<PathBuf> {
    std::iter::once(root)
        .chain(paths.iter().map(PathBuf::as_path).filter(|p| p.is_dir()))
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}

enum Given {
    Dir,
    File(Found),
    Problem(Diagnostic),
}

/// A path named on the command line: a directory to walk, a file to check (a symlink only if
/// it leads to a regular file inside the tree), or a finding for what cannot be read.
fn given_path(root: &Path, p: &Path, bases: &[PathBuf]) -> Given {
    let rel = rel_path(root, p);
    let lmeta = match std::fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(e) => return Given::Problem(unreadable(&rel, e)),
    };
    let open = if lmeta.file_type().is_symlink() {
        match safe_fs::link_target(p, bases) {
            Ok(Some(target)) => target,
            Ok(None) => return Given::Dir,
            Err(why) => return Given::Problem(unreadable(&rel, why)),
        }
    } else if lmeta.is_dir() {
        return Given::Dir;
    } else if lmeta.is_file() {
        p.to_path_buf()
    } else {
        return Given::Problem(unreadable(&rel, "not a regular file or directory"));
    };
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // An explicitly named file is checked as Rust unless it is a manifest or lockfile.
    let kind = kind_of(&name).unwrap_or(FileKind::Rust);
    Given::File(Found {
        abs: p.to_path_buf(),
        rel,
        kind,
        open,
    })
}

/// One entry of the walk: a file to check, a finding for something that cannot be read, or
/// nothing (not a Rust source, manifest or lockfile; excluded; a directory).
fn classify(
    root: &Path,
    dir: &Path,
    entry: Result<ignore::DirEntry, ignore::Error>,
    bases: &[PathBuf],
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
    classify_file(entry.path(), rel, kind, entry.file_type()?, bases)
}

/// A file to check (of a known kind, not excluded) by its type (from `lstat`).
fn classify_file(
    path: &Path,
    rel: String,
    kind: FileKind,
    ft: std::fs::FileType,
    bases: &[PathBuf],
) -> Option<Result<Found, Diagnostic>> {
    let found = |rel: String, open: PathBuf| Found {
        abs: path.to_path_buf(),
        rel,
        kind,
        open,
    };
    if ft.is_file() {
        Some(Ok(found(rel, path.to_path_buf())))
    } else if ft.is_symlink() {
        // Follow a symlink only to a regular file inside the tree, never to a directory (no
        // loops); report broken links and links out of the tree, without reading them.
        match safe_fs::link_target(path, bases) {
            Ok(Some(target)) => Some(Ok(found(rel, target))),
            Ok(None) => None,
            Err(why) => Some(Err(unreadable(&rel, why))),
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

/// Is a tracked path (relative to the root) below a build or package folder the walk never
/// enters (`target/`, `node_modules/`)? Hidden folders are not skipped for tracked files: a
/// committed `.hidden/src/lib.rs` can be `#[path]`-included or `include!`d, so it is checked.
fn skipped_by_walk(rel: &str) -> bool {
    let mut parts = rel.split('/').peekable();
    while let Some(p) = parts.next() {
        let is_dir = parts.peek().is_some();
        if is_dir && (p == "target" || p == "node_modules") {
            return true;
        }
    }
    false
}

/// In a git work tree, every tracked file below the walked directories that the walk did not
/// find (an ignore file hid it) is checked too: a pull request cannot hide a committed file by
/// adding a `.gitignore` or `.ignore` entry, nor behind a hidden folder. `target/`,
/// `node_modules/` and `exclude` still apply.
fn add_tracked(
    root: &Path,
    dirs: &[PathBuf],
    bases: &[PathBuf],
    exclude: &(dyn Fn(&str) -> bool + Sync),
    out: &mut Discovery,
) {
    if dirs.is_empty() {
        return;
    }
    let Some(tracked) = crate::git::tracked_files(root) else {
        return;
    };
    let seen: std::collections::HashSet<String> = out
        .files
        .iter()
        .map(|f| f.rel.clone())
        .chain(out.problems.iter().map(|d| d.primary.file.clone()))
        .collect();
    for path in tracked {
        if !dirs.iter().any(|d| path.starts_with(d)) {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(kind) = kind_of(&name) else {
            continue;
        };
        let rel = rel_path(root, &path);
        if seen.contains(&rel) || skipped_by_walk(&rel) || exclude(&rel) {
            continue;
        }
        // A tracked file deleted from the work tree is not there to check.
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        match classify_file(&path, rel, kind, meta.file_type(), bases) {
            Some(Ok(f)) => out.files.push(f),
            Some(Err(d)) => out.problems.push(d),
            None => {}
        }
    }
}

/// A parallel, gitignore-aware walk of directories (the caller sorts the result).
fn walk_dirs(
    root: &Path,
    dirs: &[PathBuf],
    bases: &[PathBuf],
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
            if let Some(r) = classify(root, first, entry, bases, exclude) {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A file swapped for a FIFO, or for a link to `/proc/self/environ`, after discovery is
    /// refused at once when it is read (not waited on, not followed).
    #[test]
    fn a_file_swapped_after_discovery_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        for name in ["fifo.rs", "link.rs"] {
            std::fs::write(src.join(name), "fn main() {}\n").unwrap();
        }
        let d = discover(dir.path(), &[dir.path().to_path_buf()], &|_| false);
        assert_eq!(d.files.len(), 2, "{:?}", d.problems);
        for f in &d.files {
            std::fs::remove_file(&f.abs).unwrap();
        }
        let fifo = std::process::Command::new("mkfifo")
            .arg(src.join("fifo.rs"))
            .status();
        assert!(fifo.unwrap().success());
        std::os::unix::fs::symlink("/proc/self/environ", src.join("link.rs")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let files = d.files.clone();
        std::thread::spawn(move || {
            let _ = tx.send(files.iter().map(|f| f.read().is_err()).collect::<Vec<_>>());
        });
        let refused = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a swapped file hung");
        assert_eq!(refused, vec![true, true]);
    }
}
