//! One attempt of a job: the handler in its own task, stopped when its
//! time limit passes, its file is deleted or the worker gives up at
//! shutdown, and waited for before anything else may run the job.

use super::{JobContext, Worker, panic_message};
use crate::JobError;
use kiln_core::{FileRecord, JobRecord};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span, error};

impl Worker {
    /// Runs the handler in its own task so that a panic (a decoder bug on a
    /// hostile file) fails this job instead of the worker. The attempt is
    /// told to stop when its time limit passes, when its file is deleted, or
    /// when the worker gives up on in-flight work at shutdown; the runtime
    /// then waits (up to [`STOP_WAIT`]) for it to end, so that a retry never
    /// runs beside the attempt it replaces.
    pub(super) async fn run_handler(&self, job: &JobRecord) -> Result<Vec<FileRecord>, JobError> {
        let stop = CancellationToken::new();
        let (handler, ctx, owned, token) = (
            self.handler.clone(),
            self.ctx.clone(),
            job.clone(),
            stop.clone(),
        );
        // The job's span goes along, so every log line of the handler names the job.
        let mut task = tokio::spawn(
            async move { handler.run(&ctx, &owned, &token).await }.instrument(Span::current()),
        );
        let limit = self.time_limit();
        let why = tokio::select! {
            joined = &mut task => return joined_result(joined),
            _ = tokio::time::sleep(limit) => {
                JobError::Retry(format!("timed out after {limit:?}").into())
            }
            _ = file_deleted(&self.ctx, &job.file_id) => {
                JobError::Abort("the input file was deleted while the job ran".into())
            }
            _ = self.abandon.cancelled() => {
                JobError::Retry("the worker stopped before the job finished".into())
            }
        };
        stop.cancel();
        if tokio::time::timeout(STOP_WAIT, &mut task).await.is_err() {
            task.abort();
            error!(?STOP_WAIT, "the job did not stop when asked; abandoned");
        }
        Err(why)
    }
}

/// How long a job told to stop may take to do so before it is abandoned.
pub const STOP_WAIT: Duration = Duration::from_secs(10);

/// How often a running job checks that its file still exists.
const FILE_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// Resolves once the file is gone from the store (never on store errors:
/// an outage is not a deletion).
async fn file_deleted(ctx: &JobContext, file_id: &str) {
    loop {
        tokio::time::sleep(FILE_CHECK_INTERVAL).await;
        if let Ok(None) = ctx.store.get_file(file_id).await {
            return;
        }
    }
}

fn joined_result(
    joined: Result<Result<Vec<FileRecord>, JobError>, tokio::task::JoinError>,
) -> Result<Vec<FileRecord>, JobError> {
    match joined {
        Ok(result) => result,
        Err(join) if join.is_panic() => {
            let why = panic_message(join.into_panic());
            error!(%why, "handler panicked");
            Err(JobError::Abort(
                format!("worker crashed on this input: {why}").into(),
            ))
        }
        Err(join) => Err(JobError::Retry(
            format!("handler task cancelled: {join}").into(),
        )),
    }
}
