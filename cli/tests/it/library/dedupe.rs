//! The same bytes uploaded again by the same owner are stored once; other
//! owners get their own copy and learn nothing.

use super::{As, run};
use crate::common::{self, TestApp, accounts};
use kiln_proto::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn job_ids(up: &serde_json::Value) -> Vec<String> {
    super::ids_of(&up["jobs"])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_bytes_are_stored_once_per_owner() {
    let t = accounts::app_with(|_| {}).await;
    let a = As {
        t: &t,
        token: Some(accounts::signup(&t, "ada@example.com").await),
    };
    let b = As {
        t: &t,
        token: Some(accounts::signup(&t, "bob@example.com").await),
    };
    let bytes = common::plain_jpeg(320, 240);
    let len = bytes.len() as u64;
    let first = a
        .upload(bytes.clone(), "a.jpg", "thumbnails=64&metadata=false")
        .await;
    let fid = first["file_id"].as_str().unwrap().to_owned();
    assert!(first.get("duplicate_of").is_none(), "{first}");
    run(&t, Role::Thumbnail, 1).await;

    // Again, twice: the existing file and its (finished) job; nothing new.
    for _ in 0..2 {
        let again = a
            .upload(bytes.clone(), "copy.jpg", "thumbnails=64&metadata=false")
            .await;
        assert_eq!(again["duplicate_of"], fid.as_str());
        assert_eq!(again["file_id"], fid.as_str());
        assert_eq!(again["filename"], "a.jpg", "the existing file answers");
        assert_eq!(job_ids(&again), job_ids(&first));
        assert_eq!(again["jobs"][0]["status"], "succeeded");
    }
    assert_eq!(t.blob_files("originals").len(), 1, "one copy on disk");
    let (_, usage) = a.get("/v1/usage").await;
    assert_eq!(usage["storage"]["original_bytes"], len, "counted once");
    assert_eq!(usage["storage"]["files"], 1);
    // Work not done before is queued on the existing file.
    let more = a
        .upload(bytes.clone(), "a.jpg", "thumbnails=64,128&metadata=false")
        .await;
    assert_eq!(more["duplicate_of"], fid.as_str());
    let jobs = job_ids(&more);
    assert_eq!(jobs.len(), 2);
    assert_eq!(more["jobs"][1]["status"], "queued");
    run(&t, Role::Thumbnail, 1).await;
    let (_, job) = a.get(&format!("/v1/jobs/{}", jobs[1])).await;
    assert_eq!(
        (job["status"].clone(), job["file_id"].clone()),
        (json!("succeeded"), json!(fid))
    );
    // dedupe=false forces a new file.
    let forced = a
        .upload(
            bytes.clone(),
            "b.jpg",
            "thumbnails=none&metadata=false&dedupe=false",
        )
        .await;
    assert_ne!(forced["file_id"], fid.as_str());
    assert!(forced.get("duplicate_of").is_none());
    assert_eq!(t.blob_files("originals").len(), 2);

    // Another owner: a file of their own, answered exactly as a first upload.
    let theirs = b
        .upload(bytes.clone(), "a.jpg", "thumbnails=64&metadata=false")
        .await;
    assert_ne!(theirs["file_id"], fid.as_str());
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&theirs), keys(&first), "nothing tells B that A has it");
    assert_eq!(theirs["jobs"][0]["status"], "queued");

    // Deleted, then uploaded again: a new file.
    for id in [&fid, forced["file_id"].as_str().unwrap()] {
        let (code, _) = a
            .call(Method::DELETE, &format!("/v1/files/{id}"), None)
            .await;
        assert_eq!(code, StatusCode::NO_CONTENT);
    }
    let fresh = a
        .upload(bytes.clone(), "a.jpg", "thumbnails=none&metadata=false")
        .await;
    assert!(fresh.get("duplicate_of").is_none());
    assert_ne!(fresh["file_id"], fid.as_str());
    // A's history tells of the duplicates.
    let (_, h) = a.get("/v1/history").await;
    assert!(h.to_string().contains("deduplicated"), "{h}");
    let bad =
        a.t.http
            .post(format!("{}/v1/uploads?dedupe=maybe", t.base))
            .bearer_auth(a.token.as_deref().unwrap())
            .body(bytes)
            .send()
            .await
            .unwrap();
    assert_eq!(bad.status(), 422);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_bytes_are_stored_once_on_mongodb() {
    let production = common::cluster::production().await;
    let t = TestApp::spawn_with(production).await;
    let me = As { t: &t, token: None };
    let bytes = common::plain_jpeg(100, 80);
    let first = me.upload(bytes.clone(), "x.jpg", "thumbnails=none").await;
    let again = me.upload(bytes, "y.jpg", "thumbnails=none").await;
    assert_eq!(again["duplicate_of"], first["file_id"]);
    assert_eq!(
        job_ids(&again),
        job_ids(&first),
        "the metadata job is not run twice"
    );
    assert_eq!(me.ids("").await.len(), 1);
    t.app.backends.broker.close().await;
    common::brokers::TestBroker::RabbitMq
        .cleanup(&kiln_proto::Names::new(t.config.namespace.clone()))
        .await;
}
