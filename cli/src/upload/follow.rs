//! `--wait`: following the batch's jobs as their files are accepted, with
//! the gateway's Server-Sent Events (`GET /v1/events?jobs=ID,…`, up to 50
//! jobs a stream), falling back to polling `GET /v1/jobs/{id}` when a
//! stream cannot be opened or breaks. The wait gives up on the jobs still
//! running once `--timeout` seconds pass, after the last upload, with no
//! job changing state.

use super::report::Ui;
use super::sse::Parser;
use super::summary::JobFailure;
use futures::StreamExt;
use kiln_proto::api::{JobView, job_url};
use kiln_proto::{JobEvent, JobStatus};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};

/// Most jobs one `GET /v1/events` follows (the gateway's limit).
const PER_STREAM: usize = 50;
/// Streams open at once.
const STREAMS: usize = 4;
/// How long jobs are gathered before a stream is opened for them.
const GATHER: Duration = Duration::from_millis(300);

/// A job to follow.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// Job id.
    pub id: String,
    /// Its file's path.
    pub path: String,
    /// What it does.
    pub kind: String,
    /// The last state seen and its attempts.
    last: Option<(JobStatus, u32)>,
}

impl Tracked {
    /// A job an upload just queued (so seeing it `queued` is no news).
    pub fn new(id: String, path: String, kind: String) -> Tracked {
        Tracked {
            id,
            path,
            kind,
            last: Some((JobStatus::Queued, 0)),
        }
    }
}

/// Follows the jobs of one batch.
pub struct Follower {
    http: reqwest::Client,
    server: String,
    timeout: Duration,
    ui: Arc<Ui>,
    uploads_done: AtomicBool,
    last_change: Mutex<Instant>,
}

impl Follower {
    /// A follower giving up after `timeout` without a change.
    pub fn new(http: reqwest::Client, server: &str, timeout: Duration, ui: Arc<Ui>) -> Follower {
        Follower {
            http,
            server: server.to_owned(),
            timeout,
            ui,
            uploads_done: AtomicBool::new(false),
            last_change: Mutex::new(Instant::now()),
        }
    }

    fn touch(&self) {
        *self.last_change.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    fn expired(&self) -> bool {
        self.uploads_done.load(Ordering::Relaxed)
            && self
                .last_change
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .elapsed()
                > self.timeout
    }

    /// Follows every job sent on `jobs` until each has ended or the wait
    /// gives up; returns once `jobs` is closed and all are reported.
    pub async fn run(self: Arc<Self>, mut jobs: mpsc::UnboundedReceiver<Tracked>) {
        let streams = Arc::new(Semaphore::new(STREAMS));
        let mut tasks = tokio::task::JoinSet::new();
        let mut seen = HashSet::new();
        let mut pending: Vec<Tracked> = Vec::new();
        let mut since: Option<Instant> = None;
        loop {
            let deadline = since.map(|t| t + GATHER);
            let gathered = async move {
                match deadline {
                    Some(t) => tokio::time::sleep_until(t.into()).await,
                    None => std::future::pending().await,
                }
            };
            let full = tokio::select! {
                job = jobs.recv() => match job {
                    // A job shared by duplicates is followed (and reported) once.
                    Some(t) if seen.insert(t.id.clone()) => {
                        self.ui.progress.job_added(&t.id);
                        self.touch();
                        pending.push(t);
                        since.get_or_insert_with(Instant::now);
                        pending.len() >= PER_STREAM
                    }
                    Some(_) => false,
                    None => break,
                },
                () = gathered => true,
            };
            if full {
                let group = std::mem::take(&mut pending);
                since = None;
                let (me, streams) = (self.clone(), streams.clone());
                tasks.spawn(async move {
                    let _permit = streams.acquire_owned().await;
                    me.follow(group).await
                });
            }
        }
        self.uploads_done.store(true, Ordering::Relaxed);
        self.touch();
        if !pending.is_empty() {
            let _permit = streams.clone().acquire_owned().await;
            self.follow(pending).await;
        }
        while tasks.join_next().await.is_some() {}
        self.ui.progress.jobs_finished();
    }

    async fn follow(&self, group: Vec<Tracked>) {
        let mut left: HashMap<String, Tracked> =
            group.into_iter().map(|t| (t.id.clone(), t)).collect();
        if let Err(why) = self.stream(&mut left).await
            && !left.is_empty()
        {
            self.ui.notice(&format!(
                "following {} job(s) by polling: {why}",
                left.len()
            ));
        }
        self.poll(&mut left).await;
        for (_, t) in left.drain() {
            self.give_up(t).await;
        }
    }

    /// Follows `left` on one event stream until each has ended (`Ok`), the
    /// wait gives up (`Ok`), or the stream fails (`Err`).
    async fn stream(&self, left: &mut HashMap<String, Tracked>) -> Result<(), String> {
        let ids: Vec<&str> = left.keys().map(String::as_str).collect();
        let resp = self
            .http
            .get(format!("{}/v1/events", self.server))
            .query(&[("jobs", ids.join(","))])
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|e| format!("cannot open the event stream: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("the event stream answered {}", resp.status()));
        }
        let mut body = resp.bytes_stream();
        let mut parser = Parser::default();
        while !left.is_empty() {
            let chunk = match tokio::time::timeout(Duration::from_secs(1), body.next()).await {
                Err(_) if self.expired() => return Ok(()),
                Err(_) => continue,
                Ok(None) => return Err("the event stream ended early".into()),
                Ok(Some(Err(e))) => return Err(format!("the event stream broke: {e}")),
                Ok(Some(Ok(chunk))) => chunk,
            };
            for event in parser.push(&chunk) {
                let Ok(e) = serde_json::from_str::<JobEvent>(&event.data) else {
                    continue;
                };
                if event.name == "status" {
                    self.state(left, &e.job_id, e.status, e.attempts).await;
                }
            }
        }
        Ok(())
    }

    /// Polls `left` until each has ended or the wait gives up.
    async fn poll(&self, left: &mut HashMap<String, Tracked>) {
        let mut pause = Duration::from_millis(250);
        while !left.is_empty() && !self.expired() {
            let ids: Vec<String> = left.keys().cloned().collect();
            for id in ids {
                match self.get(&id).await {
                    Ok(Some(job)) => self.state(left, &id, job.status, job.attempts).await,
                    Ok(None) => {
                        if let Some(t) = left.remove(&id) {
                            self.ui.job_lost(failure(&t, "the job no longer exists"));
                        }
                    }
                    // Unreachable for now: the next round tries again.
                    Err(_) => {}
                }
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// A job's state, from an event or a poll; an ended job is reported
    /// with its full document (outputs, error).
    async fn state(
        &self,
        left: &mut HashMap<String, Tracked>,
        id: &str,
        status: JobStatus,
        attempts: u32,
    ) {
        let Some(t) = left.get_mut(id) else { return };
        if t.last == Some((status, attempts)) {
            return;
        }
        t.last = Some((status, attempts));
        self.touch();
        let label = format!("{} {}", t.path, t.kind);
        self.ui.progress.job_state(id, status, attempts, &label);
        if !status.is_terminal() {
            return;
        }
        let Some(t) = left.remove(id) else { return };
        let mut tries = 0;
        loop {
            match self.get(id).await {
                Ok(Some(job)) => return self.ui.job(&t.path, &job),
                Ok(None) => return self.ui.job_lost(failure(&t, "the job no longer exists")),
                Err(e) if tries >= 3 => {
                    let why = format!("ended {status}, but it cannot be read: {e}");
                    return self.ui.job_lost(failure(&t, &why));
                }
                Err(_) => tries += 1,
            }
            tokio::time::sleep(Duration::from_millis(500) * tries).await;
        }
    }

    /// A job the wait gave up on: reported as it is now.
    async fn give_up(&self, t: Tracked) {
        match self.get(&t.id).await {
            Ok(Some(job)) => self.ui.job(&t.path, &job),
            _ => {
                let why = format!("gave up waiting after {} s", self.timeout.as_secs());
                self.ui.job_lost(failure(&t, &why));
            }
        }
    }

    /// `GET /v1/jobs/{id}`: `None` for a job that does not exist (any more).
    async fn get(&self, id: &str) -> Result<Option<JobView>, String> {
        let resp = self
            .http
            .get(format!("{}{}", self.server, job_url(id)))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        match resp.status() {
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => resp.json().await.map(Some).map_err(|e| e.to_string()),
            s => Err(format!("the server answered {s}")),
        }
    }
}

fn failure(t: &Tracked, why: &str) -> JobFailure {
    JobFailure {
        path: t.path.clone(),
        id: t.id.clone(),
        kind: t.kind.clone(),
        status: t
            .last
            .map_or_else(|| "unknown".into(), |(s, _)| s.to_string()),
        error: Some(why.to_owned()),
    }
}
