//! `GET /v1/usage`: what the caller keeps and moves, and the quotas on it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The caller's storage, today's and this month's transfer, and quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Usage {
    /// What the account keeps.
    pub storage: StorageUsage,
    /// Bytes moved, by period (UTC).
    pub transfer: TransferUsage,
    /// The quotas that apply (the account's own, else the defaults).
    pub quota: Quotas,
}

/// What an account keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StorageUsage {
    /// Bytes of its uploads.
    pub original_bytes: u64,
    /// Bytes of the outputs derived from them.
    pub output_bytes: u64,
    /// `original_bytes + output_bytes`: what the storage quota counts.
    pub total_bytes: u64,
    /// Number of uploads.
    pub files: u64,
    /// Number of jobs.
    pub jobs: u64,
}

/// Bytes moved today and this calendar month (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferUsage {
    /// Today.
    pub today: TransferTotals,
    /// This calendar month, today included: what the transfer quota counts.
    pub month: TransferTotals,
}

/// Bytes moved over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferTotals {
    /// Bytes uploaded.
    pub uploaded: u64,
    /// Bytes downloaded.
    pub downloaded: u64,
}

/// Effective quotas; `null` is unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quotas {
    /// Bytes of uploads and outputs the account may keep.
    #[schema(required = true)]
    pub storage_bytes: Option<u64>,
    /// Bytes the account may upload plus download per calendar month (UTC).
    #[schema(required = true)]
    pub monthly_transfer_bytes: Option<u64>,
}
