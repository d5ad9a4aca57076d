//! The HTTP API's contract: errors, paging, ranges, deletion, limits.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{TestApp, plain_jpeg};
use kiln_proto::Role;
use kiln_workers::Outcome;

fn assert_error(body: &serde_json::Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn unknown_ids_and_routes_answer_json_404() {
    let t = TestApp::spawn().await;
    for path in [
        "/v1/jobs/nope",
        "/v1/files/nope",
        "/v1/files/nope/metadata",
        "/v1/nothing-here",
    ] {
        let (code, body) = t.get_json(path).await;
        assert_eq!(code, 404, "{path}");
        assert!(body["error"]["code"].is_string(), "{path}: {body}");
    }
    let r = t
        .http
        .delete(format!("{}/v1/files/nope", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn bad_parameters_are_422_and_store_nothing() {
    let t = TestApp::spawn().await;
    for q in [
        "thumbnails=0",
        "thumbnails=abc",
        "formats=gif",
        "metadata=perhaps",
    ] {
        let (code, body) = t.upload_raw(plain_jpeg(20, 20), "a.jpg", q).await;
        assert_eq!(code, 422, "{q}");
        assert_error(&body, "invalid_parameter");
    }
    // Multipart: a bad field after the file still stores nothing.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(plain_jpeg(20, 20)).file_name("a.jpg"),
        )
        .text("formats", "bmp");
    let r = t
        .http
        .post(format!("{}/v1/uploads", t.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let form = reqwest::multipart::Form::new().text("thumbnails", "64");
    let r = t
        .http
        .post(format!("{}/v1/uploads", t.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "no file field");
    for q in ["status=lost", "kind=teleport", "limit=0", "limit=500"] {
        let (code, body) = t.get_json(&format!("/v1/jobs?{q}")).await;
        assert_eq!(code, 422, "{q}");
        assert_error(&body, "invalid_parameter");
    }
    assert!(t.blob_files("originals").is_empty());
    let (_, list) = t.get_json("/v1/jobs").await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn uploads_over_the_limit_are_413_and_leave_nothing() {
    let t = TestApp::spawn_with(|c| c.gateway.max_upload_bytes = 10_000).await;
    // Declared too large up front.
    let (code, body) = t.upload_raw(vec![7u8; 20_000], "big.bin", "").await;
    assert_eq!(code, 413);
    assert_error(&body, "too_large");
    // Streamed without a length: caught while streaming.
    let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 4096])));
    let r = t
        .http
        .post(format!("{}/v1/uploads", t.base))
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(t.blob_files("originals").is_empty() && t.blob_files("tmp").is_empty());
    let (code, _) = t
        .upload_raw(
            vec![7u8; 9_000],
            "fits.bin",
            "thumbnails=none&metadata=false",
        )
        .await;
    assert_eq!(code, 202);
}

#[tokio::test]
async fn files_support_range_etag_and_delete_removes_everything() {
    let t = TestApp::spawn().await;
    let jpeg = plain_jpeg(300, 200);
    let (_, up) = t.upload_raw(jpeg.clone(), "r.jpg", "thumbnails=64").await;
    let file = format!("/v1/files/{}", up["file_id"].as_str().unwrap());
    assert_eq!(t.get_bytes(&file).await, jpeg);

    let r = t
        .http
        .get(format!("{}{file}", t.base))
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 10-19/{}", jpeg.len()).as_str()
    );
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &jpeg[10..20]);
    let r = t
        .http
        .get(format!("{}{file}", t.base))
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &jpeg[jpeg.len() - 5..]);
    let r = t
        .http
        .get(format!("{}{file}", t.base))
        .header("range", "bytes=999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", jpeg.len()).as_str()
    );

    let r = t
        .http
        .get(format!("{}{file}", t.base))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", up["sha256"].as_str().unwrap()));
    let r = t
        .http
        .get(format!("{}{file}", t.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Metadata).await,
        Outcome::Succeeded { .. }
    ));
    let job = format!("/v1/jobs/{}", up["jobs"][0]["id"].as_str().unwrap());
    let (_, j) = t.get_json(&job).await;
    let output = j["outputs"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(t.blob_files("derived").len(), 1);

    let r = t
        .http
        .delete(format!("{}{file}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    for path in [file.clone(), output, job, format!("{file}/metadata")] {
        assert_eq!(t.get_json(&path).await.0, 404, "{path}");
    }
    assert!(t.blob_files("originals").is_empty() && t.blob_files("derived").is_empty());
}

#[tokio::test]
async fn job_list_is_newest_first_filtered_and_paged() {
    let t = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, up) = t
            .upload_raw(plain_jpeg(30, 30), &format!("{i}.jpg"), "thumbnails=none")
            .await;
        ids.push(up["jobs"][0]["id"].as_str().unwrap().to_owned());
    }
    ids.reverse();
    let (_, p1) = t.get_json("/v1/jobs?limit=2").await;
    let got: Vec<&str> = p1["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, &ids[..2]);
    let mut seen: Vec<String> = got.iter().map(|s| s.to_string()).collect();
    let mut cursor = p1["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let (_, p) = t
            .get_json(&format!("/v1/jobs?limit=2&cursor={cursor}"))
            .await;
        seen.extend(
            p["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["id"].as_str().unwrap().to_owned()),
        );
        match p["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    t.run_one(Role::Metadata).await;
    let (_, done) = t.get_json("/v1/jobs?status=succeeded&kind=metadata").await;
    assert_eq!(done["jobs"].as_array().unwrap().len(), 1);
    let (_, queued) = t.get_json("/v1/jobs?status=queued").await;
    assert_eq!(queued["jobs"].as_array().unwrap().len(), 4);
    let (_, thumbs) = t.get_json("/v1/jobs?kind=thumbnail").await;
    assert_eq!(thumbs["jobs"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::spawn().await;
    let (code, body) = t.get_json("/healthz").await;
    assert_eq!((code, body["status"].as_str()), (200, Some("ok")));
    let (code, body) = t.get_json("/readyz").await;
    assert_eq!((code, body["checks"]["broker"].as_str()), (200, Some("ok")));
}

#[tokio::test]
async fn uploaded_html_is_never_served_as_something_a_browser_runs() {
    let t = TestApp::spawn().await;
    let script = b"<script>alert(document.domain)</script>".to_vec();
    let (code, up) = t
        .upload_raw(script.clone(), "x.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202, "{up}");
    let url = format!("{}/v1/files/{}", t.base, up["file_id"].as_str().unwrap());
    let r = t.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/octet-stream");
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"),
        "{:?}",
        h["content-disposition"]
    );
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), script.as_slice());

    // An image is still shown inline, as itself, under the same policy.
    let jpeg = plain_jpeg(40, 30);
    let (_, up) = t.upload_raw(jpeg, "p.jpg", "thumbnails=none").await;
    let url = format!("{}/v1/files/{}", t.base, up["file_id"].as_str().unwrap());
    let r = t.http.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(
        r.headers()["content-security-policy"],
        "default-src 'none'; sandbox"
    );
}

#[tokio::test]
async fn ranges_in_other_units_or_malformed_are_ignored_with_the_whole_file() {
    // RFC 9110 §14.2: a Range the server does not understand is ignored
    // (200, whole body); only a well-formed `bytes` range past the end is 416.
    let t = TestApp::spawn().await;
    let jpeg = plain_jpeg(64, 48);
    let (_, up) = t.upload_raw(jpeg.clone(), "u.jpg", "thumbnails=64").await;
    let file = format!("/v1/files/{}", up["file_id"].as_str().unwrap());
    for range in ["items=0-5", "bytes=5-2", "bytes=abc"] {
        let r = t
            .http
            .get(format!("{}{file}", t.base))
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{range}");
        assert!(r.headers().get("content-range").is_none(), "{range}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), &jpeg[..], "{range}");
    }
}

#[tokio::test]
async fn a_65_kb_exif_make_is_stored_capped() {
    // A real JPEG with an EXIF APP1 (TIFF little-endian, IFD0 holding one
    // ASCII Make of 65,000 bytes with an escape sequence in it) inserted
    // after SOI, as a hostile camera or editor would write it.
    let make = format!("\u{1b}[31m{}", "Nikon".repeat(13_000));
    let mut tiff = b"II*\x00\x08\x00\x00\x00\x01\x00\x0f\x01\x02\x00".to_vec();
    tiff.extend_from_slice(&(make.len() as u32 + 1).to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(make.as_bytes());
    tiff.push(0);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&u16::try_from(8 + tiff.len()).unwrap().to_be_bytes());
    app1.extend_from_slice(b"Exif\x00\x00");
    app1.extend_from_slice(&tiff);
    let plain = plain_jpeg(80, 60);
    let jpeg = [&plain[..2], &app1, &plain[2..]].concat();

    let t = TestApp::spawn().await;
    let (code, up) = t.upload_raw(jpeg, "make.jpg", "thumbnails=none").await;
    assert_eq!(code, 202, "{up}");
    assert!(matches!(
        t.run_one(Role::Metadata).await,
        Outcome::Succeeded { .. }
    ));
    let (_, meta) = t
        .get_json(&format!(
            "/v1/files/{}/metadata",
            up["file_id"].as_str().unwrap()
        ))
        .await;
    let stored = meta["exif"]["make"].as_str().unwrap();
    assert_eq!(stored.chars().count(), 256, "{stored}");
    assert!(stored.starts_with("[31mNikonNikon"), "{stored}");
    assert_eq!(meta["width"], 80);
}

/// No cross-origin access unless origins are listed; a listed origin's
/// preflight is answered before routing and auth, others get nothing.
#[tokio::test]
async fn cross_origin_access_is_off_by_default_and_only_for_listed_origins() {
    let preflight = |t: &TestApp, origin: &str| {
        t.http
            .request(reqwest::Method::OPTIONS, format!("{}/v1/files", t.base))
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let closed = TestApp::spawn().await;
    let r = preflight(&closed, "https://app.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let t = crate::common::accounts::app_with(|c| {
        c.gateway.cors.allowed_origins = vec!["https://app.example".into()];
    })
    .await;
    let r = preflight(&t, "https://app.example").await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    let methods = h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        methods.contains("PATCH") && methods.contains("DELETE"),
        "{methods}"
    );
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    // The real request carries the header, and still needs a token.
    let r = t
        .http
        .get(format!("{}/v1/files", t.base))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let r = preflight(&t, "https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // A mistyped origin stops the start, rather than being ignored.
    let dir = tempfile::tempdir().unwrap();
    let mut c = crate::common::test_config(dir.path());
    c.gateway.cors.allowed_origins = vec!["https://bad\norigin".into()];
    assert!(kiln::start(&c, kiln::Workers::Manual).await.is_err());
}
