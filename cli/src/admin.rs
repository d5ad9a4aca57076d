//! `kiln quota`: an operator sets or clears one account's quota overrides,
//! straight in the store (no gateway involved); `kiln backup` and `kiln
//! restore` of an embedded data directory.

use crate::config::{Config, StoreConfig};
use anyhow::Context;
use kiln_adapters::embedded::SqliteStore;
use kiln_adapters::{AccountStore, MetaStore, QuotaOverride};
use std::sync::Arc;

/// The store the configuration names, without the queues, as the account
/// store and the job store it is.
pub async fn open_store(
    config: &Config,
) -> anyhow::Result<(Arc<dyn AccountStore>, Arc<dyn MetaStore>)> {
    Ok(match &config.store {
        StoreConfig::Embedded {} => {
            let s = Arc::new(
                SqliteStore::open(&config.data_dir.join("kiln.db"))
                    .context("opening the database")?,
            );
            (s.clone(), s)
        }
        StoreConfig::Mongodb(m) => {
            let (_, store) = kiln_adapters::mongo::connect(m.uri.expose(), &m.database, false)
                .await
                .context("connecting to MongoDB")?;
            let s = Arc::new(store);
            (s.clone(), s)
        }
    })
}

/// Sets the overrides of the account with `email` (`None` fields fall back
/// to the configured defaults) and prints the result.
pub async fn set_quota(config: &Config, email: &str, quota: QuotaOverride) -> anyhow::Result<()> {
    let (accounts, _) = open_store(config).await?;
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

fn embedded_only(config: &Config, what: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(config.store, StoreConfig::Embedded {}),
        "kiln {what} covers the embedded store (kiln serve's data directory); \
         with MongoDB use mongodump/mongorestore (docs/operations.md, Backups)"
    );
    Ok(())
}

/// Backs up the configured data directory into `dest`, and says what it copied.
pub fn backup(config: &Config, dest: &std::path::Path) -> anyhow::Result<()> {
    embedded_only(config, "backup")?;
    let c = kiln_adapters::embedded::backup::backup(&config.data_dir, dest).with_context(|| {
        format!(
            "backing up {} into {}",
            config.data_dir.display(),
            dest.display()
        )
    })?;
    println!(
        "backed up {} into {}: {} databases, {} files ({} bytes)",
        config.data_dir.display(),
        dest.display(),
        c.databases,
        c.blobs,
        c.blob_bytes
    );
    Ok(())
}

/// Restores the backup `from` into the configured data directory.
pub fn restore(config: &Config, from: &std::path::Path) -> anyhow::Result<()> {
    embedded_only(config, "restore")?;
    let c =
        kiln_adapters::embedded::backup::restore(from, &config.data_dir).with_context(|| {
            format!(
                "restoring {} into {}",
                from.display(),
                config.data_dir.display()
            )
        })?;
    println!(
        "restored {} into {}: {} databases, {} files ({} bytes)",
        from.display(),
        config.data_dir.display(),
        c.databases,
        c.blobs,
        c.blob_bytes
    );
    Ok(())
}
