//! What a handler implements ([`Handler`], typed by its job spec) and how
//! the runtime holds it ([`AnyHandler`], the job type erased).

use super::JobContext;
use crate::JobError;
use async_trait::async_trait;
use kiln_core::{FileRecord, JobRecord};
use kiln_proto::{JobSpec, Registered, Role};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One kind of work: the handler of the job spec [`Handler::Job`], whose
/// registration gives the queue it consumes and its default time limit.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The job kind handled.
    type Job: Registered;

    /// Does the job, given its parameters (already parsed and validated: a
    /// job whose parameters do not fit is dead-lettered before this runs).
    /// Outputs must already be in the blob store, under ids from
    /// [`kiln_core::output_id`] so that a repeated attempt overwrites them.
    ///
    /// `stop` is cancelled when the attempt must end early (its time limit
    /// passed, its file was deleted, the process is stopping): work on
    /// blocking threads must check it between steps and give up, because
    /// the runtime waits for the attempt to end before another may start.
    async fn handle(
        &self,
        ctx: &JobContext,
        job: &JobRecord,
        params: Self::Job,
        stop: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError>;
}

/// A [`Handler`] with its job type erased, as a [`Worker`] holds it. Every
/// handler is one; there is nothing to implement.
#[async_trait]
pub trait AnyHandler: Send + Sync + 'static {
    /// The role whose queue this handler consumes.
    fn role(&self) -> Role;
    /// The job kind's default time limit for one attempt.
    fn time_limit(&self) -> Duration;
    /// Parses the job's parameters and runs the handler.
    async fn run(
        &self,
        ctx: &JobContext,
        job: &JobRecord,
        stop: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError>;
}

#[async_trait]
impl<H: Handler> AnyHandler for H {
    fn role(&self) -> Role {
        <H::Job as Registered>::ROLE
    }

    fn time_limit(&self) -> Duration {
        <H::Job as JobSpec>::TIME_LIMIT
    }

    async fn run(
        &self,
        ctx: &JobContext,
        job: &JobRecord,
        stop: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        let params = kiln_proto::jobs::parse::<H::Job>(&job.params)
            .map_err(|e| JobError::Abort(e.into()))?;
        self.handle(ctx, job, params, stop).await
    }
}
