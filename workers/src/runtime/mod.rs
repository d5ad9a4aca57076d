//! The worker runtime: consume one role's queue, run its handler, settle.

mod attempt;
mod consume;
mod finish;
mod handler;
mod observe;
mod watchdog;

pub use attempt::STOP_WAIT;
pub use handler::{AnyHandler, Handler};
pub use watchdog::{SETTLE_GRACE, Stuck};

use crate::{JobError, RetryPolicy};
use kiln_core::{BrokerError, Completion, Delivery, FileRecord, JobRecord, StartOutcome};
use kiln_proto::{JobEvent, JobMessage, JobStatus, Role};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn};

/// What a handler may use: the backends, as traits.
pub type JobContext = kiln_core::Backends;

/// Runtime settings of one worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs processed at once (the broker prefetch).
    pub concurrency: usize,
    /// Attempts and backoff.
    pub retry: RetryPolicy,
    /// An attempt running longer than this fails retryably; `None` for the
    /// job kind's own limit ([`JobSpec::TIME_LIMIT`]).
    pub job_timeout: Option<Duration>,
    /// On shutdown, how long in-flight jobs may take before being abandoned
    /// (they are then redelivered).
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 2,
            retry: RetryPolicy::default(),
            job_timeout: None,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// How one delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Outputs stored, job `succeeded`.
    Succeeded {
        /// The job.
        job_id: String,
    },
    /// Attempt failed retryably; redelivery scheduled.
    Retrying {
        /// The job.
        job_id: String,
        /// The reason.
        error: String,
    },
    /// Dead-lettered; job `dead` if it exists.
    Dead {
        /// The job, when the message could be read.
        job_id: Option<String>,
        /// The reason.
        error: String,
    },
    /// Nothing to do: the job is already terminal, or gone.
    Skipped {
        /// The job.
        job_id: String,
    },
}

/// A worker for one role.
pub struct Worker {
    handler: Arc<dyn AnyHandler>,
    ctx: JobContext,
    config: WorkerConfig,
    /// Cancelled when the shutdown grace is over: jobs still running are
    /// told to stop and left for the broker to deliver again.
    abandon: CancellationToken,
    /// The deliveries held now, for the liveness probe.
    watchdog: Arc<watchdog::Watchdog>,
}

impl Worker {
    /// Builds a worker; nothing runs until [`Worker::run`] or [`Worker::process_one`].
    pub fn new(handler: Arc<dyn AnyHandler>, ctx: JobContext, config: WorkerConfig) -> Arc<Self> {
        Arc::new(Worker {
            handler,
            ctx,
            config,
            abandon: CancellationToken::new(),
            watchdog: Arc::default(),
        })
    }

    /// A worker on the same backends and settings running `handler`
    /// instead: for tests and tools that need a different kind of work.
    pub fn with_handler(&self, handler: Arc<dyn AnyHandler>) -> Arc<Self> {
        Worker::new(handler, self.ctx.clone(), self.config.clone())
    }

    /// The role served.
    pub fn role(&self) -> Role {
        self.handler.role()
    }

    /// How long one attempt may run: the configured limit, else the job
    /// kind's own.
    pub fn time_limit(&self) -> Duration {
        self.config
            .job_timeout
            .unwrap_or_else(|| self.handler.time_limit())
    }

    /// A delivery held so long past its time limit that the worker must be
    /// wedged (see [`SETTLE_GRACE`]); `None` while all is well.
    pub fn stuck(&self) -> Option<Stuck> {
        self.watchdog
            .stuck_at(self.time_limit(), std::time::Instant::now())
    }

    /// Handles one delivery from start to settlement. Never panics.
    pub async fn process(self: &Arc<Self>, delivery: Delivery) -> Outcome {
        let msg = match JobMessage::from_bytes(&delivery.payload) {
            Ok(m) => m,
            Err(e) => {
                let error = e.to_string();
                settle_dead(delivery, &error).await;
                return Outcome::Dead {
                    job_id: None,
                    error,
                };
            }
        };
        let span = tracing::info_span!(
            "job",
            id = %msg.job_id,
            kind = %msg.kind,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
        );
        if kiln_core::trace::enabled() {
            // A step of the trace of the request (or the job) that made it.
            span.record("otel.name", format!("{} job", msg.kind));
            span.record("otel.kind", "consumer");
            kiln_core::trace::set_parent(&span, &msg.trace);
        }
        // Labelled by the role (a role's name is its kind's), a fixed set,
        // even for messages of kinds this build does not know.
        let kind = self.role().as_str();
        let started = std::time::Instant::now();
        let in_flight = observe::InFlight::start(kind);
        let _held = self.watchdog.hold(&msg.job_id);
        let outcome = self.process_message(delivery, msg).instrument(span).await;
        drop(in_flight);
        observe::ended(kind, &outcome, started.elapsed());
        outcome
    }

    async fn process_message(self: &Arc<Self>, delivery: Delivery, msg: JobMessage) -> Outcome {
        let known = self.role().kinds().contains(&msg.kind);
        let job = match self.ctx.store.start_attempt(&msg.job_id).await {
            Ok(StartOutcome::Started(job)) => {
                info!(attempt = job.attempts, "job started");
                if job.attempts == 1 {
                    observe::first_start(self.role().as_str(), job.created_at);
                }
                self.announce(&job, JobStatus::Running, None).await;
                job
            }
            Ok(StartOutcome::AlreadyTerminal(_)) | Ok(StartOutcome::Missing) if !known => {
                // Not ours to judge the job by, but the message is poison here.
                let error = format!(
                    "unknown job kind {:?} for the {} worker",
                    msg.kind.as_str(),
                    self.role()
                );
                settle_dead(delivery, &error).await;
                return Outcome::Dead {
                    job_id: Some(msg.job_id),
                    error,
                };
            }
            Ok(StartOutcome::AlreadyTerminal(job)) => {
                // A redelivery of an ending whose follow-up may not have
                // been recorded (the worker stopped in between).
                if let Err(e) = self.ensure_notification(&job, job.status).await {
                    return self
                        .retry_delivery(delivery, job.id.clone(), e.to_string())
                        .await;
                }
                settle(delivery.ack().await);
                return Outcome::Skipped { job_id: msg.job_id };
            }
            Ok(StartOutcome::Missing) => {
                settle(delivery.ack().await);
                return Outcome::Skipped { job_id: msg.job_id };
            }
            Err(e) => {
                return self
                    .retry_delivery(delivery, msg.job_id, e.to_string())
                    .await;
            }
        };
        let result = if known && self.role().kinds().contains(&job.kind) {
            let attempt = tracing::info_span!("attempt", n = job.attempts);
            self.run_handler(&job).instrument(attempt).await
        } else {
            Err(JobError::Abort(
                format!(
                    "unknown job kind {:?} for the {} worker",
                    job.kind.as_str(),
                    self.role()
                )
                .into(),
            ))
        };
        if result.is_err() && self.abandon.is_cancelled() {
            // Left unsettled on purpose: the broker hands the message to
            // another worker once this one's connection closes.
            warn!("job abandoned at shutdown; it will be delivered again");
            drop(delivery);
            return Outcome::Retrying {
                job_id: job.id.clone(),
                error: "worker stopped".into(),
            };
        }
        match result {
            Ok(outputs) => {
                // Recording them, and what follows (a notify job is a child).
                let span = tracing::info_span!("outputs", count = outputs.len());
                self.record_success(delivery, &job, outputs)
                    .instrument(span)
                    .await
            }
            Err(JobError::Abort(reason)) => {
                self.record_dead(delivery, &job, reason.to_string()).await
            }
            Err(JobError::Retry(reason)) if self.config.retry.exhausted(job.budget_used()) => {
                let reason = format!("gave up after {} attempts: {reason}", job.budget_used());
                self.record_dead(delivery, &job, reason).await
            }
            Err(JobError::Retry(reason)) => {
                let reason = reason.to_string();
                let delay = self
                    .config
                    .retry
                    .delay(job.budget_used(), jitter_seed(&job.id));
                if let Err(e) = self
                    .ctx
                    .store
                    .fail_attempt(&job.id, job.attempts, &reason, false)
                    .await
                {
                    warn!(error = %e, "could not record failed attempt");
                }
                self.announce(&job, JobStatus::Failed, Some(&reason)).await;
                warn!(attempt = job.attempts, ?delay, %reason, "attempt failed; will retry");
                settle(delivery.retry(delay).await);
                Outcome::Retrying {
                    job_id: job.id.clone(),
                    error: reason,
                }
            }
        }
    }

    async fn record_success(
        &self,
        delivery: Delivery,
        job: &JobRecord,
        outputs: Vec<FileRecord>,
    ) -> Outcome {
        match self
            .ctx
            .store
            .complete_job(&job.id, job.attempts, &outputs)
            .await
        {
            Ok(Completion::Recorded { stale_outputs }) => {
                for id in stale_outputs {
                    let _ = self.ctx.blobs.delete(kiln_core::Bucket::Derived, &id).await;
                }
                info!(
                    outputs = outputs.len(),
                    attempt = job.attempts,
                    "job succeeded"
                );
                self.announce(job, JobStatus::Succeeded, None).await;
                if let Err(e) = self.follow_up(job, JobStatus::Succeeded, None).await {
                    return self
                        .retry_delivery(delivery, job.id.clone(), e.to_string())
                        .await;
                }
            }
            Ok(Completion::Gone) => {
                // The file was deleted while we worked: drop what we wrote.
                for o in &outputs {
                    let _ = self
                        .ctx
                        .blobs
                        .delete(kiln_core::Bucket::Derived, &o.id)
                        .await;
                }
            }
            Ok(Completion::Superseded) => info!("a newer attempt owns this job; result discarded"),
            Err(e) => {
                return self
                    .retry_delivery(delivery, job.id.clone(), e.to_string())
                    .await;
            }
        }
        settle(delivery.ack().await);
        Outcome::Succeeded {
            job_id: job.id.clone(),
        }
    }

    async fn record_dead(&self, delivery: Delivery, job: &JobRecord, reason: String) -> Outcome {
        if let Err(e) = self
            .ctx
            .store
            .fail_attempt(&job.id, job.attempts, &reason, true)
            .await
        {
            // Without the job's state recorded, dead-lettering would hide the
            // failure from the client: keep the message and try again later.
            return self
                .retry_delivery(delivery, job.id.clone(), e.to_string())
                .await;
        }
        warn!(attempt = job.attempts, %reason, "job dead");
        self.announce(job, JobStatus::Dead, Some(&reason)).await;
        if let Err(e) = self.follow_up(job, JobStatus::Dead, Some(&reason)).await {
            return self
                .retry_delivery(delivery, job.id.clone(), e.to_string())
                .await;
        }
        settle_dead(delivery, &reason).await;
        Outcome::Dead {
            job_id: Some(job.id.clone()),
            error: reason,
        }
    }

    /// Tells live followers of the job about a change already in the store.
    /// Best effort: a follower that misses it still reads the store.
    async fn announce(&self, job: &JobRecord, status: JobStatus, error: Option<&str>) {
        let event = JobEvent {
            schema_version: kiln_proto::SCHEMA_VERSION,
            job_id: job.id.clone(),
            file_id: job.file_id.clone(),
            kind: job.kind.clone(),
            status,
            attempts: job.attempts,
            error: error.map(str::to_owned),
            at: chrono::Utc::now(),
        };
        if let Err(e) = self.ctx.events.publish(&event).await {
            warn!(error = %e, "could not announce job status");
        }
    }

    /// The store failed around the handler: redeliver later without blaming the job.
    async fn retry_delivery(&self, delivery: Delivery, job_id: String, error: String) -> Outcome {
        let attempt = delivery.delivery_count;
        warn!(%error, "store unavailable; redelivering later");
        settle(
            delivery
                .retry(self.config.retry.delay(attempt, jitter_seed(&job_id)))
                .await,
        );
        Outcome::Retrying { job_id, error }
    }
}

async fn settle_dead(delivery: Delivery, reason: &str) {
    settle(delivery.dead_letter(reason).await);
}

fn settle(result: Result<(), BrokerError>) {
    // A failed settlement leaves the message with the broker, which delivers it
    // again; the job store then turns the repeat into a no-op.
    if let Err(e) = result {
        warn!(error = %e, "could not settle delivery; it will be redelivered");
    }
}

fn jitter_seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}
