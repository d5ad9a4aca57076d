//! Work a request may cause is bounded: sizes per upload, bytes per job,
//! outputs within the owner's storage quota.

#![allow(clippy::unwrap_used)]

use crate::common::accounts::{app_with, signup, upload};
use crate::common::{TestApp, plain_jpeg};
use kiln_proto::Role;
use kiln_workers::Outcome;
use reqwest::StatusCode;

#[tokio::test]
async fn more_sizes_than_allowed_are_refused_before_anything_is_stored() {
    let t = TestApp::spawn().await;
    let sizes: Vec<String> = (1..=1000).map(|n| n.to_string()).collect();
    let (code, body) = t
        .upload_raw(
            plain_jpeg(64, 64),
            "a.jpg",
            &format!("thumbnails={}", sizes.join(",")),
        )
        .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_parameter");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 8"), "{message}");
    assert!(t.blob_files("originals").is_empty());
    // Eight is fine.
    let (code, body) = t
        .upload_raw(plain_jpeg(64, 64), "a.jpg", "thumbnails=1,2,3,4,5,6,7,8")
        .await;
    assert_eq!(code, 202, "{body}");
}

#[tokio::test]
async fn a_job_over_its_output_budget_dies_naming_it_and_keeps_nothing() {
    let t = TestApp::spawn_with(|c| c.workers.max_output_bytes_per_job = 4_000).await;
    let (code, _) = t
        .upload_raw(
            plain_jpeg(1200, 900),
            "big.jpg",
            "thumbnails=1024,512,256&formats=png,webp&metadata=false",
        )
        .await;
    assert_eq!(code, 202);
    match t.run_one(Role::Thumbnail).await {
        Outcome::Dead { error, .. } => assert!(error.contains("output budget"), "{error}"),
        other => panic!("expected a dead job, got {other:?}"),
    }
    assert!(
        t.blob_files("derived").is_empty(),
        "outputs of a failed job were kept"
    );
}

#[tokio::test]
async fn outputs_count_against_the_storage_quota_as_they_are_written() {
    let photo = plain_jpeg(1200, 900);
    let room = photo.len() as u64 + 2_000;
    let t = app_with(|c| c.gateway.quotas.storage_bytes = Some(room)).await;
    let ada = signup(&t, "ada@example.com").await;
    let (code, up) = upload(
        &t,
        &ada,
        photo,
        "thumbnails=1024,800,600,400&formats=png&metadata=false",
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{up}");
    match t.run_one(Role::Thumbnail).await {
        Outcome::Dead { error, .. } => assert!(error.contains("storage quota"), "{error}"),
        other => panic!("expected a dead job, got {other:?}"),
    }
    let (_, usage) = t.get_json_auth("/v1/usage", &ada).await;
    assert_eq!(usage["storage"]["output_bytes"], 0, "{usage}");
    assert!(t.blob_files("derived").is_empty());
}
