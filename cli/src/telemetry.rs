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
    // Colour codes only for a person at a terminal, never in a file or a
    // log collector.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = if json_logs() {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn json_logs() -> bool {
    std::env::var("KILN_LOG_FORMAT").is_ok_and(|v| v == "json")
}

/// Tells the person who started the process something (that it listens,
/// that it stops): a plain line on stderr, or a log line in JSON mode, so
/// that a JSON log holds nothing but JSON.
pub fn announce(message: &str) {
    if json_logs() {
        tracing::info!("{message}");
    } else {
        eprintln!("{message}");
    }
}

/// The process's Prometheus recorder, installed at first use (once per
/// process: every gateway and worker of the process records into it), and
/// a renderer of its text for `/metrics`.
pub fn metrics() -> kiln_core::metrics::RenderMetrics {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
    use std::sync::OnceLock;
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    let handle = HANDLE.get_or_init(|| {
        use kiln_core::metrics as m;
        let built = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(m::JOB_DURATION.into()), m::JOB_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(m::JOB_QUEUE_WAIT.into()), m::JOB_BUCKETS)
            })
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(m::HTTP_DURATION.into()), m::HTTP_BUCKETS)
            })
            .and_then(|b| b.install_recorder());
        match built {
            Ok(h) => {
                m::describe();
                Some(h)
            }
            Err(e) => {
                // Another recorder is installed (an embedding program's):
                // metrics go there, and /metrics says so.
                tracing::warn!(error = %e, "no Prometheus recorder: /metrics will be empty");
                None
            }
        }
    });
    let handle = handle.clone();
    std::sync::Arc::new(move || match &handle {
        Some(h) => {
            // Without the exporter's own listener, histograms are drained here.
            h.run_upkeep();
            h.render()
        }
        None => "# metrics are recorded by another recorder in this process\n".to_owned(),
    })
}
