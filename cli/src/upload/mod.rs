//! `kiln upload`: files in, jobs followed.

use crate::client;
use crate::library_args::RemoteArgs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The flags of `kiln upload`.
#[derive(clap::Args)]
pub struct UploadArgs {
    /// Files to upload.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Wait for the jobs to finish and print their outputs.
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
    /// Seconds to wait with --wait.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Store a new copy even when the account already has these bytes.
    #[arg(long)]
    pub no_dedupe: bool,
    /// `bulk` for an import nobody is waiting on: its jobs run when no
    /// interactive job is queued [default: interactive].
    #[arg(long)]
    pub priority: Option<kiln_proto::Priority>,
    /// Which gateway, as whom, and `--json`.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Runs `kiln upload`.
pub async fn run(args: &UploadArgs) -> anyhow::Result<ExitCode> {
    let remote = args.remote.remote();
    let opts = client::UploadOptions {
        server: remote.server,
        thumbnails: args.thumbnails.clone(),
        formats: args.formats.clone(),
        metadata: args.metadata,
        convert: args.convert.clone(),
        bitrate: args.bitrate,
        quality: args.quality,
        token: remote.token,
        wait: args.wait,
        timeout: Duration::from_secs(args.timeout),
        dedupe: !args.no_dedupe,
        priority: args.priority,
    };
    client::upload(&args.files, &opts).await?;
    Ok(ExitCode::SUCCESS)
}
