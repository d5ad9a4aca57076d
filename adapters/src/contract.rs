//! Contract test suites: the behaviour every implementation of a trait must
//! show. Each implementation's tests call these against a fresh instance, so
//! the embedded and the production backends are held to the same rules.

#![allow(clippy::unwrap_used)]

use crate::blob::{BlobError, BlobStore, Bucket, ByteStream, read_all, stream_of};
use crate::broker::Broker;
use crate::store::{Completion, FileRecord, JobQuery, JobRecord, MetaStore, StartOutcome};
use bytes::Bytes;
use chrono::Utc;
use kiln_proto::{JobKind, JobStatus, Role};
use std::time::Duration;

/// Blob store contract.
pub async fn blob_store(store: &dyn BlobStore) {
    let id = crate::new_id();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(7_919)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let info = store
        .put(
            Bucket::Originals,
            &id,
            Box::pin(futures::stream::iter(chunks)),
        )
        .await
        .unwrap();
    assert_eq!(info.bytes, data.len() as u64);
    assert_eq!(info.sha256, {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&data))
    });
    assert_eq!(read_all(store, Bucket::Originals, &id).await.unwrap(), data);

    // Ranges, including one running past the end.
    let mut s = store
        .get(Bucket::Originals, &id, Some(1000..1010))
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(c) = futures::TryStreamExt::try_next(&mut s).await.unwrap() {
        got.extend_from_slice(&c);
    }
    assert_eq!(got, data[1000..1010]);

    // Buckets are separate namespaces.
    assert!(matches!(
        store.get(Bucket::Derived, &id, None).await,
        Err(BlobError::NotFound)
    ));

    // Overwrite replaces atomically.
    store
        .put(Bucket::Originals, &id, stream_of(b"second".to_vec()))
        .await
        .unwrap();
    assert_eq!(
        read_all(store, Bucket::Originals, &id).await.unwrap(),
        b"second"
    );

    // A failing input stream stores nothing, and leaves an existing blob intact.
    let failing: ByteStream = Box::pin(futures::stream::iter(vec![
        Ok(Bytes::from_static(b"partial")),
        Err(std::io::Error::other("client went away")),
    ]));
    let other = crate::new_id();
    assert!(matches!(
        store.put(Bucket::Originals, &other, failing).await,
        Err(BlobError::Source(_))
    ));
    assert!(matches!(
        store.get(Bucket::Originals, &other, None).await,
        Err(BlobError::NotFound)
    ));

    store.delete(Bucket::Originals, &id).await.unwrap();
    store.delete(Bucket::Originals, &id).await.unwrap(); // idempotent
    assert!(matches!(
        store.get(Bucket::Originals, &id, None).await,
        Err(BlobError::NotFound)
    ));
    assert!(matches!(
        store.get(Bucket::Originals, "../../etc/passwd", None).await,
        Err(BlobError::NotFound)
    ));
    store.ping().await.unwrap();
}

fn file(id: &str, job: Option<&str>, parent: Option<&str>) -> FileRecord {
    FileRecord {
        id: id.into(),
        owner: None,
        filename: Some("a.jpg".into()),
        content_type: "image/jpeg".into(),
        bytes: 10,
        sha256: "00".into(),
        parent_id: parent.map(Into::into),
        job_id: job.map(Into::into),
        width: Some(10),
        height: Some(5),
        created_at: Utc::now(),
    }
}

fn job(file_id: &str, kind: JobKind) -> JobRecord {
    JobRecord::queued(None, kind, file_id, serde_json::json!({"sizes": [64]}))
}

/// Metadata store contract.
pub async fn meta_store(store: &dyn MetaStore) {
    let f = file(&crate::new_id(), None, None);
    let (j1, j2) = (
        job(&f.id, JobKind::Thumbnail),
        job(&f.id, JobKind::Metadata),
    );
    store
        .insert_upload(&f, &[j1.clone(), j2.clone()])
        .await
        .unwrap();
    assert_eq!(store.get_file(&f.id).await.unwrap().unwrap().id, f.id);
    assert_eq!(
        store.get_job(&j1.id).await.unwrap().unwrap().params,
        j1.params
    );

    // Outbox.
    let pending: Vec<String> = store
        .unpublished_jobs(100)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert!(pending.contains(&j1.id) && pending.contains(&j2.id));
    store
        .mark_published(std::slice::from_ref(&j1.id))
        .await
        .unwrap();
    let pending: Vec<String> = store
        .unpublished_jobs(100)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert!(!pending.contains(&j1.id) && pending.contains(&j2.id));

    // Listing: newest first, filters, cursor.
    let all = store
        .list_jobs(&JobQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all[0].id, j2.id);
    let thumbs = store
        .list_jobs(&JobQuery {
            kind: Some(JobKind::Thumbnail),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(thumbs.iter().all(|j| j.kind == JobKind::Thumbnail));
    let after = store
        .list_jobs(&JobQuery {
            before: Some(j2.id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(after[0].id, j1.id);

    // Attempts are conditional: a stale attempt cannot finish the job.
    let StartOutcome::Started(a1) = store.start_attempt(&j1.id).await.unwrap() else {
        panic!("start")
    };
    assert_eq!((a1.status, a1.attempts), (JobStatus::Running, 1));
    let StartOutcome::Started(a2) = store.start_attempt(&j1.id).await.unwrap() else {
        panic!("start")
    };
    assert_eq!(a2.attempts, 2);
    let out = file(
        &crate::output_id(&j1.id, "64.jpeg"),
        Some(&j1.id),
        Some(&f.id),
    );
    assert_eq!(
        store
            .complete_job(&j1.id, 1, std::slice::from_ref(&out))
            .await
            .unwrap(),
        Completion::Superseded
    );
    assert_eq!(
        store
            .complete_job(&j1.id, 2, std::slice::from_ref(&out))
            .await
            .unwrap(),
        Completion::Recorded {
            stale_outputs: vec![]
        }
    );
    assert!(matches!(
        store.start_attempt(&j1.id).await.unwrap(),
        StartOutcome::AlreadyTerminal(_)
    ));
    assert_eq!(
        store.fail_attempt(&j1.id, 2, "late", true).await.unwrap(),
        Completion::Superseded
    );
    let outputs = store.job_outputs(&j1.id).await.unwrap();
    assert_eq!(
        outputs
            .iter()
            .map(|o| (&o.id, o.width, &o.parent_id))
            .collect::<Vec<_>>(),
        vec![(&out.id, out.width, &out.parent_id)]
    );
    let done = store.get_job(&j1.id).await.unwrap().unwrap();
    assert_eq!((done.status, done.error), (JobStatus::Succeeded, None));

    // Failure then dead.
    let StartOutcome::Started(m) = store.start_attempt(&j2.id).await.unwrap() else {
        panic!("start")
    };
    store
        .fail_attempt(&j2.id, m.attempts, "disk away", false)
        .await
        .unwrap();
    let failed = store.get_job(&j2.id).await.unwrap().unwrap();
    assert_eq!(
        (failed.status, failed.error.as_deref()),
        (JobStatus::Failed, Some("disk away"))
    );
    let StartOutcome::Started(m) = store.start_attempt(&j2.id).await.unwrap() else {
        panic!("start")
    };
    store
        .fail_attempt(&j2.id, m.attempts, "corrupt", true)
        .await
        .unwrap();
    let dead_job = store.get_job(&j2.id).await.unwrap().unwrap();
    assert_eq!(dead_job.status, JobStatus::Dead);
    // Each attempt is kept with its timing, so backoff is visible to clients.
    let h = &dead_job.history;
    assert_eq!(
        h.iter()
            .map(|a| (a.attempt, a.outcome, a.error.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            (1, Some(JobStatus::Failed), Some("disk away")),
            (2, Some(JobStatus::Dead), Some("corrupt")),
        ]
    );
    assert!(h.iter().all(|a| a.finished_at >= Some(a.started_at)));
    assert!(h[1].started_at >= h[0].finished_at.unwrap());
    // A superseded attempt stays open-ended; the one that won is recorded.
    let h1 = store.get_job(&j1.id).await.unwrap().unwrap().history;
    assert_eq!(
        h1.iter()
            .map(|a| (a.attempt, a.outcome))
            .collect::<Vec<_>>(),
        vec![(1, None), (2, Some(JobStatus::Succeeded))]
    );
    let dead = store
        .list_jobs(&JobQuery {
            status: Some(JobStatus::Dead),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(dead.iter().any(|j| j.id == j2.id));

    // Metadata.
    store
        .put_metadata(&f.id, &serde_json::json!({"width": 10}))
        .await
        .unwrap();
    store
        .put_metadata(&f.id, &serde_json::json!({"width": 11}))
        .await
        .unwrap();
    assert_eq!(
        store.get_metadata(&f.id).await.unwrap().unwrap()["width"],
        11
    );

    // Delete removes everything hanging off the original, but not via an output id.
    assert!(store.delete_file(&out.id).await.unwrap().is_none());
    let removed = store.delete_file(&f.id).await.unwrap().unwrap();
    assert_eq!(
        removed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec![f.id.as_str(), out.id.as_str()]
    );
    assert!(store.get_job(&j1.id).await.unwrap().is_none());
    assert!(store.get_metadata(&f.id).await.unwrap().is_none());
    assert_eq!(
        store.start_attempt(&j2.id).await.unwrap(),
        StartOutcome::Missing
    );
    assert_eq!(
        store.fail_attempt(&j2.id, 9, "x", true).await.unwrap(),
        Completion::Gone
    );
    store.ping().await.unwrap();
}

/// Broker contract. `role` must be a queue no one else uses during the test.
pub async fn broker(broker: &dyn Broker, role: Role) {
    let mut sub = broker.subscribe(role, 4).await.unwrap();
    assert!(
        sub.try_next().await.unwrap().is_none(),
        "queue starts empty"
    );

    broker
        .publish(role, "k", Bytes::from_static(b"one"))
        .await
        .unwrap();
    broker
        .publish(role, "k", Bytes::from_static(b"two"))
        .await
        .unwrap();
    let d1 = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((d1.payload.as_ref(), d1.delivery_count), (&b"one"[..], 1));
    // In flight: not handed out twice.
    let d2 = sub.next().await.unwrap();
    assert_eq!(d2.payload.as_ref(), b"two");
    assert!(sub.try_next().await.unwrap().is_none());

    // Retry with a delay: not before it, then again with a higher count.
    d1.retry(Duration::from_millis(300)).await.unwrap();
    assert!(
        sub.try_next().await.unwrap().is_none(),
        "delayed message is not due yet"
    );
    let again = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.payload.as_ref(), again.delivery_count),
        (&b"one"[..], 2)
    );
    again.ack().await.unwrap();

    // Dropping an unsettled delivery gives it back.
    drop(d2);
    let back = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.payload.as_ref(), b"two");
    back.dead_letter("poison").await.unwrap();

    // A waiting consumer wakes on publish.
    let waiter = tokio::spawn(async move { sub.next().await.map(|d| d.payload) });
    tokio::time::sleep(Duration::from_millis(50)).await;
    broker
        .publish(role, "k", Bytes::from_static(b"three"))
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(got.as_ref(), b"three");
    broker.ping().await.unwrap();
}

/// A status change of `job_id`, for the event bus contract.
fn job_event(job_id: &str, status: JobStatus, attempts: u32) -> kiln_proto::JobEvent {
    kiln_proto::JobEvent {
        schema_version: kiln_proto::SCHEMA_VERSION,
        job_id: job_id.into(),
        file_id: "file".into(),
        kind: JobKind::Thumbnail,
        status,
        attempts,
        error: (status == JobStatus::Failed).then(|| "disk away".into()),
        at: Utc::now(),
    }
}

/// The next event of a subscription, within a few seconds.
async fn next_event(
    events: &mut futures::stream::BoxStream<'static, kiln_proto::JobEvent>,
) -> kiln_proto::JobEvent {
    use futures::StreamExt;
    tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("an event within 5 s")
        .expect("the subscription goes on")
}

/// Event bus contract. Uses fresh job ids, so it can run concurrently with
/// other tests on a shared bus.
pub async fn event_bus(bus: &dyn crate::EventBus) {
    bus.ping().await.unwrap();
    let (job, other) = (crate::new_id(), crate::new_id());

    // Before anyone follows the job: no one sees it.
    bus.publish(&job_event(&job, JobStatus::Queued, 0))
        .await
        .unwrap();
    let mut first = bus.subscribe(&job).await.unwrap();
    let mut second = bus.subscribe(&job).await.unwrap();
    let mut other_events = bus.subscribe(&other).await.unwrap();

    // Each follower gets its job's events, in order, and no other job's.
    let published = [
        job_event(&other, JobStatus::Running, 1),
        job_event(&job, JobStatus::Running, 1),
        job_event(&job, JobStatus::Failed, 1),
        job_event(&other, JobStatus::Succeeded, 1),
        job_event(&job, JobStatus::Running, 2),
        job_event(&job, JobStatus::Succeeded, 2),
    ];
    for event in &published {
        bus.publish(event).await.unwrap();
    }
    for events in [&mut first, &mut second] {
        for expected in published.iter().filter(|e| e.job_id == job) {
            assert_eq!(&next_event(events).await, expected);
        }
    }
    for expected in published.iter().filter(|e| e.job_id == other) {
        assert_eq!(&next_event(&mut other_events).await, expected);
    }

    // A follower leaving does not disturb the others.
    drop(first);
    let last = job_event(&job, JobStatus::Dead, 3);
    bus.publish(&last).await.unwrap();
    assert_eq!(next_event(&mut second).await, last);
    bus.ping().await.unwrap();
}

/// Rate limiter contract. Uses fresh keys, so it can run concurrently with
/// other tests on a shared limiter.
pub async fn rate_limiter(limiter: &dyn crate::RateLimiter) {
    use crate::{Decision, RateLimit};
    let limit = RateLimit {
        per_second: 1.0,
        burst: 3,
    };
    let key = format!("contract-{}", crate::new_id());

    // A fresh key has a full bucket: `burst` requests at once, then a wait of
    // at most the time one token takes.
    for i in 0..3 {
        assert_eq!(
            limiter.acquire(&key, limit).await.unwrap(),
            Decision::Allowed,
            "request {i} of the burst"
        );
    }
    let Decision::Limited { retry_after } = limiter.acquire(&key, limit).await.unwrap() else {
        panic!("a 4th request at once is over the limit")
    };
    assert!(
        retry_after > Duration::ZERO && retry_after <= Duration::from_secs(1),
        "retry after {retry_after:?}"
    );

    // Keys are independent.
    let other = format!("contract-{}", crate::new_id());
    assert_eq!(
        limiter.acquire(&other, limit).await.unwrap(),
        Decision::Allowed
    );

    // After the advertised wait, one token is back (one only).
    tokio::time::sleep(retry_after).await;
    assert_eq!(
        limiter.acquire(&key, limit).await.unwrap(),
        Decision::Allowed,
        "a token is back after {retry_after:?}"
    );
    assert!(matches!(
        limiter.acquire(&key, limit).await.unwrap(),
        Decision::Limited { .. }
    ));

    // Concurrent requests draw from the bucket atomically.
    let key = format!("contract-{}", crate::new_id());
    let decisions = futures::future::join_all((0..10).map(|_| limiter.acquire(&key, limit))).await;
    let allowed = decisions
        .into_iter()
        .filter(|d| *d.as_ref().unwrap() == Decision::Allowed)
        .count();
    assert_eq!(allowed, 3, "exactly `burst` of 10 concurrent requests pass");

    // A disabled limit lets everything through.
    for off in [
        RateLimit {
            per_second: 0.0,
            burst: 3,
        },
        RateLimit {
            per_second: 1.0,
            burst: 0,
        },
    ] {
        for _ in 0..10 {
            assert_eq!(limiter.acquire(&key, off).await.unwrap(), Decision::Allowed);
        }
    }
}
