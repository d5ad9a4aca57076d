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
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Give dead jobs another attempt: the ids given, or with `--all` every
    /// dead job (of `--kind`).
    Retry {
        /// Job ids.
        ids: Vec<String>,
        /// Every dead job (narrowed by `--kind`).
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// With `--all`: only jobs of this kind.
        #[arg(long, requires = "all")]
        kind: Option<String>,
    },
}

/// Runs `action`, printing what it found or did.
pub async fn run(config: &Config, action: JobsAction) -> anyhow::Result<()> {
    let (_, store) = crate::admin::open_store(config).await?;
    match action {
        JobsAction::List {
            status,
            kind,
            limit,
            json,
        } => {
            let q = JobQuery {
                status,
                kind: kind.map(JobKind::from),
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
        JobsAction::Retry { ids, all, kind } => {
            let ids = if all {
                every_dead(store.as_ref(), kind.map(JobKind::from)).await?
            } else {
                anyhow::ensure!(!ids.is_empty(), "name the jobs to retry, or --all");
                ids
            };
            let mut retried = 0;
            for id in &ids {
                match store.retry_dead(id, kiln_proto::Priority::Bulk).await? {
                    Some(_) => retried += 1,
                    None => eprintln!("{id}: not a dead job; left as it is"),
                }
            }
            println!("{retried} job(s) queued again; running gateways publish them within seconds");
            anyhow::ensure!(
                retried == ids.len(),
                "{} job(s) were not dead",
                ids.len() - retried
            );
        }
    }
    Ok(())
}

/// Ids of every dead job (of `kind`), paging through the store.
async fn every_dead(store: &dyn MetaStore, kind: Option<JobKind>) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_jobs(&JobQuery {
                status: Some(JobStatus::Dead),
                kind: kind.clone(),
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
    /// Jobs of every account: list them, re-run dead ones.
    Jobs {
        /// What to do.
        #[command(subcommand)]
        action: JobsAction,
    },
}
