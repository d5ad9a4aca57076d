//! The contract suites against the MongoDB backends, plus what the suites
//! cannot see: chunk-level range reads, no chunks left by a failed upload,
//! the outbox's handling of uploads whose insert crashed, and a quick error
//! when the server is away.
//!
//! The server is `KILN_TEST_MONGODB_URI`, or a local test server started by
//! `kiln_adapters::test_servers::mongodb_uri`. Each test uses a fresh database.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use chrono::Utc;
use futures::TryStreamExt;
use kiln_adapters::mongo::{GridFsBlobStore, MongoStore, connect};
use kiln_adapters::test_servers::{drop_test_database, mongo_wire_fixups, mongodb_uri};
use kiln_adapters::{
    BlobStore, Bucket, Completion, FileRecord, JobRecord, MetaStore, StartOutcome, contract,
};
use kiln_proto::JobKind;
use mongodb::bson::{Document, doc};
use std::time::{Duration, Instant};

/// A fresh database, dropped again by [`Db::drop`] at the end of a test
/// that passed (a failed one leaves it for inspection).
struct Db {
    name: String,
    client: mongodb::Client,
}

impl Db {
    async fn new() -> (Db, GridFsBlobStore, MongoStore) {
        let uri = mongodb_uri();
        let name = format!("kiln_test_{}", uuid::Uuid::new_v4().simple());
        let (blobs, store) = connect(&uri, &name, true).await.unwrap();
        let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
        mongo_wire_fixups(&client.database(&name)).await.unwrap();
        (Db { name, client }, blobs, store)
    }

    fn coll(&self, name: &str) -> mongodb::Collection<Document> {
        self.client.database(&self.name).collection(name)
    }

    async fn count(&self, coll: &str, filter: Document) -> usize {
        let docs: Vec<Document> = self
            .coll(coll)
            .find(filter)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        docs.len()
    }

    async fn drop(self) {
        drop_test_database(&self.client.database(&self.name))
            .await
            .unwrap();
    }
}

async fn read(store: &GridFsBlobStore, id: &str, range: Option<std::ops::Range<u64>>) -> Vec<u8> {
    let s = store.get(Bucket::Derived, id, range).await.unwrap();
    let chunks: Vec<Bytes> = s.try_collect().await.unwrap();
    chunks.concat()
}

#[tokio::test]
async fn gridfs_blob_store_meets_contract() {
    let (db, blobs, _) = Db::new().await;
    contract::blob_store(&blobs).await;
    // The failed upload in the suite left no chunks behind, and the
    // overwritten blob no older revision.
    assert_eq!(db.count("originals.chunks", doc! {}).await, 0);
    db.drop().await;
}

#[tokio::test]
async fn mongo_store_meets_contract() {
    let (db, _, store) = Db::new().await;
    contract::meta_store(&store).await;
    db.drop().await;
}

#[tokio::test]
async fn mongo_store_meets_account_contract() {
    let (db, _, store) = Db::new().await;
    contract::account_store(&store, &store).await;
    db.drop().await;
}

#[tokio::test]
async fn mongo_store_meets_library_contract() {
    let (db, _, store) = Db::new().await;
    contract::library(&store, &store).await;
    db.drop().await;
}

/// Files stored before the library (no `kind`, `text` or search fields)
/// are found by type, name and metadata after the next start-up.
#[tokio::test]
async fn files_from_before_the_library_are_backfilled() {
    use kiln_adapters::{FileQuery, Library, MediaKind};
    let (db, _, store) = Db::new().await;
    db.coll("files")
        .insert_one(doc! {
            "_id": "f-old", "owner": "u-old", "filename": "Old Holiday.JPG",
            "content_type": "image/jpeg", "bytes": 10_i64, "sha256": "ab",
            "parent_id": null, "job_id": null, "width": null, "height": null,
            "created_at": mongodb::bson::DateTime::now(),
        })
        .await
        .unwrap();
    db.coll("metadata")
        .insert_one(doc! {
            "_id": "f-old",
            "doc": { "width": 400, "height": 300, "keywords": ["Harbour"],
                     "exif": { "make": "Canon", "gps": { "latitude": 1.5, "longitude": 2.5 } } },
            "updated_at": mongodb::bson::DateTime::now(),
        })
        .await
        .unwrap();
    // `connect` ran it on the empty database already: it runs once only.
    assert_eq!(store.backfill_library().await.unwrap(), 0);
    db.coll("migrations").delete_many(doc! {}).await.unwrap();
    assert_eq!(store.backfill_library().await.unwrap(), 1);
    assert_eq!(store.backfill_library().await.unwrap(), 0, "once");
    let found = |q: FileQuery| {
        let store = store.clone();
        async move {
            let q = FileQuery {
                owner: Some("u-old".into()),
                limit: 10,
                ..q
            };
            let files = store.list_files(&q).await.unwrap();
            files.into_iter().map(|f| f.file.id).collect::<Vec<_>>()
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
            kind: Some(MediaKind::Image),
            ..Default::default()
        })
        .await,
        old
    );
    assert_eq!(
        found(FileQuery {
            camera_make: Some("CANON".into()),
            ..Default::default()
        })
        .await,
        old
    );
    assert_eq!(
        found(FileQuery {
            has_gps: Some(true),
            ..Default::default()
        })
        .await,
        old
    );
    let harbour = || FileQuery {
        text: Some("harbour".into()),
        ..Default::default()
    };
    assert_eq!(found(harbour()).await, old, "the photo's own keywords");
    // An installation that had the library before its files' own words
    // were searchable gets them once too.
    db.coll("files")
        .update_one(
            doc! { "_id": "f-old" },
            doc! { "$unset": { "meta_text": "" } },
        )
        .await
        .unwrap();
    assert!(found(harbour()).await.is_empty());
    // (The markers were deleted above, so it runs again here.)
    assert_eq!(store.backfill_meta_text().await.unwrap(), 1);
    assert_eq!(store.backfill_meta_text().await.unwrap(), 0, "once");
    assert_eq!(found(harbour()).await, old);
    db.drop().await;
}

#[tokio::test]
async fn gridfs_ranges_read_only_the_chunks_they_cover() {
    let (db, blobs, _) = Db::new().await;
    let chunk = 255 * 1024u64;
    let data: Vec<u8> = (0..(3 * chunk + 1234)).map(|i| (i % 253) as u8).collect();
    let id = kiln_adapters::new_id();
    let pieces: Vec<std::io::Result<Bytes>> = data
        .chunks(100_003)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let info = blobs
        .put(
            Bucket::Derived,
            &id,
            Box::pin(futures::stream::iter(pieces)),
        )
        .await
        .unwrap();
    assert_eq!(info.bytes, data.len() as u64);
    assert_eq!(read(&blobs, &id, None).await, data);
    let len = data.len() as u64;
    for r in [
        0..1,
        chunk - 1..chunk + 1,
        chunk..2 * chunk,
        10..3 * chunk + 5,
        3 * chunk..len,
        len - 1..len + 100,
    ] {
        let want = &data[r.start as usize..(r.end.min(len)) as usize];
        assert_eq!(
            read(&blobs, &id, Some(r.clone())).await,
            want,
            "range {r:?}"
        );
    }
    // Past the end, or empty: nothing.
    assert!(read(&blobs, &id, Some(len..len + 10)).await.is_empty());
    assert!(read(&blobs, &id, Some(5..5)).await.is_empty());
    // Rewriting keeps one revision.
    blobs
        .put(
            Bucket::Derived,
            &id,
            kiln_adapters::blob::stream_of(b"x".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(read(&blobs, &id, None).await, b"x");
    assert_eq!(db.count("derived.files", doc! { "filename": &id }).await, 1);
    blobs.delete(Bucket::Derived, &id).await.unwrap();
    assert_eq!(db.count("derived.chunks", doc! {}).await, 0);
    db.drop().await;
}

#[tokio::test]
async fn outbox_hides_uncommitted_uploads_and_removes_crashed_ones() {
    let (db, _, store) = Db::new().await;
    let file_id = kiln_adapters::new_id();
    let job = |age_minutes: i64| {
        let mut j = JobRecord::queued(None, JobKind::Metadata, &file_id, serde_json::json!({}));
        j.created_at = Utc::now() - chrono::TimeDelta::minutes(age_minutes);
        j
    };
    // An upload whose insert stopped after its jobs: a recent one may still
    // be committing, an old one crashed.
    let (young, old) = (job(1), job(11));
    for j in [&young, &old] {
        let mut d = doc! { "_id": &j.id, "owner": null, "kind": "metadata", "file_id": &file_id,
        "params": {}, "status": "queued", "attempts": 0_i64, "error": null,
        "created_at": mongodb::bson::DateTime::from_millis(j.created_at.timestamp_millis()),
        "published": false, "history": [] };
        d.insert("updated_at", d.get("created_at").unwrap().clone());
        db.coll("jobs").insert_one(d).await.unwrap();
    }
    assert!(store.unpublished_jobs(10).await.unwrap().is_empty());
    assert!(
        store.get_job(&old.id).await.unwrap().is_none(),
        "crashed insert cleaned up"
    );
    assert!(
        store.get_job(&young.id).await.unwrap().is_some(),
        "recent insert kept"
    );
    // Once the file (the commit point) is there, its jobs are published.
    store.insert_upload(&original(&file_id), &[]).await.unwrap();
    let pending = store.unpublished_jobs(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|j| &j.id).collect::<Vec<_>>(),
        vec![&young.id]
    );
    db.drop().await;
}

fn original(id: &str) -> FileRecord {
    FileRecord {
        id: id.to_owned(),
        owner: None,
        filename: None,
        content_type: "image/png".into(),
        bytes: 1,
        sha256: "00".into(),
        parent_id: None,
        job_id: None,
        width: None,
        height: None,
        created_at: Utc::now(),
    }
}

fn output(job: &JobRecord, variant: &str) -> FileRecord {
    FileRecord {
        id: kiln_adapters::output_id(&job.id, variant),
        owner: None,
        filename: None,
        content_type: "image/jpeg".into(),
        bytes: 3,
        sha256: "00".into(),
        parent_id: Some(job.file_id.clone()),
        job_id: Some(job.id.clone()),
        width: Some(64),
        height: Some(64),
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn racing_attempts_and_deletes_leave_consistent_records() {
    let (db, _, store) = Db::new().await;
    let file = original(&kiln_adapters::new_id());
    let job = JobRecord::queued(None, JobKind::Thumbnail, &file.id, serde_json::json!({}));
    store
        .insert_upload(&file, std::slice::from_ref(&job))
        .await
        .unwrap();

    // Two deliveries start at once: both are counted, in order.
    let (a, b) = tokio::join!(store.start_attempt(&job.id), store.start_attempt(&job.id));
    let mut counted: Vec<u32> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .map(|s| match s {
            StartOutcome::Started(j) => j.attempts,
            other => panic!("{other:?}"),
        })
        .collect();
    counted.sort();
    assert_eq!(counted, vec![1, 2]);
    let history = store.get_job(&job.id).await.unwrap().unwrap().history;
    assert_eq!(
        history.iter().map(|h| h.attempt).collect::<Vec<_>>(),
        vec![1, 2]
    );

    // The superseded attempt's outputs do not outlive the winner's.
    let (old, new) = (output(&job, "a"), output(&job, "b"));
    let lost = store.complete_job(&job.id, 1, std::slice::from_ref(&old));
    assert_eq!(lost.await.unwrap(), Completion::Superseded);
    let won = store.complete_job(&job.id, 2, std::slice::from_ref(&new));
    assert_eq!(
        won.await.unwrap(),
        Completion::Recorded {
            stale_outputs: vec![old.id.clone()]
        }
    );
    let outputs = store.job_outputs(&job.id).await.unwrap();
    assert_eq!(
        outputs.iter().map(|o| &o.id).collect::<Vec<_>>(),
        vec![&new.id]
    );

    // A job whose file is deleted mid-attempt: its outputs are dropped.
    let other = JobRecord::queued(None, JobKind::Thumbnail, &file.id, serde_json::json!({}));
    db.coll("jobs")
        .insert_one(doc! { "_id": &other.id, "owner": null, "kind": "thumbnail",
        "file_id": &file.id, "params": {}, "status": "queued", "attempts": 0_i64,
        "error": null, "created_at": mongodb::bson::DateTime::now(),
        "updated_at": mongodb::bson::DateTime::now(), "published": true, "history": [] })
        .await
        .unwrap();
    assert!(matches!(
        store.start_attempt(&other.id).await.unwrap(),
        StartOutcome::Started(_)
    ));
    let removed = store.delete_file(&file.id).await.unwrap().unwrap();
    assert_eq!(
        removed.iter().map(|f| &f.id).collect::<Vec<_>>(),
        vec![&file.id, &new.id]
    );
    let late = output(&other, "c");
    let done = store.complete_job(&other.id, 1, std::slice::from_ref(&late));
    assert_eq!(done.await.unwrap(), Completion::Gone);
    assert!(store.get_file(&late.id).await.unwrap().is_none());
    assert_eq!(db.count("files", doc! {}).await, 0);
    db.drop().await;
}

#[tokio::test]
async fn an_unreachable_server_fails_fast() {
    // Nothing listens on port 9 (discard) here. The default timeouts apply.
    let started = Instant::now();
    let uri = "mongodb://127.0.0.1:9/?directConnection=true";
    assert!(connect(uri, "kiln_unreachable", true).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
    // The connection string can shorten them.
    let started = Instant::now();
    let uri = "mongodb://127.0.0.1:9/?directConnection=true&serverSelectionTimeoutMS=500";
    assert!(connect(uri, "kiln_unreachable", true).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(3));
}
