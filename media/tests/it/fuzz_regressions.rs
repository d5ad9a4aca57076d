#![allow(clippy::unwrap_used)]
//! Replays every input kept in `tests/fuzz-regressions/` (crashers the fuzz
//! targets found, and hand-made header lies: sizes past the end, truncated
//! boxes, deep nesting) through the side header readers and the probe.
//! Each must come back as a clean answer or a permanent error: no panic, no
//! retryable I/O error from an in-memory source.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use kiln_media::{Hint, fuzzing, probe};

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "regression inputs missing from {}",
        dir.display()
    );
    files
}

#[test]
fn side_readers_never_fail_on_regression_inputs() {
    for path in inputs() {
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| fuzzing::sidecar(&data));
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("{}: side readers failed: {e}", path.display()),
            Err(_) => panic!("{}: side readers panicked", path.display()),
        }
    }
}

#[test]
fn probe_answers_regression_inputs_cleanly() {
    for path in inputs() {
        let data = std::fs::read(&path).unwrap();
        // As the worker probes: with the upload's extension as the hint.
        let hint = Hint::from_path(&path);
        let result = std::panic::catch_unwind(|| probe(Box::new(Cursor::new(data)), &hint));
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => assert!(e.is_permanent(), "{}: retryable {e}", path.display()),
            Err(_) => panic!("{}: probe panicked", path.display()),
        }
    }
}
