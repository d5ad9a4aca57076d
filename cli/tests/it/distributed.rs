//! Kiln as separate OS processes on MongoDB (wire protocol), RabbitMQ or
//! Kafka, and Redis: a gateway, two thumbnail workers and a metadata worker.
//! Every test runs once per broker, with the same expectations.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::brokers::TestBroker;
use common::cluster::Cluster;
use futures::{StreamExt, TryStreamExt};
use kiln_proto::Role;
use mongodb::bson::{Document, doc};
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const QUERY: &str = "thumbnails=64,160&formats=jpeg,webp";
const OUTPUTS_PER_UPLOAD: usize = 4;

/// `n` distinct camera photos of about `w`×`h`.
fn photos(n: usize, w: u32, h: u32) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| common::camera_jpeg(w + i as u32, h, 1))
        .collect()
}

/// Uploads `photos`, 8 at a time; returns (thumbnail job ids, all job ids).
async fn upload_many(c: &Cluster, photos: Vec<Vec<u8>>) -> (Vec<String>, Vec<String>) {
    let bodies: Vec<Value> = futures::stream::iter(photos)
        .map(|p| async move {
            let (code, body) = c.upload(p, QUERY).await;
            assert_eq!(code, 202, "{body}");
            body
        })
        .buffered(8)
        .collect()
        .await;
    let (mut thumbs, mut all) = (Vec::new(), Vec::new());
    for body in bodies {
        for j in body["jobs"].as_array().unwrap() {
            let id = j["id"].as_str().unwrap().to_owned();
            if j["kind"] == "thumbnail" {
                thumbs.push(id.clone());
            }
            all.push(id);
        }
    }
    (thumbs, all)
}

/// Derived blobs in GridFS, by file name (our output id): revisions a
/// redelivery left behind would show up as repeats.
async fn derived_blob_names(c: &Cluster) -> Vec<String> {
    let files = c.db().await.collection::<Document>("derived.files");
    let docs: Vec<Document> = files
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    docs.iter()
        .map(|d| d.get_str("filename").unwrap().to_owned())
        // The test server leaves a nameless placeholder for an upload cut
        // short (README: test server gaps); MongoDB does not.
        .filter(|name| !name.is_empty())
        .collect()
}

/// Every thumbnail job has exactly its outputs, each downloadable, and
/// GridFS holds exactly one blob per output: nothing duplicated or lost.
async fn assert_outputs_exact(c: &Cluster, thumb_jobs: &[Value]) {
    let mut expected = HashSet::new();
    for j in thumb_jobs {
        let outs = j["outputs"].as_array().unwrap();
        assert_eq!(outs.len(), OUTPUTS_PER_UPLOAD, "{j}");
        for o in outs {
            assert!(expected.insert(o["file_id"].as_str().unwrap().to_owned()));
        }
    }
    let mut names = derived_blob_names(c).await;
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "a derived blob is stored twice");
    assert_eq!(names.into_iter().collect::<HashSet<_>>(), expected);
    // Spot-check that outputs download as images.
    let url = thumb_jobs[0]["outputs"][0]["url"].as_str().unwrap();
    let bytes = c
        .http
        .get(format!("{}{url}", c.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    image::load_from_memory(&bytes).unwrap();
}

/// One test per broker running the same body.
macro_rules! on_each_broker {
    ($body:ident: $rabbit:ident, $kafka:ident) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn $rabbit() {
            $body(TestBroker::RabbitMq).await;
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn $kafka() {
            $body(TestBroker::Kafka).await;
        }
    };
}

on_each_broker!(fifty_uploads: rabbitmq_fifty_uploads_across_processes_every_job_succeeds_exactly_once,
    kafka_fifty_uploads_across_processes_every_job_succeeds_exactly_once);

async fn fifty_uploads(broker: TestBroker) {
    let mut c = Cluster::on(broker);
    c.start_gateway().await;
    let t1 = c.start_worker(Role::Thumbnail, 2).await;
    let t2 = c.start_worker(Role::Thumbnail, 2).await;
    c.start_worker(Role::Metadata, 2).await;

    // Made before the clock starts: it measures Kiln, not the test's encoder.
    let photos = photos(50, 1200, 900);
    let started = Instant::now();
    let (thumbs, all) = upload_many(&c, photos).await;
    let uploaded = started.elapsed().as_secs_f64();
    assert_eq!(all.len(), 100);
    let done = c.wait_terminal(&all, Duration::from_secs(300)).await;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "cross-process on {broker:?}: {} jobs in {secs:.1} s = {:.1} jobs/s (50 uploads of 1.1 MP, \
         uploading took {uploaded:.1} s)",
        all.len(),
        all.len() as f64 / secs
    );
    for j in &done {
        assert_eq!(
            (j["status"].as_str(), j["attempts"].as_u64()),
            (Some("succeeded"), Some(1)),
            "{j}"
        );
    }
    let thumb_jobs: Vec<Value> = done
        .iter()
        .filter(|j| thumbs.iter().any(|t| j["id"] == *t))
        .cloned()
        .collect();
    assert_outputs_exact(&c, &thumb_jobs).await;
    // Metadata of every upload is stored and served.
    let file_id = done[0]["file_id"].as_str().unwrap();
    let meta = c.get_json(&format!("/v1/files/{file_id}/metadata")).await;
    assert_eq!(meta["exif"]["make"], "Kiln Optics", "{meta}");
    // Both thumbnail replicas shared the queue.
    let (n1, n2) = (
        c.workers[t1].log_count("job succeeded"),
        c.workers[t2].log_count("job succeeded"),
    );
    assert!(n1 > 0 && n2 > 0 && n1 + n2 == 50, "split {n1} + {n2}");
    c.cleanup().await;
}

/// Waits until worker `w` is working on a job (per its log).
async fn wait_holding_a_job(c: &Cluster, w: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.workers[w].jobs_in_flight() == 0 {
        assert!(Instant::now() < deadline, "the worker never held a job");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

on_each_broker!(killed_mid_job: rabbitmq_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing,
    kafka_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing);

/// Two replicas share the work; one dies holding jobs, and the other (which
/// on Kafka takes over the dead one's partitions) finishes everything.
async fn killed_mid_job(broker: TestBroker) {
    let mut c = Cluster::on(broker);
    c.start_gateway().await;
    let victim = c.start_worker(Role::Thumbnail, 2).await;
    let survivor = c.start_worker(Role::Thumbnail, 2).await;
    c.start_worker(Role::Metadata, 2).await;
    let (thumbs, all) = upload_many(&c, photos(12, 3000, 2200)).await;
    wait_holding_a_job(&c, victim).await;
    // With both of its slots busy, the victim cannot finish everything it
    // holds in the moment between reading its log and the kill (one job
    // alone sometimes could: a thumbnail takes about 0.3 s).
    let busy = Instant::now() + Duration::from_secs(3);
    while c.workers[victim].jobs_in_flight() < 2 && Instant::now() < busy {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    c.workers[victim].kill9();
    if broker == TestBroker::Kafka {
        // Test broker gap (README, Tansu #3): it keeps a crashed leader in
        // the group, so the survivor never gets its partitions; a member
        // joining re-forms the group, as Kafka does on the session timeout.
        c.start_worker(Role::Thumbnail, 2).await;
    }

    let done = c.wait_terminal(&all, Duration::from_secs(300)).await;
    assert!(done.iter().all(|j| j["status"] == "succeeded"), "{done:?}");
    let thumb_jobs: Vec<Value> = done
        .iter()
        .filter(|j| thumbs.iter().any(|t| j["id"] == *t))
        .cloned()
        .collect();
    // The job the victim held was started again by another replica.
    assert!(
        thumb_jobs.iter().any(|j| j["attempts"].as_u64() >= Some(2)),
        "no job was interrupted"
    );
    assert!(c.workers[survivor].log_count("job succeeded") > 0);
    assert_outputs_exact(&c, &thumb_jobs).await;
    c.cleanup().await;
}

on_each_broker!(sigterm: rabbitmq_sigterm_lets_jobs_in_flight_finish_then_exits_zero,
    kafka_sigterm_lets_jobs_in_flight_finish_then_exits_zero);

/// Two replicas share the work; one is stopped (SIGTERM) mid-job: it
/// finishes what it started and exits 0, and the other (which on Kafka takes
/// over the stopped one's partitions at once) does the rest, exactly once.
async fn sigterm(broker: TestBroker) {
    let mut c = Cluster::on(broker);
    c.start_gateway().await;
    let stopped = c.start_worker(Role::Thumbnail, 2).await;
    let other = c.start_worker(Role::Thumbnail, 2).await;
    let (thumbs, _) = upload_many(&c, photos(8, 3000, 2200)).await;
    wait_holding_a_job(&c, stopped).await;
    let status = c.workers[stopped].terminate();
    assert!(status.success(), "worker exited with {status}");
    // Whatever it had started, it finished.
    let p = &c.workers[stopped];
    assert!(p.log_count("job started") >= 1);
    assert_eq!(
        p.jobs_in_flight(),
        0,
        "the stopped worker left a job unfinished"
    );
    let done = c.wait_terminal(&thumbs, Duration::from_secs(120)).await;
    assert!(done.iter().all(|j| j["status"] == "succeeded"), "{done:?}");
    assert!(c.workers[other].log_count("job succeeded") > 0);
    assert_outputs_exact(&c, &done).await;
    c.cleanup().await;
}

on_each_broker!(upload_wait: rabbitmq_kiln_upload_wait_works_against_the_separate_services,
    kafka_kiln_upload_wait_works_against_the_separate_services);

async fn upload_wait(broker: TestBroker) {
    let mut c = Cluster::on(broker);
    c.start_gateway().await;
    c.start_worker(Role::Thumbnail, 1).await;
    c.start_worker(Role::Metadata, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, common::camera_jpeg(800, 600, 1)).unwrap();
    let notes = dir.path().join("notes.jpg");
    std::fs::write(&notes, "not a photo").unwrap();
    let kiln_upload = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["upload", "--wait", "--timeout", "120", "--server", &c.base])
            .args(["--thumbnails", "200"])
            .arg(file)
            .output()
            .unwrap()
    };

    let out = kiln_upload(&photo);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("thumbnail: succeeded") && stdout.contains("metadata: succeeded"),
        "{stdout}"
    );
    let thumb_url = stdout
        .split_whitespace()
        .filter(|w| w.contains("/v1/files/"))
        .nth(1)
        .unwrap()
        .to_owned();
    let bytes = c
        .http
        .get(thumb_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (200, 150));

    let out = kiln_upload(&notes);
    assert!(!out.status.success(), "a dead job must fail the command");
    assert!(String::from_utf8_lossy(&out.stdout).contains("dead after 1 attempt(s)"));
    c.cleanup().await;
}
