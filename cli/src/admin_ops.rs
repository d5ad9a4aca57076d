//! `kiln admin grant` and `kiln admin dead-letters`: the operator role, and
//! a role's dead-letter queue, straight on the store and the broker.

use crate::admin_jobs::AdminWhat;
use crate::backends::{Opened, Scope};
use crate::config::Config;
use anyhow::Context;
use kiln_proto::{JobMessage, Role};

/// Runs one `kiln admin` command.
pub async fn run(config: &Config, what: AdminWhat) -> anyhow::Result<()> {
    match what {
        AdminWhat::Jobs { action } => crate::admin_jobs::run(config, action).await,
        AdminWhat::Grant {
            email,
            revoke,
            json,
        } => grant(config, &email, !revoke, json).await,
        AdminWhat::DeadLetters {
            role,
            purge,
            limit,
            json,
        } => dead_letters(config, role, purge, limit, json).await,
    }
}

async fn grant(config: &Config, email: &str, on: bool, json: bool) -> anyhow::Result<()> {
    let (accounts, _) = crate::admin::open_store(config).await?;
    let email = kiln_proto::api::normalize_email(email).map_err(|e| anyhow::anyhow!(e.0))?;
    let user = accounts
        .user_by_email(&email)
        .await?
        .with_context(|| format!("no account with the email {email}"))?;
    accounts.set_operator(&user.id, on).await?;
    if json {
        println!("{}", serde_json::json!({ "email": email, "operator": on }));
    } else if on {
        println!("{email} is an operator: /v1/admin answers to its sign-ins and API keys");
    } else {
        println!("{email} is no longer an operator");
    }
    Ok(())
}

async fn dead_letters(
    config: &Config,
    role: Role,
    purge: bool,
    limit: usize,
    json: bool,
) -> anyhow::Result<()> {
    let opened = Opened::open(config, Scope::SingleProcess).await?;
    let broker = &opened.backends.broker;
    if purge {
        let n = broker.purge_dead_letters(role).await?;
        if json {
            println!("{}", serde_json::json!({ "purged": n }));
            return Ok(());
        }
        println!(
            "{n} dead letter(s) of {role} purged; their jobs stay dead (kiln admin jobs retry)"
        );
        return Ok(());
    }
    let letters = broker.dead_letters(role, limit.max(1)).await?;
    if letters.is_empty() && !json {
        println!("no dead letters for {role}");
    }
    for d in letters {
        if json {
            let m = JobMessage::from_bytes(&d.payload).ok();
            println!(
                "{}",
                serde_json::json!({
                    "job_id": m.as_ref().map(|m| &m.job_id),
                    "file_id": m.as_ref().map(|m| &m.file_id),
                    "reason": d.reason, "deliveries": d.deliveries, "dead_at": d.dead_at,
                    "bytes": d.payload.len(),
                })
            );
            continue;
        }
        let at = d.dead_at.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        );
        match JobMessage::from_bytes(&d.payload) {
            Ok(m) => println!("{at}  job {}  file {}  {}", m.job_id, m.file_id, d.reason),
            Err(_) => println!(
                "{at}  (unreadable message, {} bytes)  {}",
                d.payload.len(),
                d.reason
            ),
        }
    }
    Ok(())
}
