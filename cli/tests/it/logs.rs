//! What an operator reads: in JSON mode every stderr line is JSON (start-up
//! and shutdown included), with no colour codes; each request has an id,
//! echoed in `X-Request-Id`, and one access line carrying it.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn json_logs_are_all_json_and_every_request_has_an_id_and_an_access_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("KILN_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut seen: Vec<Value> = Vec::new();
    let mut next_until = |what: &str, pred: &dyn Fn(&Value) -> bool| -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} in {seen:#?}"));
            assert!(!line.contains('\u{1b}'), "colour codes: {line}");
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            seen.push(v.clone());
            if pred(&v) {
                return v;
            }
        }
    };
    let listening = next_until("start-up line", &|v| {
        v["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("kiln listening on "))
    });
    let base = listening["fields"]["message"].as_str().unwrap()["kiln listening on ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    let http = reqwest::blocking::Client::new();
    let r = http
        .get(format!("{base}/v1/jobs/nope"))
        .header("x-request-id", "req-from-client-1")
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-request-id"], "req-from-client-1");
    let access = next_until("access line of the request", &|v| {
        v["fields"]["message"] == "answered" && v["span"]["id"] == "req-from-client-1"
    });
    assert_eq!(access["fields"]["status"], 404);
    assert_eq!(access["span"]["route"], "/v1/jobs/{id}");
    assert_eq!(access["span"]["method"], "GET");
    assert!(access["fields"]["ms"].is_u64());

    // Without an id, or with one that is not plain, the gateway makes one.
    for given in [None, Some("bad id <script>")] {
        let mut req = http.get(format!("{base}/v1/jobs/nope"));
        if let Some(g) = given {
            req = req.header("x-request-id", g);
        }
        let id = req.send().unwrap().headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(uuid_like(&id), "{id}");
    }

    // Shutdown is announced as JSON too.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    next_until("shutdown line", &|v| {
        v["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("shutting down"))
    });
    assert!(child.wait().unwrap().success());
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        assert!(
            serde_json::from_str::<Value>(&line).is_ok(),
            "not JSON: {line}"
        );
    }
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}
