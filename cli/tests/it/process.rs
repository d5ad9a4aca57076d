//! The `kiln` binary as a user runs it: `kiln serve` in its own process,
//! `kiln upload --wait` against it, and a 1 GiB upload with memory measured.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `kiln serve` process, killed on drop.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn serve() -> Server {
    serve_with(&[])
}

/// `kiln serve` on a fresh data directory, with extra environment.
fn serve_with(env: &[(&str, &str)]) -> Server {
    serve_in(tempfile::tempdir().unwrap(), env)
}

/// `kiln serve` on the data directory `dir`, with extra environment.
pub(crate) fn serve_in(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("kiln serve exited early").unwrap();
        if let Some(rest) = line.strip_prefix("kiln listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base, dir }
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn kiln_upload_wait_prints_results_and_thumbnails_download() {
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, common::camera_jpeg(1600, 1200, 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "upload",
            "--wait",
            "--timeout",
            "60",
            "--server",
            &server.base,
        ])
        .arg(&photo)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("thumbnail: succeeded"), "{stdout}");
    assert!(stdout.contains("metadata: succeeded"), "{stdout}");
    let urls: Vec<&str> = stdout
        .split_whitespace()
        .filter(|w| w.contains("/v1/files/"))
        .collect();
    // The original plus 256 and 1024 px JPEGs.
    assert_eq!(urls.len(), 3, "{stdout}");
    assert!(
        stdout.contains("1024x768 image/jpeg") && stdout.contains("256x192 image/jpeg"),
        "{stdout}"
    );
    let thumb = reqwest::blocking::get(urls[1]).unwrap().bytes().unwrap();
    let img = image::load_from_memory(&thumb).unwrap();
    assert_eq!(img.width().max(img.height()), 1024);

    // A failing job makes the command fail, with the reason printed.
    let notes = dir.path().join("notes.jpg");
    std::fs::write(&notes, "not a photo").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args([
            "upload",
            "--wait",
            "--metadata",
            "false",
            // Asked for explicitly: default thumbnails apply to images only.
            "--thumbnails",
            "256",
            "--server",
            &server.base,
        ])
        .arg(&notes)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("dead after 1 attempt(s): unsupported format")
    );
}

#[test]
fn one_gib_upload_streams_with_bounded_memory() {
    use sha2::Digest;
    let server = serve();
    const CHUNK: usize = 1 << 20;
    const CHUNKS: usize = 1024;
    let chunk: Vec<u8> = (0..CHUNK).map(|i| (i * 31 % 251) as u8).collect();
    let mut hasher = sha2::Sha256::new();
    for _ in 0..CHUNKS {
        hasher.update(&chunk);
    }
    let expected = hex::encode(hasher.finalize());
    let body = futures::stream::iter(
        (0..CHUNKS).map(move |_| Ok::<_, std::io::Error>(bytes::Bytes::from(chunk.clone()))),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let resp: serde_json::Value = rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!(
                "{}/v1/uploads?thumbnails=none&metadata=false",
                server.base
            ))
            .header("x-filename", "big.bin")
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        r.json().await.unwrap()
    });
    assert_eq!(resp["bytes"].as_u64(), Some((CHUNK * CHUNKS) as u64));
    assert_eq!(resp["sha256"].as_str(), Some(expected.as_str()));
    let peak_mib = peak_rss_kib(server.child.id()) / 1024;
    eprintln!("kiln serve peak RSS after a 1 GiB upload: {peak_mib} MiB");
    assert!(
        peak_mib < 128,
        "peak RSS {peak_mib} MiB grows with the upload"
    );
}

/// The bar: a two-hour input converts in a few tens of MB. Through
/// the real binary: `kiln upload --convert mp3 --wait`, then the MP3 decoded.
#[test]
fn two_hour_conversion_streams_with_bounded_memory() {
    if !common::media::ffmpeg_available() {
        return;
    }
    let server = serve();
    let dir = tempfile::tempdir().unwrap();
    // Low rate and mono keep the test quick; memory would grow with the
    // length whatever the rate, if anything were buffered.
    let input = common::media::make(
        dir.path(),
        "lecture.flac",
        &common::media::args("-f lavfi -i sine=frequency=300:sample_rate=8000:duration=7200"),
        "-c:a flac",
    );
    let baseline_kib = peak_rss_kib(server.child.id());
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["upload", "--wait", "--timeout", "600", "--metadata", "true"])
        .args([
            "--convert",
            "mp3",
            "--bitrate",
            "32",
            "--server",
            &server.base,
        ])
        .arg(dir.path().join("lecture.flac"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("convert: succeeded"), "{stdout}");
    let peak_mib = peak_rss_kib(server.child.id()) / 1024;
    eprintln!(
        "kiln serve peak RSS: {} MiB before, {peak_mib} MiB after converting 2 h ({} MB input)",
        baseline_kib / 1024,
        input.len() / 1_000_000
    );
    assert!(
        peak_mib < 96,
        "peak RSS {peak_mib} MiB grows with the media"
    );
    let line = stdout.lines().find(|l| l.contains("audio/mpeg")).unwrap();
    assert!(line.trim_end().ends_with("lecture.mp3"), "{line}");
    let mp3_url = line
        .split_whitespace()
        .find(|w| w.contains("/v1/files/"))
        .unwrap();
    let mp3 = reqwest::blocking::get(mp3_url).unwrap().bytes().unwrap();
    // 32 kbit/s for two hours, give or take the tag and frame padding.
    assert!(
        (mp3.len() as f64 - 28_800_000.0).abs() < 1_000_000.0,
        "{} bytes",
        mp3.len()
    );
    let decoded = common::media::decode(dir.path(), &mp3);
    assert!(
        (decoded.seconds - 7200.0).abs() <= 0.05,
        "{} s",
        decoded.seconds
    );
}

fn kiln_config(dir: &std::path::Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    cmd.args(["config", "--config"])
        .arg(dir.join("kiln.toml"))
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn kiln_config_prints_the_effective_configuration_and_refuses_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kiln.toml");
    std::fs::write(
        &file,
        "[broker]\nkind = \"rabbitmq\"\nurl = \"amqp://kiln:rabbit-secret@mq:5672/%2f\"\n\
         [thumbnails]\njpeg_quality = 90\n",
    )
    .unwrap();
    let secrets = [
        ("KILN_JWT_SECRET", "jwt-secret-jwt-secret-jwt-secret-42"),
        ("KILN_SMTP_URL", "smtp://u:smtp-secret@mail:587"),
        ("KILN_STORE", "mongodb"),
        ("KILN_MONGODB_URI", "mongodb://u:mongo-secret@m:27017/"),
        ("KILN_TOKEN", "client-token"),
    ];
    let out = kiln_config(dir.path(), &secrets);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("jpeg_quality = 90"), "{stdout}");
    assert!(stdout.contains("amqp://kiln:***@mq:5672/%2f"), "{stdout}");
    assert!(stdout.contains("mongodb://u:***@m:27017/"), "{stdout}");
    for secret in ["rabbit-secret", "jwt-secret", "smtp-secret", "mongo-secret"] {
        assert!(!stdout.contains(secret), "{secret} shown:\n{stdout}");
    }
    let shown: toml::Table = stdout.parse().unwrap();
    assert_eq!(shown["store"]["kind"].as_str(), Some("mongodb"));
    assert_eq!(
        shown["workers"]["notify"]["concurrency"].as_integer(),
        Some(4)
    );

    // A typo in the file: refused, naming the key and the file.
    std::fs::write(&file, "[thumbnails]\njpeg_qualty = 95\n").unwrap();
    let out = kiln_config(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("`thumbnails.jpeg_qualty`"), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");

    // And in a variable: refused, naming the variable.
    std::fs::write(&file, "").unwrap();
    let out = kiln_config(dir.path(), &[("KILN_LIMITS__MAX_PIXEL", "5")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("KILN_LIMITS__MAX_PIXEL"), "{stderr}");
}

/// SIGTERM while a render is in progress: the process is gone within its
/// shutdown grace (plus a second for the runtime), not when the render ends.
#[test]
fn sigterm_mid_render_exits_within_the_grace() {
    let mut server = serve_with(&[("KILN_SHUTDOWN_GRACE_SECS", "2")]);
    let base = server.base.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // 48 MP in AVIF at eight sizes near full size: minutes of work.
    let big = common::plain_jpeg(8000, 6000);
    let job = rt.block_on(async {
        let http = reqwest::Client::new();
        let up: serde_json::Value = http
            .post(format!(
                "{base}/v1/uploads?thumbnails=8000,7900,7800,7700,7600,7500,7400,7300&formats=avif,png&metadata=false"
            ))
            .body(big)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = format!("{base}/v1/jobs/{}", up["jobs"][0]["id"].as_str().unwrap());
        // Wait for the render to start.
        for _ in 0..600 {
            let j: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
            if j["status"] == "running" {
                return j;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the job never started");
    });
    assert_eq!(job["status"], "running");
    let asked = std::time::Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(15),
            "still running {:?} after SIGTERM with a 2 s grace",
            asked.elapsed()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(6),
        "{:?}",
        asked.elapsed()
    );
}
