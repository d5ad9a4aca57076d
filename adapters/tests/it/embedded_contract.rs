//! The contract suites against the embedded backends.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use kiln_adapters::embedded::{EmbeddedBroker, FsBlobStore, SqliteStore};
use kiln_adapters::{Broker, contract};
use kiln_proto::Role;

#[tokio::test]
async fn fs_blob_store_meets_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract::blob_store(&FsBlobStore::open(dir.path()).await.unwrap()).await;
    // Nothing half-written is left behind by the failed write in the suite.
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[tokio::test]
async fn sqlite_store_meets_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract::meta_store(&SqliteStore::open(&dir.path().join("kiln.db")).unwrap()).await;
}

#[tokio::test]
async fn sqlite_store_meets_account_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("kiln.db")).unwrap();
    contract::account_store(&store, &store).await;
}

#[tokio::test]
async fn sqlite_store_meets_library_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("kiln.db")).unwrap();
    contract::library(&store, &store).await;
}

#[tokio::test]
async fn sqlite_store_adds_account_tables_to_an_existing_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.db");
    // A database from before accounts (and before job histories).
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(
        "CREATE TABLE files (id TEXT PRIMARY KEY, owner TEXT, filename TEXT,
           content_type TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
           parent_id TEXT, job_id TEXT, width INTEGER, height INTEGER, created_at TEXT NOT NULL);
         CREATE TABLE jobs (id TEXT PRIMARY KEY, owner TEXT, kind TEXT NOT NULL,
           file_id TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
           attempts INTEGER NOT NULL DEFAULT 0, error TEXT, created_at TEXT NOT NULL,
           updated_at TEXT NOT NULL, published INTEGER NOT NULL DEFAULT 0);
         CREATE TABLE metadata (file_id TEXT PRIMARY KEY, doc TEXT NOT NULL,
           updated_at TEXT NOT NULL);
         INSERT INTO files VALUES ('f-old', NULL, 'Old Holiday.JPG', 'image/jpeg', 10, 'ab',
           NULL, NULL, NULL, NULL, '2020-01-01T00:00:00.000000Z');
         INSERT INTO metadata VALUES ('f-old',
           '{\"width\":400,\"height\":300,\"exif\":{\"make\":\"Canon\",\"gps\":{\"latitude\":1.5,\"longitude\":2.5}}}',
           '2020-01-01T00:00:00.000000Z');",
    )
    .unwrap();
    drop(old);
    let store = SqliteStore::open(&path).unwrap();
    contract::account_store(&store, &store).await;
    // Files from before the library are found by name and by metadata.
    use kiln_adapters::{FileQuery, Library, MediaKind};
    let found = |q: FileQuery| {
        let store = store.clone();
        async move {
            let q = FileQuery { limit: 10, ..q };
            store
                .list_files(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.file.id)
                .collect::<Vec<_>>()
        }
    };
    let old = vec!["f-old".to_owned()];
    assert_eq!(
        found(FileQuery {
            text: Some("holiday".into()),
            ..Default::default()
        })
        .await,
        old
    );
    assert_eq!(
        found(FileQuery {
            camera_make: Some("canon".into()),
            ..Default::default()
        })
        .await,
        old
    );
    assert_eq!(
        found(FileQuery {
            kind: Some(MediaKind::Image),
            has_gps: Some(true),
            ..Default::default()
        })
        .await,
        old
    );
}

#[tokio::test]
async fn embedded_broker_reports_queue_depth() {
    let dir = tempfile::tempdir().unwrap();
    let broker = EmbeddedBroker::open(&dir.path().join("queue.db")).unwrap();
    contract::broker_depth(&broker, Role::Convert).await;
}

#[tokio::test]
async fn embedded_broker_serves_interactive_before_bulk() {
    let dir = tempfile::tempdir().unwrap();
    let broker = EmbeddedBroker::open(&dir.path().join("queue.db")).unwrap();
    contract::broker_lanes(&broker, Role::Metadata).await;
}

#[tokio::test]
async fn embedded_broker_meets_contract() {
    let dir = tempfile::tempdir().unwrap();
    let broker = EmbeddedBroker::open(&dir.path().join("queue.db")).unwrap();
    contract::broker(&broker, Role::Thumbnail).await;
    let dead = broker.dead_letters(Role::Thumbnail, 100).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].payload.as_ref(), dead[0].reason.as_str()),
        (&b"two"[..], "poison")
    );
}

#[tokio::test]
async fn embedded_broker_redelivers_in_flight_messages_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    {
        let broker = EmbeddedBroker::open(&path).unwrap();
        broker
            .publish(Role::Metadata, "f", Bytes::from_static(b"job"))
            .await
            .unwrap();
        let mut sub = broker.subscribe(Role::Metadata, 1).await.unwrap();
        let d = sub.next().await.unwrap();
        // Simulate a crash: the delivery is never settled nor released.
        std::mem::forget(d);
    }
    let broker = EmbeddedBroker::open(&path).unwrap();
    assert_eq!(broker.recover().await.unwrap(), 1);
    let mut sub = broker.subscribe(Role::Metadata, 1).await.unwrap();
    let d = sub
        .try_next()
        .await
        .unwrap()
        .expect("redelivered after restart");
    assert_eq!((d.payload.as_ref(), d.delivery_count), (&b"job"[..], 2));
    // Other roles' queues are separate.
    let mut other = broker.subscribe(Role::Thumbnail, 1).await.unwrap();
    assert!(other.try_next().await.unwrap().is_none());
}

#[tokio::test]
async fn local_event_bus_meets_contract() {
    contract::event_bus(&kiln_adapters::embedded::LocalEventBus::new()).await;
}

#[tokio::test]
async fn local_rate_limiter_meets_contract() {
    contract::rate_limiter(&kiln_adapters::embedded::LocalRateLimiter::new()).await;
}
