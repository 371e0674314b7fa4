//! The files git tracks, read from the index (`gix-index`, never by spawning `git`, whose
//! repository config could run commands such as `core.fsmonitor`).
//!
//! In a git work tree, discovery adds every tracked file to what the gitignore-aware walk
//! found, so a pull request cannot hide a committed file behind a `.gitignore` or `.ignore`
//! entry it adds.

use std::path::{Path, PathBuf};

/// The work tree that contains `dir` and its git directory: the nearest ancestor with a `.git`
/// folder, or a `.git` file (`gitdir: ..`, as in linked work trees and submodules).
fn find_git(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    for a in dir.ancestors() {
        let dotgit = a.join(".git");
        let Ok(meta) = std::fs::symlink_metadata(&dotgit) else {
            continue;
        };
        if meta.is_dir() {
            return Some((a.to_path_buf(), dotgit));
        }
        if meta.is_file() {
            let text = String::from_utf8(crate::safe_fs::read_regular(&dotgit).ok()?).ok()?;
            let gitdir = text.lines().next()?.strip_prefix("gitdir:")?.trim();
            return Some((a.to_path_buf(), a.join(gitdir)));
        }
    }
    None
}

#[cfg(unix)]
fn to_path(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn to_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// The tracked files (absolute paths below the work tree) when `dir` is inside a git work tree
/// with a readable index; `None` outside git (or when the index cannot be read), where the walk
/// alone decides. Submodule entries are left out.
pub fn tracked_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let (worktree, gitdir) = find_git(dir)?;
    let index = gitdir.join("index");
    if !std::fs::symlink_metadata(&index).ok()?.is_file() {
        // A repository without an index yet tracks nothing.
        return Some(Vec::new());
    }
    let file = gix_index::File::at(
        &index,
        gix_index::hash::Kind::Sha1,
        false,
        gix_index::decode::Options::default(),
    )
    .ok()?;
    let mut out: Vec<PathBuf> = file
        .entries()
        .iter()
        .filter(|e| {
            !matches!(
                e.mode,
                gix_index::entry::Mode::COMMIT | gix_index::entry::Mode::DIR
            )
        })
        .map(|e| worktree.join(to_path(e.path(&file))))
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}
