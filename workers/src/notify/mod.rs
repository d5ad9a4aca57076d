//! The `notify` job: one email to a job's owner when the job ends.
//!
//! A dedupe key per job and status is claimed in the account store before
//! the message goes out and marked sent once the server accepted it, so a
//! redelivered event sends nothing twice. The one window left is a crash
//! between the server's acceptance and the mark, which no SMTP client can
//! close.

mod mailer;
mod message;

pub use mailer::{Mailer, NotifySettings};

use crate::{Handler, JobContext, JobError};
use async_trait::async_trait;
use kiln_core::{Claim, FileRecord, JobRecord};
use kiln_proto::NotifyParams;
use tokio_util::sync::CancellationToken;

/// Sends job-ended emails through [`Mailer`].
pub struct NotifyHandler {
    mailer: Mailer,
}

impl NotifyHandler {
    /// A handler sending with `mailer`.
    pub fn new(mailer: Mailer) -> Self {
        NotifyHandler { mailer }
    }
}

#[async_trait]
impl Handler for NotifyHandler {
    type Job = NotifyParams;

    async fn handle(
        &self,
        ctx: &JobContext,
        _: &JobRecord,
        p: NotifyParams,
        _: &CancellationToken,
    ) -> Result<Vec<FileRecord>, JobError> {
        let key = p.key();
        if ctx.accounts.claim_notification(&key).await? == Claim::Sent {
            tracing::info!(%key, "already sent; nothing to do");
            return Ok(Vec::new());
        }
        let target = ctx.store.get_job(&p.job_id).await?.ok_or_else(|| {
            JobError::Abort("the job no longer exists (its file was deleted)".into())
        })?;
        let owner = target
            .owner
            .as_deref()
            .ok_or_else(|| JobError::Abort("the job has no owner to tell".into()))?;
        let user =
            ctx.accounts.user_by_id(owner).await?.ok_or_else(|| {
                JobError::Abort("the job's owner no longer has an account".into())
            })?;
        let file = ctx.store.get_file(&target.file_id).await?;
        let outputs = ctx.store.job_outputs(&target.id).await?;
        let download_url = |id: &str| self.mailer.download_url(id);
        let email = message::Email {
            user: &user,
            job: &target,
            status: p.status,
            file: file.as_ref(),
            outputs: &outputs,
            public_url: self.mailer.public_url(),
            download_url: &download_url,
            key: &key,
        };
        self.mailer.send(email.build(self.mailer.from())?).await?;
        ctx.accounts.notification_sent(&key).await?;
        tracing::info!(%key, to = %user.email, "notification sent");
        Ok(Vec::new())
    }
}
