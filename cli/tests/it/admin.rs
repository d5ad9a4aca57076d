//! `kiln admin`: an operator's tools on a running installation.

#![allow(clippy::unwrap_used)]

use crate::common;
use crate::process::{serve, serve_in};
use std::process::Command;

/// An operator re-runs dead jobs with one command while `kiln serve` runs:
/// `kiln admin jobs list` finds them across accounts, `retry --all` queues
/// them again, and the server's relay hands them to the worker.
#[test]
fn kiln_admin_jobs_lists_and_reruns_dead_jobs_of_a_running_server() {
    let s = serve();
    let jpeg = common::plain_jpeg(320, 240);
    let http = reqwest::blocking::Client::new();
    let up: serde_json::Value = http
        .post(format!("{}/v1/uploads?metadata=false&dedupe=false", s.base))
        .header("x-filename", "cut.jpg")
        .body(jpeg[..jpeg.len() / 2].to_vec())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = up["jobs"][0]["id"].as_str().unwrap().to_owned();
    let job = |want: &dyn Fn(&serde_json::Value) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let j: serde_json::Value = http
                .get(format!("{}/v1/jobs/{id}", s.base))
                .send()
                .unwrap()
                .json()
                .unwrap();
            if want(&j) {
                return j;
            }
            assert!(std::time::Instant::now() < deadline, "{j}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    job(&|j| j["status"] == "dead");
    let admin = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .arg("admin")
            .arg("jobs")
            .args(args)
            .env("KILN_DATA_DIR", s.dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            out.status.success(),
            text,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, listed, err) = admin(&["list", "--status", "dead", "--json"]);
    assert!(ok, "{err}");
    let dead: Vec<serde_json::Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dead.len(), 1, "{listed}");
    assert_eq!(dead[0]["id"], id.as_str());
    assert!(dead[0]["error"].as_str().unwrap().contains("truncated"));

    // --json: the API's own counts document.
    let (ok, counted, err) = admin(&["counts", "--json"]);
    assert!(ok, "{err}");
    let counted: serde_json::Value = serde_json::from_str(&counted).unwrap();
    let api: serde_json::Value = reqwest::blocking::get(format!("{}/v1/admin/jobs/counts", s.base))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(counted, api);

    let (ok, said, err) = admin(&["retry", "--all", "--json"]);
    assert!(ok, "{err}");
    let said: serde_json::Value = serde_json::from_str(&said).unwrap();
    assert_eq!(
        said,
        serde_json::json!({"retried": 1, "job_ids": [id], "not_dead": []})
    );
    // The server's relay publishes it; the worker tries again (and the
    // bytes are still truncated).
    let j = job(&|j| j["status"] == "dead" && j["attempts"] == 2);
    assert_eq!(j["history"].as_array().unwrap().len(), 2, "{j}");

    // A job that is not dead is refused, by name.
    let (ok, _, err) = admin(&["retry", "no-such-job"]);
    assert!(!ok);
    assert!(err.contains("no-such-job: not a dead job"), "{err}");
}

/// `kiln backup` while `kiln serve` runs, `kiln restore` into a new data
/// directory, and a server on it has every file, job and output.
#[test]
fn a_backup_taken_while_serving_restores_into_a_working_installation() {
    let s = serve();
    let http = reqwest::blocking::Client::new();
    let jpeg = common::plain_jpeg(640, 480);
    let up: serde_json::Value = http
        .post(format!(
            "{}/v1/uploads?metadata=false&thumbnails=128",
            s.base
        ))
        .header("x-filename", "p.jpg")
        .body(jpeg.clone())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let (file, job) = (
        up["file_id"].as_str().unwrap().to_owned(),
        up["jobs"][0]["id"].as_str().unwrap().to_owned(),
    );
    let finished = |base: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let j: serde_json::Value = http
                .get(format!("{base}/v1/jobs/{job}"))
                .send()
                .unwrap()
                .json()
                .unwrap();
            if j["status"] == "succeeded" {
                return j;
            }
            assert!(std::time::Instant::now() < deadline, "{j}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    finished(&s.base);
    let kiln = |args: &[&str], data: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(args)
            .env("KILN_DATA_DIR", data)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let backups = tempfile::tempdir().unwrap();
    let b = backups.path().join("b1");
    let (ok, said, err) = kiln(&["backup", b.to_str().unwrap()], s.dir.path());
    assert!(ok, "{err}");
    assert!(said.contains("2 databases, 2 files"), "{said}");
    let (ok, _, err) = kiln(&["backup", b.to_str().unwrap()], s.dir.path());
    assert!(!ok && err.contains("not empty"), "{err}");
    drop(s);

    let restored = tempfile::tempdir().unwrap();
    let (ok, said, err) = kiln(&["restore", b.to_str().unwrap()], restored.path());
    assert!(ok, "{err}");
    assert!(said.starts_with("restored"), "{said}");
    let s2 = serve_in(restored, &[]);
    let j = finished(&s2.base);
    let got = http
        .get(format!("{}/v1/files/{file}", s2.base))
        .send()
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().unwrap().as_ref(), jpeg.as_slice());
    let thumb = j["outputs"][0]["url"].as_str().unwrap();
    let t = http.get(format!("{}{thumb}", s2.base)).send().unwrap();
    assert_eq!(t.status(), 200);
    assert!(
        t.bytes().unwrap().starts_with(&[0xFF, 0xD8]),
        "a JPEG thumbnail"
    );
}
