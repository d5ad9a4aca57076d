//! `kiln status` and `kiln retry`: one job, as text or the server's JSON.

use crate::client::document;
use crate::library_client::{Remote, human_bytes, print_json};
use kiln_proto::api::{JobView, job_url};

/// `kiln status JOB_ID`.
pub async fn status(r: &Remote, id: &str, json: bool) -> anyhow::Result<()> {
    let resp = r.send(r.http()?.get(r.url(&job_url(id)))).await?;
    let job: JobView = document(resp).await?;
    show(r, &job, json)
}

/// `kiln retry JOB_ID`: another attempt at a dead job (`POST
/// /v1/jobs/{id}/retry`).
pub async fn retry(r: &Remote, id: &str, json: bool) -> anyhow::Result<()> {
    let url = r.url(&format!("{}/retry", job_url(id)));
    let resp = r.send(r.http()?.post(url)).await?;
    let job: JobView = document(resp).await?;
    show(r, &job, json)
}

fn show(r: &Remote, job: &JobView, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(job);
    }
    for line in lines(&r.server, job) {
        println!("{line}");
    }
    Ok(())
}

/// A job for people: its state, then each attempt, then each output.
pub fn lines(server: &str, job: &JobView) -> Vec<String> {
    let mut out = vec![format!(
        "job {} {} ({} lane) of file {}: {} after {} attempt(s){}",
        job.id,
        job.kind,
        job.priority,
        job.file_id,
        job.status,
        job.attempts,
        job.error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    )];
    for a in &job.history {
        let took = a
            .finished_at
            .map(|f| format!(" in {:.1} s", (f - a.started_at).as_seconds_f64()))
            .unwrap_or_default();
        let outcome = a
            .outcome
            .map(|o| o.to_string())
            .unwrap_or_else(|| "running".into());
        out.push(format!(
            "  attempt {} at {}: {outcome}{took}",
            a.attempt,
            a.started_at.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    for o in &job.outputs {
        let size = match (o.width, o.height) {
            (Some(w), Some(h)) => format!("{w}x{h} "),
            _ => String::new(),
        };
        out.push(format!(
            "  output {size}{} {}  {server}{}",
            o.content_type,
            human_bytes(o.bytes),
            o.url
        ));
    }
    out
}
