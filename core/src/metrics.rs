//! Kiln's Prometheus metrics: their names, what they count, and the
//! histogram buckets. The gateway, the workers and the relay record them
//! through the `metrics` facade; the `kiln` binary installs the exporter
//! and serves the text on `/metrics`. Names and labels follow Prometheus's
//! conventions: `_total` counters, `_seconds` and `_bytes` units, and
//! labels of small, fixed sets only (kind, role, outcome, route template,
//! status), never ids.

use std::sync::Arc;

/// Counter `{kind, outcome}`: job attempts ended, by outcome
/// (`succeeded`, `retried`, `dead`, `skipped`).
pub const JOBS: &str = "kiln_jobs_total";
/// Histogram `{kind, outcome}`: how long an attempt ran, seconds.
pub const JOB_DURATION: &str = "kiln_job_duration_seconds";
/// Histogram `{kind}`: from the upload to the job's first start, seconds.
pub const JOB_QUEUE_WAIT: &str = "kiln_job_queue_wait_seconds";
/// Gauge `{kind}`: attempts running now in this process.
pub const JOBS_IN_FLIGHT: &str = "kiln_jobs_in_flight";
/// Gauge `{role}`: messages waiting (or held) in the role's queue, read
/// from the broker at each scrape (written by the scrape itself, not
/// recorded).
pub const QUEUE_DEPTH: &str = "kiln_queue_depth";
/// Gauge `{role}`: messages in the role's dead-letter queue.
pub const DEAD_LETTERS: &str = "kiln_dead_letters";
/// Counter: uploads stored (duplicates answered from the library included).
pub const UPLOADS: &str = "kiln_uploads_total";
/// Counter: bytes of stored uploads.
pub const UPLOAD_BYTES: &str = "kiln_upload_bytes_total";
/// Counter `{method, route, status}`: HTTP requests answered; `route` is
/// the route's template (`/v1/jobs/{id}`), `unmatched` for no route.
pub const HTTP_REQUESTS: &str = "kiln_http_requests_total";
/// Histogram `{method, route}`: time to answer an HTTP request (to its
/// headers; a streamed body may take longer), seconds.
pub const HTTP_DURATION: &str = "kiln_http_request_duration_seconds";
/// Gauge: jobs stored but not yet handed to the broker, read at each
/// scrape (counted up to 1000).
pub const OUTBOX_BACKLOG: &str = "kiln_outbox_backlog";
/// Counter `{outcome}`: emails the notifier tried to send (`sent`, `failed`).
pub const EMAILS: &str = "kiln_emails_total";

/// Buckets of job durations and waits: a thumbnail takes milliseconds, a
/// long conversion up to the 30-minute limit.
pub const JOB_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0,
    1800.0,
];
/// Buckets of HTTP answer times (an upload's time includes its body).
pub const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Renders the current metrics as Prometheus text (installed by the binary).
pub type RenderMetrics = Arc<dyn Fn() -> String + Send + Sync>;

/// Registers each metric's help text with the installed recorder.
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(JOBS, "Job attempts ended, by kind and outcome");
    describe_histogram!(JOB_DURATION, Unit::Seconds, "How long a job attempt ran");
    describe_histogram!(
        JOB_QUEUE_WAIT,
        Unit::Seconds,
        "From the upload to the job's first start"
    );
    describe_gauge!(JOBS_IN_FLIGHT, "Job attempts running in this process");
    describe_counter!(UPLOADS, "Uploads stored");
    describe_counter!(UPLOAD_BYTES, Unit::Bytes, "Bytes of uploads stored");
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request"
    );
    describe_counter!(EMAILS, "Notification emails tried, by outcome");
}

/// Every metric Kiln exports.
pub const ALL: [&str; 12] = [
    JOBS,
    JOB_DURATION,
    JOB_QUEUE_WAIT,
    JOBS_IN_FLIGHT,
    QUEUE_DEPTH,
    DEAD_LETTERS,
    UPLOADS,
    UPLOAD_BYTES,
    HTTP_REQUESTS,
    HTTP_DURATION,
    OUTBOX_BACKLOG,
    EMAILS,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(path: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(path);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The metric names in a PromQL expression (histogram series reduced to
    /// their metric).
    fn names(expr: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = expr;
        while let Some(i) = rest.find("kiln_") {
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            let name = &tail[..end];
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s))
                .filter(|b| [JOB_DURATION, JOB_QUEUE_WAIT, HTTP_DURATION].contains(b))
                .unwrap_or(name);
            out.push(base.to_owned());
            rest = &tail[end..];
        }
        out
    }

    #[test]
    fn the_dashboard_queries_only_exported_metrics_and_shows_each() {
        let dash: serde_json::Value =
            serde_json::from_str(&repo_file("deploy/grafana/kiln.json")).expect("valid JSON");
        let mut used = std::collections::BTreeSet::new();
        for panel in dash["panels"].as_array().expect("panels") {
            for target in panel["targets"].as_array().expect("targets") {
                let expr = target["expr"].as_str().expect("expr");
                let found = names(expr);
                assert!(!found.is_empty(), "{expr}");
                for n in found {
                    assert!(ALL.contains(&n.as_str()), "{n} in {expr:?} is not exported");
                    used.insert(n);
                }
            }
        }
        for n in ALL {
            assert!(used.contains(n), "the dashboard does not show {n}");
        }
    }

    #[test]
    fn every_metric_is_documented_for_operators() {
        let doc = repo_file("docs/operations.md");
        for n in ALL {
            assert!(
                doc.contains(&format!("`{n}`")),
                "{n} is not in docs/operations.md"
            );
        }
    }
}
