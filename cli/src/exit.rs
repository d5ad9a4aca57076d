//! How `kiln` ends: its exit codes, and how an error is shown.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | everything asked for was done |
//! | 1 | it could not be done (the server refused it or cannot be reached, a file is unreadable, ...) |
//! | 2 | the command line or the configuration is wrong |
//! | 3 | a batch partly failed: some files were refused or some jobs ended `dead` (the summary says which) |

use std::process::ExitCode;

/// Something could not be done.
pub const FAILED: u8 = 1;
/// The command line or the configuration is wrong (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// Some of a batch failed.
pub const PARTLY_FAILED: u8 = 3;

/// Whether to show an error's backtrace: only when asked for with
/// `KILN_DEBUG` (not `RUST_BACKTRACE`, which many Rust users set for
/// their own programs: an answer such as a 404 is no crash of `kiln`).
fn debug() -> bool {
    std::env::var_os("KILN_DEBUG").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Prints `error` on stderr (its causes on one line; the backtrace with
/// `KILN_DEBUG=1`) and returns the exit code for it.
pub fn report(error: &anyhow::Error) -> ExitCode {
    if debug() {
        eprintln!("kiln: {error:?}");
    } else {
        eprintln!("kiln: {error:#}");
    }
    ExitCode::from(FAILED)
}
