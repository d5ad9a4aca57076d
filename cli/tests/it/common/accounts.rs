//! Accounts for tests: a Kiln with auth on, a signed-in user, requests with
//! a bearer credential.

use super::TestApp;
use kiln::auth_config::{Secret, Switch};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The token key of account tests.
pub const SECRET: &str = "test-secret-test-secret-test-secret";

/// A Kiln with accounts on, changed by `tweak`.
pub async fn app_with(tweak: impl FnOnce(&mut kiln::Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        c.auth = Some(Switch(true));
        c.jwt_secret = Some(Secret(SECRET.into()));
        // These tests sign in more often than a person would.
        c.gateway.sign_in_rate_limit.burst = 1000;
        tweak(c);
    })
    .await
}

/// Sends a request with an optional bearer credential; returns status and JSON.
pub async fn call(
    t: &TestApp,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = t.http.request(method, format!("{}{path}", t.base));
    if let Some(b) = bearer {
        r = r.bearer_auth(b);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Signs up and in; returns the access token.
pub async fn signup(t: &TestApp, email: &str) -> String {
    let (code, body) = call(
        t,
        Method::POST,
        "/v1/auth/signup",
        None,
        Some(json!({"email": email, "password": "correct horse battery", "name": "Ada"})),
    )
    .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    let (code, body) = call(
        t,
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": email, "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// Uploads raw bytes as `photo.jpg` with a bearer credential.
pub async fn upload(t: &TestApp, token: &str, bytes: Vec<u8>, query: &str) -> (StatusCode, Value) {
    let query = super::no_dedupe(query);
    let resp = t
        .http
        .post(format!("{}/v1/uploads?{query}", t.base))
        .bearer_auth(token)
        .header("x-filename", "photo.jpg")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}
