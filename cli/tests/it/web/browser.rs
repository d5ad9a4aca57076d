//! A person's first session with the web app, in headless Chromium: sign
//! up, upload photos and a clip, watch their jobs finish live, browse the
//! gallery, download an output, read a dead job's reason and retry it,
//! delete a file.

use crate::common::browser::Browser;
use crate::common::{self, TestApp, accounts, media};
use kiln::Workers;
use kiln::auth_config::{Secret, Switch};
use reqwest::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

async fn app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut c = common::test_config(dir.path());
    c.auth = Some(Switch(true));
    c.jwt_secret = Some(Secret(accounts::SECRET.into()));
    TestApp::start_in(dir, &c, Workers::Background).await
}

/// The upload rows' job chips: `{file name: {kind: "status reason"}}`.
const CHIPS: &str = r#"
const out = {};
for (const row of document.querySelectorAll('.upload')) {
  const jobs = {};
  for (const c of row.querySelectorAll('[data-job]')) {
    jobs[c.dataset.kind] = (c.querySelector('.status').dataset.status + c.querySelector('.why').textContent).trim();
  }
  out[row.dataset.name] = jobs;
}
return out;"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_user_uploads_watches_browses_downloads_retries_and_deletes_in_a_browser() {
    if !media::ffmpeg_available() {
        return;
    }
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = app().await;
    let files = tempfile::tempdir().unwrap();
    let put = |name: &str, bytes: &[u8]| {
        let p = files.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let cut = common::plain_jpeg(640, 480);
    let paths = [
        put("harbour.jpg", &common::camera_jpeg(800, 600, 1)),
        put("lake.jpg", &common::plain_jpeg(1200, 900)),
        put(
            "clip.mp4",
            &media::source(files.path(), "src.mp4", true, "-c:v libx264 -c:a aac"),
        ),
        put("broken.jpg", &cut[..cut.len() / 2]),
    ];

    // Signed out, the app asks to sign in; a wrong password is told in words.
    b.client.goto(&format!("{}/files", t.base)).await.unwrap();
    b.fill("#f-email", "ada@example.com").await;
    b.fill("#f-password", "not the password").await;
    b.click("form button[type=submit]").await;
    b.until(
        "the sign-in error is shown",
        "const e = document.querySelector('form .error'); return !!e && !e.hidden && e.textContent.includes('unauthorized');",
    )
    .await;

    // Sign up, which signs in and goes where the person was headed.
    b.click("a[href^='/signup']").await;
    b.fill("#f-name", "Ada").await;
    b.fill("#f-email", "ada@example.com").await;
    b.fill("#f-password", PASSWORD).await;
    b.click("form button[type=submit]").await;
    b.find("#gallery").await;
    let (code, login) = accounts::call(
        &t,
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": "ada@example.com", "password": PASSWORD})),
    )
    .await;
    assert_eq!(code, 200, "{login}");
    let token = login["access_token"].as_str().unwrap().to_owned();

    // Upload four files at once through the file input; the lake photo
    // also asks for WebP thumbnails (a per-file choice).
    b.click("nav a[href='/upload']").await;
    let input = b.find("#file-input").await;
    input.send_keys(&paths.join("\n")).await.unwrap();
    b.click(".upload[data-name='lake.jpg'] details summary")
        .await;
    b.click(".upload[data-name='lake.jpg'] input[name=formats][value=webp]")
        .await;
    b.js("window.kilnSamePage = true; return null;", vec![])
        .await;
    b.click("#start-upload").await;

    // Every job reaches its end on the page, pushed live: no reload.
    b.until(
        "every upload stored and every job finished",
        "const rows = [...document.querySelectorAll('.upload')];
         return rows.length === 4 && rows.every(r => r.querySelector('[data-job]')) &&
           [...document.querySelectorAll('.uploads .status')].every(s => ['succeeded', 'dead'].includes(s.dataset.status));",
    )
    .await;
    assert_eq!(
        b.js("return window.kilnSamePage === true;", vec![]).await,
        true
    );
    let chips = b.js(CHIPS, vec![]).await;
    for photo in ["harbour.jpg", "lake.jpg"] {
        assert_eq!(chips[photo]["thumbnail"], "succeeded", "{chips}");
        assert_eq!(chips[photo]["metadata"], "succeeded", "{chips}");
    }
    assert_eq!(chips["clip.mp4"]["convert"], "succeeded", "{chips}");
    let broken = chips["broken.jpg"]["thumbnail"].as_str().unwrap();
    assert!(
        broken.starts_with("dead") && broken.contains("truncated"),
        "{chips}"
    );
    b.js("window.scrollTo(0, 0); return null;", vec![]).await;
    b.screenshot("upload.png").await;

    let ids = b
        .js(
            "const id = n => document.querySelector(`.upload[data-name='${n}'] a[href^='/files/']`).getAttribute('href').slice(7);
             return [id('clip.mp4'), id('lake.jpg'), id('broken.jpg')];",
            vec![],
        )
        .await;
    let id = |i: usize| ids[i].as_str().unwrap().to_owned();
    let (clip, lake, broken_id) = (id(0), id(1), id(2));
    let (_, view) = accounts::call(
        &t,
        Method::GET,
        &format!("/v1/files/{lake}/details"),
        Some(&token),
        None,
    )
    .await;
    let formats: Vec<&str> = view["thumbnails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["content_type"].as_str().unwrap())
        .collect();
    assert!(
        formats.contains(&"image/webp") && formats.contains(&"image/jpeg"),
        "{view}"
    );

    // The gallery shows the photos' thumbnails, decoded by the browser.
    b.click("nav a[href='/files']").await;
    b.until(
        "four tiles, the photos' thumbnails loaded",
        "const tiles = document.querySelectorAll('#gallery .tile');
         const imgs = [...document.querySelectorAll('#gallery .tile img')];
         return tiles.length === 4 && imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth > 0);",
    )
    .await;
    b.screenshot("gallery.png").await;

    // The clip's page offers its MP3; the browser downloads the very bytes.
    b.click(&format!("#gallery .tile[data-file='{clip}'] a"))
        .await;
    let link = b.find("#outputs a.download").await;
    let name = link.attr("download").await.unwrap().unwrap();
    assert!(name.ends_with(".mp3"), "{name}");
    let href = link.attr("href").await.unwrap().unwrap();
    link.click().await.unwrap();
    let got = b.downloaded(&name).await;
    let want = t
        .http
        .get(format!("{}{href}", t.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        got.len() > 1000 && got == want,
        "{} bytes downloaded, {} served",
        got.len(),
        want.len()
    );
    assert!(got.starts_with(b"ID3") || got[0] == 0xFF, "an MP3");

    // The broken photo's page says why its thumbnail died; a retry runs it
    // again (and it dies again, for the same reason).
    b.client
        .goto(&format!("{}/files/{broken_id}", t.base))
        .await
        .unwrap();
    let dead = ".job[data-kind=thumbnail]";
    b.until(
        "the dead job and its reason",
        &format!("const j = document.querySelector('{dead}'); return !!j && !!j.querySelector('[data-status=dead]') && j.querySelector('.job-error').textContent.includes('truncated');"),
    )
    .await;
    b.click(&format!("{dead} button.retry")).await;
    b.until(
        "the retried job dead again after a second attempt",
        &format!("const j = document.querySelector('{dead}'); return !!j && !!j.querySelector('[data-status=dead]') && j.textContent.includes('2 attempts');"),
    )
    .await;

    // The jobs page lists it among the dead, with its reason.
    b.client
        .goto(&format!("{}/jobs?status=dead", t.base))
        .await
        .unwrap();
    b.until(
        "the dead job on the jobs page",
        "const rows = [...document.querySelectorAll('#jobs-table tr')];
         return rows.length === 1 && rows[0].dataset.kind === 'thumbnail' && rows[0].textContent.includes('truncated') && !!rows[0].querySelector('button.retry');",
    )
    .await;

    // Delete it: after a confirmation, it is gone from the gallery and the API.
    b.client
        .goto(&format!("{}/files/{broken_id}", t.base))
        .await
        .unwrap();
    b.click("#delete").await;
    b.client.accept_alert().await.unwrap();
    b.until(
        "back in the gallery without the deleted file",
        &format!("return location.pathname === '/files' && document.querySelectorAll('#gallery .tile').length === 3 && !document.querySelector(\"[data-file='{broken_id}']\");"),
    )
    .await;
    let (code, _) = accounts::call(
        &t,
        Method::GET,
        &format!("/v1/files/{broken_id}/details"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(code, 404);
    let errors: Value = b
        .js("return [...document.querySelectorAll('.notice-error')].filter(n => !n.hidden).map(n => n.textContent);", vec![])
        .await;
    assert_eq!(errors, json!([]), "no error shown along the way");
    b.quit().await;
}

/// What people stored is shown as text: a file name, tags and a
/// description made of markup run nothing, on the gallery or the file page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stored_markup_is_shown_as_text_and_never_runs() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn_with(|_| {}).await;
    let name = "<img src=x onerror=\"window.pwned=1\">.jpg";
    let (code, up) = t
        .upload_raw(
            common::plain_jpeg(64, 48),
            name,
            "thumbnails=none&metadata=false",
        )
        .await;
    assert_eq!(code, 202, "{up}");
    let id = up["file_id"].as_str().unwrap();
    let r = t
        .http
        .patch(format!("{}/v1/files/{id}", t.base))
        .json(&json!({"tags": ["<b>bold</b>"], "description": "<script>window.pwned=2</script>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    b.client.goto(&format!("{}/files", t.base)).await.unwrap();
    b.until(
        "the file's name shown as typed",
        &format!("const n = document.querySelector(\"[data-file='{id}'] .tile-name\"); return !!n && n.textContent === {};", json!(name)),
    )
    .await;
    b.click(&format!("[data-file='{id}'] a")).await;
    b.until(
        "the description shown as typed",
        "const d = document.querySelector('#description'); return !!d && d.value === '<script>window.pwned=2</script>';",
    )
    .await;
    let page = b
        .js("return {pwned: window.pwned === undefined ? null : window.pwned, title: document.querySelector('h1').textContent, imgs: document.querySelectorAll('main img[src=\"x\"]').length};", vec![])
        .await;
    assert_eq!(page, json!({"pwned": null, "title": name, "imgs": 0}));
    b.quit().await;
}

/// Words inside a photo (its XMP title, caption and keywords) are the
/// uploader's bytes too: the file page shows them as text, and they run
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn markup_inside_a_photos_metadata_is_shown_as_text_and_never_runs() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let t = TestApp::spawn_with(|_| {}).await;
    let title = "<img src=x onerror=\"window.pwned=3\">";
    let xmp = format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt></dc:title><dc:subject><rdf:Bag><rdf:li>&lt;script&gt;window.pwned=4&lt;/script&gt;</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"#,
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;")
    );
    let body = [b"http://ns.adobe.com/xap/1.0/\0".as_slice(), xmp.as_bytes()].concat();
    let plain = common::plain_jpeg(64, 48);
    let mut photo = plain[..2].to_vec();
    photo.extend_from_slice(&[0xFF, 0xE1]);
    photo.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
    photo.extend_from_slice(&body);
    photo.extend_from_slice(&plain[2..]);
    let (code, up) = t.upload_raw(photo, "xmp.jpg", "thumbnails=none").await;
    assert_eq!(code, 202, "{up}");
    assert!(matches!(
        t.run_one(kiln_proto::Role::Metadata).await,
        kiln_workers::Outcome::Succeeded { .. }
    ));
    let id = up["file_id"].as_str().unwrap();
    b.client
        .goto(&format!("{}/files/{id}", t.base))
        .await
        .unwrap();
    b.until(
        "the embedded title and keyword shown as typed",
        &format!(
            "const dd = [...document.querySelectorAll('#metadata dd')].map(d => d.textContent);
             return dd.includes({}) && dd.includes('<script>window.pwned=4</script>');",
            json!(title)
        ),
    )
    .await;
    let page = b
        .js("return {pwned: window.pwned === undefined ? null : window.pwned, imgs: document.querySelectorAll('main img[src=\"x\"]').length, scripts: document.querySelectorAll('#metadata script').length};", vec![])
        .await;
    assert_eq!(page, json!({"pwned": null, "imgs": 0, "scripts": 0}));
    b.screenshot("file-metadata.png").await;
    b.quit().await;
}
