//! Trace context across the broker: one upload is one trace, from the
//! gateway's request span to the workers' job spans.
//!
//! The context travels as W3C Trace Context entries (`traceparent`,
//! `tracestate`) in [`JobRecord::trace`](crate::JobRecord::trace) and so in
//! the job message; a request's own `traceparent` header is honoured the
//! same way. This module uses only the OpenTelemetry API and the bridge from
//! `tracing` spans: the `kiln` binary installs the SDK, the exporter and
//! the W3C propagator, and calls [`enable`], when `KILN_OTLP_ENDPOINT` is
//! set. Until then every function here returns at once: no context is
//! read, written or stored.

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns propagation on, for a process that exports its spans (its
/// subscriber has the OpenTelemetry layer and the global propagator is set).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether this process exports traces.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The current span's trace context as carrier entries, for a job made
/// now; empty when the process does not export traces.
pub fn current() -> BTreeMap<String, String> {
    let mut carrier = BTreeMap::new();
    if !enabled() {
        return carrier;
    }
    let cx = Span::current().context();
    if cx.span().span_context().is_valid() {
        opentelemetry::global::get_text_map_propagator(|p| {
            p.inject_context(&cx, &mut Carrier(&mut carrier))
        });
    }
    carrier
}

/// Makes `span` a child of the trace context in `carrier` (a job message's
/// `trace`, a request's `traceparent` and `tracestate` headers). Call it
/// before the span is first entered. Nothing happens when the process does
/// not export traces or the carrier holds no valid context: the span then
/// starts a trace of its own, or continues its parent's.
pub fn set_parent(span: &Span, carrier: &BTreeMap<String, String>) {
    if !enabled() || carrier.is_empty() {
        return;
    }
    let cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Reader(carrier)));
    if cx.span().span_context().is_valid() {
        // Fails only when the span is disabled or already started, where
        // there is nothing better to do than to keep its own parent.
        let _ = span.set_parent(cx);
    }
}

struct Carrier<'a>(&'a mut BTreeMap<String, String>);

impl Injector for Carrier<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

struct Reader<'a>(&'a BTreeMap<String, String>);

impl Extractor for Reader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_export_nothing_is_carried() {
        // No OpenTelemetry layer, propagation off: a job made inside a span
        // carries no context, and a context offered is left alone.
        let span = tracing::info_span!("request");
        let _in = span.enter();
        assert!(current().is_empty());
        let mut carrier = BTreeMap::new();
        carrier.insert(
            "traceparent".to_owned(),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
        );
        set_parent(&tracing::info_span!("job"), &carrier);
    }

    #[test]
    fn a_job_span_continues_the_trace_of_the_span_that_made_the_job() {
        use opentelemetry::trace::TracerProvider;
        use tracing_subscriber::layer::SubscriberExt;
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        enable();
        tracing::subscriber::with_default(subscriber, || {
            let request = tracing::info_span!("request");
            let carrier = request.in_scope(current);
            let made_by = request.context().span().span_context().clone();
            let traceparent = &carrier["traceparent"];
            assert_eq!(
                traceparent,
                &format!("00-{}-{}-01", made_by.trace_id(), made_by.span_id())
            );

            // Elsewhere (another process), from the message alone.
            let job = tracing::info_span!(parent: None, "job");
            set_parent(&job, &carrier);
            let cx = job.context();
            let job_span = cx.span().span_context().clone();
            assert_eq!(job_span.trace_id(), made_by.trace_id());
            assert_ne!(job_span.span_id(), made_by.span_id());

            // Garbage is ignored: the span starts a trace of its own.
            let mut bad = BTreeMap::new();
            bad.insert("traceparent".to_owned(), "00-nonsense".to_owned());
            let other = tracing::info_span!(parent: None, "job");
            set_parent(&other, &bad);
            let other_trace = other.context().span().span_context().trace_id();
            assert_ne!(other_trace, made_by.trace_id());
        });
    }
}
