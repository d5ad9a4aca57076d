//! The operator API, `/v1/admin/…`, with accounts on: who may use it,
//! every account's jobs with filters and counts, re-running dead jobs, and
//! a role's dead-letter queue.

#![allow(clippy::unwrap_used)]

use crate::common::{self, accounts::*};
use kiln::auth_config::EmailList;
use kiln_proto::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OPS: &str = "ops@example.com";

#[tokio::test]
async fn operators_see_every_accounts_jobs_and_rerun_dead_ones() {
    let t = app_with(|c| c.admin_emails = EmailList(vec![OPS.into()])).await;
    let ada = signup(&t, "ada@example.com").await;
    let ops = signup(&t, "OPS@example.com").await;
    // A truncated JPEG: its thumbnail job dies at once (not retryable).
    let jpeg = common::plain_jpeg(320, 240);
    let (code, up) = upload(&t, &ada, jpeg[..jpeg.len() / 2].to_vec(), "metadata=false").await;
    assert_eq!(code, StatusCode::ACCEPTED, "{up}");
    let id = up["jobs"][0]["id"].as_str().unwrap().to_owned();
    t.run_one(Role::Thumbnail).await;
    let get = |path: String, who: String| {
        let t = &t;
        async move { call(t, Method::GET, &path, Some(&who), None).await }
    };

    // Not for everyone: a plain account is told why.
    for path in [
        "/v1/admin/jobs",
        "/v1/admin/jobs/counts",
        "/v1/admin/dead-letters/thumbnail",
    ] {
        let (code, body) = get(path.into(), ada.clone()).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_eq!(body["error"]["code"], "operator_only", "{body}");
    }
    let (code, body) = call(
        &t,
        Method::POST,
        &format!("/v1/admin/jobs/{id}/retry"),
        Some(&ada),
        None,
    )
    .await;
    assert_eq!(
        (code, &body["error"]["code"]),
        (StatusCode::FORBIDDEN, &json!("operator_only"))
    );

    // Every account's jobs, with the owner, filtered by status, error text
    // and time; nothing matches outside the filters.
    let (code, page) = get(
        "/v1/admin/jobs?status=dead&error=TRUNCAT".into(),
        ops.clone(),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{page}");
    let jobs = page["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{page}");
    assert_eq!(
        (jobs[0]["id"].as_str(), jobs[0]["status"].as_str()),
        (Some(id.as_str()), Some("dead"))
    );
    assert!(jobs[0]["owner"].is_string(), "{page}");
    let ids = |v: &Value| v["jobs"].as_array().unwrap().len();
    let (_, none) = get("/v1/admin/jobs?error=no-such-failure".into(), ops.clone()).await;
    assert_eq!(ids(&none), 0, "{none}");
    let (_, later) = get(
        "/v1/admin/jobs?since=2999-01-01T00:00:00Z".into(),
        ops.clone(),
    )
    .await;
    assert_eq!(ids(&later), 0, "{later}");
    let (code, bad) = get("/v1/admin/jobs?since=yesterday".into(), ops.clone()).await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("since:"),
        "{bad}"
    );

    let (_, counts) = get("/v1/admin/jobs/counts".into(), ops.clone()).await;
    assert!(
        counts["counts"]
            .as_array()
            .unwrap()
            .contains(&json!({"kind": "thumbnail", "status": "dead", "count": 1})),
        "{counts}"
    );

    // The dead letter is there to look at, with its job and reason.
    let (code, dl) = get("/v1/admin/dead-letters/thumbnail".into(), ops.clone()).await;
    assert_eq!(code, StatusCode::OK, "{dl}");
    assert_eq!(
        (dl["total"].as_u64(), dl["messages"][0]["job_id"].as_str()),
        (Some(1), Some(id.as_str())),
        "{dl}"
    );
    assert!(
        dl["messages"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("truncated"),
        "{dl}"
    );
    let (code, _) = get("/v1/admin/dead-letters/hologram".into(), ops.clone()).await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // One dead job re-run: queued in the bulk lane, and refused twice.
    let retry = format!("/v1/admin/jobs/{id}/retry");
    let (code, job) = call(&t, Method::POST, &retry, Some(&ops), None).await;
    assert_eq!(code, StatusCode::ACCEPTED, "{job}");
    assert_eq!(
        (job["status"].as_str(), job["priority"].as_str()),
        (Some("queued"), Some("bulk"))
    );
    let (code, again) = call(&t, Method::POST, &retry, Some(&ops), None).await;
    assert_eq!(
        (code, &again["error"]["code"]),
        (StatusCode::CONFLICT, &json!("job_not_dead"))
    );
    t.run_one(Role::Thumbnail).await;
    let (_, job) = get(format!("/v1/jobs/{id}"), ada.clone()).await;
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("dead"), Some(2)),
        "{job}"
    );
    // The owner sees who re-ran it.
    let (_, history) = get("/v1/history".into(), ada.clone()).await;
    let retried = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["action"] == "job_retried")
        .cloned()
        .unwrap_or_else(|| panic!("{history}"));
    assert_eq!(
        retried["detail"]["by"], "operator ops@example.com",
        "{retried}"
    );

    // Every dead job matching a filter, in one call.
    let (code, report) = call(
        &t,
        Method::POST,
        "/v1/admin/jobs/retry",
        Some(&ops),
        Some(json!({"kind": "thumbnail", "error": "truncated"})),
    )
    .await;
    assert_eq!(code, StatusCode::ACCEPTED, "{report}");
    assert_eq!(
        report,
        json!({"retried": 1, "job_ids": [id], "more": false})
    );
    let (code, bad) = call(
        &t,
        Method::POST,
        "/v1/admin/jobs/retry",
        Some(&ops),
        Some(json!({"colour": "red"})),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    t.run_one(Role::Thumbnail).await;

    // Purged: the queue is empty, the jobs stay dead.
    let (code, purged) = call(
        &t,
        Method::DELETE,
        "/v1/admin/dead-letters/thumbnail",
        Some(&ops),
        None,
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{purged}");
    assert_eq!(purged, json!({"role": "thumbnail", "purged": 3}));
    let (_, dl) = get("/v1/admin/dead-letters/thumbnail".into(), ops.clone()).await;
    assert_eq!(
        (
            dl["total"].as_u64(),
            dl["messages"].as_array().unwrap().len()
        ),
        (Some(0), 0),
        "{dl}"
    );
    let (_, job) = get(format!("/v1/jobs/{id}"), ada.clone()).await;
    assert_eq!(job["status"], "dead");
}

/// `kiln admin grant` makes an account an operator; `--revoke` undoes it.
#[tokio::test]
async fn kiln_admin_grant_gives_and_takes_the_operator_role() {
    let t = app_with(|_| {}).await;
    let bob = signup(&t, "bob@example.com").await;
    let status = |t: &common::TestApp, token: String| {
        let t = t
            .http
            .get(format!("{}/v1/admin/jobs/counts", t.base))
            .bearer_auth(token);
        async move { t.send().await.unwrap().status() }
    };
    assert_eq!(status(&t, bob.clone()).await, StatusCode::FORBIDDEN);
    let grant = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(["admin", "grant", "Bob@Example.com"])
            .args(extra)
            .env("KILN_DATA_DIR", t.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(grant(&[]).contains("bob@example.com is an operator"));
    // The role is read per request: the same token works at once.
    assert_eq!(status(&t, bob.clone()).await, StatusCode::OK);
    grant(&["--revoke"]);
    assert_eq!(status(&t, bob).await, StatusCode::FORBIDDEN);
}
