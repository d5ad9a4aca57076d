//! Sending one file: streamed from disk (never read whole, open only while
//! it is sent), its bytes counted as they go, and sent again after a rate
//! limit or a transient error (see [`super::retry`]).

use super::expand::{io_code, io_message};
use super::progress::FileBar;
use super::retry::{self, Attempt, Policy};
use super::summary::{ErrorInfo, FileResult, FileStatus};
use futures::StreamExt;
use kiln_proto::api::UploadQuery;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bytes read from the file at a time.
const CHUNK: usize = 256 * 1024;
/// Files above this size wait [`HEAD_START`] before their body once the
/// server has been seen answering early...
const HEAD_START_ABOVE: u64 = 64 * 1024;
/// ...and files above this size always (a `413` comes early too).
const HEAD_START_ALWAYS: u64 = 8 * 1024 * 1024;
/// How long the headers go alone, for an early answer to come back.
const HEAD_START: Duration = Duration::from_millis(300);

/// Sends the files of one batch; shared by the concurrent sends.
pub struct Sender {
    http: reqwest::Client,
    server: String,
    query: UploadQuery,
    policy: Policy,
    /// No send starts before this (a `429` holds every send back).
    pause_until: Mutex<Option<Instant>>,
    /// Set once a file gave up on reaching the server: the files after it
    /// are not tried.
    unreachable: AtomicBool,
    /// Set once the server answered before reading a body (a `429`), or
    /// dropped the connection while one was sent (what an early answer
    /// looks like from here once it closes the connection).
    answers_early: AtomicBool,
    /// `429` answers waited out.
    pub rate_limited: AtomicU64,
    /// Sends repeated after a transient error.
    pub resent: AtomicU64,
}

impl Sender {
    /// A sender to `server` (no trailing `/`) with the upload's parameters.
    pub fn new(
        http: reqwest::Client,
        server: String,
        query: UploadQuery,
        policy: Policy,
    ) -> Sender {
        Sender {
            http,
            server,
            query,
            policy,
            pause_until: Mutex::new(None),
            unreachable: AtomicBool::new(false),
            answers_early: AtomicBool::new(false),
            rate_limited: AtomicU64::new(0),
            resent: AtomicU64::new(0),
        }
    }

    /// Sends one file until the server answers for good: a `429` is
    /// waited out and sent again however often it comes, a transient error
    /// at most `retries` times.
    pub async fn send(&self, path: &Path, bar: &mut FileBar) -> FileResult {
        let shown = path.display().to_string();
        let (mut transient, mut limited) = (0, 0);
        loop {
            if self.unreachable.load(Ordering::Relaxed) {
                let message = format!("not sent: {} cannot be reached", self.server);
                return FileResult::failed(shown, FileStatus::Error, local("unreachable", message));
            }
            self.hold_off().await;
            match self.attempt(path, bar).await {
                Attempt::Done(Ok(doc)) => {
                    let status = match doc.duplicate_of {
                        Some(_) => FileStatus::Duplicate,
                        None => FileStatus::Sent,
                    };
                    return FileResult {
                        path: shown,
                        status,
                        file: Some(doc),
                        error: None,
                    };
                }
                Attempt::Done(Err((status, error))) => {
                    return FileResult::failed(shown, status, error);
                }
                Attempt::RateLimited(after) => {
                    self.answers_early.store(true, Ordering::Relaxed);
                    self.rate_limited.fetch_add(1, Ordering::Relaxed);
                    limited += 1;
                    let wait = after.unwrap_or_else(|| self.policy.delay(limited));
                    self.pause(wait);
                    bar.rewind();
                    bar.note(&format!("rate limited: resending in {}", retry::secs(wait)));
                }
                Attempt::Transient {
                    mut error,
                    after,
                    connect,
                } => {
                    if transient >= self.policy.retries {
                        if connect {
                            self.unreachable.store(true, Ordering::Relaxed);
                        }
                        if transient > 0 {
                            error.message += &format!(" (tried {} times)", transient + 1);
                        }
                        return FileResult::failed(shown, FileStatus::Error, error);
                    }
                    if !connect {
                        self.answers_early.store(true, Ordering::Relaxed);
                    }
                    transient += 1;
                    self.resent.fetch_add(1, Ordering::Relaxed);
                    let wait = self.policy.delay(transient).max(after.unwrap_or_default());
                    bar.rewind();
                    bar.note(&format!(
                        "{}: resending in {}",
                        error.message,
                        retry::secs(wait)
                    ));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Holds every later send back for `wait` (a `429`'s `Retry-After`).
    fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut slot = self.pause_until.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
    }

    /// Waits out a pause, plus a little jitter so the sends held back do
    /// not all come at once.
    async fn hold_off(&self) {
        let until = *self.pause_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = until.filter(|t| *t > Instant::now()) {
            let jitter = Duration::from_millis(rand::random_range(0..250));
            tokio::time::sleep_until((t + jitter).into()).await;
        }
    }

    async fn attempt(&self, path: &Path, bar: &mut FileBar) -> Attempt {
        let file = match tokio::fs::File::open(path).await {
            Ok(f) => f,
            Err(e) => return failed(local(io_code(&e), io_message(&e))),
        };
        let len = match file.metadata().await {
            Ok(m) if m.is_dir() => {
                return failed(local("is_a_directory", "is a directory".into()));
            }
            Ok(m) => m.len(),
            Err(e) => return failed(local("unreadable", io_message(&e))),
        };
        bar.restart(len);
        // The body stream's read error, if any: the file's fault, not the
        // connection's, so not worth a resend.
        let read_error: Arc<Mutex<Option<String>>> = Arc::default();
        let slot = read_error.clone();
        let count = bar.counter();
        // A gateway answers a 429 (or a 413) without reading the body, then
        // closes the connection: a client still writing gets a broken pipe,
        // and the answer is lost. Once that has been seen, the headers of
        // a large file go first, alone for a moment, so an early answer
        // arrives before the body does (what `Expect: 100-continue` is for,
        // which the HTTP client does not do).
        let early = self.answers_early.load(Ordering::Relaxed);
        let head_start = match (early && len > HEAD_START_ABOVE) || len > HEAD_START_ALWAYS {
            true => HEAD_START,
            false => Duration::ZERO,
        };
        let wait = futures::stream::once(tokio::time::sleep(head_start))
            .filter_map(|()| std::future::ready(None));
        // Ends early once the attempt is over (an answer that came before
        // the whole body was read).
        let body = wait
            .chain(tokio_util::io::ReaderStream::with_capacity(file, CHUNK))
            .take_while(move |chunk| {
                let more = match chunk {
                    Ok(bytes) => count(bytes.len() as u64),
                    Err(e) => {
                        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(io_message(e));
                        true
                    }
                };
                std::future::ready(more)
            });
        let sent = self
            .http
            .post(format!("{}/v1/uploads", self.server))
            .query(&self.query)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, len)
            .header("x-filename", filename_header(path))
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await;
        match sent {
            Ok(resp) => retry::classify(resp).await,
            Err(e) => {
                let unread = read_error.lock().unwrap_or_else(|p| p.into_inner()).take();
                match unread {
                    Some(m) => failed(local("unreadable", format!("reading the file: {m}"))),
                    None => retry::transport(&e, &self.server),
                }
            }
        }
    }
}

fn failed(error: ErrorInfo) -> Attempt {
    Attempt::Done(Err((FileStatus::Error, error)))
}

/// An error of the client's own (no HTTP status).
pub fn local(code: &str, message: String) -> ErrorInfo {
    ErrorInfo {
        code: code.to_owned(),
        message,
        http_status: None,
    }
}

/// The file's name as `X-Filename`: UTF-8 as it is (the gateway reads raw
/// header bytes), without control characters.
fn filename_header(path: &Path) -> reqwest::header::HeaderValue {
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    reqwest::header::HeaderValue::from_bytes(name.as_bytes())
        .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("upload"))
}
