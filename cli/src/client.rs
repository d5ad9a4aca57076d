//! The HTTP client the commands share: credentials, and error answers
//! turned into messages.

use anyhow::Context;
use kiln_proto::api::ErrorBody;
use serde::de::DeserializeOwned;

fn api_error(status: reqwest::StatusCode, body: &str) -> anyhow::Error {
    // Not every answer is the API's (a proxy's error page, a code from a
    // newer gateway): those are shown as they came.
    let msg = serde_json::from_str::<ErrorBody>(body)
        .map(|b| format!("{} ({})", b.error.message, b.error.code))
        .unwrap_or_else(|_| body.chars().take(200).collect());
    anyhow::anyhow!("server answered {status}: {msg}")
}

/// The document of a successful answer, or the error it carries.
pub async fn document<T: DeserializeOwned>(resp: reqwest::Response) -> anyhow::Result<T> {
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        return Err(api_error(status, &text));
    }
    Ok(serde_json::from_str(&text)?)
}

/// The response if it succeeded, else the error it carries.
pub async fn ok(resp: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.unwrap_or_default();
    Err(api_error(status, &text))
}

/// Success with no body expected (`204`), or the error it carries.
pub async fn empty(resp: reqwest::Response) -> anyhow::Result<()> {
    ok(resp).await.map(|_| ())
}

/// An HTTP client sending `Authorization: Bearer TOKEN` when given one.
pub fn client(token: Option<&str>) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
            .context("KILN_TOKEN is not a valid header value")?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}
