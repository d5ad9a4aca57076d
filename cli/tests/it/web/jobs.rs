//! What the app's pages rely on: one event stream for many jobs, a retry
//! for a dead job, and one upload's library view.

use crate::common::{self, TestApp};
use futures::StreamExt;
use kiln_proto::Role;
use kiln_workers::Outcome;
use serde_json::Value;
use std::time::Duration;

/// `(job_id, status)` of each event of a stream, read to its end.
async fn events(resp: reqwest::Response, mut on_first: impl AsyncFnMut()) -> Vec<(String, String)> {
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = resp.bytes_stream();
    let (mut text, mut seen, mut started) = (String::new(), Vec::new(), false);
    let read = async {
        while let Some(chunk) = stream.next().await {
            text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
            while let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let e: Value = serde_json::from_str(data).unwrap();
                    seen.push((
                        e["job_id"].as_str().unwrap().to_owned(),
                        e["status"].as_str().unwrap().to_owned(),
                    ));
                }
            }
            if !started && !seen.is_empty() {
                started = true;
                on_first().await;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("the stream ends once every job has");
    seen
}

#[tokio::test]
async fn one_stream_follows_several_jobs_to_their_ends() {
    let t = TestApp::spawn().await;
    let mut ids = Vec::new();
    for name in ["a.jpg", "b.jpg"] {
        let (code, up) = t
            .upload_raw(common::plain_jpeg(200, 150), name, "metadata=false")
            .await;
        assert_eq!(code, 202, "{up}");
        ids.push(up["jobs"][0]["id"].as_str().unwrap().to_owned());
    }
    // The first job finishes before the stream opens, the second while it runs.
    t.run_one(Role::Thumbnail).await;
    let resp = t
        .http
        .get(format!("{}/v1/events?jobs={},{}", t.base, ids[0], ids[1]))
        .send()
        .await
        .unwrap();
    let seen = events(resp, async || {
        t.run_one(Role::Thumbnail).await;
    })
    .await;
    let of = |id: &str| {
        seen.iter()
            .filter(|(j, _)| j == id)
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&ids[0]), ["succeeded"], "{seen:?}");
    assert_eq!(of(&ids[1]), ["queued", "running", "succeeded"], "{seen:?}");

    // Bad lists are refused, naming the parameter; an unknown job is a 404.
    let too_many: Vec<String> = (0..51).map(|i| format!("job{i}")).collect();
    for q in ["", "jobs=", &format!("jobs={}", too_many.join(","))] {
        let (code, body) = t.get_json(&format!("/v1/events?{q}")).await;
        assert_eq!(
            (code, body["error"]["code"].as_str()),
            (422, Some("invalid_parameter")),
            "{q}"
        );
    }
    let (code, _) = t
        .get_json(&format!("/v1/events?jobs={},nope", ids[0]))
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn a_dead_job_can_be_retried_and_only_a_dead_one() {
    let t = TestApp::spawn().await;
    let jpeg = common::plain_jpeg(320, 240);
    let (_, up) = t
        .upload_raw(jpeg[..jpeg.len() / 2].to_vec(), "cut.jpg", "metadata=false")
        .await;
    let id = up["jobs"][0]["id"].as_str().unwrap().to_owned();
    let retry = format!("{}/v1/jobs/{id}/retry", t.base);

    let r = t.http.post(&retry).send().await.unwrap();
    assert_eq!(r.status(), 409, "queued, not dead");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "job_not_dead");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("queued"),
        "{body}"
    );

    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Dead { .. }
    ));
    let r = t.http.post(&retry).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("queued"), Some(1))
    );
    // It goes back to its worker, which tries once more.
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Dead { .. }
    ));
    let (_, job) = t.get_json(&format!("/v1/jobs/{id}")).await;
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("dead"), Some(2))
    );
    assert_eq!(job["history"].as_array().unwrap().len(), 2, "{job}");
    let (code, _) = t.get_json("/v1/jobs/nope").await;
    assert_eq!(code, 404);
    let r = t
        .http
        .post(format!("{}/v1/jobs/nope/retry", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_uploads_details_are_its_library_view() {
    let t = TestApp::spawn().await;
    let (_, up) = t
        .upload_raw(
            common::plain_jpeg(300, 200),
            "p.jpg",
            "metadata=false&thumbnails=64",
        )
        .await;
    let file = up["file_id"].as_str().unwrap();
    t.run_one(Role::Thumbnail).await;
    let (code, view) = t.get_json(&format!("/v1/files/{file}/details")).await;
    assert_eq!(code, 200, "{view}");
    assert_eq!(
        (view["id"].as_str(), view["filename"].as_str()),
        (Some(file), Some("p.jpg"))
    );
    let thumb = view["thumbnails"][0]["file_id"].as_str().unwrap();
    assert_eq!(view["jobs"][0]["status"], "succeeded");
    let (code, _) = t.get_json(&format!("/v1/files/{thumb}/details")).await;
    assert_eq!(code, 404, "an output is not an upload");
}
