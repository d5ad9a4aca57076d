//! Two gateway replicas on the same MongoDB, RabbitMQ and Redis: live status
//! (Server-Sent Events) and upload rate limits work across them.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestApp;
use futures::StreamExt;
use kiln::Config;
use kiln_adapters::RateLimit;
use kiln_proto::Role;
use std::time::Duration;

/// Two replicas sharing one installation; workers driven by hand.
async fn two_replicas(tweak: impl Fn(&mut Config)) -> (TestApp, TestApp) {
    let production = common::cluster::production().await;
    let shared = |c: &mut Config| {
        production(c);
        tweak(c);
    };
    let a = TestApp::spawn_with(shared).await;
    let b = TestApp::spawn_with(shared).await;
    (a, b)
}

#[tokio::test(flavor = "multi_thread")]
async fn job_events_stream_live_from_any_replica_and_end_when_the_job_is_done() {
    let (a, b) = two_replicas(|_| {}).await;
    let (code, body) = a
        .upload_raw(common::plain_jpeg(320, 240), "p.jpg", "metadata=false")
        .await;
    assert_eq!(code, 202, "{body}");
    let id = body["jobs"][0]["id"].as_str().unwrap().to_owned();

    // Follow the job on replica B while replica A's worker does it.
    let resp = b
        .http
        .get(format!("{}/v1/jobs/{id}/events", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = resp.bytes_stream();
    let mut text = String::new();
    let mut statuses = Vec::new();
    let mut worked = false;
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(chunk) = stream.next().await {
            text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
            while let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let e: serde_json::Value = serde_json::from_str(data).unwrap();
                    assert_eq!(e["job_id"], id.as_str());
                    statuses.push(e["status"].as_str().unwrap().to_owned());
                }
            }
            if !worked && statuses.len() == 1 {
                // Snapshot received: now let replica A's worker run the job.
                worked = true;
                a.run_one(Role::Thumbnail).await;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "stream did not end; got {statuses:?}");
    assert_eq!(statuses, vec!["queued", "running", "succeeded"]);

    // A finished job's stream is its final state, then the end.
    let text = b
        .http
        .get(format!("{}/v1/jobs/{id}/events", b.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.matches("data: ").count(), 1, "{text}");
    assert!(text.contains("\"succeeded\""), "{text}");
    let (code, err) = b.get_json("/v1/jobs/nope/events").await;
    assert_eq!(
        (code, err["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    common::brokers::delete_queues(&kiln_proto::Names::new(a.config.namespace.clone())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upload_rate_limit_is_shared_by_replicas_and_answers_429_with_retry_after() {
    let (a, b) = two_replicas(|c| {
        c.gateway.upload_rate_limit = RateLimit {
            per_second: 0.1,
            burst: 2,
        };
        // The test's client is on this machine.
        c.gateway.limit_local_uploads = Some(true);
    })
    .await;
    let jpeg = common::plain_jpeg(32, 32);
    assert_eq!(a.upload_raw(jpeg.clone(), "1.jpg", "").await.0, 202);
    assert_eq!(b.upload_raw(jpeg.clone(), "2.jpg", "").await.0, 202);
    let r = b
        .http
        .post(format!("{}/v1/uploads", a.base))
        .body(jpeg)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "Retry-After: {wait}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Reading is not limited.
    assert_eq!(b.get_json("/v1/jobs").await.0, 200);
    common::brokers::delete_queues(&kiln_proto::Names::new(a.config.namespace.clone())).await;
}
