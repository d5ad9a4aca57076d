//! Usage and quotas, enforced in the gateway: storage (413), monthly
//! transfer (429), per-account overrides, and the sign-in rate limit.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::accounts::{app_with, call, signup, upload};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn usage_is_counted_and_quotas_block_at_the_limit() {
    let t = app_with(|c| {
        c.gateway.quotas.storage_bytes = Some(60_000);
        c.gateway.quotas.monthly_transfer_bytes = Some(100_000);
    })
    .await;
    let ada = signup(&t, "ada@example.com").await;
    let photo = vec![0xAB; 40_000];
    let (code, up) = upload(&t, &ada, photo.clone(), "thumbnails=none&metadata=false").await;
    assert_eq!(code, StatusCode::ACCEPTED, "{up}");
    // 40 kB kept; another 40 kB would pass the 60 kB storage quota.
    let (code, body) = upload(&t, &ada, photo.clone(), "thumbnails=none&metadata=false").await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("storage_quota_exceeded")
        ),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("60000"));
    // Downloads count towards the monthly transfer: 40 kB up, then 40 + 40 kB down.
    let path = format!("/v1/files/{}", up["file_id"].as_str().unwrap());
    for _ in 0..2 {
        let r = t
            .http
            .get(format!("{}{path}", t.base))
            .bearer_auth(&ada)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (_, usage) = call(&t, Method::GET, "/v1/usage", Some(&ada), None).await;
    assert_eq!(usage["storage"]["original_bytes"], 40_000, "{usage}");
    assert_eq!(usage["storage"]["files"], 1);
    assert_eq!(usage["transfer"]["today"]["uploaded"], 40_000, "{usage}");
    assert_eq!(usage["transfer"]["month"]["downloaded"], 80_000, "{usage}");
    assert_eq!(usage["quota"]["monthly_transfer_bytes"], 100_000);
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "transfer_quota_exceeded");
    let (code, _) = upload(&t, &ada, vec![1; 10], "thumbnails=none&metadata=false").await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS);
    // Another account has its own allowance.
    let bob = signup(&t, "bob@example.com").await;
    let (code, _) = upload(&t, &bob, photo.clone(), "thumbnails=none&metadata=false").await;
    assert_eq!(code, StatusCode::ACCEPTED);
    // An operator's override (`kiln quota`) replaces the default for one account.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["quota", "BOB@example.com", "--storage", "1MB", "--data-dir"])
        .arg(t.dir.path())
        .env_remove("KILN_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, body) = upload(&t, &bob, photo, "thumbnails=none&metadata=false").await;
    assert_eq!(code, StatusCode::ACCEPTED, "{body}");
    let (_, usage) = call(&t, Method::GET, "/v1/usage", Some(&bob), None).await;
    assert_eq!(usage["quota"]["storage_bytes"], 1_000_000, "{usage}");
    assert_eq!(usage["storage"]["original_bytes"], 80_000, "{usage}");
}

#[tokio::test]
async fn password_guessing_is_slowed_down() {
    let t = app_with(|c| {
        c.gateway.sign_in_rate_limit = kiln_adapters::RateLimit {
            per_second: 0.1,
            burst: 5,
        }
    })
    .await;
    signup(&t, "ada@example.com").await; // two of the five
    let guess = json!({"email": "ada@example.com", "password": "is it this one"});
    for _ in 0..3 {
        let (code, _) = call(
            &t,
            Method::POST,
            "/v1/auth/login",
            None,
            Some(guess.clone()),
        )
        .await;
        assert_eq!(code, StatusCode::UNAUTHORIZED);
    }
    let r = t
        .http
        .post(format!("{}/v1/auth/login", t.base))
        .json(&guess)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // Other routes are not affected.
    let (code, _) = call(&t, Method::GET, "/v1/jobs", None, None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_single_user_server_does_not_refuse_its_own_users_batch() {
    let tiny = kiln_core::RateLimit {
        per_second: 0.01,
        burst: 2,
    };
    // `kiln serve` with accounts off: the local user's uploads go through.
    let t = common::TestApp::spawn_with(|c| c.gateway.upload_rate_limit = tiny).await;
    for i in 0..6 {
        let (status, body) = t
            .upload_raw(
                common::plain_jpeg(16, 16),
                &format!("{i}.jpg"),
                "thumbnails=none",
            )
            .await;
        assert_eq!(status, 202, "upload {i}: {body}");
    }
    // Asked for, the limit applies to them too, with a Retry-After.
    let t = common::TestApp::spawn_with(|c| {
        c.gateway.upload_rate_limit = tiny;
        c.gateway.limit_local_uploads = Some(true);
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let (status, body) = t
            .upload_raw(
                common::plain_jpeg(16, 16),
                &format!("{i}.jpg"),
                "thumbnails=none",
            )
            .await;
        statuses.push(status);
        if status == 429 {
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
        }
    }
    assert_eq!(statuses, [202, 202, 429]);
}
