//! An attempt told to stop (time limit, deleted file) stops, and the
//! runtime waits for it before anything else runs: renders never overlap.

#![allow(clippy::unwrap_used)]

use crate::common::{TestApp, plain_jpeg};
use async_trait::async_trait;
use kiln_adapters::{FileRecord, JobRecord};
use kiln_proto::Role;
use kiln_workers::{Handler, JobContext, JobError, Outcome};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Work on a blocking thread that only ends when told to stop, like a long
/// render; counts how many run at once.
#[derive(Default)]
struct Endless {
    running: Arc<AtomicUsize>,
    started: Arc<Notify>,
}

#[async_trait]
impl Handler for Endless {
    type Job = kiln_proto::MetadataParams;
    async fn handle(
        &self,
        _: &JobContext,
        _: &JobRecord,
        _: kiln_proto::MetadataParams,
        stop: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        let (running, stop) = (self.running.clone(), stop.clone());
        running.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
        tokio::task::spawn_blocking(move || {
            while !stop.is_cancelled() {
                std::thread::sleep(Duration::from_millis(5));
            }
            running.fetch_sub(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
        Err(JobError::Retry("stopped".into()))
    }
}

#[tokio::test]
async fn an_attempt_past_its_time_limit_is_stopped_before_the_runtime_moves_on() {
    let t = TestApp::spawn_with(|c| c.workers.metadata.timeout_secs = Some(1)).await;
    let (code, _) = t
        .upload_raw(plain_jpeg(32, 32), "a.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202);
    let h = Arc::new(Endless::default());
    let worker = t.app.worker(Role::Metadata).with_handler(h.clone());
    let began = Instant::now();
    let outcome = worker
        .process_one(Duration::from_secs(10))
        .await
        .unwrap()
        .unwrap();
    match outcome {
        Outcome::Retrying { error, .. } => assert!(error.contains("timed out"), "{error}"),
        other => panic!("expected a retry, got {other:?}"),
    }
    assert_eq!(
        h.running.load(Ordering::SeqCst),
        0,
        "the work outlived its attempt"
    );
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "{:?}",
        began.elapsed()
    );
}

#[tokio::test]
async fn deleting_the_file_stops_its_running_job() {
    let t = TestApp::spawn().await;
    let (code, up) = t
        .upload_raw(plain_jpeg(32, 32), "a.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202);
    let h = Arc::new(Endless::default());
    let worker = t.app.worker(Role::Metadata).with_handler(h.clone());
    let run = tokio::spawn(async move { worker.process_one(Duration::from_secs(10)).await });
    h.started.notified().await;
    let r = t
        .http
        .delete(format!(
            "{}/v1/files/{}",
            t.base,
            up["file_id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let outcome = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the job kept running after its file was deleted")
        .unwrap()
        .unwrap()
        .unwrap();
    match outcome {
        Outcome::Dead { error, .. } => assert!(error.contains("deleted"), "{error}"),
        other => panic!("expected the job to end, got {other:?}"),
    }
    assert_eq!(h.running.load(Ordering::SeqCst), 0);
}
