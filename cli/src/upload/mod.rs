//! `kiln upload`: a batch of files, directories and patterns sent several
//! at once, waited out through rate limits and retried through transient
//! errors, with progress on a terminal, lines or JSON otherwise, the jobs
//! followed live with `--wait`, and a summary. See `docs/cli.md`.
//!
//! - [`expand`]: the arguments into files;
//! - [`send`] and [`retry`]: one file to the gateway, and what its answer means;
//! - [`progress`] and [`report`]: bars, lines, JSON;
//! - [`follow`] and [`sse`]: the jobs, by event stream or polling;
//! - [`summary`]: the counts and the exit code.

pub mod expand;
pub mod follow;
pub mod progress;
pub mod report;
pub mod retry;
pub mod send;
pub mod sse;
pub mod summary;

use crate::library_args::RemoteArgs;
use futures::StreamExt;
use report::{Mode, Ui};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use summary::{FileResult, FileStatus};
use tokio::sync::mpsc::UnboundedSender;

const EXAMPLES: &str = "Examples:
  kiln upload photo.jpg --wait
  kiln upload -r ~/Pictures/2024 'scans/*.png' -j 8 --wait
  kiln upload -r shoot/ --json --wait > results.jsonl
  kiln upload talk.mov --convert mp3 --bitrate 192 --wait

Exit codes: 0 everything was sent (and with --wait every job succeeded),
1 nothing could be sent, 2 bad command line, 3 some files or jobs failed
(the summary says which).";

/// `kiln upload --help`: how a batch goes, then the examples.
const ABOUT_BATCHES: &str = "How a batch goes:
  Each file is streamed from disk, -j at a time. A 429 answer is waited out
  (its Retry-After) and the file sent again, however often; connection
  failures and 502/503/504 are retried with backoff (--retries); any other
  refusal is that file's answer, and the batch goes on.
  A line per file (and per job with --wait) is printed on stdout, or with
  --json a JSON object per line and a last {\"summary\": ...}; on a terminal,
  progress bars show on stderr. See docs/cli.md.";

/// The flags of `kiln upload`.
#[derive(clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{ABOUT_BATCHES}\n\n{EXAMPLES}"))]
pub struct UploadArgs {
    /// Files, directories (with -r) and glob patterns; quote a pattern
    /// (`'shots/*.jpg'`, `'**/*.png'`) to have kiln expand it.
    #[arg(required = true, value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Upload the files below each directory given (hidden entries, named
    /// `.…`, are left out).
    #[arg(short, long)]
    pub recursive: bool,
    /// Files sent at once (each keeps one file open while it is sent).
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Resends of a file after a transient error (connection refused or
    /// reset, 502, 503, 504) before it is given up; a 429 is always waited
    /// out and sent again.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// Print only failures and the summary (no progress bars).
    #[arg(short, long)]
    pub quiet: bool,
    /// Wait for the jobs to finish, following them live, and print each
    /// job's end and outputs.
    #[arg(long)]
    pub wait: bool,
    /// Thumbnail edge sizes, comma-separated (`none` for no thumbnails).
    #[arg(long)]
    pub thumbnails: Option<String>,
    /// Thumbnail formats: jpeg, webp, png, avif, comma-separated.
    #[arg(long)]
    pub formats: Option<String>,
    /// Extract metadata (default true).
    #[arg(long)]
    pub metadata: Option<bool>,
    /// Convert audio or video: mp3.
    #[arg(long)]
    pub convert: Option<String>,
    /// Constant bit rate of the MP3, kbit/s (default: VBR quality 4).
    #[arg(long)]
    pub bitrate: Option<u32>,
    /// VBR quality of the MP3, 0 (best) to 9 (smallest).
    #[arg(long)]
    pub quality: Option<u8>,
    /// With --wait: give up on the jobs still running once this many
    /// seconds pass, after the last upload, without any job changing state.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
    /// Store a new copy even when the account already has these bytes.
    #[arg(long)]
    pub no_dedupe: bool,
    /// Record the camera's serial number with the metadata (off by default:
    /// a serial ties every photo to one device).
    #[arg(long)]
    pub serial_number: bool,
    /// `bulk` for an import nobody is waiting on: its jobs run when no
    /// interactive job is queued [default: interactive].
    #[arg(long)]
    pub priority: Option<kiln_proto::Priority>,
    /// Which gateway, as whom, and `--json` (JSON lines on stdout: a line
    /// per file, per job with --wait, and a last `{"summary": ...}`).
    #[command(flatten)]
    pub remote: RemoteArgs,
}

impl UploadArgs {
    fn query(&self) -> kiln_proto::api::UploadQuery {
        kiln_proto::api::UploadQuery {
            thumbnails: self.thumbnails.clone(),
            formats: self.formats.clone(),
            metadata: self.metadata,
            serial_number: self.serial_number.then_some(true),
            convert: self.convert.clone(),
            bitrate: self.bitrate,
            quality: self.quality,
            dedupe: self.no_dedupe.then_some(false),
            notify: None,
            priority: self.priority,
        }
    }
}

/// An HTTP client sending `Authorization: Bearer TOKEN` when given one.
fn http(token: Option<&str>, read_timeout: Option<Duration>) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .map_err(|_| anyhow::anyhow!("KILN_TOKEN is not a valid header value"))?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    let mut b = reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(10));
    if let Some(t) = read_timeout {
        b = b.read_timeout(t);
    }
    Ok(b.build()?)
}

/// Runs `kiln upload`.
pub async fn run(args: &UploadArgs) -> anyhow::Result<ExitCode> {
    let remote = args.remote.remote();
    let mode = match (args.remote.json, args.quiet) {
        (true, _) => Mode::Json,
        (false, true) => Mode::Quiet,
        (false, false) => Mode::Text,
    };
    let plan = expand::expand(&args.files, args.recursive);
    let bytes = plan.files.iter().map(|f| f.len).sum();
    let bars = !args.quiet && std::io::stderr().is_terminal();
    let progress = progress::Progress::new(bars, plan.files.len() as u64, bytes);
    let ui = Arc::new(Ui::new(mode, args.wait, &remote.server, progress));
    for dir in &plan.skipped_dirs {
        ui.notice(&format!(
            "{}: a directory, passed over (give -r to upload the files in it)",
            dir.display()
        ));
    }
    for p in &plan.problems {
        let error = send::local(p.code, p.message.clone());
        ui.file(&FileResult::failed(
            p.path.clone(),
            FileStatus::Error,
            error,
        ));
    }
    let sender = send::Sender::new(
        http(remote.token.as_deref(), None)?,
        remote.server.clone(),
        args.query(),
        retry::Policy::new(args.retries),
    );
    let (jobs, follower) = if args.wait {
        // Events come every 15 s at least (keep-alives): a silent stream
        // is a dead one, and polling takes over.
        let http = http(remote.token.as_deref(), Some(Duration::from_secs(60)))?;
        let timeout = Duration::from_secs(args.timeout);
        let f = Arc::new(follow::Follower::new(
            http,
            &remote.server,
            timeout,
            ui.clone(),
        ));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Some(tx), Some(tokio::spawn(f.run(rx))))
    } else {
        (None, None)
    };

    let stop_following = follower.as_ref().map(|f| f.abort_handle());
    let work = async {
        futures::stream::iter(&plan.files)
            .map(|f| async {
                let mut bar = ui.progress.file(&f.path.display().to_string(), f.len);
                let r = sender.send(&f.path, &mut bar).await;
                ui.progress.file_done(Some(bar));
                r
            })
            .buffer_unordered(args.jobs.into())
            .for_each(|r| {
                ui.file(&r);
                follow_jobs(jobs.as_ref(), &r);
                std::future::ready(())
            })
            .await;
        ui.progress.files_finished();
        // No more jobs: the follower ends once it has seen them through.
        drop(jobs);
        if let Some(f) = follower {
            let _ = f.await;
        }
    };
    let interrupted = tokio::select! {
        () = work => false,
        _ = tokio::signal::ctrl_c() => true,
    };
    // The sends in flight are dropped by now, their bars with them.
    if interrupted {
        if let Some(f) = stop_following {
            f.abort();
        }
        ui.interrupted();
    }
    Ok(ui.finish(
        sender.rate_limited.load(Ordering::Relaxed),
        sender.resent.load(Ordering::Relaxed),
    ))
}

/// Hands the jobs of a file the server took to the follower.
fn follow_jobs(to: Option<&UnboundedSender<follow::Tracked>>, r: &FileResult) {
    if let (Some(tx), Some(doc)) = (to, &r.file) {
        for j in &doc.jobs {
            let t = follow::Tracked::new(j.id.clone(), r.path.clone(), j.kind.to_string());
            let _ = tx.send(t);
        }
    }
}
