//! `kiln quota`: an operator sets or clears one account's quota overrides,
//! straight in the store (no gateway involved).

use crate::config::{Config, StoreConfig};
use anyhow::Context;
use kiln_adapters::embedded::SqliteStore;
use kiln_adapters::{AccountStore, QuotaOverride};
use std::sync::Arc;

/// The account store the configuration names, without the queues.
pub async fn open_accounts(config: &Config) -> anyhow::Result<Arc<dyn AccountStore>> {
    Ok(match &config.store {
        StoreConfig::Embedded {} => Arc::new(
            SqliteStore::open(&config.data_dir.join("kiln.db")).context("opening the database")?,
        ),
        StoreConfig::Mongodb(m) => {
            let (_, store) = kiln_adapters::mongo::connect(m.uri.expose(), &m.database, false)
                .await
                .context("connecting to MongoDB")?;
            Arc::new(store)
        }
    })
}

/// Sets the overrides of the account with `email` (`None` fields fall back
/// to the configured defaults) and prints the result.
pub async fn set_quota(config: &Config, email: &str, quota: QuotaOverride) -> anyhow::Result<()> {
    let accounts = open_accounts(config).await?;
    let email = kiln_proto::api::normalize_email(email).map_err(|e| anyhow::anyhow!(e.0))?;
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
