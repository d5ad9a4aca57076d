//! What an answer means for a file: done (stored, or refused for good),
//! rate limited (wait `Retry-After` and send again, however often), or a
//! transient failure (connection refused or reset, `502`, `503`, `504`:
//! send again after an exponential, jittered backoff, a bounded number of
//! times).

use super::send::local;
use super::summary::{ErrorInfo, FileStatus};
use kiln_proto::api::UploadAccepted;
use std::time::Duration;

/// What one attempt at sending a file came to.
pub enum Attempt {
    /// The final answer: the server's document, or why not.
    Done(Result<UploadAccepted, (FileStatus, ErrorInfo)>),
    /// `429`: send again after `Retry-After` (when given).
    RateLimited(Option<Duration>),
    /// Worth another try, not before `after` (a `503`'s `Retry-After`).
    Transient {
        /// What went wrong, should it be the last try.
        error: ErrorInfo,
        /// The server's `Retry-After`, if it gave one.
        after: Option<Duration>,
        /// Whether no connection could be made at all.
        connect: bool,
    },
}

/// How often and how patiently transient errors are retried.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Resends after transient errors before a file is given up.
    pub retries: u32,
    /// The first backoff; each next one doubles, up to `max`.
    pub base: Duration,
    /// The longest backoff.
    pub max: Duration,
}

impl Policy {
    /// `retries` resends, backing off from half a second to 30 s.
    pub fn new(retries: u32) -> Policy {
        Policy {
            retries,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }

    /// The wait before the `n`th resend (from 1): exponential, capped, then
    /// jittered between half and all of it, so clients that failed
    /// together do not come back together.
    pub fn delay(&self, n: u32) -> Duration {
        let full = self
            .base
            .saturating_mul(2u32.saturating_pow(n.saturating_sub(1)))
            .min(self.max);
        let half = full / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// `1.5 s`, for people.
pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// `Retry-After` in seconds (the gateway never sends a date; a date is
/// treated as absent, so the backoff applies).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The server's error: its `{"error": {"code", "message"}}`, or for an
/// answer that is not the API's (a proxy's page) the status and a line of
/// the body.
pub fn server_error(status: reqwest::StatusCode, body: &str) -> ErrorInfo {
    let parsed: Option<(String, String)> = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            Some((
                e.get("code")?.as_str()?.to_owned(),
                e.get("message")?.as_str()?.to_owned(),
            ))
        });
    let (code, message) = parsed.unwrap_or_else(|| {
        let line: String = body
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        let message = if line.trim().is_empty() {
            status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_owned()
        } else {
            line
        };
        (format!("http_{}", status.as_u16()), message)
    });
    ErrorInfo {
        code,
        message,
        http_status: Some(status.as_u16()),
    }
}

/// What the gateway's answer to an upload means.
pub async fn classify(resp: reqwest::Response) -> Attempt {
    let status = resp.status();
    let after = retry_after(resp.headers());
    let body = match resp.text().await {
        Ok(b) => b,
        Err(e) => {
            return Attempt::Transient {
                error: local(
                    "connection_failed",
                    format!("reading the answer: {}", cause(&e)),
                ),
                after: None,
                connect: false,
            };
        }
    };
    if status.is_success() {
        return Attempt::Done(serde_json::from_str(&body).map_err(|e| {
            let mut error = local(
                "bad_answer",
                format!("the server's answer is not an upload's: {e}"),
            );
            error.http_status = Some(status.as_u16());
            (FileStatus::Error, error)
        }));
    }
    let error = server_error(status, &body);
    match status.as_u16() {
        // The monthly transfer quota's `Retry-After` is the month's end:
        // nothing a batch should sit out.
        429 if error.code != "transfer_quota_exceeded" => Attempt::RateLimited(after),
        502..=504 => Attempt::Transient {
            error,
            after,
            connect: false,
        },
        400..=499 => Attempt::Done(Err((FileStatus::Refused, error))),
        _ => Attempt::Done(Err((FileStatus::Error, error))),
    }
}

/// A request that got no answer: worth another try.
pub fn transport(e: &reqwest::Error, server: &str) -> Attempt {
    let (code, message) = if e.is_connect() {
        (
            "unreachable",
            format!("cannot reach {server}: {}", cause(e)),
        )
    } else if e.is_timeout() {
        ("timed_out", format!("{server} did not answer in time"))
    } else {
        (
            "connection_failed",
            format!("connection to {server} failed: {}", cause(e)),
        )
    };
    Attempt::Transient {
        error: local(code, message),
        after: None,
        connect: e.is_connect(),
    }
}

/// The innermost cause of an error (`Connection refused`), which is the
/// part people can act on.
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let s = inner.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_cap_and_jitter() {
        let p = Policy::new(5);
        for n in 1..=10u32 {
            let full = (Duration::from_millis(500) * 2u32.pow(n - 1)).min(p.max);
            let d = p.delay(n);
            assert!(d >= full / 2 && d <= full, "{n}: {d:?}");
        }
    }

    #[test]
    fn errors_read_the_api_and_anything_else() {
        let e = server_error(
            reqwest::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            r#"{"error":{"code":"unsupported_media_type","message":"convert: no"}}"#,
        );
        assert_eq!(
            (e.code.as_str(), e.http_status),
            ("unsupported_media_type", Some(415))
        );
        let e = server_error(
            reqwest::StatusCode::BAD_GATEWAY,
            "<html>bad gateway</html>\n",
        );
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("http_502", "<html>bad gateway</html>")
        );
    }
}
