//! Contract test suites: the behaviour every implementation of a trait must
//! show. Each implementation's tests call these against a fresh instance, so
//! the embedded and the production backends are held to the same rules.

#![allow(clippy::unwrap_used)]

mod account_usage;
mod accounts;
mod library;
mod library_albums;
mod library_changes;
mod library_filters;
mod live;
mod store;

pub use accounts::account_store;
pub use library::library;
pub use live::{event_bus, rate_limiter};
pub use store::meta_store;

use crate::blob::{BlobError, BlobStore, Bucket, ByteStream, read_all, stream_of};
use crate::broker::Broker;
use bytes::Bytes;
use kiln_proto::{Priority, Role};
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

    // The orphan sweep's listing: by bucket, by time written.
    let later = chrono::Utc::now() + chrono::TimeDelta::seconds(5);
    let listed = store
        .written_before(Bucket::Originals, later)
        .await
        .unwrap();
    assert!(listed.contains(&id), "{id} not listed");
    let derived = store.written_before(Bucket::Derived, later).await.unwrap();
    assert!(!derived.contains(&id), "listed in the wrong bucket");
    let earlier = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let old = store
        .written_before(Bucket::Originals, earlier)
        .await
        .unwrap();
    assert!(!old.contains(&id), "a new blob listed as old");
    if let Some(free) = store.free_bytes().await.unwrap() {
        assert!(free > 0, "a store that writes reports no free space");
    }

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

    // Where the broker can count them, the dead letter is counted.
    if broker.depth(role).await.unwrap().is_some() {
        eventually_depth(broker, role, |d| d.dead == 1).await;
    }
}

/// Lane contract: an interactive message overtakes a backlog of 200 bulk
/// ones (at most a quarter of them go first, at 10 ms of work each), and
/// every message is still delivered once. `role` must be a queue
/// no one else uses during the test.
pub async fn broker_lanes(broker: &dyn Broker, role: Role) {
    const BACKLOG: usize = 200;
    for i in 0..BACKLOG {
        broker
            .publish_in(
                role,
                Priority::Bulk,
                &format!("k{i}"),
                Bytes::from(format!("bulk-{i}")),
            )
            .await
            .unwrap();
    }
    broker
        .publish_in(
            role,
            Priority::Interactive,
            "k",
            Bytes::from_static(b"upload"),
        )
        .await
        .unwrap();
    let mut sub = broker.subscribe(role, 1).await.unwrap();
    let mut order = Vec::new();
    while order.len() <= BACKLOG {
        let d = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {} delivered", order.len(), BACKLOG + 1))
            .unwrap();
        order.push(String::from_utf8(d.payload.to_vec()).unwrap());
        // A job takes time: without it the whole backlog could be settled
        // before a broker that fetches in batches (Kafka) has even handed
        // over the interactive message.
        tokio::time::sleep(Duration::from_millis(10)).await;
        d.ack().await.unwrap();
    }
    let at = order.iter().position(|p| p == "upload").expect("delivered");
    // Deliveries already on their way when the consumer started may come
    // first (Kafka fetches partitions in batches, and a loaded broker may
    // answer for the bulk topic first); most of the backlog may not.
    assert!(
        at < 50,
        "the interactive message came {}th of {}",
        at + 1,
        BACKLOG + 1
    );
    order.sort();
    order.dedup();
    assert_eq!(order.len(), BACKLOG + 1, "each message once");
    assert!(sub.try_next().await.unwrap().is_none());
}

/// Depth contract, for brokers that report it. `role` must be a queue no
/// one else uses and nobody consumes during the test.
pub async fn broker_depth(broker: &dyn Broker, role: Role) {
    for i in 0..3 {
        broker
            .publish(role, &format!("k{i}"), Bytes::from(format!("m{i}")))
            .await
            .unwrap();
    }
    eventually_depth(broker, role, |d| d.queued == 3 && d.dead == 0).await;

    // A dead letter can be looked at (twice: looking takes nothing), then
    // purged; the work queue is untouched.
    let mut sub = broker.subscribe(role, 1).await.unwrap();
    let d = sub.next().await.unwrap();
    let payload = d.payload.clone();
    d.dead_letter("bad input: not a JPEG").await.unwrap();
    drop(sub);
    eventually_depth(broker, role, |d| d.dead == 1).await;
    for _ in 0..2 {
        let dead = broker.dead_letters(role, 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert_eq!(
            (&dead[0].payload, dead[0].reason.as_str()),
            (&payload, "bad input: not a JPEG")
        );
        assert!(dead[0].dead_at.is_some());
    }
    assert_eq!(broker.purge_dead_letters(role).await.unwrap(), 1);
    assert!(broker.dead_letters(role, 10).await.unwrap().is_empty());
    eventually_depth(broker, role, |d| d.dead == 0 && d.queued == 2).await;
    assert_eq!(broker.purge_dead_letters(role).await.unwrap(), 0, "twice");
}

/// Polls [`Broker::depth`] of `role` until `ok`, for at most 10 s.
async fn eventually_depth(
    broker: &dyn Broker,
    role: Role,
    ok: impl Fn(&crate::QueueDepth) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let d = broker.depth(role).await.unwrap().expect("a depth");
        if ok(&d) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "depth of {role}: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
