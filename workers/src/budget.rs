//! What one job may cost: the bytes of output it may write (per job, and
//! within its owner's storage quota) and its share of the process-wide
//! budget for decoded pixels.
//!
//! Output limits are checked as each output is written, not after: a job
//! asking for far more than it may have stops at the first output over the
//! line, having written only what fitted.

use crate::{JobContext, JobError};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Budgets shared by every job of a worker process.
#[derive(Debug, Clone)]
pub struct WorkBudget {
    max_output_bytes: u64,
    default_storage_quota: Option<u64>,
    decode: Arc<Semaphore>,
    decode_kib: u32,
}

impl Default for WorkBudget {
    fn default() -> Self {
        WorkBudget::new(1 << 30, 1 << 30, None)
    }
}

impl WorkBudget {
    /// Jobs may write `max_output_bytes` each; decodes running at once may
    /// hold `decode_memory_bytes` of pixels together; accounts without a
    /// storage quota of their own get `default_storage_quota`.
    pub fn new(
        max_output_bytes: u64,
        decode_memory_bytes: u64,
        default_storage_quota: Option<u64>,
    ) -> Self {
        // Permits count KiB so that terabytes fit a semaphore's u32.
        let decode_kib =
            u32::try_from(decode_memory_bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
        WorkBudget {
            max_output_bytes,
            default_storage_quota,
            decode: Arc::new(Semaphore::new(decode_kib as usize)),
            decode_kib,
        }
    }

    /// Waits until `bytes` of decoded pixels fit beside the decodes already
    /// running. One decode larger than the whole budget still runs, alone.
    pub async fn decode_permit(&self, bytes: u64) -> OwnedSemaphorePermit {
        let kib = u32::try_from(bytes.div_ceil(1024).max(1))
            .unwrap_or(u32::MAX)
            .min(self.decode_kib);
        self.decode
            .clone()
            .acquire_many_owned(kib)
            .await
            .expect("the decode semaphore is never closed")
    }

    /// KiB of the decode budget free right now (for tests and metrics).
    pub fn decode_kib_free(&self) -> usize {
        self.decode.available_permits()
    }

    /// A meter for the outputs of one job of `owner`: the per-job limit and,
    /// when the owner has a storage quota, the room left in it.
    pub async fn output_meter(
        &self,
        ctx: &JobContext,
        owner: Option<&str>,
    ) -> Result<OutputMeter, JobError> {
        let mut meter = OutputMeter {
            written: 0,
            job_max: self.max_output_bytes,
            quota: None,
        };
        let Some(owner) = owner else {
            return Ok(meter);
        };
        let own = ctx.accounts.user_by_id(owner).await?;
        let quota = own
            .and_then(|u| u.quota.storage_bytes)
            .or(self.default_storage_quota);
        if let Some(quota) = quota {
            let usage = ctx.accounts.storage_usage(owner).await?;
            meter.quota = Some((usage.original_bytes + usage.output_bytes, quota));
        }
        Ok(meter)
    }
}

/// Counts one job's output bytes against its limits.
#[derive(Debug, Clone)]
pub struct OutputMeter {
    written: u64,
    job_max: u64,
    /// Bytes the owner kept when the job started, and their quota.
    quota: Option<(u64, u64)>,
}

impl OutputMeter {
    /// Counts an output of `bytes`; refuses (permanently) one that would go
    /// over the per-job limit or the owner's storage quota.
    pub fn add(&mut self, bytes: u64) -> Result<(), JobError> {
        let total = self.written.saturating_add(bytes);
        if total > self.job_max {
            return Err(JobError::Abort(
                format!(
                    "output budget: the outputs would take more than the {} bytes one job may write",
                    self.job_max
                )
                .into(),
            ));
        }
        if let Some((used, quota)) = self.quota
            && used.saturating_add(total) > quota
        {
            return Err(JobError::Abort(
                format!(
                    "storage quota: {used} of {quota} bytes were in use and the outputs need {total} more"
                )
                .into(),
            ));
        }
        self.written = total;
        Ok(())
    }

    /// Bytes counted so far.
    pub fn written(&self) -> u64 {
        self.written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_stops_at_the_first_output_over_a_limit() {
        let mut m = OutputMeter {
            written: 0,
            job_max: 100,
            quota: None,
        };
        m.add(60).expect("fits");
        let e = m.add(41).expect_err("over the job budget");
        assert!(e.to_string().starts_with("output budget"), "{e}");
        assert_eq!(m.written(), 60);
        let mut q = OutputMeter {
            written: 0,
            job_max: 1000,
            quota: Some((90, 100)),
        };
        q.add(10).expect("exactly fills the quota");
        assert!(
            q.add(1)
                .expect_err("over")
                .to_string()
                .starts_with("storage quota")
        );
    }

    #[tokio::test]
    async fn decodes_wait_for_room_and_a_huge_one_runs_alone() {
        let b = WorkBudget::new(1, 10 * 1024, None);
        let first = b.decode_permit(6 * 1024).await;
        // A second 6 KiB decode must wait for the first.
        use futures::FutureExt;
        assert!(
            b.decode_permit(6 * 1024).now_or_never().is_none(),
            "two decodes over the budget ran at once"
        );
        drop(first);
        let huge = b.decode_permit(1 << 40).await;
        assert_eq!(b.decode_kib_free(), 0);
        drop(huge);
        assert_eq!(b.decode_kib_free(), 10);
    }
}
