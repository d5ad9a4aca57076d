//! Poison jobs on the production backends (MongoDB wire protocol, RabbitMQ
//! or Kafka, Redis): a permanent failure is dead-lettered at once; a
//! retryable one is retried with visible backoff, then dead-lettered after
//! the last attempt.

#![allow(clippy::unwrap_used)]

use crate::common;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use common::TestApp;
use common::brokers::TestBroker;
use kiln::Config;
use kiln_adapters::{FileRecord, JobRecord};
use kiln_proto::Role;
use kiln_workers::{Handler, JobContext, JobError, Outcome, Worker, WorkerConfig};
use std::sync::Arc;
use std::time::Duration;

/// The production backends, with quick retries.
async fn app(broker: TestBroker) -> TestApp {
    let production = common::cluster::production_on(broker).await;
    TestApp::spawn_with(|c: &mut Config| {
        production(c);
        c.retry.max_attempts = 3;
        c.retry.base_delay_ms = 300;
        c.retry.max_delay_ms = 5_000;
    })
    .await
}

fn names(t: &TestApp) -> kiln_proto::Names {
    kiln_proto::Names::new(t.config.namespace.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_dead_letters_a_corrupt_upload_on_its_first_attempt() {
    corrupt_upload_is_dead_lettered_at_once(TestBroker::RabbitMq).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_dead_letters_a_corrupt_upload_on_its_first_attempt() {
    corrupt_upload_is_dead_lettered_at_once(TestBroker::Kafka).await;
}

async fn corrupt_upload_is_dead_lettered_at_once(broker: TestBroker) {
    let t = app(broker).await;
    let jpeg = common::plain_jpeg(640, 480);
    let (code, body) = t
        .upload_raw(jpeg[..jpeg.len() / 2].to_vec(), "cut.jpg", "metadata=false")
        .await;
    assert_eq!(code, 202, "{body}");
    let out = t.run_one(Role::Thumbnail).await;
    assert!(matches!(out, Outcome::Dead { .. }), "{out:?}");
    let id = body["jobs"][0]["id"].as_str().unwrap();
    let (_, job) = t.get_json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("dead"), Some(1))
    );
    assert!(
        job["error"].as_str().unwrap().contains("truncated"),
        "{job}"
    );
    assert_eq!(broker.dead_letters(&names(&t), Role::Thumbnail).await, 1);
    t.app.backends.broker.close().await;
    broker.cleanup(&names(&t)).await;
}

/// Fails every attempt the way an unreachable dependency would.
struct AlwaysAway;

#[async_trait]
impl Handler for AlwaysAway {
    type Job = kiln_proto::MetadataParams;
    async fn handle(
        &self,
        _: &JobContext,
        _: &JobRecord,
        _: kiln_proto::MetadataParams,
        _: &tokio_util::sync::CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        Err(JobError::Retry("dependency unreachable".into()))
    }
}

fn at(v: &serde_json::Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_retries_a_failing_job_with_backoff_then_dead_letters_it() {
    failing_job_is_retried_then_dead_lettered(TestBroker::RabbitMq).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_retries_a_failing_job_with_backoff_then_dead_letters_it() {
    failing_job_is_retried_then_dead_lettered(TestBroker::Kafka).await;
}

async fn failing_job_is_retried_then_dead_lettered(broker: TestBroker) {
    let t = app(broker).await;
    let (code, body) = t
        .upload_raw(common::plain_jpeg(64, 64), "a.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202, "{body}");
    let b = &t.app.backends;
    let worker = Worker::new(
        Arc::new(AlwaysAway),
        b.clone(),
        WorkerConfig {
            retry: t.config.retry,
            ..Default::default()
        },
    );
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let o = worker.process_one(Duration::from_secs(20)).await.unwrap();
        outcomes.push(std::mem::discriminant(&o.expect("a delivery")));
    }
    let kinds = |o: Outcome| std::mem::discriminant(&o);
    let retrying = kinds(Outcome::Retrying {
        job_id: String::new(),
        error: String::new(),
    });
    let dead = kinds(Outcome::Dead {
        job_id: None,
        error: String::new(),
    });
    assert_eq!(outcomes, vec![retrying, retrying, dead]);

    let id = body["jobs"][0]["id"].as_str().unwrap();
    let (_, job) = t.get_json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("dead"), Some(3))
    );
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("gave up after 3 attempts"),
        "{job}"
    );
    // The backoff shows in the history: each wait at least the policy's
    // delay (300 ms, then 600 ms).
    let h = job["history"].as_array().unwrap();
    assert_eq!(h.len(), 3, "{job}");
    for (i, min_ms) in [(1, 300), (2, 600)] {
        let waited = at(&h[i]["started_at"]) - at(&h[i - 1]["finished_at"]);
        assert!(
            waited.num_milliseconds() >= min_ms,
            "attempt {} started {waited} after the previous one",
            i + 1
        );
    }
    assert_eq!(broker.dead_letters(&names(&t), Role::Metadata).await, 1);
    t.app.backends.broker.close().await;
    broker.cleanup(&names(&t)).await;
}
