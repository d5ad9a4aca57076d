//! Priority lanes: `priority=bulk` uploads wait while interactive work is
//! queued (the brokers' own lane tests are in the adapters' contract suite).

#![allow(clippy::unwrap_used)]

use crate::common::{TestApp, plain_jpeg};
use kiln_proto::Role;
use kiln_workers::Outcome;

#[tokio::test]
async fn an_upload_overtakes_a_bulk_import_queued_before_it() {
    let t = TestApp::spawn().await;
    let mut bulk_jobs = Vec::new();
    for i in 0..5 {
        let (status, body) = t
            .upload_raw(
                plain_jpeg(32, 32),
                &format!("import-{i}.jpg"),
                "thumbnails=none&priority=bulk",
            )
            .await;
        assert_eq!(status, 202, "{body}");
        let id = body["jobs"][0]["id"].as_str().unwrap().to_owned();
        let (_, job) = t.get_json(&format!("/v1/jobs/{id}")).await;
        assert_eq!(job["priority"], "bulk", "{job}");
        bulk_jobs.push(id);
    }
    let (status, body) = t
        .upload_raw(plain_jpeg(32, 32), "now.jpg", "thumbnails=none")
        .await;
    assert_eq!(status, 202, "{body}");
    let upload = body["jobs"][0]["id"].as_str().unwrap();
    let (_, job) = t.get_json(&format!("/v1/jobs/{upload}")).await;
    assert_eq!(job["priority"], "interactive");

    // The worker's next job is the upload, although five came before it.
    match t.run_one(Role::Metadata).await {
        Outcome::Succeeded { job_id } => assert_eq!(job_id, upload),
        other => panic!("{other:?}"),
    }
    for id in &bulk_jobs {
        let (_, job) = t.get_json(&format!("/v1/jobs/{id}")).await;
        assert_eq!(job["status"], "queued", "{job}");
    }
    // Then the import, in its own order.
    for id in &bulk_jobs {
        match t.run_one(Role::Metadata).await {
            Outcome::Succeeded { job_id } => assert_eq!(&job_id, id),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn an_unknown_priority_is_refused_before_anything_is_stored() {
    let t = TestApp::spawn().await;
    let (status, body) = t
        .upload_raw(plain_jpeg(32, 32), "a.jpg", "priority=urgent")
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_parameter", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("priority:"), "{message}");
    assert!(t.blob_files("originals").is_empty());
}
