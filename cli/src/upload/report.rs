//! What `kiln upload` prints, and the summary it keeps while printing.
//!
//! - text: a line per file result and per job end on stdout (notices such
//!   as a fallback on stderr), then the summary;
//! - `--quiet`: only failures and the summary;
//! - `--json`: a JSON object per file result and per job end, then
//!   `{"summary": ...}`, and nothing else on stdout.
//!
//! On a terminal the lines appear above the progress bars.

use super::progress::Progress;
use super::summary::{FileResult, FileStatus, JobFailure, Summary};
use kiln_proto::JobStatus;
use kiln_proto::api::JobView;
use serde::Serialize;
use std::process::ExitCode;
use std::sync::Mutex;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A line per event, for people.
    Text,
    /// Failures and the summary only.
    Quiet,
    /// JSON lines, for scripts.
    Json,
}

/// The printer and the tally of one batch.
pub struct Ui {
    mode: Mode,
    wait: bool,
    server: String,
    /// The bars (hidden off a terminal).
    pub progress: Progress,
    summary: Mutex<Summary>,
}

/// A job's `--json` line: the server's document and the file's path.
#[derive(Serialize)]
struct JobLine<'a> {
    path: &'a str,
    #[serde(flatten)]
    job: &'a JobView,
}

impl Ui {
    /// A printer in `mode`; `wait` when jobs are followed.
    pub fn new(mode: Mode, wait: bool, server: &str, progress: Progress) -> Ui {
        Ui {
            mode,
            wait,
            server: server.to_owned(),
            progress,
            summary: Mutex::new(Summary::new(wait)),
        }
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Summary> {
        self.summary.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string(value) {
            Ok(line) => self.progress.print(&line),
            Err(e) => self
                .progress
                .eprint(&format!("kiln: cannot print JSON: {e}")),
        }
    }

    /// A file's result.
    pub fn file(&self, r: &FileResult) {
        self.tally().add_file(r);
        let failed = r.file.is_none();
        match self.mode {
            Mode::Json => self.json(r),
            Mode::Quiet if !failed => {}
            Mode::Text | Mode::Quiet => self.progress.print(&self.file_text(r)),
        }
    }

    fn file_text(&self, r: &FileResult) -> String {
        let (Some(doc), None) = (&r.file, &r.error) else {
            let e = r.error.as_ref();
            let (code, message) = e.map_or(("", ""), |e| (e.code.as_str(), e.message.as_str()));
            return match (r.status, e.and_then(|e| e.http_status)) {
                (FileStatus::Refused, Some(s)) => {
                    format!("refused {}: {message} ({code}, HTTP {s})", r.path)
                }
                _ => format!("failed {}: {message} ({code})", r.path),
            };
        };
        let mut out = match &doc.duplicate_of {
            Some(_) => format!(
                "duplicate {}: already stored as file {}: {}{}",
                r.path, doc.file_id, self.server, doc.url
            ),
            None => format!(
                "sent {}: file {} ({} bytes, {}): {}{}",
                r.path, doc.file_id, doc.bytes, doc.content_type, self.server, doc.url
            ),
        };
        if !self.wait {
            // Their ids, to follow later with `kiln status`.
            for j in &doc.jobs {
                out += &format!("\n  job {} {}: {}", j.id, j.kind, j.status);
            }
        }
        out
    }

    /// A job that ended, or (not terminal) that the wait gave up on.
    pub fn job(&self, path: &str, job: &JobView) {
        self.tally().add_job(path, job);
        match self.mode {
            Mode::Json => self.json(&JobLine { path, job }),
            Mode::Quiet if job.status == JobStatus::Succeeded => {}
            Mode::Text | Mode::Quiet => self.progress.print(&self.job_text(path, job)),
        }
    }

    fn job_text(&self, path: &str, job: &JobView) -> String {
        let mut out = if job.status.is_terminal() {
            format!(
                "{path}: job {} {}: {} after {} attempt(s)",
                job.id, job.kind, job.status, job.attempts
            )
        } else {
            format!(
                "{path}: job {} {}: still {} after {} attempt(s); gave up waiting",
                job.id, job.kind, job.status, job.attempts
            )
        };
        if let Some(e) = &job.error {
            out += &format!(": {e}");
        }
        for o in &job.outputs {
            let size = match (o.width, o.height) {
                (Some(w), Some(h)) => format!("{w}x{h} "),
                _ => String::new(),
            };
            out += &format!(
                "\n    {size}{} {} bytes  {}{}  {}",
                o.content_type,
                o.bytes,
                self.server,
                o.url,
                o.filename.as_deref().unwrap_or("")
            );
        }
        out
    }

    /// A job given up on whose state could not be read either.
    pub fn job_lost(&self, failure: JobFailure) {
        if self.mode != Mode::Json {
            self.progress.print(&format!(
                "{}: job {} {}: {}",
                failure.path,
                failure.id,
                failure.kind,
                failure.error.as_deref().unwrap_or("lost")
            ));
        }
        self.tally().add_lost_job(failure);
    }

    /// Something people may want to know (a fallback, a passed-over
    /// directory): on stderr, not with `--quiet`.
    pub fn notice(&self, what: &str) {
        if self.mode != Mode::Quiet {
            self.progress.eprint(&format!("kiln: {what}"));
        }
    }

    /// Ctrl-C: the bars go, the summary says so.
    pub fn interrupted(&self) {
        self.progress.clear();
        self.tally().interrupt();
    }

    /// Prints the summary; returns the exit code.
    pub fn finish(&self, rate_limited: u64, resent: u64) -> ExitCode {
        self.progress.done();
        let mut summary = self.tally();
        summary.rate_limited = rate_limited;
        summary.resent = resent;
        match self.mode {
            Mode::Json => self.json(&serde_json::json!({ "summary": &*summary })),
            Mode::Text | Mode::Quiet => self.progress.print(&summary.text()),
        }
        summary.exit()
    }
}
