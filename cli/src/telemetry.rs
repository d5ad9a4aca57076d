//! Logging, traces and metrics set-up.

use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `info`, but the media demuxers' per-file chatter ("stream is seekable",
/// "skipped 4 bytes of junk" before every MP4's `ftyp`) only when it matters:
/// the worker logs what it converted, and failures carry their reason.
const DEFAULT_FILTER: &str = "info,tower_http=warn,symphonia_core=error,\
symphonia_format_isomp4=warn,symphonia_format_mkv=warn,symphonia_format_ogg=warn,\
symphonia_format_riff=warn,symphonia_bundle_mp3=warn,symphonia_bundle_flac=warn";

/// Where spans go (`KILN_OTLP_ENDPOINT`, an OTLP/HTTP receiver's base URL
/// such as `http://otel-collector:4318`); unset, nothing is traced.
pub const OTLP_ENDPOINT: &str = "KILN_OTLP_ENDPOINT";

/// The tracer provider, when spans are exported: flushed by [`shutdown`].
static PROVIDER: OnceLock<opentelemetry_sdk::trace::SdkTracerProvider> = OnceLock::new();

/// Logs to stderr, filtered by `RUST_LOG` (default `info`); JSON lines when
/// `KILN_LOG_FORMAT=json`, for log shippers. Exports no spans: for the
/// commands that serve, see [`init_service`].
pub fn init() {
    init_service(None);
}

/// [`init`], and, when `service` names the process (`kiln-gateway`,
/// `kiln-worker-thumbnail`, ...) and `KILN_OTLP_ENDPOINT` is set, its spans
/// exported over OTLP under that name (or `OTEL_SERVICE_NAME`), with the W3C
/// trace context carried in job messages.
pub fn init_service(service: Option<&str>) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let endpoint = std::env::var(OTLP_ENDPOINT).ok().filter(|e| !e.is_empty());
    let otel = match (service, endpoint) {
        (Some(service), Some(endpoint)) => Some(otlp(service, &endpoint)),
        _ => None,
    };
    match otel {
        // The logs' filter decides for everything: disabled spans cost
        // nothing, and no context is propagated.
        None => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(logs())
                .try_init();
        }
        // The logs' filter for the logs, the traces' own for the spans:
        // `RUST_LOG=warn` quiets the logs without losing the traces.
        Some(Ok(otel)) => {
            let installed = tracing_subscriber::registry()
                .with(logs().with_filter(filter))
                .with(otel)
                .try_init()
                .is_ok();
            if installed {
                kiln_core::trace::enable();
            }
        }
        Some(Err(e)) => {
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(logs())
                .try_init();
            tracing::warn!(error = %e, "{OTLP_ENDPOINT} is set but traces cannot be exported");
        }
    }
}

/// Log lines on stderr, as text or JSON.
fn logs<S>() -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    // Colour codes only for a person at a terminal, never in a file or a
    // log collector.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json_logs() {
        fmt.json().boxed()
    } else {
        fmt.boxed()
    }
}

/// The OpenTelemetry layer: Kiln's spans (`info` and above) batched and
/// sent to `endpoint`'s `/v1/traces` as OTLP/HTTP protobuf; probe and
/// scrape requests (`probe` spans) are left out.
fn otlp<S>(service: &str, endpoint: &str) -> anyhow::Result<Box<dyn Layer<S> + Send + Sync>>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    use opentelemetry::trace::TracerProvider;
    use opentelemetry_otlp::WithExportConfig;
    use tracing_subscriber::filter::{FilterExt, Targets, filter_fn};
    let base = endpoint.trim_end_matches('/');
    let url = if base.ends_with("/v1/traces") {
        base.to_owned()
    } else {
        format!("{base}/v1/traces")
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .build()?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(service.to_owned());
    }
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    let tracer = provider.tracer("kiln");
    if PROVIDER.set(provider).is_err() {
        anyhow::bail!("the tracer provider is already installed");
    }
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    // `kiln` covers every crate of ours (`kiln_core`, `kiln_gateway`, ...).
    let ours = Targets::new().with_target("kiln", tracing::Level::INFO);
    let not_probes = filter_fn(|m| !(m.is_span() && m.name() == "probe"));
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(ours.and(not_probes));
    Ok(layer.boxed())
}

/// Sends the spans not yet exported and stops the exporter: at the end of
/// a process that exports them (blocks up to the export timeout).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get()
        && let Err(e) = provider.shutdown()
    {
        eprintln!("kiln: exporting the last spans failed: {e}");
    }
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

/// Whether `KILN_METRICS=off` turns metrics off: no recorder, so every
/// metric call is a no-op (for measuring what metrics cost).
fn metrics_off() -> bool {
    std::env::var("KILN_METRICS").is_ok_and(|v| v.eq_ignore_ascii_case("off"))
}

/// The process's Prometheus recorder, installed at first use (once per
/// process: every gateway and worker of the process records into it), and
/// a renderer of its text for `/metrics`.
pub fn metrics() -> kiln_core::metrics::RenderMetrics {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
    use std::sync::OnceLock;
    if metrics_off() {
        return std::sync::Arc::new(|| "# metrics are off (KILN_METRICS=off)\n".to_owned());
    }
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
