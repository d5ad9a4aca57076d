//! `/metrics` on the gateway's port and on a worker's probe port: a job
//! moves the counters an operator watches.

#![allow(clippy::unwrap_used)]

use crate::common::{self, TestApp};
use kiln_proto::Role;
use kiln_workers::Outcome;
use tokio_util::sync::CancellationToken;

/// The value of the sample `name` whose labels include all of `labels`
/// (summed over the others), 0 when there is none.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, v) = l.rsplit_once(' ')?;
            let (n, rest) = series.split_once('{').unwrap_or((series, "}"));
            (n == name).then_some((rest.trim_end_matches('}'), v.parse::<f64>().ok()?))
        })
        .filter(|(ls, _)| {
            labels
                .iter()
                .all(|(k, v)| ls.split(',').any(|p| p == format!("{k}=\"{v}\"")))
        })
        .map(|(_, v)| v)
        .sum()
}

async fn scrape(t: &TestApp, base: &str) -> String {
    let r = t.http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_job_moves_the_counters_on_the_gateway_and_the_worker_probe() {
    let t = TestApp::spawn().await;
    let shutdown = CancellationToken::new();
    let (probe, _task) = kiln::services::spawn_probes(
        "127.0.0.1:0".parse().unwrap(),
        &t.app.backends,
        0,
        t.app.worker(Role::Thumbnail),
        shutdown.clone(),
    )
    .await
    .unwrap();
    let probe = format!("http://{probe}");
    let live = t.http.get(format!("{probe}/healthz")).send().await.unwrap();
    assert_eq!(live.status(), 200, "a worker with nothing held is live");
    // Counters are per process (the tests share one): compare before and after.
    let before = scrape(&t, &t.base).await;

    let jpeg = common::plain_jpeg(320, 240);
    let (code, up) = t.upload_raw(jpeg.clone(), "p.jpg", "metadata=false").await;
    assert_eq!(code, 202, "{up}");
    let queued = scrape(&t, &t.base).await;
    assert_eq!(
        value(&queued, "kiln_queue_depth", &[("role", "thumbnail")]),
        1.0,
        "the job waits in the thumbnail queue:\n{queued}"
    );
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    let (_, cut) = t
        .upload_raw(jpeg[..jpeg.len() / 2].to_vec(), "cut.jpg", "metadata=false")
        .await;
    assert!(cut["jobs"][0]["id"].is_string());
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Dead { .. }
    ));
    let (code, _) = t.get_json("/no/such/route").await;
    assert_eq!(code, 404);

    let after = scrape(&t, &t.base).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    let thumb = ("kind", "thumbnail");
    assert!(delta("kiln_uploads_total", &[("result", "stored")]) >= 2.0);
    assert!(delta("kiln_upload_bytes_total", &[]) >= (jpeg.len() + jpeg.len() / 2) as f64);
    assert!(delta("kiln_jobs_total", &[thumb, ("outcome", "succeeded")]) >= 1.0);
    assert!(delta("kiln_jobs_total", &[thumb, ("outcome", "dead")]) >= 1.0);
    assert!(
        delta(
            "kiln_job_duration_seconds_count",
            &[thumb, ("outcome", "succeeded")]
        ) >= 1.0
    );
    assert!(delta("kiln_job_queue_wait_seconds_count", &[thumb]) >= 2.0);
    assert!(
        after.contains(
            "kiln_job_duration_seconds_bucket{kind=\"thumbnail\",outcome=\"succeeded\",le=\"1800\"}"
        ),
        "conversion-length buckets:\n{after}"
    );
    let upload = [
        ("method", "POST"),
        ("route", "/v1/uploads"),
        ("status", "202"),
    ];
    assert!(delta("kiln_http_requests_total", &upload) >= 2.0);
    assert!(
        delta(
            "kiln_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0
    );
    assert!(after.contains(
        "kiln_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/uploads\""
    ));
    assert_eq!(
        value(&after, "kiln_dead_letters", &[("role", "thumbnail")]),
        1.0,
        "the dead job's message is in the dead letters:\n{after}"
    );
    // Every metric the dashboard and docs name is really exported (emails
    // once one was tried).
    for name in kiln_core::metrics::ALL {
        if name != kiln_core::metrics::EMAILS {
            assert!(
                after.contains(&format!("# TYPE {name} ")),
                "{name} missing:\n{after}"
            );
        }
    }

    // The worker's probe port serves the same process's metrics, with its
    // own role's queue.
    let worker = scrape(&t, &probe).await;
    assert!(
        value(
            &worker,
            "kiln_jobs_total",
            &[thumb, ("outcome", "succeeded")]
        ) >= 1.0
    );
    assert!(
        worker.contains("kiln_queue_depth{role=\"thumbnail\"}"),
        "{worker}"
    );
    shutdown.cancel();
}
