//! Delivery semantics: retries with backoff, dead letters, restarts.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{TestApp, plain_jpeg, test_config};
use kiln::Workers;
use kiln_adapters::Broker;
use kiln_adapters::{FileRecord, JobRecord};
use kiln_proto::{JobKind, JobMessage, Role};
use kiln_workers::{Handler, JobContext, JobError, Outcome};
use std::sync::Arc;
use std::time::Duration;

/// A thumbnailer with a decoder bug: it panics on every input.
struct Panics;

#[async_trait::async_trait]
impl Handler for Panics {
    type Job = kiln_proto::ThumbnailParams;
    async fn handle(
        &self,
        _: &JobContext,
        _: &JobRecord,
        _: kiln_proto::ThumbnailParams,
        _: &tokio_util::sync::CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        panic!("index out of bounds in a decoder")
    }
}

#[tokio::test]
async fn a_panicking_handler_fails_that_job_for_good_and_the_worker_keeps_serving() {
    let t = TestApp::spawn().await;
    let (_, first) = t
        .upload_raw(plain_jpeg(64, 64), "a.jpg", "metadata=false")
        .await;
    t.upload_raw(plain_jpeg(64, 64), "b.jpg", "metadata=false")
        .await;
    let real = t.app.worker(Role::Thumbnail);
    let buggy = real.with_handler(Arc::new(Panics));
    match buggy.process_one(Duration::from_secs(10)).await.unwrap() {
        Some(Outcome::Dead { error, .. }) => {
            assert!(error.contains("index out of bounds"), "{error}")
        }
        other => panic!("expected the job dead-lettered at once, got {other:?}"),
    }
    let id = first["jobs"][0]["id"].as_str().unwrap();
    let (_, job) = t.get_json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(job["status"], "dead");
    assert!(
        job["error"].as_str().unwrap().contains("crashed"),
        "{}",
        job["error"]
    );
    // The process is still serving: the next job goes through.
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
}

#[tokio::test]
async fn retryable_failures_back_off_then_dead_letter_with_the_reason() {
    let t = TestApp::spawn().await; // max_attempts 3, base delay 50 ms
    let (_, up) = t
        .upload_raw(plain_jpeg(64, 64), "r.jpg", "metadata=false")
        .await;
    // Make the stored original unreadable (an I/O error, not a missing file):
    // replace it with a directory.
    let original = t.blob_files("originals").pop().unwrap();
    std::fs::remove_file(&original).unwrap();
    std::fs::create_dir(&original).unwrap();

    for expected in ["retry", "retry", "dead"] {
        let outcome = t.run_one(Role::Thumbnail).await;
        match (&outcome, expected) {
            (Outcome::Retrying { .. }, "retry") | (Outcome::Dead { .. }, "dead") => {}
            _ => panic!("expected {expected}, got {outcome:?}"),
        }
        if expected == "retry" {
            let (_, job) = t
                .get_json(&format!(
                    "/v1/jobs/{}",
                    up["jobs"][0]["id"].as_str().unwrap()
                ))
                .await;
            assert_eq!(
                job["status"], "failed",
                "visible as failed between attempts"
            );
            assert!(
                job["error"].as_str().unwrap().contains("unavailable"),
                "{}",
                job["error"]
            );
        }
    }
    let (_, job) = t
        .get_json(&format!(
            "/v1/jobs/{}",
            up["jobs"][0]["id"].as_str().unwrap()
        ))
        .await;
    // Backoff is exponential: ≥50 ms before attempt 2, ≥100 ms before attempt
    // 3, as the job's history records it (the test's own clock would see the
    // gap minus however long the worker took to return after scheduling it).
    let h = job["history"].as_array().unwrap();
    let at = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    for (i, min_ms) in [(1, 50), (2, 100)] {
        let waited = at(&h[i]["started_at"]) - at(&h[i - 1]["finished_at"]);
        assert!(
            waited.num_milliseconds() >= min_ms,
            "attempt {} waited {waited}",
            i + 1
        );
    }
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("dead"), Some(3))
    );
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 3 attempts"),
        "{}",
        job["error"]
    );
    let dead = t
        .app
        .embedded_broker()
        .dead_letters(Role::Thumbnail, 100)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].deliveries, Some(3));
}

#[tokio::test]
async fn unknown_kinds_and_garbage_are_dead_lettered_without_stopping_the_worker() {
    let t = TestApp::spawn().await;
    let broker: &dyn Broker = t.app.embedded_broker();
    let future = JobMessage::new(
        "no-such-job".into(),
        JobKind::Unknown("hologram".into()),
        "f".into(),
        serde_json::json!({}),
    );
    broker
        .publish(Role::Thumbnail, "f", future.to_bytes().into())
        .await
        .unwrap();
    broker
        .publish(
            Role::Thumbnail,
            "f",
            bytes::Bytes::from_static(b"\x00not json"),
        )
        .await
        .unwrap();
    match t.run_one(Role::Thumbnail).await {
        Outcome::Dead { error, .. } => {
            assert!(error.contains("unknown job kind \"hologram\""), "{error}")
        }
        other => panic!("{other:?}"),
    }
    match t.run_one(Role::Thumbnail).await {
        Outcome::Dead {
            error,
            job_id: None,
        } => assert!(error.contains("malformed job message"), "{error}"),
        other => panic!("{other:?}"),
    }
    t.upload_raw(plain_jpeg(40, 40), "ok.jpg", "metadata=false")
        .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert_eq!(
        t.app
            .embedded_broker()
            .dead_letters(Role::Thumbnail, 100)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn redelivery_of_a_finished_job_creates_no_duplicate_outputs() {
    let t = TestApp::spawn().await;
    let (_, up) = t
        .upload_raw(
            plain_jpeg(200, 100),
            "d.jpg",
            "thumbnails=64,32&formats=jpeg,webp&metadata=false",
        )
        .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    // The broker delivers the same message again (a lost ack).
    let job_id = up["jobs"][0]["id"].as_str().unwrap();
    let msg = JobMessage::new(
        job_id.into(),
        JobKind::Thumbnail,
        up["file_id"].as_str().unwrap().into(),
        serde_json::json!({"sizes": [64, 32], "formats": ["jpeg", "webp"]}),
    );
    t.app
        .backends
        .broker
        .publish(Role::Thumbnail, "k", msg.to_bytes().into())
        .await
        .unwrap();
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Skipped { .. }
    ));
    let (_, job) = t.get_json(&format!("/v1/jobs/{job_id}")).await;
    assert_eq!(
        (
            job["attempts"].as_u64(),
            job["outputs"].as_array().unwrap().len()
        ),
        (Some(1), 4)
    );
    assert_eq!(t.blob_files("derived").len(), 4);
}

#[tokio::test]
async fn jobs_queued_when_the_server_stops_finish_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path());
    let path = dir.path().to_path_buf();
    let first = TestApp::start_in(dir, &config, Workers::Manual).await;
    let mut jobs = Vec::new();
    for i in 0..3 {
        let (_, up) = first
            .upload_raw(plain_jpeg(120, 80), &format!("{i}.jpg"), "")
            .await;
        jobs.extend(
            up["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_owned()),
        );
    }
    let TestApp { app, dir, .. } = first;
    app.shutdown().await;
    assert_eq!(dir.path(), path);

    let second = TestApp::start_in(dir, &config, Workers::Manual).await;
    for _ in 0..3 {
        assert!(matches!(
            second.run_one(Role::Thumbnail).await,
            Outcome::Succeeded { .. }
        ));
        assert!(matches!(
            second.run_one(Role::Metadata).await,
            Outcome::Succeeded { .. }
        ));
    }
    for id in &jobs {
        let (_, job) = second.get_json(&format!("/v1/jobs/{id}")).await;
        assert_eq!(job["status"], "succeeded", "{id}");
    }
}
