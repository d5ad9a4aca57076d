//! `kiln upload` and `kiln status`: a small client of the HTTP API.

use anyhow::{Context, bail};
use kiln_proto::JobStatus;
use kiln_proto::api::{ErrorBody, JobView, UploadAccepted, UploadQuery};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Options of `kiln upload`.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Gateway base URL.
    pub server: String,
    /// Thumbnail sizes, e.g. `256,1024` (server default when `None`).
    pub thumbnails: Option<String>,
    /// Thumbnail formats, e.g. `jpeg,webp`.
    pub formats: Option<String>,
    /// Whether to extract metadata.
    pub metadata: Option<bool>,
    /// Convert audio or video to this format (`mp3`).
    pub convert: Option<String>,
    /// Constant bit rate of the conversion, kbit/s.
    pub bitrate: Option<u32>,
    /// VBR quality of the conversion, 0 (best) to 9.
    pub quality: Option<u8>,
    /// Access token or API key (`KILN_TOKEN`), when the gateway has accounts on.
    pub token: Option<String>,
    /// Wait for every job to finish and print the results.
    pub wait: bool,
    /// Give up waiting after this long.
    pub timeout: Duration,
    /// Answer an existing file with the same bytes instead of storing a
    /// copy (the server's default); `false` sends `dedupe=false`.
    pub dedupe: bool,
    /// The jobs' lane (`bulk` for an import nobody waits on).
    pub priority: Option<kiln_proto::Priority>,
}

fn api_error(status: reqwest::StatusCode, body: &str) -> anyhow::Error {
    // Not every answer is the API's (a proxy's error page, a code from a
    // newer gateway): those are shown as they came.
    let msg = serde_json::from_str::<ErrorBody>(body)
        .map(|b| format!("{} ({})", b.error.message, b.error.code))
        .unwrap_or_else(|_| body.chars().take(200).collect());
    anyhow::anyhow!("server answered {status}: {msg}")
}

/// The document of a successful answer, or the error it carries.
pub async fn document<T: DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        return Err(api_error(status, &text));
    }
    Ok(serde_json::from_str(&text)?)
}

/// The response if it succeeded, else the error it carries.
pub async fn ok(resp: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.unwrap_or_default();
    Err(api_error(status, &text))
}

/// Success with no body expected (`204`), or the error it carries.
pub async fn empty(resp: reqwest::Response) -> anyhow::Result<()> {
    ok(resp).await.map(|_| ())
}

/// Uploads each file (streamed, never read whole) and, with `wait`, follows
/// its jobs to the end. Fails if any upload fails or any job ends `dead`.
pub async fn upload(files: &[PathBuf], opts: &UploadOptions) -> anyhow::Result<()> {
    let http = client(opts.token.as_deref())?;
    let mut failed = 0;
    for path in files {
        let doc = upload_one(&http, path, opts)
            .await
            .with_context(|| format!("uploading {}", path.display()))?;
        let same = doc
            .duplicate_of
            .as_ref()
            .map(|_| " (already stored: nothing new kept)")
            .unwrap_or("");
        println!(
            "{}: file {} ({} bytes, {}) -> {}{}{same}",
            path.display(),
            doc.file_id,
            doc.bytes,
            doc.content_type,
            opts.server,
            doc.url
        );
        for queued in doc.jobs {
            let id = queued.id;
            if !opts.wait {
                // A duplicate's jobs may have run already.
                println!("  job {id} {}: {}", queued.kind, queued.status);
                continue;
            }
            let job = wait_for(&http, &opts.server, &id, opts.timeout).await?;
            print_job(&opts.server, &job);
            if job.status == JobStatus::Dead {
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} job(s) failed");
    }
    Ok(())
}

async fn upload_one(
    http: &reqwest::Client,
    path: &Path,
    opts: &UploadOptions,
) -> anyhow::Result<UploadAccepted> {
    let file = tokio::fs::File::open(path)
        .await
        .context("opening the file")?;
    let len = file.metadata().await?.len();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("upload");
    let query = UploadQuery {
        thumbnails: opts.thumbnails.clone(),
        formats: opts.formats.clone(),
        metadata: opts.metadata,
        convert: opts.convert.clone(),
        bitrate: opts.bitrate,
        quality: opts.quality,
        dedupe: (!opts.dedupe).then_some(false),
        notify: None,
        priority: opts.priority,
    };
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
        file,
        256 * 1024,
    ));
    let resp = http
        .post(format!("{}/v1/uploads", opts.server))
        .query(&query)
        .header("content-type", "application/octet-stream")
        .header("content-length", len)
        .header(
            "x-filename",
            name.chars()
                .filter(|c| c.is_ascii_graphic() || *c == ' ')
                .collect::<String>(),
        )
        .body(body)
        .send()
        .await
        .with_context(|| format!("cannot reach {}", opts.server))?;
    document(resp).await
}

/// An HTTP client sending `Authorization: Bearer TOKEN` when given one.
pub fn client(token: Option<&str>) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .context("KILN_TOKEN is not a valid header value")?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// Fetches one job.
pub async fn get_job(http: &reqwest::Client, server: &str, id: &str) -> anyhow::Result<JobView> {
    let resp = http
        .get(format!("{server}{}", kiln_proto::api::job_url(id)))
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    document(resp).await
}

/// Polls a job until it is terminal, backing off from 50 ms to 1 s.
pub async fn wait_for(
    http: &reqwest::Client,
    server: &str,
    id: &str,
    timeout: Duration,
) -> anyhow::Result<JobView> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        let job = get_job(http, server, id).await?;
        if job.status.is_terminal() {
            return Ok(job);
        }
        if start.elapsed() > timeout {
            bail!("job {id} still \"{}\" after {timeout:?}", job.status);
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// Prints a job and its outputs, one line each.
pub fn print_job(server: &str, job: &JobView) {
    print!(
        "  job {} {}: {} after {} attempt(s)",
        job.id, job.kind, job.status, job.attempts
    );
    match &job.error {
        Some(e) => println!(": {e}"),
        None => println!(),
    }
    for o in &job.outputs {
        let size = match (o.width, o.height) {
            (Some(w), Some(h)) => format!("{w}x{h} "),
            _ => String::new(),
        };
        println!(
            "    {size}{} {} bytes  {server}{}  {}",
            o.content_type,
            o.bytes,
            o.url,
            o.filename.as_deref().unwrap_or("")
        );
    }
}

/// `kiln status JOB_ID`: prints the job as JSON.
pub async fn status(server: &str, id: &str, token: Option<&str>) -> anyhow::Result<()> {
    let job = get_job(&client(token)?, server, id).await?;
    println!("{}", serde_json::to_string_pretty(&job)?);
    Ok(())
}
