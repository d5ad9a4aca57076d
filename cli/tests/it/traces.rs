//! Traces over OTLP: with `KILN_OTLP_ENDPOINT`, one upload is one trace,
//! from the gateway's request span through its store and publish steps to
//! the worker's job, its attempt, its outputs and the notification it asked
//! for; a client's `traceparent` is continued; the last spans are sent on
//! shutdown. Without the variable no job carries a trace context.
//!
//! The receiver is a real OTLP/HTTP endpoint (`POST /v1/traces`, protobuf)
//! on port 0, decoding what the `kiln` process exports.

#![allow(clippy::unwrap_used)]

use crate::common::{self, TestApp, smtp::Smtp};
use crate::process::serve_in;
use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A span as received, with the service that sent it.
#[derive(Clone, Debug)]
struct Got {
    service: String,
    span: Span,
}

impl Got {
    fn attr(&self, key: &str) -> Option<String> {
        let kv = self.span.attributes.iter().find(|kv| kv.key == key)?;
        match kv.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some(s.clone()),
            Any::IntValue(i) => Some(i.to_string()),
            other => Some(format!("{other:?}")),
        }
    }
}

/// An OTLP/HTTP trace receiver keeping every span it is sent.
struct Receiver {
    endpoint: String,
    spans: Arc<Mutex<Vec<Got>>>,
    requests: Arc<Mutex<u32>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let spans: Arc<Mutex<Vec<Got>>> = Arc::default();
        let requests: Arc<Mutex<u32>> = Arc::default();
        let (keep, count) = (spans.clone(), requests.clone());
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: Bytes| {
                let (keep, count) = (keep.clone(), count.clone());
                async move {
                    assert_eq!(headers["content-type"], "application/x-protobuf");
                    let req = ExportTraceServiceRequest::decode(body).unwrap();
                    *count.lock().unwrap() += 1;
                    for rs in req.resource_spans {
                        let service = rs
                            .resource
                            .iter()
                            .flat_map(|r| &r.attributes)
                            .find(|kv| kv.key == "service.name")
                            .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                                Any::StringValue(s) => Some(s.clone()),
                                _ => None,
                            })
                            .unwrap_or_default();
                        for ss in rs.scope_spans {
                            keep.lock()
                                .unwrap()
                                .extend(ss.spans.into_iter().map(|span| Got {
                                    service: service.clone(),
                                    span,
                                }));
                        }
                    }
                    // An empty ExportTraceServiceResponse: everything accepted.
                    (
                        [("content-type", "application/x-protobuf")],
                        Vec::<u8>::new(),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            endpoint,
            spans,
            requests,
        }
    }

    fn spans(&self) -> Vec<Got> {
        self.spans.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `pick` finds what it looks for in the spans
    /// received so far.
    async fn until<T>(&self, what: &str, pick: impl Fn(&[Got]) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let spans = self.spans();
            if let Some(found) = pick(&spans) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} among {} spans received: {:#?}",
                spans.len(),
                spans.iter().map(describe).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn describe(g: &Got) -> String {
    format!(
        "{} {:?} trace {} span {} parent {} {:?}",
        g.service,
        g.span.name,
        hex::encode(&g.span.trace_id),
        hex::encode(&g.span.span_id),
        hex::encode(&g.span.parent_span_id),
        g.span
            .attributes
            .iter()
            .map(|kv| kv.key.as_str())
            .collect::<Vec<_>>()
    )
}

fn named<'a>(spans: &'a [Got], name: &str, key: &str, value: &str) -> Option<&'a Got> {
    spans
        .iter()
        .find(|g| g.span.name == name && g.attr(key).as_deref() == Some(value))
}

/// The spans from `child` up to its trace's root (or the first parent not
/// received), child first.
fn ancestry<'a>(spans: &'a [Got], child: &'a Got) -> Vec<&'a Got> {
    let by_id: HashMap<&[u8], &Got> = spans
        .iter()
        .map(|g| (g.span.span_id.as_slice(), g))
        .collect();
    let mut chain = vec![child];
    let mut at = child;
    while let Some(parent) = by_id.get(at.span.parent_span_id.as_slice()) {
        assert_eq!(parent.span.trace_id, at.span.trace_id, "one trace");
        chain.push(parent);
        at = parent;
    }
    chain
}

fn names(chain: &[&Got]) -> Vec<String> {
    chain.iter().map(|g| g.span.name.clone()).collect()
}

async fn json_of(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"))
}

/// Waits (up to 60 s) for the job to reach `status`.
async fn wait_job(http: &reqwest::Client, base: &str, token: &str, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = http
            .get(format!("{base}/v1/jobs/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let job = json_of(r).await;
        if job["status"] == status {
            return;
        }
        assert!(Instant::now() < deadline, "job never {status}: {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_upload_is_one_trace_from_the_request_to_the_notification() {
    let receiver = Receiver::start().await;
    let smtp = tokio::task::spawn_blocking(Smtp::start).await.unwrap();
    let endpoint = receiver.endpoint.clone();
    let smtp_url = smtp.url.clone();
    let server = tokio::task::spawn_blocking(move || {
        serve_in(
            tempfile::tempdir().unwrap(),
            &[
                ("KILN_OTLP_ENDPOINT", endpoint.as_str()),
                // Batches leave every 100 ms rather than every 5 s.
                ("OTEL_BSP_SCHEDULE_DELAY", "100"),
                ("KILN_AUTH", "on"),
                ("KILN_JWT_SECRET", "traces-test-secret-traces-test-secret"),
                ("KILN_WORKERS__NOTIFY__SMTP_URL", smtp_url.as_str()),
                ("KILN_WORKERS__NOTIFY__MAIL_FROM", "Kiln <kiln@example.com>"),
            ],
        )
    })
    .await
    .unwrap();
    let (base, http) = (server.base.clone(), reqwest::Client::new());

    let email = "ada@example.com";
    let signup = json!({"email": email, "password": "correct horse battery", "name": "Ada"});
    let r = http
        .post(format!("{base}/v1/auth/signup"))
        .json(&signup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{base}/v1/auth/login"))
        .basic_auth(email, Some("correct horse battery"))
        .send()
        .await
        .unwrap();
    let token = json_of(r).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = http
        .post(format!(
            "{base}/v1/uploads?thumbnails=64&metadata=false&notify=email"
        ))
        .bearer_auth(&token)
        .header("x-request-id", "traced-upload-1")
        .header("x-filename", "holiday.jpg")
        .body(common::plain_jpeg(320, 240))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let up = json_of(r).await;
    let job_id = up["jobs"][0]["id"].as_str().unwrap().to_owned();
    wait_job(&http, &base, &token, &job_id, "succeeded").await;

    // The gateway's part: the request, with the bytes stored and the job
    // published inside it.
    let request = receiver
        .until("upload request span", |s| {
            named(s, "POST /v1/uploads", "id", "traced-upload-1").cloned()
        })
        .await;
    assert_eq!(request.service, "kiln-serve");
    assert_eq!(request.span.kind, SpanKind::Server as i32);
    assert!(
        request.span.parent_span_id.is_empty(),
        "no client context: the request is the root"
    );
    assert_eq!(request.attr("route").as_deref(), Some("/v1/uploads"));
    let trace = request.span.trace_id.clone();
    let spans = receiver
        .until("store and publish spans", |s| {
            let in_request = |name: &str| {
                s.iter()
                    .any(|g| g.span.name == name && g.span.parent_span_id == request.span.span_id)
            };
            (in_request("store") && in_request("publish")).then(|| s.to_vec())
        })
        .await;
    assert!(spans.iter().all(|g| g.service == "kiln-serve"));

    // The worker's part: the job span continues the request's trace.
    let job = receiver
        .until("thumbnail job span", |s| {
            named(s, "thumbnail job", "id", &job_id).cloned()
        })
        .await;
    assert_eq!(job.span.trace_id, trace, "one upload, one trace");
    assert_eq!(job.span.kind, SpanKind::Consumer as i32);
    assert_eq!(
        job.span.parent_span_id, request.span.span_id,
        "the job was made by the request"
    );
    let spans = receiver
        .until("attempt and outputs spans", |s| {
            let in_job = |name: &str| {
                s.iter()
                    .any(|g| g.span.name == name && g.span.parent_span_id == job.span.span_id)
            };
            (in_job("attempt") && in_job("outputs")).then(|| s.to_vec())
        })
        .await;
    let attempt = spans
        .iter()
        .find(|g| g.span.name == "attempt" && g.span.parent_span_id == job.span.span_id)
        .unwrap();
    assert_eq!(attempt.attr("n").as_deref(), Some("1"));

    // The notification the upload asked for: a job made by the thumbnail
    // job's end, in the same trace.
    let notify = receiver
        .until("notify job span", |s| {
            s.iter()
                .find(|g| g.span.name == "notify job" && g.span.trace_id == trace)
                .cloned()
        })
        .await;
    let spans = receiver.spans();
    let chain = ancestry(&spans, &notify);
    assert_eq!(
        names(&chain),
        ["notify job", "outputs", "thumbnail job", "POST /v1/uploads"],
        "{:#?}",
        chain.iter().map(|g| describe(g)).collect::<Vec<_>>()
    );
    assert_eq!(chain[3].span.span_id, request.span.span_id);

    // A client's trace goes on through the request and its jobs.
    let client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let client_span = "00f067aa0ba902b7";
    let r = http
        .post(format!("{base}/v1/uploads?thumbnails=32&metadata=false"))
        .bearer_auth(&token)
        .header("x-request-id", "traced-upload-2")
        .header("traceparent", format!("00-{client_trace}-{client_span}-01"))
        .body(common::plain_jpeg(200, 100))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let second = json_of(r).await["jobs"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    wait_job(&http, &base, &token, &second, "succeeded").await;
    let request = receiver
        .until("second upload's request span", |s| {
            named(s, "POST /v1/uploads", "id", "traced-upload-2").cloned()
        })
        .await;
    assert_eq!(hex::encode(&request.span.trace_id), client_trace);
    assert_eq!(hex::encode(&request.span.parent_span_id), client_span);
    let job = receiver
        .until("second thumbnail job span", |s| {
            named(s, "thumbnail job", "id", &second).cloned()
        })
        .await;
    assert_eq!(hex::encode(&job.span.trace_id), client_trace);

    // Probes and scrapes are not traced.
    let r = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        receiver
            .spans()
            .iter()
            .all(|g| g.attr("route").as_deref() != Some("/healthz")),
    );
    drop(smtp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_spans_are_sent_at_shutdown() {
    let receiver = Receiver::start().await;
    let endpoint = receiver.endpoint.clone();
    let mut server = tokio::task::spawn_blocking(move || {
        serve_in(
            tempfile::tempdir().unwrap(),
            &[
                ("KILN_OTLP_ENDPOINT", endpoint.as_str()),
                // No batch leaves on its own during the test.
                ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
            ],
        )
    })
    .await
    .unwrap();
    let r = reqwest::Client::new()
        .get(format!("{}/v1/jobs/nope", server.base))
        .header("x-request-id", "before-shutdown")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(*receiver.requests.lock().unwrap(), 0, "nothing sent yet");

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    // Exported before the process ended: no waiting needed.
    let spans = receiver.spans();
    assert!(
        named(&spans, "GET /v1/jobs/{id}", "id", "before-shutdown").is_some(),
        "{:#?}",
        spans.iter().map(describe).collect::<Vec<_>>()
    );
}

/// Off (no `KILN_OTLP_ENDPOINT`): a client's `traceparent` is not taken up,
/// and neither the job's record nor its message carries a trace context.
#[tokio::test]
async fn without_an_endpoint_jobs_carry_no_trace_context() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .post(format!("{}/v1/uploads?metadata=false", t.base))
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .body(common::plain_jpeg(64, 48))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let up: Value = r.json().await.unwrap();
    let id = up["jobs"][0]["id"].as_str().unwrap();
    let job = t.app.backends.store.get_job(id).await.unwrap().unwrap();
    assert!(job.trace.is_empty(), "{:?}", job.trace);

    let mut sub = t
        .app
        .backends
        .broker
        .subscribe(kiln_proto::Role::Thumbnail, 1)
        .await
        .unwrap();
    let delivery = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .unwrap()
        .unwrap();
    let message: Value = serde_json::from_slice(&delivery.payload).unwrap();
    assert_eq!(message["job_id"], id);
    assert!(message.get("trace").is_none(), "{message}");
}
