//! Every answer is the JSON error body, quotes little of its input, and
//! carries security headers; look-alike emails are one account; file names
//! hide nothing.

#![allow(clippy::unwrap_used)]

use crate::common::accounts::{app_with, call};
use crate::common::{TestApp, plain_jpeg};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn errors_from_every_layer_are_json_and_405_comes_before_401() {
    let t = app_with(|_| {}).await;
    // A wrong method, without credentials: the method is what is wrong.
    let r = t
        .http
        .put(format!("{}/v1/jobs", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("allow"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    // No such route.
    let (code, body) = call(&t, Method::GET, "/nowhere", None, None).await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_route"))
    );
    // A 3 MB sign-in body.
    let r = t
        .http
        .post(format!("{}/v1/auth/login", t.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 3 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large", "{body}");
}

#[tokio::test]
async fn an_error_quotes_only_a_short_prefix_of_the_input() {
    let t = app_with(|_| {}).await;
    let huge = format!("{}@example.com", "a".repeat(1 << 20));
    let r = t
        .http
        .post(format!("{}/v1/auth/signup", t.base))
        .json(&json!({"email": huge, "password": "correct horse battery", "name": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.len() < 600, "a {} byte error answer", text.len());
}

#[tokio::test]
async fn look_alike_emails_are_one_account_or_refused() {
    let t = app_with(|_| {}).await;
    let signup = |email: &str| {
        call(
            &t,
            Method::POST,
            "/v1/auth/signup",
            None,
            Some(json!({"email": email, "password": "correct horse battery", "name": "J"})),
        )
    };
    let (code, _) = signup("jos\u{e9}@example.com").await;
    assert_eq!(code, StatusCode::CREATED);
    for same in [
        "jose\u{301}@example.com",
        "JOS\u{c9}@EXAMPLE.COM",
        "ｊｏｓé@example.com",
    ] {
        let (code, body) = signup(same).await;
        assert_eq!(code, StatusCode::CONFLICT, "{same:?}: {body}");
    }
    for hostile in [
        "\u{430}da@example.com",
        "a\u{200b}da@example.com",
        "ada\u{202e}@example.com",
    ] {
        let (code, body) = signup(hostile).await;
        assert_eq!(
            code,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{hostile:?}: {body}"
        );
    }
    // Signing in with the decomposed form reaches the same account.
    let (code, body) = call(
        &t,
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": "Jose\u{301}@example.com", "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn json_answers_carry_security_headers_and_names_hide_nothing() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .unwrap();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
    ] {
        assert_eq!(r.headers()[name], value, "{name}");
    }
    // Raw UTF-8 in the header, as curl sends it.
    let name = reqwest::header::HeaderValue::from_bytes("photo\u{202e}gpj.exe".as_bytes()).unwrap();
    let r = t
        .http
        .post(format!("{}/v1/uploads?thumbnails=none", t.base))
        .header("x-filename", name)
        .body(plain_jpeg(16, 16))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let up: serde_json::Value = r.json().await.unwrap();
    assert_eq!(up["filename"], "photogpj.exe");
    let r = t
        .http
        .get(format!(
            "{}/v1/files/{}",
            t.base,
            up["file_id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!disposition.contains("%E2%80%AE"), "{disposition}");
    assert_eq!(
        r.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
}

#[tokio::test]
async fn a_huge_form_field_is_refused_without_being_held() {
    let t = TestApp::spawn().await;
    let form = reqwest::multipart::Form::new()
        .text("thumbnails", "1".repeat(4 << 20))
        .part(
            "file",
            reqwest::multipart::Part::bytes(plain_jpeg(16, 16)).file_name("a.jpg"),
        );
    let r = t
        .http
        .post(format!("{}/v1/uploads", t.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 8192 bytes"), "{message}");
    assert!(t.blob_files("originals").is_empty());
}
