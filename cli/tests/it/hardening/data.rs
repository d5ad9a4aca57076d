//! What the data holds decides how Kiln may start and what it keeps:
//! accounts bind the auth mode, a full disk stops uploads but not deletes,
//! stalled jobs and unrecorded blobs do not stay forever.

#![allow(clippy::unwrap_used)]

use crate::common::accounts::{SECRET, signup};
use crate::common::{TestApp, plain_jpeg, test_config};
use kiln::Workers;
use kiln::auth_config::{Secret, Switch};
use kiln_adapters::Bucket;
use kiln_adapters::blob::stream_of;
use kiln_proto::{JobStatus, Role};

#[tokio::test]
async fn a_store_with_accounts_refuses_to_start_with_accounts_off_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.auth = Some(Switch(true));
    config.jwt_secret = Some(Secret(SECRET.into()));
    let t = TestApp::start_in(dir, &config, Workers::Manual).await;
    signup(&t, "ada@example.com").await;
    let TestApp { app, dir, .. } = t;
    app.shutdown().await;

    config.auth = Some(Switch(false));
    let refused = kiln::start(&config, Workers::Manual)
        .await
        .err()
        .expect("started");
    let why = format!("{refused:#}");
    assert!(why.contains("KILN_AUTH_OFF_EXPOSES_ALL_ACCOUNTS"), "{why}");

    config.auth_off_exposes_all_accounts = true;
    let t = TestApp::start_in(dir, &config, Workers::Manual).await;
    let (code, _) = t.get_json("/v1/jobs").await;
    assert_eq!(code, 200, "the operator said so explicitly");
}

#[tokio::test]
async fn a_full_disk_refuses_uploads_turns_unready_and_still_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path());
    let t = TestApp::start_in(dir, &config, Workers::Manual).await;
    let (code, up) = t.upload_raw(plain_jpeg(64, 64), "a.jpg", "").await;
    assert_eq!(code, 202);
    let TestApp {
        app,
        dir,
        mut config,
        ..
    } = t;
    app.shutdown().await;

    // No disk has this much free: as full as it gets.
    config.gateway.min_free_bytes = u64::MAX / 2;
    let t = TestApp::start_in(dir, &config, Workers::Manual).await;
    let (code, body) = t.upload_raw(plain_jpeg(64, 64), "b.jpg", "").await;
    assert_eq!(code, 507, "{body}");
    assert_eq!(body["error"]["code"], "insufficient_storage");
    let (code, ready) = t.get_json("/readyz").await;
    assert_eq!(code, 503, "{ready}");
    assert!(
        ready["checks"]["blobs"].as_str().unwrap().contains("free"),
        "{ready}"
    );
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
    assert_eq!(r.status(), 204, "users must be able to free space");
    assert!(t.blob_files("originals").is_empty());
}

#[tokio::test]
async fn a_job_whose_worker_went_silent_is_queued_again_and_finishes() {
    let t = TestApp::spawn().await;
    let (code, up) = t
        .upload_raw(plain_jpeg(64, 64), "a.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202);
    let job_id = up["jobs"][0]["id"].as_str().unwrap().to_owned();
    let store = &t.app.backends.store;
    // A worker took it and was never heard of again (its delivery is gone
    // with it: the queue holds nothing for this job).
    let worker = t.app.worker(Role::Metadata);
    let mut sub = t
        .app
        .backends
        .broker
        .subscribe(Role::Metadata, 1)
        .await
        .unwrap();
    let delivery = sub.next().await.unwrap();
    delivery.ack().await.unwrap();
    store.start_attempt(&job_id).await.unwrap();
    drop(sub);

    // Not yet stale: nothing happens.
    let past = chrono::Utc::now() - chrono::TimeDelta::minutes(5);
    assert_eq!(store.requeue_stalled(past).await.unwrap(), 0);
    // Past its lease: queued again, published by the relay, done.
    let later = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    assert_eq!(store.requeue_stalled(later).await.unwrap(), 1);
    let job = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    let published = kiln_gateway::relay_once(
        store.as_ref(),
        t.app.backends.broker.as_ref(),
        std::time::Duration::ZERO,
    )
    .await;
    assert_eq!(published, 1);
    worker
        .process_one(std::time::Duration::from_secs(10))
        .await
        .unwrap()
        .unwrap();
    let job = store.get_job(&job_id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
}

#[tokio::test]
async fn blobs_no_record_points_to_are_swept_and_recorded_ones_kept() {
    let t = TestApp::spawn().await;
    let (code, up) = t
        .upload_raw(plain_jpeg(64, 64), "a.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202);
    let blobs = &t.app.backends.blobs;
    // What a crash between writing bytes and their record leaves.
    let orphan = kiln_adapters::new_id();
    blobs
        .put(Bucket::Originals, &orphan, stream_of(vec![1u8; 1000]))
        .await
        .unwrap();
    let later = chrono::Utc::now() + chrono::TimeDelta::seconds(5);
    let swept = kiln_core::sweep_orphans(blobs.as_ref(), t.app.backends.store.as_ref(), later)
        .await
        .unwrap();
    assert_eq!((swept.checked, swept.removed), (2, 1));
    let kept = t
        .get_bytes(&format!("/v1/files/{}", up["file_id"].as_str().unwrap()))
        .await;
    assert!(!kept.is_empty());
    assert!(matches!(
        blobs.get(Bucket::Originals, &orphan, None).await,
        Err(kiln_adapters::BlobError::NotFound)
    ));
}
