//! The app's page and assets, and browser sessions: an `HttpOnly` cookie
//! that works only with its CSRF token for changes.

use crate::common::{TestApp, accounts};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, SET_COOKIE};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn every_app_path_answers_the_page_under_a_strict_policy_with_its_assets() {
    let t = TestApp::spawn().await;
    for path in [
        "/",
        "/upload",
        "/files",
        "/files/abc",
        "/albums/x",
        "/signin",
    ] {
        let r = t
            .http
            .get(format!("{}{path}", t.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        let csp = r.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self';") && !csp.contains("unsafe"),
            "{csp}"
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains("/assets/js/app.js") && !html.contains("<script>"),
            "no inline script"
        );
    }
    // Every asset the page and scripts name is served, as what it is.
    let mut names = vec![
        "app.css".to_owned(),
        "icon.svg".to_owned(),
        "js/app.js".to_owned(),
    ];
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = names.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let r = t
            .http
            .get(format!("{}/assets/{name}", t.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        let etag = r.headers()[ETAG].clone();
        let text = r.text().await.unwrap();
        // Follow the scripts' imports ("./api.js", "../dom.js", "./views/x.js").
        if let Some(dir) = name
            .strip_suffix(".js")
            .and_then(|n| n.rsplit_once('/'))
            .map(|(d, _)| d.to_owned())
        {
            for import in text
                .split("from \"")
                .skip(1)
                .filter_map(|s| s.split('"').next())
            {
                let mut parts: Vec<&str> = dir.split('/').collect();
                for seg in import.split('/') {
                    match seg {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        s => parts.push(s),
                    }
                }
                names.push(parts.join("/"));
            }
        }
        let again = t
            .http
            .get(format!("{}/assets/{name}", t.base))
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{name} revalidates");
    }
    assert!(seen.len() >= 12, "{seen:?}");
    let (code, body) = t.get_json("/assets/nope.js").await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    // Without accounts, the app needs no session.
    let (code, s) = t.get_json("/v1/auth/session").await;
    assert_eq!(
        (code, &s),
        (
            200,
            &json!({"accounts": false, "account": null, "csrf_token": null, "expires_at": null})
        )
    );
}

fn cookie_of(r: &reqwest::Response) -> String {
    r.headers()[SET_COOKIE].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_session_cookie_signs_in_a_browser_and_changes_need_its_csrf_token() {
    let t = accounts::app_with(|c| c.gateway.trust_forwarded_for = true).await;
    let email = "grace@example.com";
    accounts::signup(&t, email).await;
    let url = format!("{}/v1/auth/session", t.base);
    let wrong = t
        .http
        .post(&url)
        .json(&json!({"email": email, "password": "nope nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get(SET_COOKIE).is_none());

    let r = t
        .http
        .post(&url)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set = cookie_of(&r);
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    let session: Value = r.json().await.unwrap();
    assert_eq!(session["account"]["email"], email);
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    let cookie = set.split(';').next().unwrap().to_owned();

    // The cookie authenticates reads, and the session reads back.
    let r = t
        .http
        .get(format!("{}/v1/files", t.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .get(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let again: Value = r.json().await.unwrap();
    assert_eq!(
        (
            again["account"]["email"].as_str(),
            again["csrf_token"].as_str()
        ),
        (Some(email), Some(csrf.as_str()))
    );

    // A change with the cookie alone (what another site could make a
    // browser send) is refused; with the token it goes through.
    let album = |token: Option<&str>| {
        let mut r = t
            .http
            .post(format!("{}/v1/albums", t.base))
            .header("cookie", &cookie)
            .json(&json!({"name": "Trip"}));
        if let Some(tok) = token {
            r = r.header("x-csrf-token", tok);
        }
        r.send()
    };
    let r = album(None).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-CSRF-Token")
    );
    assert_eq!(
        album(Some("0".repeat(64).as_str())).await.unwrap().status(),
        403
    );
    assert_eq!(album(Some(&csrf)).await.unwrap().status(), 201);

    // A tampered cookie is no session.
    let r = t
        .http
        .get(format!("{}/v1/files", t.base))
        .header("cookie", format!("{cookie}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Signing out clears the cookie.
    let r = t
        .http
        .delete(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(cookie_of(&r).contains("Max-Age=0"));

    // Behind a TLS proxy the cookie is Secure.
    let r = t
        .http
        .post(&url)
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(cookie_of(&r).contains("; Secure"), "{}", cookie_of(&r));
}

#[tokio::test]
async fn sessions_are_refused_while_accounts_are_off() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .post(format!("{}/v1/auth/session", t.base))
        .json(&json!({"email": "a@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "auth_disabled");
}
