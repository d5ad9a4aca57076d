//! `GET /openapi.json` describes the gateway as it is: every documented
//! operation is served, every error code is documented, every reference
//! resolves; `GET /docs` is a page whose files all come from the gateway.

#![allow(clippy::unwrap_used)]

use crate::common::TestApp;
use crate::common::accounts::app_with;
use kiln_proto::api::ErrorCode;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

async fn document(t: &TestApp) -> Value {
    let r = t
        .http
        .get(format!("{}/openapi.json", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "{ct}");
    r.json().await.unwrap()
}

/// Every (method, path) the document lists.
fn operations(doc: &Value) -> Vec<(Method, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            out.push((m, path.clone(), op.clone()));
        }
    }
    out
}

/// Every `$ref` anywhere in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_documented_operation_is_served_and_every_reference_resolves() {
    // Accounts on, no credentials: a served route answers (401 at worst);
    // only a route the router lacks answers `no_route` or
    // `method_not_allowed`.
    let t = app_with(|_| {}).await;
    let doc = document(&t).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let ops = operations(&doc);
    assert!(ops.len() >= 30, "only {} operations", ops.len());
    let mut ids = BTreeSet::new();
    for (method, path, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(ids.insert(id.to_owned()), "operationId {id:?} twice");
        let codes: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        // A stream of Server-Sent Events is described event by event.
        for resp in op["responses"].as_object().unwrap().values() {
            if let Some(sse) = resp["content"].get("text/event-stream") {
                assert_eq!(
                    sse["schema"]["$ref"], "#/components/schemas/StatusEvent",
                    "{method} {path}: {sse}"
                );
            }
        }
        assert!(
            codes.iter().any(|c| c.starts_with('2')),
            "{method} {path}: no success response in {codes:?}"
        );
        // Path parameters get a value no store has: what matters is that
        // the router routes the request, not what the handler finds.
        let concrete = path.replace('{', "").replace('}', "-none");
        let r = t
            .http
            .request(method.clone(), format!("{}{concrete}", t.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or_default();
        assert!(
            !matches!(code, "no_route" | "method_not_allowed"),
            "{method} {path}: the router does not serve it ({status} {code})"
        );
        assert!(
            op["responses"].get(status.to_string()).is_some(),
            "{method} {path}: answered {status} {code}, which it does not document"
        );
    }
    // Every reference names something the document defines.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let pointer = r.strip_prefix('#').expect("only local references");
        assert!(doc.pointer(pointer).is_some(), "{r} is not defined");
    }
}

#[tokio::test]
async fn every_error_code_is_documented_with_an_example() {
    let t = TestApp::spawn().await;
    let doc = document(&t).await;
    let listed: BTreeSet<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut exemplified = BTreeSet::new();
    for resp in doc["components"]["responses"].as_object().unwrap().values() {
        let content = &resp["content"]["application/json"];
        for example in content["examples"].as_object().into_iter().flatten() {
            let e = &example.1["value"]["error"];
            let code = e["code"].as_str().unwrap();
            assert!(e["message"].is_string(), "{code}: no message");
            exemplified.insert(code.to_owned());
        }
    }
    for code in ErrorCode::ALL {
        assert!(listed.contains(code.as_str()), "{code} not in ErrorCode");
        assert!(
            exemplified.contains(code.as_str()),
            "no response shows {code}"
        );
    }
    assert_eq!(listed.len(), ErrorCode::ALL.len(), "{listed:?}");
    // Both credentials are described, and every route under /v1 but
    // sign-up and sign-in asks for one and documents its 401.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["scheme"], "bearer");
    assert_eq!(
        (
            schemes["session"]["in"].as_str(),
            schemes["session"]["name"].as_str()
        ),
        (Some("cookie"), Some("kiln_session"))
    );
    for (method, path, op) in operations(&doc) {
        let open = !path.starts_with("/v1/") || path.starts_with("/v1/auth/");
        assert_eq!(op["security"].is_array(), !open, "{method} {path}");
        if !open {
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
        }
    }
}

/// Every `src` and `href` of the page.
fn assets(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_docs_page_loads_only_files_of_the_gateway() {
    let t = app_with(|_| {}).await;
    // Public, like the document: no credentials.
    let r = t.http.get(format!("{}/docs", t.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    for directive in csp.split(';') {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap_or_default();
        for source in words {
            assert!(
                source.starts_with('\'') || source == "data:",
                "{name} allows {source}: {csp}"
            );
        }
    }
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>"), "inline script in the page");
    let files = assets(&html);
    assert!(files.iter().any(|f| f.ends_with(".js")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with(".css")), "{files:?}");
    for f in files {
        assert!(
            f.starts_with('/') && !f.starts_with("//"),
            "{f} is elsewhere"
        );
        let r = t.http.get(format!("{}{f}", t.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{f}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        let want = match f.rsplit('.').next().unwrap() {
            "js" => "javascript",
            "css" => "text/css",
            "png" => "image/png",
            other => panic!("{f}: an unexpected kind of file ({other})"),
        };
        assert!(ct.contains(want), "{f}: {ct}");
        let body = r.text().await.unwrap_or_default();
        if f.ends_with("swagger-initializer.js") {
            assert!(body.contains("\"/openapi.json\""), "{body}");
            assert!(!body.contains("http"), "{body}");
        }
    }
    // GET only, and nothing beyond Swagger UI's files.
    let r = t
        .http
        .post(format!("{}/docs", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = t
        .http
        .get(format!("{}/docs/nothing.js", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// What schemathesis found, kept fixed: every error a route answers is the
/// JSON the document describes.
#[tokio::test]
async fn a_malformed_api_key_body_is_a_json_422() {
    let t = app_with(|_| {}).await;
    let token = crate::common::accounts::signup(&t, "keys@example.com").await;
    for body in [r#"{"name": {}}"#, "null", "{"] {
        let r = t
            .http
            .post(format!("{}/v1/api-keys", t.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let json: Value = r.json().await.unwrap();
        assert_eq!(json["error"]["code"], "invalid_parameter", "{body}: {json}");
    }
    // No body at all is still an unnamed key.
    let r = t
        .http
        .post(format!("{}/v1/api-keys", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// In a real browser: the page's own files run under its policy, fetch the
/// document and render every operation; rendering it and opening an
/// operation breaks no rule of the policy; nothing comes from elsewhere.
#[tokio::test]
async fn the_docs_page_renders_the_document_in_a_browser() {
    let Some(b) = crate::common::browser::Browser::start().await else {
        return;
    };
    let t = TestApp::spawn().await;
    b.client.goto(&format!("{}/docs", t.base)).await.unwrap();
    b.until(
        "Swagger UI shows the document",
        "const title = document.querySelector('.swagger-ui .info .title'); \
         return !!title && title.textContent.includes('Kiln') \
             && document.querySelectorAll('.opblock').length >= 30;",
    )
    .await;
    b.js(
        "window.violations = []; \
         document.addEventListener('securitypolicyviolation', \
             e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI)); \
         return true;",
        vec![],
    )
    .await;
    // Rendering again, now with the listener: the page's own render ran
    // before a test could listen. (A script run by the driver is not the
    // page's and is not subject to its policy.)
    b.js(
        "const again = document.createElement('div'); again.id = 'again'; \
         document.body.appendChild(again); \
         window.SwaggerUIBundle({url: '/openapi.json', dom_id: '#again', \
             presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], \
             layout: 'StandaloneLayout'}); \
         return true;",
        vec![],
    )
    .await;
    b.until(
        "the second rendering shows the document",
        "return document.querySelectorAll('#again .opblock').length >= 30;",
    )
    .await;
    b.click("#again .opblock .opblock-summary-control").await;
    b.until(
        "an operation opens",
        "return document.querySelectorAll('#again .opblock.is-open .opblock-body').length > 0;",
    )
    .await;
    let violations = b.js("return window.violations;", vec![]).await;
    assert_eq!(
        violations,
        serde_json::json!([]),
        "the policy blocked something"
    );
    let loaded = b
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name);",
            vec![],
        )
        .await;
    let loaded = loaded.as_array().unwrap();
    assert!(loaded.len() >= 4, "{loaded:?}");
    for url in loaded {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/", t.base)) || url.starts_with("data:"),
            "{url} is not the gateway's"
        );
    }
    b.quit().await;
}
