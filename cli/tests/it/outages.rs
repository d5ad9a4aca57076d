//! Servers going away while uploads flow: RabbitMQ restarted, MongoDB
//! restarted. No accepted upload is lost; requests the store cannot serve get
//! a quick `503` with a JSON error, not a hang.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::cluster::Cluster;
use kiln_adapters::test_servers;
use kiln_proto::Role;
use std::process::Command;
use std::time::{Duration, Instant};

/// These tests take shared servers away: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const QUERY: &str = "thumbnails=64&formats=jpeg";

/// The ids of the jobs an upload answer lists.
fn job_ids(body: &serde_json::Value) -> Vec<String> {
    body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn accepted(c: &Cluster, n: usize, ids: &mut Vec<String>) {
    for i in 0..n {
        let (code, body) = c
            .upload(common::plain_jpeg(300 + i as u32, 200), QUERY)
            .await;
        assert_eq!(code, 202, "{body}");
        ids.extend(job_ids(&body));
    }
}

fn rabbitmqctl(arg: &str) {
    let out = Command::new("rabbitmqctl").arg(arg).output().unwrap();
    assert!(out.status.success(), "rabbitmqctl {arg}: {out:?}");
}

/// Starts RabbitMQ's app again even if the test fails half-way.
struct RestartGuard;

impl Drop for RestartGuard {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl").arg("start_app").output();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_during_a_rabbitmq_restart_are_all_processed() {
    let _one_at_a_time = SERIAL.lock().await;
    let mut c = Cluster::new();
    c.start_gateway().await;
    c.start_worker(Role::Thumbnail, 2).await;
    c.start_worker(Role::Metadata, 2).await;
    let mut ids = Vec::new();
    accepted(&c, 4, &mut ids).await;

    let guard = RestartGuard;
    rabbitmqctl("stop_app");
    // The broker is away: uploads are still accepted, into the outbox.
    let t = Instant::now();
    accepted(&c, 4, &mut ids).await;
    assert!(t.elapsed() < Duration::from_secs(30), "uploads hung");
    // The gateway stays in its Service (the outbox absorbs the outage) and
    // says what is missing; a worker, with nothing to do, is out of its.
    let ready = c
        .http
        .get(format!("{}/readyz", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200, "the gateway stays ready");
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_ne!(body["checks"]["broker"], "ok", "{body}");
    let worker = c
        .http
        .get(format!("http://{}/readyz", c.workers[0].addr))
        .send()
        .await
        .unwrap();
    assert_eq!(
        worker.status(),
        503,
        "a worker is not ready without its broker"
    );
    rabbitmqctl("start_app");
    drop(guard);

    accepted(&c, 4, &mut ids).await;
    let done = c.wait_terminal(&ids, Duration::from_secs(180)).await;
    assert!(done.iter().all(|j| j["status"] == "succeeded"), "{done:#?}");
    c.cleanup().await;
}

/// A private MongoDB test server that this test may stop and start.
struct PrivateMongo {
    port: u16,
    dir: tempfile::TempDir,
}

impl PrivateMongo {
    fn start(port: u16) -> PrivateMongo {
        let dir = tempfile::tempdir().unwrap();
        let m = PrivateMongo { port, dir };
        m.up();
        m
    }

    fn up(&self) {
        test_servers::start_mongo_wire(self.port, self.dir.path()).unwrap();
    }

    fn down(&self) {
        let pid = std::fs::read_to_string(self.dir.path().join("kiln.db.pid")).unwrap();
        let pid = pid.trim();
        Command::new("kill").arg(pid).status().unwrap();
        // Wait until the port is closed.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "mongo-wire did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn uri(&self) -> String {
        format!("mongodb://127.0.0.1:{}/?directConnection=true", self.port)
    }
}

impl Drop for PrivateMongo {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("kiln.db.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mongodb_restart_gives_quick_503s_and_loses_no_accepted_upload() {
    let _one_at_a_time = SERIAL.lock().await;
    let mongo = PrivateMongo::start(27019);
    let mut c = Cluster::new();
    c.set_env("KILN_MONGODB_URI", &mongo.uri());
    c.mongo_uri = mongo.uri();
    c.start_gateway().await;
    c.start_worker(Role::Thumbnail, 2).await;
    c.start_worker(Role::Metadata, 2).await;
    let mut ids = Vec::new();
    accepted(&c, 4, &mut ids).await;

    mongo.down();
    let t = Instant::now();
    let (code, body) = c.upload(common::plain_jpeg(64, 64), QUERY).await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let status = c
        .http
        .get(format!("{}/v1/jobs/{}", c.base, ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 503);
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "requests during the outage took {:?}",
        t.elapsed()
    );

    mongo.up();
    // The driver reconnects on its own; the first requests may still fail.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = c.upload(common::plain_jpeg(96, 64), QUERY).await;
        if code == 202 {
            ids.extend(job_ids(&body));
            break;
        }
        assert!(Instant::now() < deadline, "store never came back: {body}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    accepted(&c, 3, &mut ids).await;
    let done = c.wait_terminal(&ids, Duration::from_secs(180)).await;
    assert!(done.iter().all(|j| j["status"] == "succeeded"), "{done:#?}");
    c.cleanup().await;
}
