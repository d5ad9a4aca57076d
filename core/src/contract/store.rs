//! The metadata store contract.

use crate::store::{Completion, FileRecord, JobQuery, JobRecord, MetaStore, StartOutcome};
use chrono::Utc;
use kiln_proto::{JobKind, JobStatus, Priority};

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
    // The batched form agrees, for any set of jobs.
    let batch = store
        .jobs_outputs(&[j1.id.clone(), j2.id.clone()])
        .await
        .unwrap();
    assert_eq!(batch, outputs);
    assert!(store.jobs_outputs(&[]).await.unwrap().is_empty());
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
    job_filters(store, &j2).await;

    // A dead job can be given another attempt, once; nothing else can.
    assert!(
        store
            .retry_dead(&j1.id, Priority::Bulk)
            .await
            .unwrap()
            .is_none(),
        "succeeded"
    );
    assert!(
        store
            .retry_dead("no-such-job", Priority::Bulk)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(dead_job.budget_used(), 2);
    let revived = store
        .retry_dead(&j2.id, Priority::Bulk)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (revived.status, revived.attempts, revived.published),
        (JobStatus::Queued, 2, false)
    );
    // A fresh attempt budget, in the lane asked for.
    assert_eq!(
        (revived.budget_used(), revived.priority),
        (0, Priority::Bulk)
    );
    let stored = store.get_job(&j2.id).await.unwrap().unwrap();
    assert_eq!((stored.budget_used(), stored.priority), (0, Priority::Bulk));
    assert!(
        store
            .retry_dead(&j2.id, Priority::Bulk)
            .await
            .unwrap()
            .is_none(),
        "twice"
    );
    let pending = store.unpublished_jobs(100).await.unwrap();
    assert!(pending.iter().any(|j| j.id == j2.id), "back in the outbox");
    let StartOutcome::Started(again) = store.start_attempt(&j2.id).await.unwrap() else {
        panic!("a revived job starts")
    };
    assert_eq!((again.attempts, again.budget_used()), (3, 1));
    assert_eq!(again.history.len(), 3, "earlier attempts are kept");
    store
        .fail_attempt(&j2.id, 3, "corrupt", true)
        .await
        .unwrap();

    // The outbox hands out interactive jobs before bulk ones queued earlier.
    let (fb, fi) = (
        file(&crate::new_id(), None, None),
        file(&crate::new_id(), None, None),
    );
    let mut jb = job(&fb.id, JobKind::Metadata);
    jb.priority = Priority::Bulk;
    let ji = job(&fi.id, JobKind::Metadata);
    store
        .insert_upload(&fb, std::slice::from_ref(&jb))
        .await
        .unwrap();
    store
        .insert_upload(&fi, std::slice::from_ref(&ji))
        .await
        .unwrap();
    let pending: Vec<String> = store
        .unpublished_jobs(100)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    let at = |id: &String| pending.iter().position(|p| p == id).unwrap();
    assert!(at(&ji.id) < at(&jb.id), "{pending:?}");
    store
        .mark_published(&[jb.id.clone(), ji.id.clone()])
        .await
        .unwrap();

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

    // A follow-up job: stored once, only on a file that exists, and then
    // in the outbox like any other.
    let f = file(&crate::new_id(), None, None);
    store.insert_upload(&f, &[]).await.unwrap();
    let follow = job(&f.id, JobKind::Notify);
    assert!(store.insert_job(&follow).await.unwrap());
    assert!(
        !store.insert_job(&follow).await.unwrap(),
        "the same id twice"
    );
    assert!(
        !store
            .insert_job(&job("no-such-file", JobKind::Notify))
            .await
            .unwrap()
    );
    assert!(store.get_job("no-such-file").await.unwrap().is_none());
    assert_eq!(
        store.get_job(&follow.id).await.unwrap().unwrap().kind,
        JobKind::Notify
    );
    let pending = store.unpublished_jobs(100).await.unwrap();
    assert!(pending.iter().any(|j| j.id == follow.id), "in the outbox");
    store
        .mark_published(std::slice::from_ref(&follow.id))
        .await
        .unwrap();
    store.delete_file(&f.id).await.unwrap();
    assert!(
        store.get_job(&follow.id).await.unwrap().is_none(),
        "deleted with its file"
    );
}

/// The operator's filters and counts, on a store holding `dead` (dead with
/// the error `corrupt`) among other jobs.
async fn job_filters(store: &dyn MetaStore, dead: &JobRecord) {
    let ids = |q: JobQuery| async move {
        let q = JobQuery { limit: 500, ..q };
        let found = store.list_jobs(&q).await.unwrap();
        found.into_iter().map(|j| j.id).collect::<Vec<_>>()
    };
    let by_error = |e: &str| JobQuery {
        error_contains: Some(e.into()),
        ..Default::default()
    };
    assert!(ids(by_error("ORRUP")).await.contains(&dead.id), "any case");
    assert!(
        !ids(by_error("corrupt%")).await.contains(&dead.id),
        "literal"
    );
    let created = dead.created_at;
    let window = |since, until| JobQuery {
        since,
        until,
        ..Default::default()
    };
    let second = chrono::TimeDelta::seconds(1);
    assert!(ids(window(Some(created), None)).await.contains(&dead.id));
    assert!(
        ids(window(None, Some(created + second)))
            .await
            .contains(&dead.id)
    );
    assert!(
        !ids(window(Some(created + second), None))
            .await
            .contains(&dead.id)
    );
    assert!(
        !ids(window(None, Some(created))).await.contains(&dead.id),
        "until is exclusive"
    );

    let counts = store.job_counts().await.unwrap();
    let dead_metadata = counts
        .iter()
        .find(|c| c.kind == JobKind::Metadata && c.status == JobStatus::Dead)
        .map(|c| c.count);
    assert!(dead_metadata >= Some(1), "{counts:?}");
    assert!(counts.iter().all(|c| c.count > 0), "{counts:?}");
}
