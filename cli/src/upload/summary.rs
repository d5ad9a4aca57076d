//! What a batch came to: each file's result as printed (`--json`: one
//! object per line), the counts, the failures with their reasons, and the
//! exit code (0 all done, 1 nothing done, 3 partly failed).

use crate::exit;
use crate::library_client::human_bytes;
use kiln_proto::JobStatus;
use kiln_proto::api::{JobView, UploadAccepted};
use serde::Serialize;
use std::process::ExitCode;

/// How one file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Stored.
    Sent,
    /// The account already had these bytes: the answer names that file.
    Duplicate,
    /// The server's final answer was no (a 4xx other than a rate limit).
    Refused,
    /// Not sent: missing, unreadable, the server unreachable or failing.
    Error,
}

/// Why a file (or job) failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// The server's error code, or the client's own (`not_found`,
    /// `unreadable`, `is_a_directory`, `no_match`, `unreachable`, ...).
    pub code: String,
    /// For people.
    pub message: String,
    /// The HTTP status, when the server answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
}

/// One file's result: a `--json` line.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    /// The path as given or found.
    pub path: String,
    /// How it ended.
    pub status: FileStatus,
    /// The server's answer, when it took the file.
    pub file: Option<UploadAccepted>,
    /// Why not, when it did not.
    pub error: Option<ErrorInfo>,
}

impl FileResult {
    /// A file that was not sent, or was refused.
    pub fn failed(path: String, status: FileStatus, error: ErrorInfo) -> FileResult {
        FileResult {
            path,
            status,
            file: None,
            error: Some(error),
        }
    }
}

/// A job that did not succeed.
#[derive(Debug, Clone, Serialize)]
pub struct JobFailure {
    /// Its file.
    pub path: String,
    /// Job id.
    pub id: String,
    /// What it does.
    pub kind: String,
    /// `dead`, or where it was when the wait gave up.
    pub status: String,
    /// The reason.
    pub error: Option<String>,
}

/// The jobs' part of the summary (with `--wait`).
#[derive(Debug, Default, Clone, Serialize)]
pub struct JobCounts {
    /// Ended `succeeded`.
    pub succeeded: u64,
    /// Ended `dead`.
    pub dead: u64,
    /// Not ended when the wait gave up.
    pub unfinished: u64,
    /// Each dead or unfinished job.
    pub failures: Vec<JobFailure>,
}

/// The final `{"summary": ...}`.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    /// Results counted (files, and arguments that named none).
    pub files: u64,
    /// Stored.
    pub sent: u64,
    /// Answered with a file the account already had.
    pub duplicate: u64,
    /// Refused by the server.
    pub refused: u64,
    /// Not sent.
    pub error: u64,
    /// Bytes of the files stored or deduplicated.
    pub bytes: u64,
    /// `429` answers waited out (each file was sent again).
    pub rate_limited: u64,
    /// Files sent again after a transient error.
    pub resent: u64,
    /// Each refused file or error, with its reason.
    pub failures: Vec<FileResult>,
    /// With `--wait`: how the jobs ended.
    pub jobs: Option<JobCounts>,
    /// Whether Ctrl-C stopped the batch (files not yet sent are not
    /// counted).
    pub interrupted: bool,
    /// What `kiln upload` exits with.
    pub exit_code: u8,
}

impl Summary {
    /// A summary; `wait` adds the jobs' part.
    pub fn new(wait: bool) -> Summary {
        Summary {
            jobs: wait.then(JobCounts::default),
            ..Summary::default()
        }
    }

    /// Counts a file's result.
    pub fn add_file(&mut self, r: &FileResult) {
        self.files += 1;
        match r.status {
            FileStatus::Sent => self.sent += 1,
            FileStatus::Duplicate => self.duplicate += 1,
            FileStatus::Refused => self.refused += 1,
            FileStatus::Error => self.error += 1,
        }
        match &r.file {
            Some(f) => self.bytes += f.bytes,
            None => self.failures.push(r.clone()),
        }
        self.exit_code = self.code();
    }

    /// Counts a job that ended, or was given up on (`status` not terminal).
    pub fn add_job(&mut self, path: &str, job: &JobView) {
        let jobs = self.jobs.get_or_insert_with(JobCounts::default);
        match job.status {
            JobStatus::Succeeded => jobs.succeeded += 1,
            s => {
                if s == JobStatus::Dead {
                    jobs.dead += 1;
                } else {
                    jobs.unfinished += 1;
                }
                jobs.failures.push(JobFailure {
                    path: path.to_owned(),
                    id: job.id.clone(),
                    kind: job.kind.to_string(),
                    status: s.to_string(),
                    error: job.error.clone(),
                });
            }
        }
        self.exit_code = self.code();
    }

    /// A job given up on whose state could not be read either.
    pub fn add_lost_job(&mut self, failure: JobFailure) {
        let jobs = self.jobs.get_or_insert_with(JobCounts::default);
        jobs.unfinished += 1;
        jobs.failures.push(failure);
        self.exit_code = self.code();
    }

    fn code(&self) -> u8 {
        let done = self.sent + self.duplicate;
        let jobs_failed = self
            .jobs
            .as_ref()
            .is_some_and(|j| j.dead + j.unfinished > 0);
        if self.refused + self.error == 0 && !jobs_failed && !self.interrupted {
            0
        } else if done == 0 {
            exit::FAILED
        } else {
            exit::PARTLY_FAILED
        }
    }

    /// Ctrl-C stopped the batch.
    pub fn interrupt(&mut self) {
        self.interrupted = true;
        self.exit_code = self.code();
    }

    /// The exit code.
    pub fn exit(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// The summary for people, one line per count and per failure.
    pub fn text(&self) -> String {
        let mut out = format!(
            "summary: {} sent, {} deduplicated, {} refused, {} failed ({} files, {})",
            self.sent,
            self.duplicate,
            self.refused,
            self.error,
            self.files,
            human_bytes(self.bytes)
        );
        if self.interrupted {
            out += "\n  interrupted: the files not listed here were not sent";
        }
        if self.rate_limited + self.resent > 0 {
            out += &format!(
                "\n  waited out {} rate limit(s); resent {} time(s) after errors",
                self.rate_limited, self.resent
            );
        }
        for f in &self.failures {
            if let Some(e) = &f.error {
                let verb = match f.status {
                    FileStatus::Refused => "refused",
                    _ => "failed",
                };
                out += &format!("\n  {verb} {}: {} ({})", f.path, e.message, e.code);
            }
        }
        if let Some(j) = &self.jobs {
            out += &format!(
                "\njobs: {} succeeded, {} dead, {} unfinished",
                j.succeeded, j.dead, j.unfinished
            );
            for f in &j.failures {
                out += &format!(
                    "\n  {} {}: {} job {}: {}",
                    f.status,
                    f.path,
                    f.kind,
                    f.id,
                    f.error.as_deref().unwrap_or("no reason given")
                );
            }
        }
        out
    }
}
