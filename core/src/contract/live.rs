//! Contracts of the live-status parts: event bus and rate limiter.

use chrono::Utc;
use kiln_proto::{JobKind, JobStatus};
use std::time::Duration;

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
