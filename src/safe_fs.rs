//! Reading files of a project that may be hostile: bounded, regular files only, without
//! blocking, and symlinks followed only to regular files inside the tree.
//!
//! A committed `src/env.rs -> /proc/self/environ` would otherwise print the CI job's environment
//! into the log, `Cargo.toml -> /dev/zero` would be read until memory runs out, and a FIFO (or a
//! file swapped for one after discovery) would block the run forever. So:
//!
//! - a symlink is followed only when its canonical target is a regular file inside one of the
//!   allowed bases (the canonical project root, and any directory given on the command line)
//!   and not under `/proc`, `/dev` or `/sys` ([`link_target`]);
//! - a file is opened with `O_NONBLOCK | O_NOFOLLOW | O_NOCTTY` (unix), the opened handle is
//!   checked again with `fstat` (a regular file, at most [`MAX_FILE_BYTES`]), and at most that
//!   many bytes are read even if the file grows ([`read_regular`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The largest file the linter reads: 32 MiB. A larger file is not read and is reported as
/// `JWT000` (generated sources that large are better excluded in `jwtlint.toml`).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// The reason given for a symlink that leads out of the tree.
pub const LINK_OUTSIDE: &str = "symlink points outside the project root, not read";

/// Kernel and device trees: never read through a link, wherever the project lives.
const SPECIAL: [&str; 3] = ["/proc", "/dev", "/sys"];

fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO opens at once instead of waiting for a writer; a link swapped in after
        // discovery is refused instead of followed; a terminal never becomes ours.
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY);
    }
    o.open(path)
}

/// Reads a regular file that is not a symlink: at most [`MAX_FILE_BYTES`], without blocking,
/// checking the opened handle (not only the path) is a regular file.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let file = open_nonblocking(path).map_err(|e| match e.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => io::Error::other("it is a symlink now (it changed after discovery)"),
        _ => e,
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(
            "not a regular file (a FIFO, socket or device)",
        ));
    }
    let too_large = || {
        io::Error::other(format!(
            "larger than the {} MiB limit on files the linter reads",
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Where a symlink may be followed to. `Ok(Some(target))`: the canonical target, a regular file
/// inside one of `bases` (canonical paths). `Ok(None)`: a directory (never followed, no
/// finding). `Err(reason)`: broken, a loop, outside the bases, into `/proc`, `/dev` or `/sys`,
/// or not a regular file; the link must be reported and not read.
pub fn link_target(link: &Path, bases: &[PathBuf]) -> Result<Option<PathBuf>, String> {
    let target = std::fs::canonicalize(link).map_err(|e| format!("broken symlink: {e}"))?;
    if SPECIAL.iter().any(|s| target.starts_with(s)) {
        return Err(LINK_OUTSIDE.to_string());
    }
    let meta = std::fs::metadata(&target).map_err(|e| format!("broken symlink: {e}"))?;
    if meta.is_dir() {
        return Ok(None);
    }
    if !bases.iter().any(|b| target.starts_with(b)) {
        return Err(LINK_OUTSIDE.to_string());
    }
    if !meta.is_file() {
        return Err("a symlink to something that is not a regular file".to_string());
    }
    Ok(Some(target))
}

/// Reads a file of the tree below `base` (a manifest or configuration found while looking for
/// the project root): a symlink is followed only to a regular file inside `base`.
pub fn read_in_tree(path: &Path, base: &Path) -> io::Result<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_symlink() {
        return read_regular(path);
    }
    let base = std::fs::canonicalize(base)?;
    match link_target(path, &[base]) {
        Ok(Some(target)) => read_regular(&target),
        Ok(None) => Err(io::Error::other("a symlink to a directory")),
        Err(why) => Err(io::Error::other(why)),
    }
}

/// [`read_in_tree`] as UTF-8 text.
pub fn read_text_in_tree(path: &Path, base: &Path) -> io::Result<String> {
    String::from_utf8(read_in_tree(path, base)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::process::Command;

    fn mkfifo(p: &Path) {
        assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    }

    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.rs");
        mkfifo(&fifo);
        let e = read_regular(&fifo).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = read_regular(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn symlinks_are_not_followed_by_read_regular() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.rs"), "x").unwrap();
        symlink("a.rs", dir.path().join("b.rs")).unwrap();
        assert_eq!(read_regular(&dir.path().join("a.rs")).unwrap(), b"x");
        let e = read_regular(&dir.path().join("b.rs")).unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.rs");
        let f = File::create(&p).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = read_regular(&p).unwrap_err();
        assert!(e.to_string().contains("MiB limit"), "{e}");
    }

    #[test]
    fn links_are_followed_only_into_the_tree() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let base = [root.path().canonicalize().unwrap()];
        std::fs::write(root.path().join("in.rs"), "in").unwrap();
        std::fs::write(outside.path().join("out.rs"), "out").unwrap();
        let link = |name: &str, to: &Path| {
            let l = root.path().join(name);
            symlink(to, &l).unwrap();
            l
        };
        let inside = link("a.rs", Path::new("in.rs"));
        assert_eq!(link_target(&inside, &base), Ok(Some(base[0].join("in.rs"))));
        for to in [
            outside.path().join("out.rs"),
            PathBuf::from("/proc/self/environ"),
            PathBuf::from("/dev/zero"),
        ] {
            let l = link(
                &format!("{}.rs", to.display().to_string().replace('/', "_")),
                &to,
            );
            assert_eq!(
                link_target(&l, &base),
                Err(LINK_OUTSIDE.to_string()),
                "{to:?}"
            );
            assert!(read_in_tree(&l, root.path()).is_err());
        }
        assert_eq!(link_target(&link("d", Path::new(".")), &base), Ok(None));
        assert_eq!(read_in_tree(&inside, root.path()).unwrap(), b"in");
    }
}
