//! `GET /v1/files` with every filter, paging while files arrive, `PATCH`,
//! and `GET /v1/jobs?file_id=`.

use super::{As, Shot, photo, run};
use crate::common::{self, TestApp, media};
use kiln_proto::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Uploads a small library, extracts its metadata, and checks that each
/// filter (and combinations) finds exactly the right files.
async fn search_finds_by_what_was_extracted(t: &TestApp) {
    let me = As { t, token: None };
    let canon = Shot {
        make: "Canon",
        model: "EOS R5",
        lens: Some("RF 24-70mm F2.8"),
        taken: "2024:05:17 14:03:22",
        offset: Some("+02:00"),
        gps: Some((48.8584, 2.2945)), // Paris
    };
    let nikon = Shot {
        make: "NIKON CORPORATION",
        model: "Z 6",
        lens: None,
        taken: "2021:01:02 03:04:05",
        offset: None,
        gps: Some((-33.8568, 151.2153)), // Sydney
    };
    let fiji = Shot {
        make: "Canon",
        model: "EOS R6",
        lens: None,
        taken: "2023:08:01 10:00:00",
        offset: Some("+12:00"),
        gps: Some((-17.7134, 179.5)), // east of the antimeridian's west side
    };
    let nogps = Shot {
        make: "Apple",
        model: "iPhone 15",
        lens: None,
        taken: "2022:12:24 18:00:00",
        offset: Some("-05:00"),
        gps: None,
    };
    let q = "thumbnails=none";
    let paris = me
        .upload(photo(400, 300, &canon), "eiffel tower.jpg", q)
        .await;
    let sydney = me.upload(photo(300, 400, &nikon), "opera.jpg", q).await;
    let suva = me.upload(photo(640, 480, &fiji), "reef.jpg", q).await;
    let xmas = me
        .upload(photo(200, 200, &nogps), "Christmas_100%.jpg", q)
        .await;
    run(t, Role::Metadata, 4).await;
    let id = |v: &serde_json::Value| v["file_id"].as_str().unwrap().to_owned();
    let (paris, sydney, suva, xmas) = (id(&paris), id(&sydney), id(&suva), id(&xmas));

    let mut audio = Vec::new();
    if media::ffmpeg_available() {
        let short = media::make(
            t.dir.path(),
            "short.wav",
            &media::tone(1.0),
            "-c:a pcm_s16le",
        );
        let long = media::make(
            t.dir.path(),
            "long.wav",
            &media::tone(3.0),
            "-c:a pcm_s16le",
        );
        audio.push(id(&me.upload(short, "short.wav", "").await));
        audio.push(id(&me.upload(long, "long.wav", "").await));
        run(t, Role::Metadata, 2).await;
    }

    // Newest first; each file carries what was extracted.
    let (code, all) = me.get("/v1/files").await;
    assert_eq!(code, StatusCode::OK, "{all}");
    let files = all["files"].as_array().unwrap();
    let p = files.iter().find(|f| f["id"] == paris.as_str()).unwrap();
    assert_eq!(p["type"], "image");
    assert_eq!(p["camera"]["make"], "Canon");
    assert_eq!(p["camera"]["lens"], "RF 24-70mm F2.8");
    assert_eq!(
        p["taken_at"], "2024-05-17T12:03:22Z",
        "the offset is applied"
    );
    assert_eq!(
        (p["width"].as_u64(), p["height"].as_u64()),
        (Some(400), Some(300))
    );
    assert!((p["location"]["latitude"].as_f64().unwrap() - 48.8584).abs() < 1e-3);
    assert_eq!(p["jobs"][0]["kind"], "metadata");
    assert_eq!(p["jobs"][0]["status"], "succeeded");

    let check = |query: &'static str, want: Vec<&String>| {
        let me = &me;
        let mut want: Vec<String> = want.into_iter().cloned().collect();
        want.sort();
        async move {
            let mut got = me.ids(query).await;
            got.sort();
            assert_eq!(got, want, "{query}");
        }
    };
    check("camera_make=canon", vec![&paris, &suva]).await;
    check("camera_model=EOS%20R5", vec![&paris]).await;
    check("camera_make=Canon&camera_model=eos%20r6", vec![&suva]).await;
    check("lens=rf%2024-70mm%20f2.8", vec![&paris]).await;
    check("has_gps=true", vec![&paris, &sydney, &suva]).await;
    check("has_gps=false&type=image", vec![&xmas]).await;
    check("bbox=-10,40,10,55", vec![&paris]).await;
    check("bbox=179,-20,-179,-10", vec![&suva]).await; // across the antimeridian
    check("bbox=100,-40,160,-30", vec![&sydney]).await;
    check("taken_after=2023-01-01T00:00:00Z", vec![&paris, &suva]).await;
    check("taken_before=2022-12-24T23:00:00Z", vec![&sydney]).await; // 18:00-05:00 is 23:00Z
    check(
        "taken_before=2022-12-24T23:00:01Z&taken_after=2022-01-01T00:00:00Z",
        vec![&xmas],
    )
    .await;
    check("orientation=portrait", vec![&sydney]).await;
    check(
        "orientation=landscape&camera_make=canon",
        vec![&paris, &suva],
    )
    .await;
    check("min_width=600", vec![&suva]).await;
    check("min_height=350&type=image", vec![&sydney, &suva]).await;
    check("q=TOWER", vec![&paris]).await;
    check("q=100%25", vec![&xmas]).await; // a literal %
    check("q=_", vec![&xmas]).await; // a literal _
    check("type=video", vec![]).await;
    if let [short, long] = &audio[..] {
        check("type=audio", vec![short, long]).await;
        check("min_duration=2", vec![long]).await;
        check("max_duration=2", vec![short]).await;
        check(
            "min_duration=0.5&max_duration=5&type=audio",
            vec![short, long],
        )
        .await;
    }
    // Bad values are named.
    for (query, param) in [
        ("type=pdf", "type"),
        ("bbox=1,2,3", "bbox"),
        ("taken_after=May", "taken_after"),
        ("min_width=wide", "min_width"),
        ("has_gps=perhaps", "has_gps"),
        ("orientation=round", "orientation"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ] {
        let (code, body) = me.get(&format!("/v1/files?{query}")).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(body["error"]["code"], "invalid_parameter");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(param), "{query}: {msg}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_by_metadata_on_sqlite() {
    let t = TestApp::spawn().await;
    search_finds_by_what_was_extracted(&t).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_by_metadata_on_mongodb() {
    let production = common::cluster::production().await;
    let t = TestApp::spawn_with(production).await;
    search_finds_by_what_was_extracted(&t).await;
    t.app.backends.broker.close().await;
    common::brokers::TestBroker::RabbitMq
        .cleanup(&kiln_proto::Names::new(t.config.namespace.clone()))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_stay_stable_while_files_arrive() {
    let t = TestApp::spawn().await;
    let me = As { t: &t, token: None };
    let mut uploaded = Vec::new();
    for i in 0..5 {
        let up = me
            .upload(
                common::plain_jpeg(16 + i, 16),
                &format!("f{i}.jpg"),
                "thumbnails=none&metadata=false",
            )
            .await;
        uploaded.push(up["file_id"].as_str().unwrap().to_owned());
    }
    let (_, page1) = me.get("/v1/files?limit=2").await;
    let first = super::ids_of(&page1["files"]);
    assert_eq!(first, vec![uploaded[4].clone(), uploaded[3].clone()]);
    // New uploads between pages do not shift what comes next.
    for i in 0..2 {
        me.upload(
            common::plain_jpeg(40 + i, 16),
            "late.jpg",
            "thumbnails=none&metadata=false",
        )
        .await;
    }
    let mut seen = first;
    let mut cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let (code, page) = me.get(&format!("/v1/files?limit=2&cursor={cursor}")).await;
        assert_eq!(code, StatusCode::OK);
        seen.extend(super::ids_of(&page["files"]));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let mut want = uploaded.clone();
    want.reverse();
    assert_eq!(seen, want, "every file once, newest first");
    let oldest = me.ids("sort=oldest&limit=3").await;
    assert_eq!(oldest, uploaded[..3].to_vec());
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_renamed_tagged_described_and_found_by_it() {
    let t = TestApp::spawn().await;
    let me = As { t: &t, token: None };
    let up = me
        .upload(
            common::plain_jpeg(64, 48),
            "IMG_0001.JPG",
            "thumbnails=32&metadata=false",
        )
        .await;
    let other = me
        .upload(
            common::plain_jpeg(48, 64),
            "IMG_0002.JPG",
            "thumbnails=none&metadata=false",
        )
        .await;
    run(&t, Role::Thumbnail, 1).await;
    let id = up["file_id"].as_str().unwrap();
    let path = format!("/v1/files/{id}");
    let (code, f) = me
        .call(
            Method::PATCH,
            &path,
            Some(
                json!({"filename": "dir/Beach day.jpg", "tags": ["Summer", "summer", " family "],
                        "description": "Grandma's 80th"}),
            ),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{f}");
    assert_eq!(f["filename"], "Beach day.jpg", "no path kept");
    assert_eq!(f["tags"], json!(["Summer", "family"]));
    assert_eq!(f["description"], "Grandma's 80th");
    assert_eq!(f["thumbnails"][0]["width"], 32);
    assert_eq!(me.ids("q=beach").await, vec![id.to_owned()]);
    assert_eq!(me.ids("q=FAMILY").await, vec![id.to_owned()]);
    assert_eq!(me.ids("q=grandma").await, vec![id.to_owned()]);
    assert_eq!(
        me.ids("q=IMG_0001").await,
        Vec::<String>::new(),
        "the old name is gone"
    );
    // The download carries the new name.
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cd.contains("Beach day.jpg"), "{cd}");
    // Description removed with null; other fields kept.
    let (_, f) = me
        .call(Method::PATCH, &path, Some(json!({"description": null})))
        .await;
    assert_eq!(
        (f["description"].clone(), f["tags"].clone()),
        (json!(null), json!(["Summer", "family"]))
    );
    // Limits and mistakes are named.
    for (body, field) in [
        (json!({"tags": vec!["t"; 33]}), "tags"),
        (json!({"tags": ["x".repeat(65)]}), "tags"),
        (json!({"filename": "   "}), "filename"),
        (json!({"description": "d".repeat(2001)}), "description"),
        (json!({"name": "typo"}), "name"),
    ] {
        let (code, e) = me.call(Method::PATCH, &path, Some(body)).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(field),
            "{e}"
        );
    }
    // An output is not a library file.
    let thumb = f["thumbnails"][0]["file_id"].as_str().unwrap();
    let (code, _) = me
        .call(
            Method::PATCH,
            &format!("/v1/files/{thumb}"),
            Some(json!({"tags": []})),
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    // GET /v1/jobs?file_id= lists that file's jobs only.
    let (_, jobs) = me.get(&format!("/v1/jobs?file_id={id}")).await;
    let jobs = jobs["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["file_id"], id);
    let (_, none) = me
        .get(&format!(
            "/v1/jobs?file_id={}",
            other["file_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(none["jobs"], json!([]));
}
