//! Backups of an embedded installation (`kiln serve`'s data directory),
//! consistent while it runs: its two SQLite databases copied with SQLite's
//! online backup API, and its blob files (which are never changed once
//! written, only created and removed).

use rusqlite::{Connection, OpenFlags};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The databases of a data directory.
const DATABASES: [&str; 2] = ["kiln.db", "queue.db"];

/// What a backup or restore copied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Databases.
    pub databases: usize,
    /// Blob files.
    pub blobs: usize,
    /// Their bytes.
    pub blob_bytes: u64,
}

/// Backs up the data directory `data` into `dest`, which must not exist or
/// be empty. Blobs are copied before and after the databases, so that every
/// blob a backed-up record points to is in the backup (a blob is written
/// before its record is committed); only a file deleted during the backup
/// may be missing its bytes.
pub fn backup(data: &Path, dest: &Path) -> io::Result<Copied> {
    empty_dir(dest)?;
    let mut copied = Copied::default();
    copy_blobs(&data.join("blobs"), &dest.join("blobs"), &mut copied)?;
    for name in DATABASES {
        let src = data.join(name);
        if src.exists() {
            snapshot(&src, &dest.join(name))?;
            copied.databases += 1;
        }
    }
    copy_blobs(&data.join("blobs"), &dest.join("blobs"), &mut copied)?;
    Ok(copied)
}

/// Restores the backup `from` into the data directory `data`, which must
/// not exist or be empty (nothing running on it).
pub fn restore(from: &Path, data: &Path) -> io::Result<Copied> {
    if !DATABASES.iter().any(|d| from.join(d).exists()) {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} holds no Kiln backup (no kiln.db)", from.display()),
        ));
    }
    empty_dir(data)?;
    let mut copied = Copied::default();
    for name in DATABASES {
        let src = from.join(name);
        if src.exists() {
            snapshot(&src, &data.join(name))?;
            copied.databases += 1;
        }
    }
    copy_blobs(&from.join("blobs"), &data.join("blobs"), &mut copied)?;
    Ok(copied)
}

fn empty_dir(dir: &Path) -> io::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not empty", dir.display()),
        ));
    }
    std::fs::create_dir_all(dir)
}

/// A consistent copy of the database `src`, taken while others write it.
fn snapshot(src: &Path, dest: &Path) -> io::Result<()> {
    let from = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(io::Error::other)?;
    from.busy_timeout(Duration::from_secs(30))
        .map_err(io::Error::other)?;
    let mut to = Connection::open(dest).map_err(io::Error::other)?;
    let backup = rusqlite::backup::Backup::new(&from, &mut to).map_err(io::Error::other)?;
    // Page batches with pauses, so a busy server is not held up.
    backup
        .run_to_completion(256, Duration::from_millis(5), None)
        .map_err(io::Error::other)
}

/// Copies every blob file of `src` missing from `dest` (not the scratch
/// folder `tmp`, whose files are uploads still arriving).
fn copy_blobs(src: &Path, dest: &Path, copied: &mut Copied) -> io::Result<()> {
    let mut stack: Vec<PathBuf> = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = src.join(&rel);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        std::fs::create_dir_all(dest.join(&rel))?;
        for entry in entries {
            let entry = entry?;
            let name = rel.join(entry.file_name());
            if rel.as_os_str().is_empty() && entry.file_name() == "tmp" {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(name);
            } else if kind.is_file() && !dest.join(&name).exists() {
                match std::fs::copy(entry.path(), dest.join(&name)) {
                    Ok(n) => {
                        copied.blobs += 1;
                        copied.blob_bytes += n;
                    }
                    // Deleted since it was listed: a removed file is not backed up.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(())
}
