//! Logging set-up.

use tracing_subscriber::EnvFilter;

/// `info`, but the media demuxers' per-file chatter ("stream is seekable",
/// "skipped 4 bytes of junk" before every MP4's `ftyp`) only when it matters:
/// the worker logs what it converted, and failures carry their reason.
const DEFAULT_FILTER: &str = "info,tower_http=warn,symphonia_core=error,\
symphonia_format_isomp4=warn,symphonia_format_mkv=warn,symphonia_format_ogg=warn,\
symphonia_format_riff=warn,symphonia_bundle_mp3=warn,symphonia_bundle_flac=warn";

/// Logs to stderr, filtered by `RUST_LOG` (default `info`); JSON lines when
/// `KILN_LOG_FORMAT=json`, for log shippers.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("KILN_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
