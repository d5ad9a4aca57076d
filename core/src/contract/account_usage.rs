//! The account store contract, continued: what accounts use (transfers,
//! storage) and notification claims.

use super::accounts::now;
use crate::accounts::{AccountStore, Claim, Direction, StorageUsage, Transfer, User};
use crate::store::{FileRecord, JobRecord, MetaStore, StartOutcome};
use chrono::NaiveDate;
use futures::future::join_all;
use kiln_proto::JobKind;

fn file(owner: &str, bytes: u64, job: Option<&JobRecord>) -> FileRecord {
    FileRecord {
        id: job.map_or_else(crate::new_id, |j| {
            crate::output_id(&j.id, &bytes.to_string())
        }),
        owner: Some(owner.to_owned()),
        filename: None,
        content_type: "image/jpeg".into(),
        bytes,
        sha256: "00".into(),
        parent_id: job.map(|j| j.file_id.clone()),
        job_id: job.map(|j| j.id.clone()),
        width: None,
        height: None,
        created_at: now(),
    }
}

pub(super) async fn transfers(store: &dyn AccountStore, ada: &User, bob: &User) {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let (d, next) = (day("2024-02-29"), day("2024-03-01"));
    // Concurrent adds all count, including the first one of a day.
    let adds = (0..20).map(|_| store.add_transfer(&ada.id, Direction::Upload, 100, d));
    for r in join_all(adds).await {
        r.unwrap();
    }
    store
        .add_transfer(&ada.id, Direction::Download, 30, d)
        .await
        .unwrap();
    store
        .add_transfer(&ada.id, Direction::Download, 20, next)
        .await
        .unwrap();
    store
        .add_transfer(&ada.id, Direction::Upload, 7, day("2024-02-28"))
        .await
        .unwrap();
    store
        .add_transfer(&ada.id, Direction::Upload, 9, day("2024-03-02"))
        .await
        .unwrap();
    store
        .add_transfer(&bob.id, Direction::Upload, 1000, d)
        .await
        .unwrap();

    let t = |uploaded, downloaded| Transfer {
        uploaded,
        downloaded,
    };
    assert_eq!(store.transfer(&ada.id, d, d).await.unwrap(), t(2000, 30));
    assert_eq!(store.transfer(&ada.id, d, next).await.unwrap(), t(2000, 50));
    let month = store.transfer(&ada.id, day("2024-02-01"), day("2024-02-29"));
    assert_eq!(month.await.unwrap(), t(2007, 30));
    let wide = store.transfer(&ada.id, day("2023-12-31"), day("2024-12-31"));
    assert_eq!(wide.await.unwrap(), t(2016, 50));
    let empty = store.transfer(&ada.id, day("2024-03-03"), day("2024-04-01"));
    assert_eq!(empty.await.unwrap(), t(0, 0));
    assert_eq!(store.transfer(&bob.id, d, d).await.unwrap(), t(1000, 0));
}

pub(super) async fn storage(
    store: &dyn AccountStore,
    meta: &dyn MetaStore,
    ada: &User,
    bob: &User,
) {
    let job = |f: &FileRecord, kind| {
        JobRecord::queued(f.owner.clone(), kind, &f.id, serde_json::json!({}))
    };
    let original = file(&ada.id, 1000, None);
    let (thumb, info) = (
        job(&original, JobKind::Thumbnail),
        job(&original, JobKind::Metadata),
    );
    meta.insert_upload(&original, &[thumb.clone(), info])
        .await
        .unwrap();
    let second = file(&ada.id, 24, None);
    meta.insert_upload(&second, &[]).await.unwrap();
    let theirs = file(&bob.id, 5000, None);
    meta.insert_upload(&theirs, &[job(&theirs, JobKind::Thumbnail)])
        .await
        .unwrap();
    let mut nobody = file("x", 77, None);
    nobody.owner = None;
    meta.insert_upload(&nobody, &[]).await.unwrap();

    let usage = |original_bytes, output_bytes, files, jobs| StorageUsage {
        original_bytes,
        output_bytes,
        files,
        jobs,
    };
    assert_eq!(
        store.storage_usage(&ada.id).await.unwrap(),
        usage(1024, 0, 2, 2)
    );

    let StartOutcome::Started(running) = meta.start_attempt(&thumb.id).await.unwrap() else {
        panic!("start")
    };
    let outputs = [
        file(&ada.id, 100, Some(&thumb)),
        file(&ada.id, 50, Some(&thumb)),
    ];
    meta.complete_job(&thumb.id, running.attempts, &outputs)
        .await
        .unwrap();
    assert_eq!(
        store.storage_usage(&ada.id).await.unwrap(),
        usage(1024, 150, 2, 2)
    );
    assert_eq!(
        store.storage_usage(&bob.id).await.unwrap(),
        usage(5000, 0, 1, 1)
    );
    assert_eq!(
        store.storage_usage("nobody").await.unwrap(),
        usage(0, 0, 0, 0)
    );

    // Deleting an upload gives its bytes, outputs and jobs back.
    meta.delete_file(&original.id).await.unwrap().unwrap();
    assert_eq!(
        store.storage_usage(&ada.id).await.unwrap(),
        usage(24, 0, 1, 0)
    );
}

pub(super) async fn notifications(store: &dyn AccountStore) {
    let key = format!("{}:succeeded", crate::new_id());
    assert_eq!(store.claim_notification(&key).await.unwrap(), Claim::New);
    assert_eq!(
        store.claim_notification(&key).await.unwrap(),
        Claim::Pending
    );
    store.notification_sent(&key).await.unwrap();
    assert_eq!(store.claim_notification(&key).await.unwrap(), Claim::Sent);
    store.notification_sent(&key).await.unwrap();
    assert_eq!(store.claim_notification(&key).await.unwrap(), Claim::Sent);

    // Racing claims of one key: exactly one sender.
    let key = format!("{}:dead", crate::new_id());
    let claims = join_all((0..10).map(|_| store.claim_notification(&key))).await;
    let claims: Vec<Claim> = claims.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        claims.iter().filter(|c| **c == Claim::New).count(),
        1,
        "{claims:?}"
    );
    assert!(
        claims
            .iter()
            .all(|c| matches!(c, Claim::New | Claim::Pending))
    );
}
