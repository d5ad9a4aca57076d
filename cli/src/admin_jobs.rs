//! `kiln admin jobs`: an operator's view of every account's jobs, read
//! straight from the store, and re-running dead ones. A re-run job goes
//! back to the outbox, which every running gateway (and `kiln serve`)
//! hands to the broker within seconds.

use crate::config::Config;
use kiln_core::{JobQuery, JobRecord, MetaStore};
use kiln_proto::{JobKind, JobStatus};

/// What `kiln admin jobs` does.
#[derive(Debug, clap::Subcommand)]
pub enum JobsAction {
    /// Jobs of every account, newest first.
    List {
        /// Only jobs in this status (queued, running, succeeded, failed, dead).
        #[arg(long)]
        status: Option<JobStatus>,
        /// Only jobs of this kind (thumbnail, metadata, convert, notify).
        #[arg(long)]
        kind: Option<String>,
        /// Only jobs whose error contains this text (any case).
        #[arg(long)]
        error: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// How many jobs there are of each kind in each status.
    Counts {
        /// The API's document (`GET /v1/admin/jobs/counts`) instead of a
        /// table.
        #[arg(long)]
        json: bool,
    },
    /// Give dead jobs another attempt, with a fresh attempt budget, in the
    /// bulk lane: the ids given, or with `--all` every dead job (of
    /// `--kind`, with `--error`).
    Retry {
        /// Job ids.
        ids: Vec<String>,
        /// Every dead job (narrowed by `--kind` and `--error`).
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// With `--all`: only jobs of this kind.
        #[arg(long, requires = "all")]
        kind: Option<String>,
        /// With `--all`: only jobs whose error contains this text.
        #[arg(long, requires = "all")]
        error: Option<String>,
        /// `{"retried": N, "job_ids": [...], "not_dead": [...]}` instead
        /// of a sentence.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `action`, printing what it found or did.
pub async fn run(config: &Config, action: JobsAction) -> anyhow::Result<()> {
    let (_, store) = crate::admin::open_store(config).await?;
    match action {
        JobsAction::List {
            status,
            kind,
            error,
            limit,
            json,
        } => {
            let q = JobQuery {
                status,
                kind: kind.map(JobKind::from),
                error_contains: error,
                limit: limit.clamp(1, 10_000),
                ..Default::default()
            };
            for j in store.list_jobs(&q).await? {
                if json {
                    println!("{}", serde_json::to_string(&line(&j))?);
                } else {
                    println!(
                        "{}  {:<9} {:<9} {:>2}  {}  {}",
                        j.id,
                        j.kind.as_str(),
                        j.status.as_str(),
                        j.attempts,
                        j.updated_at.format("%Y-%m-%d %H:%M:%S"),
                        j.error.as_deref().unwrap_or("")
                    );
                }
            }
        }
        JobsAction::Counts { json: true } => {
            let counts = kiln_proto::api::JobCounts {
                counts: store
                    .job_counts()
                    .await?
                    .into_iter()
                    .map(|c| kiln_proto::api::JobCountRow {
                        kind: c.kind,
                        status: c.status,
                        count: c.count,
                    })
                    .collect(),
            };
            println!("{}", serde_json::to_string_pretty(&counts)?);
        }
        JobsAction::Counts { json: false } => {
            println!("{:<10} {:<10} {:>8}", "KIND", "STATUS", "JOBS");
            for c in store.job_counts().await? {
                println!(
                    "{:<10} {:<10} {:>8}",
                    c.kind.as_str(),
                    c.status.as_str(),
                    c.count
                );
            }
        }
        JobsAction::Retry {
            ids,
            all,
            kind,
            error,
            json,
        } => {
            let ids = if all {
                every_dead(store.as_ref(), kind.map(JobKind::from), error).await?
            } else {
                anyhow::ensure!(!ids.is_empty(), "name the jobs to retry, or --all");
                ids
            };
            let (mut retried, mut not_dead) = (Vec::new(), Vec::new());
            for id in &ids {
                match store.retry_dead(id, kiln_proto::Priority::Bulk).await? {
                    Some(_) => retried.push(id),
                    None => {
                        if !json {
                            eprintln!("{id}: not a dead job; left as it is");
                        }
                        not_dead.push(id);
                    }
                }
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "retried": retried.len(), "job_ids": retried, "not_dead": not_dead,
                    })
                );
            } else {
                println!(
                    "{} job(s) queued again; running gateways publish them within seconds",
                    retried.len()
                );
            }
            anyhow::ensure!(
                not_dead.is_empty(),
                "{} job(s) were not dead",
                not_dead.len()
            );
        }
    }
    Ok(())
}

/// Ids of every dead job (of `kind`), paging through the store.
async fn every_dead(
    store: &dyn MetaStore,
    kind: Option<JobKind>,
    error: Option<String>,
) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_jobs(&JobQuery {
                status: Some(JobStatus::Dead),
                kind: kind.clone(),
                error_contains: error.clone(),
                before: before.take(),
                limit: 500,
                ..Default::default()
            })
            .await?;
        let Some(last) = page.last() else {
            return Ok(out);
        };
        before = Some(last.id.clone());
        out.extend(page.into_iter().map(|j| j.id));
    }
}

fn line(j: &JobRecord) -> serde_json::Value {
    serde_json::json!({
        "id": j.id, "kind": j.kind.as_str(), "status": j.status, "attempts": j.attempts,
        "file_id": j.file_id, "owner": j.owner, "error": j.error,
        "created_at": j.created_at, "updated_at": j.updated_at,
    })
}

/// What `kiln admin` works on.
#[derive(Debug, clap::Subcommand)]
pub enum AdminWhat {
    /// Jobs of every account: list and count them, re-run dead ones.
    Jobs {
        /// What to do.
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Make an account an operator (the `/v1/admin` API), or stop it being one.
    Grant {
        /// The account's email.
        email: String,
        /// Take the role away instead.
        #[arg(long)]
        revoke: bool,
        /// `{"email": ..., "operator": true|false}` instead of a sentence.
        #[arg(long)]
        json: bool,
    },
    /// A worker role's dead-letter queue: show the first messages, or purge it.
    DeadLetters {
        /// thumbnail, metadata, convert or notify.
        role: kiln_proto::Role,
        /// Remove every message (their jobs stay dead and can be re-run).
        #[arg(long)]
        purge: bool,
        /// How many to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON object per message (or `{"purged": N}`).
        #[arg(long)]
        json: bool,
    },
}
