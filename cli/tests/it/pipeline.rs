//! Upload → jobs → thumbnails and metadata, over real HTTP on port 0.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::{TestApp, camera_jpeg, plain_jpeg, png_header_only};
use kiln_proto::Role;
use kiln_workers::Outcome;

fn is_reddish(p: &image::Rgb<u8>) -> bool {
    p[0] > 150 && p[2] < 100
}
fn is_blueish(p: &image::Rgb<u8>) -> bool {
    p[2] > 150 && p[0] < 100
}

#[tokio::test]
async fn photo_with_exif_orientation_gets_upright_thumbnails_and_metadata() {
    let t = TestApp::spawn().await;
    // Stored 400×200 with orientation 6: a viewer shows it 200×400, the
    // stored left (red) half on top.
    let photo = camera_jpeg(400, 200, 6);
    let form = reqwest::multipart::Form::new()
        .text("thumbnails", "128,64")
        .text("formats", "jpeg,webp,png")
        .part(
            "file",
            reqwest::multipart::Part::bytes(photo.clone()).file_name("holiday.png"),
        );
    let resp = t
        .http
        .post(format!("{}/v1/uploads", t.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let up: serde_json::Value = resp.json().await.unwrap();
    // Sniffed from the bytes, not the misleading name.
    assert_eq!(up["content_type"], "image/jpeg");
    assert_eq!(up["bytes"], photo.len());
    let jobs = up["jobs"].as_array().unwrap();
    assert_eq!(
        jobs.iter()
            .map(|j| j["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["thumbnail", "metadata"]
    );
    assert!(jobs.iter().all(|j| j["status"] == "queued"));

    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Metadata).await,
        Outcome::Succeeded { .. }
    ));

    let (code, job) = t
        .get_json(&format!("/v1/jobs/{}", jobs[0]["id"].as_str().unwrap()))
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        (
            job["status"].as_str(),
            job["attempts"].as_u64(),
            &job["error"]
        ),
        (Some("succeeded"), Some(1), &serde_json::Value::Null)
    );
    let outputs = job["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 6, "2 sizes × 3 formats");
    let mut seen = Vec::new();
    for o in outputs {
        let bytes = t.get_bytes(o["url"].as_str().unwrap()).await;
        assert_eq!(bytes.len() as u64, o["bytes"].as_u64().unwrap());
        let img = image::load_from_memory(&bytes).unwrap();
        let fmt = image::guess_format(&bytes).unwrap();
        assert_eq!(o["content_type"], fmt.to_mime_type());
        // Portrait now: the longer edge (height) is the requested size.
        assert_eq!(
            (img.width(), img.height()),
            (
                o["width"].as_u64().unwrap() as u32,
                o["height"].as_u64().unwrap() as u32
            )
        );
        assert_eq!(img.width() * 2, img.height());
        let rgb = img.to_rgb8();
        let (cx, h) = (img.width() / 2, img.height());
        assert!(
            is_reddish(rgb.get_pixel(cx, h / 8)),
            "top should be the red half: {:?}",
            rgb.get_pixel(cx, h / 8)
        );
        assert!(
            is_blueish(rgb.get_pixel(cx, h * 7 / 8)),
            "bottom should be the blue half"
        );
        // Outputs carry no EXIF (no GPS leaks).
        assert!(
            exif::Reader::new()
                .read_from_container(&mut std::io::Cursor::new(&bytes))
                .is_err()
        );
        seen.push((img.height(), fmt));
    }
    seen.sort_by_key(|(h, f)| (*h, f.extensions_str()[0]));
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![64, 64, 64, 128, 128, 128]
    );

    let (code, meta) = t
        .get_json(&format!(
            "/v1/files/{}/metadata",
            up["file_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        (
            meta["format"].as_str(),
            meta["width"].as_u64(),
            meta["height"].as_u64()
        ),
        (Some("jpeg"), Some(400), Some(200))
    );
    assert_eq!(
        (
            meta["display_width"].as_u64(),
            meta["display_height"].as_u64()
        ),
        (Some(200), Some(400))
    );
    let exif = &meta["exif"];
    assert_eq!(exif["make"], "Kiln Optics");
    assert_eq!(exif["model"], "KX-100");
    assert_eq!(exif["lens_model"], "Kiln 35mm F1.8");
    assert_eq!(exif["orientation"], 6);
    assert_eq!(exif["datetime_original"], "2024-05-17T14:03:22");
    assert_eq!(exif["exposure_time_display"], "1/250");
    assert_eq!(exif["f_number"], 2.8);
    assert_eq!(exif["iso"], 400);
    assert_eq!(exif["focal_length_mm"], 35.0);
    let (lat, lon) = (
        exif["gps"]["latitude"].as_f64().unwrap(),
        exif["gps"]["longitude"].as_f64().unwrap(),
    );
    assert!(
        (lat - 48.858233).abs() < 1e-5 && (lon + 2.294467).abs() < 1e-5,
        "{lat},{lon}"
    );
    // Missing facts are absent, not empty.
    assert!(exif.get("software").is_none() && exif.get("lens_make").is_none());
}

#[tokio::test]
async fn metadata_of_a_plain_image_has_no_exif_section() {
    let t = TestApp::spawn().await;
    let (code, up) = t
        .upload_raw(plain_jpeg(300, 120), "p.jpg", "thumbnails=none")
        .await;
    assert_eq!(code, 202);
    assert_eq!(up["jobs"].as_array().unwrap().len(), 1);
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
    assert_eq!(
        (meta["width"].as_u64(), meta["height"].as_u64()),
        (Some(300), Some(120))
    );
    assert!(meta.get("exif").is_none(), "{meta}");
}

#[tokio::test]
async fn small_images_are_never_upscaled() {
    let t = TestApp::spawn().await;
    let (_, up) = t
        .upload_raw(
            plain_jpeg(100, 60),
            "s.jpg",
            "thumbnails=64,256&metadata=false",
        )
        .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    let (_, job) = t
        .get_json(&format!(
            "/v1/jobs/{}",
            up["jobs"][0]["id"].as_str().unwrap()
        ))
        .await;
    let mut dims: Vec<(u64, u64)> = job["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["width"].as_u64().unwrap(), o["height"].as_u64().unwrap()))
        .collect();
    dims.sort();
    assert_eq!(dims, vec![(64, 38), (100, 60)]);
}

#[tokio::test]
async fn bad_inputs_end_dead_with_a_reason_and_the_server_keeps_serving() {
    let t = TestApp::spawn().await;
    let jpeg = plain_jpeg(640, 480);
    // (name, bytes, reason of the thumbnail failure, whether the header is
    // intact so that metadata, which reads only the header, still succeeds)
    let cases: Vec<(&str, Vec<u8>, &str, bool)> = vec![
        ("empty.jpg", Vec::new(), "empty", false),
        (
            "cut.jpg",
            jpeg[..jpeg.len() / 2].to_vec(),
            "truncated",
            true,
        ),
        (
            "notes.jpg",
            b"these are my notes, not a photo\n".repeat(20),
            "text/plain is not a JPEG, PNG, WebP or GIF",
            false,
        ),
        (
            "bomb.png",
            png_header_only(100_000, 100_000),
            "100000x100000",
            true,
        ),
    ];
    for (name, bytes, reason, header_ok) in cases {
        let (code, up) = t.upload_raw(bytes, name, "").await;
        assert_eq!(code, 202, "{name}");
        match t.run_one(Role::Thumbnail).await {
            Outcome::Dead { error, .. } => assert!(error.contains(reason), "{name}: {error}"),
            other => panic!("{name}: {other:?}"),
        }
        match (t.run_one(Role::Metadata).await, header_ok) {
            (Outcome::Succeeded { .. }, true) | (Outcome::Dead { .. }, false) => {}
            (other, _) => panic!("{name} metadata: {other:?}"),
        }
        let (_, job) = t
            .get_json(&format!(
                "/v1/jobs/{}",
                up["jobs"][0]["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(job["status"], "dead", "{name}");
        assert_eq!(
            job["attempts"], 1,
            "{name}: permanent failures are not retried"
        );
        assert!(
            job["error"].as_str().unwrap().contains(reason),
            "{name}: {}",
            job["error"]
        );
        assert_eq!(job["outputs"].as_array().unwrap().len(), 0);
    }
    assert_eq!(
        kiln_adapters::Broker::dead_letters(t.app.embedded_broker(), Role::Thumbnail, 100)
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        t.app
            .embedded_broker()
            .depth(Role::Thumbnail)
            .await
            .unwrap(),
        0
    );
    // The PNG bomb's limit message gives the numbers.
    let (code, dead) = t.get_json("/v1/jobs?status=dead&kind=thumbnail").await;
    assert_eq!(code, 200);
    assert!(
        dead["jobs"][0]["error"]
            .as_str()
            .unwrap()
            .contains("10000.0 MP; the limit is 50.0 MP"),
        "{}",
        dead["jobs"][0]["error"]
    );
    // Nothing half-written: the four originals, no outputs, no temp files.
    assert_eq!(t.blob_files("originals").len(), 4);
    assert!(t.blob_files("derived").is_empty());
    assert!(t.blob_files("tmp").is_empty());
    // And the server is fine.
    let (code, _) = t.get_json("/readyz").await;
    assert_eq!(code, 200);
    t.upload_raw(plain_jpeg(50, 50), "ok.jpg", "metadata=false")
        .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
}
