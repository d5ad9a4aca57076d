//! Share links and signed links open without credentials and show only
//! what was shared; another account sees none of A's library.

use super::{As, ids_of, run};
use crate::common::{self, TestApp, accounts};
use kiln_proto::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A request with no credentials at all.
async fn public(t: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    t.http
        .get(format!("{}{path}", t.base))
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

/// Polls `path` until it answers `status` (an expiry passing), for at most 5 s.
async fn until_status(t: &TestApp, path: &str, status: u16) {
    let start = Instant::now();
    loop {
        let got = public(t, path, "application/json").await.status().as_u16();
        if got == status {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{path} still answers {got}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn share_links_show_only_what_is_shared(t: &TestApp) {
    let a = As {
        t,
        token: Some(accounts::signup(t, "ada@example.com").await),
    };
    let b = As {
        t,
        token: Some(accounts::signup(t, "bob@example.com").await),
    };
    let q = "thumbnails=24&metadata=false";
    let shown = a
        .upload(
            common::plain_jpeg(64, 48),
            "shown<img src=x onerror=alert(1)>.jpg",
            q,
        )
        .await;
    let hidden = a.upload(common::plain_jpeg(48, 64), "hidden.jpg", q).await;
    run(t, Role::Thumbnail, 2).await;
    let shown = shown["file_id"].as_str().unwrap().to_owned();
    let hidden = hidden["file_id"].as_str().unwrap().to_owned();
    let (_, album) = a
        .call(Method::POST, "/v1/albums", Some(json!({"name": "For Bob"})))
        .await;
    let aid = album["id"].as_str().unwrap().to_owned();
    a.call(
        Method::POST,
        &format!("/v1/albums/{aid}/files"),
        Some(json!({"file_ids": [&shown]})),
    )
    .await;

    // B sees nothing of A's, and every attempt is a 404 like a missing id.
    assert_eq!(b.ids("").await, Vec::<String>::new());
    let (_, albums) = b.get("/v1/albums").await;
    assert_eq!(albums["albums"], json!([]));
    for (method, path, body) in [
        (Method::GET, format!("/v1/albums/{aid}"), None),
        (Method::GET, format!("/v1/files?album={aid}"), None),
        (
            Method::PATCH,
            format!("/v1/files/{shown}"),
            Some(json!({"filename": "mine.jpg"})),
        ),
        (
            Method::PATCH,
            format!("/v1/albums/{aid}"),
            Some(json!({"name": "mine"})),
        ),
        (Method::DELETE, format!("/v1/albums/{aid}"), None),
        (
            Method::POST,
            format!("/v1/albums/{aid}/files"),
            Some(json!({"file_ids": [&hidden]})),
        ),
        (
            Method::POST,
            "/v1/shares".to_owned(),
            Some(json!({"file_id": &hidden})),
        ),
        (
            Method::POST,
            "/v1/shares".to_owned(),
            Some(json!({"album_id": &aid})),
        ),
        (
            Method::POST,
            format!("/v1/files/{hidden}/links"),
            Some(json!({})),
        ),
    ] {
        let (code, e) = b.call(method, &path, body).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{path}: {e}");
        assert_eq!(e["error"]["code"], "not_found");
    }
    let (_, bobs) = b
        .call(Method::POST, "/v1/albums", Some(json!({"name": "Mine"})))
        .await;
    let (code, _) = b
        .call(
            Method::POST,
            &format!("/v1/albums/{}/files", bobs["id"].as_str().unwrap()),
            Some(json!({"file_ids": [&hidden]})),
        )
        .await;
    assert_eq!(
        code,
        StatusCode::NOT_FOUND,
        "A's file cannot go into B's album"
    );

    // A view-only link to the album.
    let (code, made) = a
        .call(Method::POST, "/v1/shares", Some(json!({"album_id": &aid})))
        .await;
    assert_eq!(code, StatusCode::CREATED, "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 43, "256 random bits");
    let url = made["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/s/{token}"));
    let r = public(t, &url, "application/json").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page: Value = r.json().await.unwrap();
    assert_eq!(
        (page["type"].clone(), page["title"].clone()),
        (json!("album"), json!("For Bob"))
    );
    assert_eq!(ids_of(&page["files"]), vec![shown.clone()]);
    assert_eq!(page["files"][0]["url"], Value::Null, "no downloads");
    let thumb = page["files"][0]["thumbnails"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(thumb.starts_with(&format!("/s/{token}/files/")), "{thumb}");
    let r = public(t, &thumb, "*/*").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let r = public(t, &format!("/s/{token}/files/{shown}"), "*/*").await;
    assert_eq!(r.status(), 403, "originals need a download link");
    let r = public(t, &format!("/s/{token}/files/{hidden}"), "*/*").await;
    assert_eq!(r.status(), 404, "not shared");
    // A browser gets a page, with the names escaped and a strict policy.
    let r = public(t, &url, "text/html,application/xhtml+xml").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains("shown&lt;img src=x onerror=alert(1)&gt;.jpg")
            && !html.contains("<img src=x"),
        "{html}"
    );
    assert!(html.contains(&thumb));

    // A download link to one file: the original opens, nothing else.
    let (_, dl) = a
        .call(
            Method::POST,
            "/v1/shares",
            Some(json!({"file_id": &hidden, "download": true})),
        )
        .await;
    let dtoken = dl["token"].as_str().unwrap();
    let page: Value = public(t, &format!("/s/{dtoken}"), "application/json")
        .await
        .json()
        .await
        .unwrap();
    let original = page["files"][0]["url"].as_str().unwrap().to_owned();
    let r = public(t, &original, "*/*").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.unwrap().len() as u64,
        page["files"][0]["bytes"].as_u64().unwrap()
    );
    assert_eq!(
        public(t, &format!("/s/{dtoken}/files/{shown}"), "*/*")
            .await
            .status(),
        404
    );

    // Listed for A, not for B; B cannot revoke it; A can, and it is a 404.
    let (_, list) = a.get("/v1/shares").await;
    assert_eq!(list["shares"].as_array().unwrap().len(), 2);
    let (_, none) = b.get("/v1/shares").await;
    assert_eq!(none["shares"], json!([]));
    let sid = made["id"].as_str().unwrap();
    assert_eq!(
        b.call(Method::DELETE, &format!("/v1/shares/{sid}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.call(Method::DELETE, &format!("/v1/shares/{sid}"), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        public(t, &url, "application/json").await.status(),
        404,
        "revoked: 404"
    );
    assert_eq!(public(t, &thumb, "*/*").await.status(), 404);
    // Deleting the file ends its links.
    a.call(Method::DELETE, &format!("/v1/files/{hidden}"), None)
        .await;
    assert_eq!(
        public(t, &format!("/s/{dtoken}"), "application/json")
            .await
            .status(),
        404
    );
    // An expiring link: 410 once past.
    let (_, short) = a
        .call(
            Method::POST,
            "/v1/shares",
            Some(json!({"file_id": &shown, "expires_in_secs": 1})),
        )
        .await;
    let short_url = short["url"].as_str().unwrap().to_owned();
    until_status(t, &short_url, 410).await;
    for (body, field) in [
        (json!({"file_id": &shown, "album_id": &aid}), "album_id"),
        (json!({}), "file_id"),
        (
            json!({"file_id": &shown, "expires_in_secs": 0}),
            "expires_in_secs",
        ),
    ] {
        let (code, e) = a.call(Method::POST, "/v1/shares", Some(body)).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(field),
            "{e}"
        );
    }
    // A's history tells what happened.
    let (_, h) = a.get("/v1/history").await;
    let actions: Vec<&str> = h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "album_created",
        "album_updated",
        "shared",
        "share_revoked",
        "delete",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn share_links_show_only_what_is_shared_on_sqlite() {
    let t = accounts::app_with(|_| {}).await;
    share_links_show_only_what_is_shared(&t).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn share_links_show_only_what_is_shared_on_mongodb() {
    let production = common::cluster::production().await;
    let t = accounts::app_with(production).await;
    share_links_show_only_what_is_shared(&t).await;
    t.app.backends.broker.close().await;
    common::brokers::TestBroker::RabbitMq
        .cleanup(&kiln_proto::Names::new(t.config.namespace.clone()))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_links_open_without_credentials_until_they_expire() {
    let t = accounts::app_with(|c| c.gateway.max_link_secs = 600).await;
    let a = As {
        t: &t,
        token: Some(accounts::signup(&t, "ada@example.com").await),
    };
    let up = a
        .upload(
            common::plain_jpeg(40, 30),
            "photo.jpg",
            "thumbnails=none&metadata=false",
        )
        .await;
    let id = up["file_id"].as_str().unwrap();
    // Without credentials the API refuses, the signed link does not.
    assert_eq!(
        public(&t, &format!("/v1/files/{id}"), "*/*").await.status(),
        401
    );
    let (code, link) = a
        .call(Method::POST, &format!("/v1/files/{id}/links"), None)
        .await;
    assert_eq!(code, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    let r = public(&t, &url, "*/*").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.bytes().await.unwrap().len() as u64,
        up["bytes"].as_u64().unwrap()
    );
    // Another file's id under this signature, or a longer expiry: refused.
    let other = a
        .upload(
            common::plain_jpeg(30, 40),
            "other.jpg",
            "thumbnails=none&metadata=false",
        )
        .await;
    let forged = url.replace(id, other["file_id"].as_str().unwrap());
    assert_eq!(public(&t, &forged, "*/*").await.status(), 403);
    let exp: i64 = url
        .split("expires=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let later = url.replace(
        &format!("expires={exp}"),
        &format!("expires={}", exp + 86_400),
    );
    assert_eq!(public(&t, &later, "*/*").await.status(), 403);
    // Bounded by the server's maximum.
    let (code, e) = a
        .call(
            Method::POST,
            &format!("/v1/files/{id}/links"),
            Some(json!({"expires_in_secs": 601})),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expires_in_secs")
    );
    // Expired: 410. Deleted: 404.
    let (_, short) = a
        .call(
            Method::POST,
            &format!("/v1/files/{id}/links"),
            Some(json!({"expires_in_secs": 1})),
        )
        .await;
    until_status(&t, short["url"].as_str().unwrap(), 410).await;
    a.call(Method::DELETE, &format!("/v1/files/{id}"), None)
        .await;
    assert_eq!(public(&t, &url, "*/*").await.status(), 404);
}
