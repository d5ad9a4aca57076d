//! Accounts: sign-up, sign-in (JSON and HTTP Basic), expiring tokens, API
//! keys, ownership on every route (others' things are 404), history.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestApp;
use common::accounts::{app_with, call, signup, upload};
use kiln_proto::Role;
use kiln_workers::Outcome;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn sign_up_sign_in_and_expiring_tokens() {
    let t = app_with(|c| c.token_ttl_secs = 1).await;
    let (code, body) = call(
        &t,
        Method::POST,
        "/v1/auth/signup",
        None,
        Some(
            json!({"email": "Ada@Example.com", "password": "correct horse battery", "name": "Ada"}),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    assert_eq!(body["email"], "ada@example.com");
    assert!(body.get("password_hash").is_none());
    let again =
        json!({"email": "ADA@example.com", "password": "another good one", "name": "Ada 2"});
    let (code, body) = call(&t, Method::POST, "/v1/auth/signup", None, Some(again)).await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("email_taken"))
    );
    for (email, password, name, field) in [
        ("not-an-email", "correct horse battery", "A", "email"),
        ("b@example.com", "short", "B", "password"),
        ("b@example.com", "aaaaaaaaaaaaaaaa", "B", "password"),
        ("b@example.com", "correct horse battery", "  ", "name"),
    ] {
        let (code, body) = call(
            &t,
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({"email": email, "password": password, "name": name})),
        )
        .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{body}"
        );
    }
    let (code, body) = call(
        &t,
        Method::POST,
        "/v1/auth/signup",
        None,
        Some(json!({"email": "c@example.com"})),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // JSON and HTTP Basic; a wrong password and an unknown account look alike.
    let (code, login) = call(
        &t,
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": "ada@example.com", "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{login}");
    assert!(login["expires_at"].is_string());
    let basic = t
        .http
        .post(format!("{}/v1/auth/login", t.base))
        .basic_auth("ada@example.com", Some("correct horse battery"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::OK);
    let wrong = call(
        &t,
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": "ada@example.com", "password": "correct horse batterY"})),
    )
    .await;
    let unknown = call(
        &t,
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": "nobody@example.com", "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);

    let token = login["access_token"].as_str().unwrap();
    assert_eq!(
        call(&t, Method::GET, "/v1/jobs", Some(token), None).await.0,
        StatusCode::OK
    );
    let anonymous = t
        .http
        .get(format!("{}/v1/jobs", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(
        anonymous.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    for forged in ["nonsense", "kiln_notakey", &format!("{token}x")] {
        assert_eq!(
            call(&t, Method::GET, "/v1/jobs", Some(forged), None)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    // The token expires (1 s here), and is refused from then on.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        call(&t, Method::GET, "/v1/jobs", Some(token), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn api_keys_are_shown_once_listed_by_prefix_and_revocable() {
    let t = app_with(|_| {}).await;
    let ada = signup(&t, "ada@example.com").await;
    let bob = signup(&t, "bob@example.com").await;
    let (code, made) = call(
        &t,
        Method::POST,
        "/v1/api-keys",
        Some(&ada),
        Some(json!({"name": "backup script"})),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{made}");
    let key = made["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("kiln_"));
    let (_, list) = call(&t, Method::GET, "/v1/api-keys", Some(&ada), None).await;
    let listed = &list["keys"][0];
    assert_eq!(listed["name"], "backup script");
    assert!(key.starts_with(listed["prefix"].as_str().unwrap()));
    assert!(
        !list.to_string().contains(&key),
        "a listed key shows its prefix only"
    );
    // The key works like a token, for its owner.
    let (code, up) = upload(&t, &key, common::plain_jpeg(64, 48), "thumbnails=none").await;
    assert_eq!(code, StatusCode::ACCEPTED, "{up}");
    let path = format!("{}/v1/files/{}", t.base, up["file_id"].as_str().unwrap());
    let r = t.http.get(&path).bearer_auth(&ada).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the key's uploads are its owner's"
    );
    // Another user can neither see nor revoke it.
    let (_, bobs) = call(&t, Method::GET, "/v1/api-keys", Some(&bob), None).await;
    assert_eq!(bobs["keys"].as_array().unwrap().len(), 0);
    let revoke = format!("/v1/api-keys/{}", made["id"].as_str().unwrap());
    assert_eq!(
        call(&t, Method::DELETE, &revoke, Some(&bob), None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&t, Method::GET, "/v1/jobs", Some(&key), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&t, Method::DELETE, &revoke, Some(&ada), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&t, Method::GET, "/v1/jobs", Some(&key), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, list) = call(&t, Method::GET, "/v1/api-keys", Some(&ada), None).await;
    assert!(list["keys"][0]["revoked_at"].is_string());
}

#[tokio::test]
async fn nobody_sees_anything_of_anyone_else() {
    let t = app_with(|_| {}).await;
    let ada = signup(&t, "ada@example.com").await;
    let bob = signup(&t, "bob@example.com").await;
    let (code, up) = upload(&t, &ada, common::plain_jpeg(320, 240), "thumbnails=64").await;
    assert_eq!(code, StatusCode::ACCEPTED, "{up}");
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Metadata).await,
        Outcome::Succeeded { .. }
    ));
    let file = up["file_id"].as_str().unwrap();
    let job = up["jobs"][0]["id"].as_str().unwrap();
    let (_, job_doc) = call(
        &t,
        Method::GET,
        &format!("/v1/jobs/{job}"),
        Some(&ada),
        None,
    )
    .await;
    let output = job_doc["outputs"][0]["file_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let routes = [
        (Method::GET, format!("/v1/jobs/{job}")),
        (Method::GET, format!("/v1/jobs/{job}/events")),
        (Method::GET, format!("/v1/files/{file}")),
        (Method::GET, format!("/v1/files/{output}")),
        (Method::GET, format!("/v1/files/{file}/metadata")),
        (Method::DELETE, format!("/v1/files/{file}")),
    ];
    let missing = call(
        &t,
        Method::GET,
        "/v1/jobs/00000000-0000-7000-8000-000000000000",
        Some(&bob),
        None,
    )
    .await;
    for (method, path) in &routes {
        let (code, body) = call(&t, method.clone(), path, Some(&bob), None).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], missing.1["error"]["code"], "{path}");
    }
    let (_, bobs_jobs) = call(&t, Method::GET, "/v1/jobs", Some(&bob), None).await;
    assert_eq!(bobs_jobs["jobs"].as_array().unwrap().len(), 0);
    let (_, adas_jobs) = call(&t, Method::GET, "/v1/jobs", Some(&ada), None).await;
    assert_eq!(adas_jobs["jobs"].as_array().unwrap().len(), 2);
    // Ada still has everything, and may delete it.
    for (method, path) in routes.iter().filter(|(m, _)| *m == Method::GET) {
        let r = t
            .http
            .request(method.clone(), format!("{}{path}", t.base))
            .bearer_auth(&ada)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(
        call(
            &t,
            Method::DELETE,
            &format!("/v1/files/{file}"),
            Some(&ada),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn history_lists_the_callers_own_actions_newest_first() {
    let t = app_with(|_| {}).await;
    let ada = signup(&t, "ada@example.com").await;
    let bob = signup(&t, "bob@example.com").await;
    let (_, up) = upload(
        &t,
        &ada,
        common::plain_jpeg(64, 48),
        "thumbnails=none&metadata=false",
    )
    .await;
    let file = up["file_id"].as_str().unwrap();
    call(
        &t,
        Method::DELETE,
        &format!("/v1/files/{file}"),
        Some(&ada),
        None,
    )
    .await;
    let (code, h) = call(&t, Method::GET, "/v1/history?limit=2", Some(&ada), None).await;
    assert_eq!(code, StatusCode::OK, "{h}");
    let actions: Vec<&str> = h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "upload"]);
    assert_eq!(h["entries"][0]["subject"], file);
    let cursor = h["next_cursor"].as_str().unwrap();
    let (_, rest) = call(
        &t,
        Method::GET,
        &format!("/v1/history?limit=2&cursor={cursor}"),
        Some(&ada),
        None,
    )
    .await;
    let actions: Vec<&str> = rest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["sign_in"]);
    assert!(rest["next_cursor"].is_null());
    let (_, bobs) = call(&t, Method::GET, "/v1/history", Some(&bob), None).await;
    assert_eq!(bobs["entries"].as_array().unwrap().len(), 1, "{bobs}");
}

#[tokio::test]
async fn single_user_mode_needs_no_account() {
    let t = TestApp::spawn().await;
    let (code, _) = t
        .upload_raw(common::plain_jpeg(64, 48), "a.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202);
    let (code, body) = call(
        &t,
        Method::POST,
        "/v1/auth/signup",
        None,
        Some(json!({"email": "a@example.com", "password": "correct horse battery", "name": "A"})),
    )
    .await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("auth_disabled"))
    );
}

#[tokio::test]
async fn authorization_schemes_are_case_insensitive() {
    let t = app_with(|_| {}).await;
    let token = signup(&t, "case@example.com").await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = t
            .http
            .get(format!("{}/v1/me", t.base))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{scheme}");
    }
    let r = t
        .http
        .post(format!("{}/v1/auth/login", t.base))
        .header(
            "authorization",
            "basic Y2FzZUBleGFtcGxlLmNvbTpjb3JyZWN0IGhvcnNlIGJhdHRlcnk=",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A scheme that is not Bearer is still refused.
    let r = t
        .http
        .get(format!("{}/v1/me", t.base))
        .header("authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
