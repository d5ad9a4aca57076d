//! `kiln quota`: an operator sets or clears one account's quota overrides,
//! straight in the store (no gateway involved).

use crate::config::Config;
use anyhow::{Context, bail};
use kiln_adapters::embedded::SqliteStore;
use kiln_adapters::{AccountStore, QuotaOverride};
use std::sync::Arc;

/// The account store the configuration names, without the queues.
pub async fn open_accounts(config: &Config) -> anyhow::Result<Arc<dyn AccountStore>> {
    Ok(match config.store.as_str() {
        "embedded" => Arc::new(
            SqliteStore::open(&config.data_dir.join("kiln.db")).context("opening the database")?,
        ),
        "mongodb" => {
            let uri = config
                .mongodb_uri
                .as_deref()
                .context("store = mongodb needs KILN_MONGODB_URI")?;
            let (_, store) = kiln_adapters::mongo::connect(uri, &config.mongodb_database, false)
                .await
                .context("connecting to MongoDB")?;
            Arc::new(store)
        }
        other => bail!("unknown store {other:?}: expected embedded or mongodb"),
    })
}

/// Sets the overrides of the account with `email` (`None` fields fall back
/// to the configured defaults) and prints the result.
pub async fn set_quota(config: &Config, email: &str, quota: QuotaOverride) -> anyhow::Result<()> {
    let accounts = open_accounts(config).await?;
    let email = email.trim().to_lowercase();
    let user = accounts
        .user_by_email(&email)
        .await?
        .with_context(|| format!("no account with the email {email}"))?;
    accounts.set_quota(&user.id, quota).await?;
    let show = |v: Option<u64>| v.map_or_else(|| "default".to_owned(), |n| format!("{n} bytes"));
    println!(
        "{email}: storage {}, monthly transfer {}",
        show(quota.storage_bytes),
        show(quota.monthly_transfer_bytes)
    );
    Ok(())
}
