//! Which files a `kiln upload` means: each argument is a file, a directory
//! (descended with `-r`) or a glob pattern the shell left unexpanded
//! (`'shots/*.jpg'`). An argument that names nothing to send becomes a
//! [`Problem`] of its own; the others go on.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A file to send.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The path as given or found (not canonicalised), for people.
    pub path: PathBuf,
    /// Its size when listed: the progress bars' total (the file is read
    /// again when sent).
    pub len: u64,
}

/// An argument, or an entry below one, that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path or pattern as given.
    pub path: String,
    /// `not_found`, `unreadable`, `is_a_directory`, `not_a_file`,
    /// `no_match` or `bad_pattern`.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

/// What the arguments expand to.
#[derive(Debug, Default)]
pub struct Expanded {
    /// Files to send, in argument order (a directory's entries sorted by
    /// name), each once.
    pub files: Vec<Planned>,
    /// Arguments that name nothing to send.
    pub problems: Vec<Problem>,
    /// Directories a pattern matched and, without `-r`, were passed over.
    pub skipped_dirs: Vec<PathBuf>,
    seen_files: HashSet<PathBuf>,
    seen_dirs: HashSet<PathBuf>,
}

/// Expands the arguments of `kiln upload`.
pub fn expand(args: &[PathBuf], recursive: bool) -> Expanded {
    let mut out = Expanded::default();
    for arg in args {
        match std::fs::metadata(arg) {
            Ok(meta) if meta.is_file() => out.add_file(arg, meta.len()),
            Ok(meta) if meta.is_dir() && recursive => out.walk(arg),
            Ok(meta) if meta.is_dir() => out.problem(
                arg,
                "is_a_directory",
                "is a directory; give -r to upload the files in it".into(),
            ),
            Ok(_) => out.problem(arg, "not_a_file", "is not a regular file".into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && is_pattern(arg) => {
                out.glob(arg, recursive)
            }
            Err(e) => out.problem(arg, io_code(&e), io_message(&e)),
        }
    }
    out
}

/// Whether an argument that names no file reads as a glob pattern.
fn is_pattern(arg: &Path) -> bool {
    arg.to_str().is_some_and(|s| s.contains(['*', '?', '[']))
}

/// The code of an error opening or listing a path.
pub fn io_code(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "not_found",
        _ => "unreadable",
    }
}

/// An I/O error for people, without Rust's `(os error 2)`.
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        }
    }
}

impl Expanded {
    fn problem(&mut self, path: &Path, code: &'static str, message: String) {
        self.problems.push(Problem {
            path: path.display().to_string(),
            code,
            message,
        });
    }

    fn add_file(&mut self, path: &Path, len: u64) {
        // The same file named twice (`dir -r dir/a.jpg`) is sent once.
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.seen_files.insert(key) {
            self.files.push(Planned {
                path: path.to_path_buf(),
                len,
            });
        }
    }

    /// Every file below `dir`, sorted by name, hidden entries (`.name`)
    /// left out; directory links are followed once each.
    fn walk(&mut self, dir: &Path) {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !self.seen_dirs.insert(key) {
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => return self.problem(dir, io_code(&e), io_message(&e)),
        };
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .filter(|n| !n.to_string_lossy().starts_with('.'))
            .collect();
        names.sort();
        for name in names {
            // `kiln upload -r .` names `a.jpg`, not `./a.jpg`.
            let path = match dir == Path::new(".") {
                true => PathBuf::from(name),
                false => dir.join(name),
            };
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => self.add_file(&path, meta.len()),
                Ok(meta) if meta.is_dir() => self.walk(&path),
                // Sockets, pipes and devices are nobody's photos.
                Ok(_) => {}
                // A dangling link, or a file gone since the listing.
                Err(e) => self.problem(&path, io_code(&e), io_message(&e)),
            }
        }
    }

    /// The matches of a pattern, as the shell would expand it (`*` does
    /// not match a leading `.`).
    fn glob(&mut self, pattern: &Path, recursive: bool) {
        let Some(text) = pattern.to_str() else {
            return self.problem(pattern, "not_found", "no such file or directory".into());
        };
        let options = glob::MatchOptions {
            require_literal_leading_dot: true,
            ..glob::MatchOptions::new()
        };
        let matches = match glob::glob_with(text, options) {
            Ok(m) => m,
            Err(e) => return self.problem(pattern, "bad_pattern", e.to_string()),
        };
        let mut any = false;
        for m in matches {
            any = true;
            match m {
                Ok(path) => match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_file() => self.add_file(&path, meta.len()),
                    Ok(meta) if meta.is_dir() && recursive => self.walk(&path),
                    Ok(meta) if meta.is_dir() => self.skipped_dirs.push(path),
                    Ok(_) => {}
                    Err(e) => self.problem(&path, io_code(&e), io_message(&e)),
                },
                Err(e) => {
                    let path = e.path().to_path_buf();
                    self.problem(&path, "unreadable", io_message(e.error()));
                }
            }
        }
        if !any {
            self.problem(pattern, "no_match", "the pattern matches no file".into());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "a.jpg",
            "b.png",
            ".hidden.jpg",
            "sub/c.jpg",
            "sub/deep/d.jpg",
        ] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, p).unwrap();
        }
        dir
    }

    fn names(e: &Expanded, root: &Path) -> Vec<String> {
        e.files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn directories_need_r_and_skip_hidden_entries() {
        let dir = tree();
        let root = dir.path();
        let e = expand(&[root.to_path_buf()], false);
        assert!(e.files.is_empty());
        assert_eq!(e.problems[0].code, "is_a_directory");
        let e = expand(&[root.to_path_buf(), root.join("a.jpg")], true);
        assert_eq!(
            names(&e, root),
            ["a.jpg", "b.png", "sub/c.jpg", "sub/deep/d.jpg"]
        );
        assert!(e.problems.is_empty());
    }

    #[test]
    fn patterns_expand_like_a_shell() {
        let dir = tree();
        let root = dir.path();
        let e = expand(&[root.join("*.jpg"), root.join("*")], false);
        assert_eq!(names(&e, root), ["a.jpg", "b.png"]);
        assert_eq!(e.skipped_dirs, [root.join("sub")]);
        let e = expand(&[root.join("**/*.jpg")], false);
        assert_eq!(names(&e, root), ["a.jpg", "sub/c.jpg", "sub/deep/d.jpg"]);
        let e = expand(&[root.join("*.gif"), root.join("missing.jpg")], false);
        let codes: Vec<_> = e.problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["no_match", "not_found"]);
    }
}
