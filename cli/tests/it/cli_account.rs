//! The client's account verbs through the real binary: `login` (password
//! on stdin), then commands with no token, `whoami`, `status`, `retry`,
//! `logout` (the key revoked on the server), and shell completions.

#![allow(clippy::unwrap_used)]

use crate::common::accounts::{app_with, call, signup};
use crate::common::{TestApp, plain_jpeg};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `kiln ARGS` with its own config directory and no server or token
/// from the environment; `stdin` is written to it.
fn kiln(home: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .env_remove("KILN_SERVER")
        .env_remove("KILN_TOKEN")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[tokio::test(flavor = "multi_thread")]
async fn login_then_commands_need_no_token_and_logout_revokes_the_key() {
    let t = app_with(|_| {}).await;
    let access = signup(&t, "ada@example.com").await;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();

    let wrong = kiln(
        h,
        &[
            "login",
            "--server",
            &t.base,
            "--email",
            "ada@example.com",
            "--password-stdin",
        ],
        "not the password\n",
    );
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("401"), "{err}");
    assert!(!err.contains("stack backtrace"), "a 4xx is no crash: {err}");

    let out = kiln(
        h,
        &[
            "login",
            "--server",
            &t.base,
            "--email",
            "ada@example.com",
            "--password-stdin",
        ],
        "correct horse battery\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    let stored = h.join("kiln").join("credentials.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&stored).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "credentials readable by others");
    }

    // Later commands use the stored server and key.
    let me = json(&kiln(h, &["whoami", "--json"], ""));
    assert_eq!(me["account"]["email"], "ada@example.com");
    assert_eq!(me["server"], t.base);

    // A dead job: status as text and JSON, then retry.
    let (code, up) =
        crate::common::accounts::upload(&t, &access, b"not a picture".to_vec(), "metadata=false")
            .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{up}");
    let job_id = up["jobs"][0]["id"].as_str().unwrap().to_owned();
    t.run_one(kiln_proto::Role::Thumbnail).await;
    let shown = json(&kiln(h, &["status", &job_id, "--json"], ""));
    let (_, api) = call(
        &t,
        Method::GET,
        &format!("/v1/jobs/{job_id}"),
        Some(&access),
        None,
    )
    .await;
    assert_eq!(shown, api, "--json is the server's document");
    assert_eq!(shown["status"], "dead");
    let plain = kiln(h, &["status", &job_id], "");
    let plain_text = String::from_utf8_lossy(&plain.stdout);
    assert!(
        plain_text.contains("thumbnail") && plain_text.contains("dead"),
        "{}",
        text(&plain)
    );
    let retried = json(&kiln(h, &["retry", &job_id, "--json"], ""));
    assert_eq!(retried["status"], "queued");

    // Files listed without a token flag.
    let ls = json(&kiln(h, &["ls", "--json"], ""));
    assert_eq!(ls["files"].as_array().map(Vec::len), Some(1), "{ls}");

    // Logout revokes the key on the server, and forgets it here.
    let key = std::fs::read_to_string(&stored).unwrap();
    let key = key
        .lines()
        .find_map(|l| l.strip_prefix("key = \""))
        .map(|k| k.trim_end_matches('"').to_owned())
        .unwrap();
    let out = kiln(h, &["logout"], "");
    assert!(out.status.success(), "{}", text(&out));
    let (code, _) = call(&t, Method::GET, "/v1/me", Some(&key), None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "the key still works");
    let out = kiln(h, &["whoami", "--server", &t.base], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not signed in"));
}

// Multi-threaded: the server runs on the test's runtime while the test
// waits for the child process.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_job_is_a_one_line_error_and_completions_are_scripts() {
    let t = TestApp::spawn().await;
    let home = tempfile::tempdir().unwrap();
    let out = kiln(
        home.path(),
        &["status", "no-such-job", "--server", &t.base],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("404") && err.contains("not_found"), "{err}");
    assert_eq!(
        err.trim().lines().count(),
        1,
        "one line, no backtrace: {err}"
    );

    let (_, up) = t
        .upload_raw(plain_jpeg(16, 16), "a.jpg", "thumbnails=none")
        .await;
    let job = up["jobs"][0]["id"].as_str().unwrap();
    let shown = json(&kiln(
        home.path(),
        &["status", job, "--server", &t.base, "--json"],
        "",
    ));
    assert_eq!(shown["id"], job);

    for shell in ["bash", "zsh", "fish"] {
        let out = kiln(home.path(), &["completions", shell], "");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && script.contains("upload") && script.contains("login"),
            "{shell}: {}",
            text(&out)
        );
    }
}
