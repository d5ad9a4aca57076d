//! SMTP through lettre: pooled connections, STARTTLS or TLS and
//! authentication from the URL, and failures sorted into Retry (4xx,
//! connection trouble) and Abort (5xx: the server refused for good).

use crate::JobError;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Settings of the notifier (`[notify]`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// `smtp://[user:pass@]host[:port][?tls=required|opportunistic]`
    /// (STARTTLS) or `smtps://...` (TLS from the start); credentials are
    /// never logged.
    pub smtp_url: Option<String>,
    /// The From address.
    pub from: String,
    /// Where links in emails point (the gateway's public address).
    pub public_url: String,
    /// Seconds one SMTP exchange may take.
    pub timeout_secs: u64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            smtp_url: None,
            from: "Kiln <kiln@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            timeout_secs: 30,
        }
    }
}

impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("public_url", &self.public_url)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// A pooled SMTP client.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    public_url: String,
    links: Option<(kiln_core::LinkSigner, Duration)>,
}

impl Mailer {
    /// A mailer from settings; without `smtp_url` every send fails
    /// retryably, saying what to configure.
    pub fn new(s: &NotifySettings) -> Result<Self, String> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("notify.from {:?}: {e}", s.from))?;
        let transport = match &s.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("notify.smtp_url: {e}"))?
                    .timeout(Some(Duration::from_secs(s.timeout_secs)))
                    .build(),
            ),
        };
        Ok(Mailer {
            transport,
            from,
            public_url: s.public_url.trim_end_matches('/').to_owned(),
            links: None,
        })
    }

    /// Links in emails signed by `signer`, valid for `ttl`: they open in a
    /// browser or mail client without signing in (with accounts on, a
    /// plain `/v1/files/` link would answer 401 there).
    pub fn with_signed_links(mut self, signer: kiln_core::LinkSigner, ttl: Duration) -> Self {
        self.links = Some((signer, ttl));
        self
    }

    /// The URL that downloads `file_id`: signed when links are signed.
    pub fn download_url(&self, file_id: &str) -> String {
        match &self.links {
            Some((signer, ttl)) => {
                let ttl = chrono::Duration::from_std(*ttl).unwrap_or(chrono::Duration::days(7));
                let path = signer.path(file_id, chrono::Utc::now() + ttl);
                format!("{}{path}", self.public_url)
            }
            None => format!("{}/v1/files/{file_id}", self.public_url),
        }
    }

    /// The From address.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// The gateway's public address, for links.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Hands the message to the server.
    pub async fn send(&self, message: Message) -> Result<(), JobError> {
        let Some(t) = &self.transport else {
            return Err(JobError::Retry(
                "no mail server configured (KILN_SMTP_URL, or workers.notify.smtp_url)".into(),
            ));
        };
        let sent = t.send(message).await;
        let outcome = if sent.is_ok() { "sent" } else { "failed" };
        metrics::counter!(kiln_core::metrics::EMAILS, "outcome" => outcome).increment(1);
        match sent {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(JobError::Abort(
                format!("the mail server refused the message: {e}").into(),
            )),
            // 4xx, a dropped connection, a timeout: another try may pass.
            Err(e) => Err(JobError::Retry(
                format!("could not hand the message to the mail server: {e}").into(),
            )),
        }
    }
}
