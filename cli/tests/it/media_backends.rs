//! The converter on the production backends (a video streamed from GridFS
//! on RabbitMQ and on Kafka), and the metadata of audio and video.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestApp;
use common::brokers::TestBroker;
use common::media::{SECS, TOLERANCE, convert, decode, ffmpeg_available, make, source, tone};
use kiln_proto::Role;
use kiln_workers::Outcome;

#[tokio::test(flavor = "multi_thread")]
async fn metadata_of_video_and_audio_comes_from_the_container() {
    if !ffmpeg_available() {
        return;
    }
    let t = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let video = source(
        dir.path(),
        "v.mp4",
        true,
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -ac 2 -shortest",
    );
    let (code, up) = t.upload_raw(video, "v.mp4", "").await;
    assert_eq!(code, 202, "{up}");
    assert_eq!(
        up["jobs"].as_array().unwrap().len(),
        1,
        "media gets no default thumbnails: {up}"
    );
    assert!(matches!(
        t.run_one(Role::Metadata).await,
        Outcome::Succeeded { .. }
    ));
    let (_, doc) = t
        .get_json(&format!(
            "/v1/files/{}/metadata",
            up["file_id"].as_str().unwrap()
        ))
        .await;
    assert!(
        (doc["duration_secs"].as_f64().unwrap() - SECS).abs() < 0.1,
        "{doc}"
    );
    assert!(doc["bit_rate"].as_u64().unwrap() > 0, "{doc}");
    let tracks = doc["tracks"].as_array().unwrap();
    let v = tracks
        .iter()
        .find(|t| t["kind"] == "video")
        .expect("a video track");
    assert_eq!(
        (
            v["codec"].as_str(),
            v["width"].as_u64(),
            v["height"].as_u64()
        ),
        (Some("h264"), Some(320), Some(240)),
        "{doc}"
    );
    assert!(
        (v["frame_rate"].as_f64().unwrap() - 25.0).abs() < 0.01,
        "{doc}"
    );
    let a = tracks
        .iter()
        .find(|t| t["kind"] == "audio")
        .expect("an audio track");
    assert_eq!(
        (
            a["codec"].as_str(),
            a["sample_rate"].as_u64(),
            a["channels"].as_u64()
        ),
        (Some("aac"), Some(44100), Some(2)),
        "{doc}"
    );

    let flac = make(dir.path(), "a.flac", &tone(SECS), "-c:a flac");
    let (_, up) = t.upload_raw(flac, "a.flac", "").await;
    assert!(matches!(
        t.run_one(Role::Metadata).await,
        Outcome::Succeeded { .. }
    ));
    let (_, doc) = t
        .get_json(&format!(
            "/v1/files/{}/metadata",
            up["file_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(doc["container"], "flac", "{doc}");
    assert_eq!(doc["tracks"][0]["codec"], "flac", "{doc}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_and_gridfs_convert_a_video_streamed_from_the_store() {
    on_production(TestBroker::RabbitMq).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_and_gridfs_convert_a_video_streamed_from_the_store() {
    on_production(TestBroker::Kafka).await;
}

/// The MP4's index sits at its end, so the decoder seeks across the GridFS
/// file while it streams.
async fn on_production(broker: TestBroker) {
    if !ffmpeg_available() {
        return;
    }
    let production = common::cluster::production_on(broker).await;
    let t = TestApp::spawn_with(production).await;
    let dir = tempfile::tempdir().unwrap();
    let video = source(
        dir.path(),
        "clip.mp4",
        true,
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -ac 2 -shortest",
    );
    let (outcome, job) = convert(&t, video, "clip.mp4", "").await;
    assert!(
        matches!(outcome, Outcome::Succeeded { .. }),
        "{outcome:?}: {job}"
    );
    assert_eq!(job["attempts"], 1);
    let mp3 = t
        .get_bytes(job["outputs"][0]["url"].as_str().unwrap())
        .await;
    let d = decode(dir.path(), &mp3);
    assert!((d.seconds - SECS).abs() <= TOLERANCE, "{}", d.seconds);
    // Close before deleting the topics: librdkafka crashes on a metadata
    // refresh naming topics deleted under a live client (seen with Tansu).
    t.app.backends.broker.close().await;
    broker
        .cleanup(&kiln_proto::Names::new(t.config.namespace.clone()))
        .await;
}
