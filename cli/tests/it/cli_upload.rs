//! `kiln upload` as a user runs it, through the real binary against a real
//! `kiln serve`: a batch of 150 files through a low upload rate limit (429s
//! waited out, a refused file and a missing one passed over, the summary's
//! counts, exit 3), `--json` lines checked against the server, directories
//! with `-r` and quoted globs, a dead job with `--wait`, an unreachable
//! server, and an upload killed mid-way (nothing kept; the rerun stores it
//! once).

#![allow(clippy::unwrap_used)]

use crate::common::plain_jpeg;
use crate::process::{Server, serve_in};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `kiln serve` that takes media only (a text file is refused with `415`),
/// limiting this machine's uploads to a burst of 10 then 10 a second.
fn rate_limited_server() -> Server {
    serve_in(
        tempfile::tempdir().unwrap(),
        &[
            ("KILN_GATEWAY__LIMIT_LOCAL_UPLOADS", "true"),
            ("KILN_GATEWAY__UPLOAD_RATE_LIMIT__BURST", "10"),
            ("KILN_GATEWAY__UPLOAD_RATE_LIMIT__PER_SECOND", "10"),
            ("KILN_GATEWAY__ACCEPT_UPLOADS", "media"),
        ],
    )
}

/// `kiln upload --server SERVER ARGS` in `dir`, with no stored sign-in,
/// token or server from the environment.
fn upload(server: &str, dir: &Path, args: &[&str]) -> Output {
    let home = dir.join(".home");
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .arg("upload")
        .args(["--server", server])
        .args(args)
        .current_dir(dir)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("KILN_SERVER")
        .env_remove("KILN_TOKEN")
        .output()
        .unwrap()
}

fn shown(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every stdout line as JSON (each must parse).
fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}\n{}", shown(o))))
        .collect()
}

/// The `--json` lines split into file results, job ends and the summary
/// (which must be the last line).
fn split(o: &Output) -> (Vec<Value>, Vec<Value>, Value) {
    let mut lines = json_lines(o);
    let summary = lines.pop().unwrap()["summary"].clone();
    assert!(
        summary.is_object(),
        "the last line is the summary\n{}",
        shown(o)
    );
    let (files, jobs): (Vec<Value>, Vec<Value>) =
        lines.into_iter().partition(|l| l.get("file").is_some());
    for j in &jobs {
        assert!(j.get("kind").is_some() && j.get("path").is_some(), "{j}");
    }
    (files, jobs, summary)
}

fn get_json(url: &str) -> Value {
    let r = reqwest::blocking::get(url).unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().unwrap()
}

/// Distinct little JPEGs (each size makes different bytes).
fn photos(dir: &Path, names: impl IntoIterator<Item = String>) {
    for (i, name) in names.into_iter().enumerate() {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, plain_jpeg(16 + i as u32, 12)).unwrap();
    }
}

#[test]
fn a_batch_of_150_waits_out_rate_limits_and_passes_over_bad_files() {
    let server = rate_limited_server();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let names: Vec<String> = (0..150).map(|i| format!("img-{i:03}.jpg")).collect();
    photos(d, names.clone());
    // Stored before the batch, so its copy in the batch is a duplicate.
    std::fs::write(d.join("first.jpg"), plain_jpeg(400, 300)).unwrap();
    std::fs::copy(d.join("first.jpg"), d.join("again.jpg")).unwrap();
    std::fs::write(d.join("notes.txt"), "a text file, not media").unwrap();
    let quick = ["--thumbnails", "none", "--metadata", "false"];
    let first = upload(&server.base, d, &[&quick[..], &["first.jpg"]].concat());
    assert!(first.status.success(), "{}", shown(&first));

    let mut args: Vec<&str> = quick.to_vec();
    args.extend(names.iter().map(String::as_str));
    args.extend(["again.jpg", "notes.txt", "missing.jpg"]);
    let out = upload(&server.base, d, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    assert!(
        stdout.contains("summary: 150 sent, 1 deduplicated, 1 refused, 1 failed (153 files"),
        "{}",
        shown(&out)
    );
    assert!(
        stdout.contains("refused notes.txt: ")
            && stdout.contains("(unsupported_media_type, HTTP 415)"),
        "{stdout}"
    );
    assert!(stdout.contains("failed missing.jpg: no such file or directory (not_found)"));
    // The limit was met: some sends were answered 429 and sent again.
    let waited: u64 = stdout
        .split("waited out ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rate limit waited out\n{stdout}"));
    assert!(waited > 0);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("sent ")).count(),
        150
    );

    // Every good file is stored, once.
    let list = get_json(&format!("{}/v1/files?limit=200", server.base));
    let mut stored: Vec<&str> = list["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    stored.sort_unstable();
    let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
    expected.push("first.jpg");
    expected.sort_unstable();
    assert_eq!(stored, expected);
}

#[test]
fn json_lines_match_the_server_and_the_summary_comes_last() {
    let server = rate_limited_server();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    photos(d, (0..4).map(|i| format!("p{i}.jpg")));
    std::fs::write(d.join("notes.txt"), "not media").unwrap();
    let out = upload(
        &server.base,
        d,
        &[
            "--json",
            "--wait",
            "--metadata",
            "false",
            "--thumbnails",
            "64",
            "p0.jpg",
            "p1.jpg",
            "p2.jpg",
            "p3.jpg",
            "notes.txt",
            "gone.jpg",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let (files, jobs, summary) = split(&out);
    assert_eq!(files.len(), 6, "{}", shown(&out));
    let mut job_ids = Vec::new();
    for f in &files {
        let path = f["path"].as_str().unwrap();
        match path {
            "notes.txt" => {
                assert_eq!(f["status"], "refused");
                assert_eq!(f["error"]["code"], "unsupported_media_type");
                assert!(
                    f["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("text/plain")
                );
                assert!(f["file"].is_null());
            }
            "gone.jpg" => {
                assert_eq!(f["status"], "error");
                assert_eq!(f["error"]["code"], "not_found");
            }
            _ => {
                assert_eq!(f["status"], "sent", "{f}");
                assert!(f["error"].is_null());
                let doc = &f["file"];
                let id = doc["file_id"].as_str().unwrap();
                // The bytes the server keeps are the file's, as the line says.
                let r = reqwest::blocking::get(format!("{}/v1/files/{id}", server.base)).unwrap();
                assert_eq!(r.status(), 200);
                let etag = r.headers()["etag"]
                    .to_str()
                    .unwrap()
                    .trim_matches('"')
                    .to_owned();
                let ctype = r.headers()["content-type"].to_str().unwrap().to_owned();
                let bytes = r.bytes().unwrap();
                assert_eq!(bytes.as_ref(), std::fs::read(d.join(path)).unwrap());
                assert_eq!(doc["bytes"].as_u64(), Some(bytes.len() as u64));
                assert_eq!(doc["sha256"].as_str(), Some(etag.as_str()));
                assert_eq!(doc["content_type"].as_str(), Some(ctype.as_str()));
                let details = get_json(&format!("{}/v1/files/{id}/details", server.base));
                assert_eq!(details["filename"], path);
                assert_eq!(details["sha256"], doc["sha256"]);
                job_ids.extend(
                    doc["jobs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|j| j["id"].clone()),
                );
            }
        }
    }
    // One line per job, each the server's document with the file's path.
    assert_eq!(jobs.len(), 4);
    for j in &jobs {
        assert!(job_ids.contains(&j["id"]), "{j}");
        assert_eq!(j["status"], "succeeded");
        let server_view = get_json(&format!(
            "{}/v1/jobs/{}",
            server.base,
            j["id"].as_str().unwrap()
        ));
        let mut line = j.clone();
        line.as_object_mut().unwrap().remove("path");
        assert_eq!(line, server_view);
    }
    assert_eq!(summary["files"], 6);
    assert_eq!(summary["sent"], 4);
    assert_eq!(summary["refused"], 1);
    assert_eq!(summary["error"], 1);
    assert_eq!(summary["jobs"]["succeeded"], 4);
    assert_eq!(summary["jobs"]["dead"], 0);
    assert_eq!(summary["exit_code"], 3);
    assert_eq!(summary["failures"].as_array().unwrap().len(), 2);
    assert!(out.stderr.is_empty() || !String::from_utf8_lossy(&out.stderr).contains('{'));
}

#[test]
fn directories_need_r_and_quoted_globs_are_expanded() {
    let server = crate::process::serve();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    photos(
        d,
        [
            "album/a.jpg",
            "album/b.jpg",
            "album/sub/c.jpg",
            "album/.hidden.jpg",
            "loose/x.jpg",
            "loose/y.jpg",
            "other.jpg",
        ]
        .map(String::from),
    );
    std::fs::write(d.join("loose/z.txt"), "not matched").unwrap();
    let quick = ["--json", "--thumbnails", "none", "--metadata", "false"];

    let out = upload(
        &server.base,
        d,
        &[&quick[..], &["-r", "album", "loose/*.jpg"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let (files, _, summary) = split(&out);
    let mut paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "album/a.jpg",
            "album/b.jpg",
            "album/sub/c.jpg",
            "loose/x.jpg",
            "loose/y.jpg"
        ]
    );
    assert!(files.iter().all(|f| f["status"] == "sent"));
    assert_eq!(summary["sent"], 5);

    // Without -r the directory is refused, and only it.
    let out = upload(
        &server.base,
        d,
        &[&quick[..], &["album", "other.jpg"]].concat(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let (files, _, summary) = split(&out);
    let album = files.iter().find(|f| f["path"] == "album").unwrap();
    assert_eq!(album["status"], "error");
    assert_eq!(album["error"]["code"], "is_a_directory");
    assert!(album["error"]["message"].as_str().unwrap().contains("-r"));
    let other = files.iter().find(|f| f["path"] == "other.jpg").unwrap();
    assert_eq!(other["status"], "sent");
    assert_eq!(
        (summary["sent"].as_u64(), summary["error"].as_u64()),
        (Some(1), Some(1))
    );

    // A directory alone, without -r: nothing done, a clear error.
    let out = upload(&server.base, d, &["album"]);
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("failed album: is a directory; give -r"),
        "{stdout}"
    );
    assert!(!stdout.contains("cannot reach"), "{stdout}");
}

#[test]
fn wait_reports_a_dead_job_in_the_summary_and_exits_3() {
    let server = crate::process::serve();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.jpg"), plain_jpeg(320, 240)).unwrap();
    let whole = plain_jpeg(640, 480);
    std::fs::write(d.join("corrupt.jpg"), &whole[..whole.len() / 2]).unwrap();
    let out = upload(
        &server.base,
        d,
        &[
            "--wait",
            "--metadata",
            "false",
            "--thumbnails",
            "128",
            "good.jpg",
            "corrupt.jpg",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    assert!(
        stdout.contains("summary: 2 sent, 0 deduplicated, 0 refused, 0 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("jobs: 1 succeeded, 1 dead, 0 unfinished"),
        "{stdout}"
    );
    let dead = stdout
        .lines()
        .find(|l| l.starts_with("  dead corrupt.jpg: thumbnail job "))
        .unwrap_or_else(|| panic!("no dead job in the summary\n{stdout}"));
    assert!(dead.contains("corrupt image"), "{dead}");
    assert!(stdout.contains("good.jpg: job ") && stdout.contains("thumbnail: succeeded"));
}

#[test]
fn an_unreachable_server_is_a_failure_of_the_whole_batch() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    photos(d, (0..3).map(|i| format!("p{i}.jpg")));
    let base = format!("http://127.0.0.1:{port}");
    let out = upload(
        &base,
        d,
        &["--json", "--retries", "1", "p0.jpg", "p1.jpg", "p2.jpg"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", shown(&out));
    let (files, _, summary) = split(&out);
    assert_eq!(files.len(), 3);
    for f in &files {
        assert_eq!(f["status"], "error", "{f}");
        assert_eq!(f["error"]["code"], "unreachable", "{f}");
    }
    assert_eq!(summary["error"], 3);
}

/// A stand-in gateway that fails the way real ones do: `503` twice for
/// `flaky.jpg`, `429` once for `limited.jpg`, `502` always for
/// `broken.jpg`, an event stream that cannot be opened, and jobs that run
/// then succeed.
mod flaky_gateway {
    use axum::Json;
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use serde_json::json;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    pub struct Calls {
        pub uploads: Mutex<HashMap<String, u32>>,
        pub polls: Mutex<HashMap<String, u32>>,
    }

    fn count(map: &Mutex<HashMap<String, u32>>, key: &str) -> u32 {
        let mut m = map.lock().unwrap();
        let n = m.entry(key.to_owned()).or_default();
        *n += 1;
        *n
    }

    fn error(status: StatusCode, code: &str, retry_after: Option<&str>) -> Response {
        let body = Json(json!({"error": {"code": code, "message": format!("{code} (stand-in)")}}));
        match retry_after {
            Some(s) => (status, [("retry-after", s.to_owned())], body).into_response(),
            None => (status, body).into_response(),
        }
    }

    async fn upload(
        State(calls): State<Arc<Calls>>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> Response {
        let name = headers["x-filename"].to_str().unwrap().to_owned();
        match (name.as_str(), count(&calls.uploads, &name)) {
            ("flaky.jpg", 1 | 2) => {
                error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", Some("0"))
            }
            ("limited.jpg", 1) => error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", Some("1")),
            ("broken.jpg", _) => {
                (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response()
            }
            _ => {
                let job = json!({"id": format!("j-{name}"), "kind": "thumbnail",
                    "status": "queued", "url": format!("/v1/jobs/j-{name}")});
                let doc = json!({"file_id": format!("f-{name}"), "url": format!("/v1/files/f-{name}"),
                    "filename": name, "sha256": "00", "bytes": body.len(),
                    "content_type": "image/jpeg", "jobs": [job]});
                (StatusCode::ACCEPTED, Json(doc)).into_response()
            }
        }
    }

    async fn job(State(calls): State<Arc<Calls>>, Path(id): Path<String>) -> Response {
        let status = match count(&calls.polls, &id) {
            1 => "running",
            _ => "succeeded",
        };
        let file = id.replacen("j-", "f-", 1);
        Json(
            json!({"id": id, "kind": "thumbnail", "file_id": file, "status": status,
            "attempts": 1, "priority": "interactive", "error": null,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:01Z",
            "history": [], "outputs": []}),
        )
        .into_response()
    }

    /// Serves on a free port; returns its base URL.
    pub async fn start(calls: Arc<Calls>) -> String {
        let app = axum::Router::new()
            .route("/v1/uploads", axum::routing::post(upload))
            .route("/v1/jobs/{id}", axum::routing::get(job))
            .route(
                "/v1/events",
                axum::routing::get(|| async {
                    error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", Some("5"))
                }),
            )
            .with_state(calls);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_errors_are_retried_and_a_failed_event_stream_falls_back_to_polling() {
    let calls = std::sync::Arc::new(flaky_gateway::Calls::default());
    let base = flaky_gateway::start(calls.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    photos(
        &d,
        ["flaky.jpg", "limited.jpg", "broken.jpg", "fine.jpg"].map(String::from),
    );
    let out = tokio::task::spawn_blocking(move || {
        upload(
            &base,
            &d,
            &[
                "--json",
                "--wait",
                "--retries",
                "2",
                "flaky.jpg",
                "limited.jpg",
                "broken.jpg",
                "fine.jpg",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", shown(&out));
    let (files, jobs, summary) = split(&out);
    let status = |p: &str| files.iter().find(|f| f["path"] == p).unwrap().clone();
    for sent in ["flaky.jpg", "limited.jpg", "fine.jpg"] {
        assert_eq!(status(sent)["status"], "sent", "{}", shown(&out));
    }
    let broken = status("broken.jpg");
    assert_eq!(broken["status"], "error");
    assert_eq!(broken["error"]["code"], "http_502");
    assert_eq!(broken["error"]["http_status"], 502);
    {
        let uploads = calls.uploads.lock().unwrap();
        assert_eq!(uploads["flaky.jpg"], 3, "sent, then resent twice");
        assert_eq!(uploads["broken.jpg"], 3, "given up after --retries 2");
        assert_eq!(uploads["limited.jpg"], 2);
    }
    assert_eq!(summary["rate_limited"], 1);
    assert_eq!(summary["resent"], 4);
    // The event stream could not be opened: the jobs were polled to their end.
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|j| j["status"] == "succeeded"));
    assert_eq!(summary["jobs"]["succeeded"], 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("by polling"), "{stderr}");
}

#[test]
fn an_upload_killed_midway_leaves_nothing_and_a_rerun_stores_it_once() {
    let server = crate::process::serve();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Large enough to be caught in flight; sparse, so cheap to make.
    let size: u64 = 1 << 30;
    std::fs::File::create(d.join("big.bin"))
        .unwrap()
        .set_len(size)
        .unwrap();
    let parts = server.dir.path().join("blobs").join("tmp");
    let part_size = || -> u64 {
        std::fs::read_dir(&parts)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let home = d.join(".home");
    let mut client = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "upload",
            "--server",
            &server.base,
            "big.bin",
            "--thumbnails",
            "none",
        ])
        .args(["--metadata", "false", "--quiet"])
        .current_dir(d)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("KILN_SERVER")
        .env_remove("KILN_TOKEN")
        .spawn()
        .unwrap();
    // Killed once the server has part of the file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while part_size() == 0 {
        assert!(
            client.try_wait().unwrap().is_none(),
            "the upload ended before it was caught"
        );
        assert!(std::time::Instant::now() < deadline, "no bytes arrived");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    client.kill().unwrap();
    client.wait().unwrap();
    // The server drops the partial file and records nothing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while part_size() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the partial upload was kept"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        get_json(&format!("{}/v1/files", server.base))["files"],
        serde_json::json!([])
    );

    // Run again: stored whole, once.
    let out = upload(
        &server.base,
        d,
        &["big.bin", "--thumbnails", "none", "--metadata", "false"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let files = get_json(&format!("{}/v1/files", server.base));
    let files = files["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["bytes"], size);
}
