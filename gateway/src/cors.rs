//! Cross-origin requests (`[gateway.cors]`): off unless origins are listed,
//! so that only front ends the operator names can call the API from a
//! browser. Credentials travel in `Authorization`, never in cookies, so
//! none are allowed cross-origin.

use axum::http::{HeaderName, HeaderValue, Method, header};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Which other origins may call the API from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Origins allowed, exactly as a browser sends them
    /// (`https://app.example.com`), or `["*"]` for any; empty (the default):
    /// no cross-origin access.
    pub allowed_origins: Vec<String>,
}

impl CorsConfig {
    /// The layer answering preflights and adding `Access-Control-*`
    /// headers, or `None` when no origin is allowed. An origin that is not
    /// a valid header value is refused at start-up.
    pub fn layer(&self) -> Result<Option<CorsLayer>, String> {
        if self.allowed_origins.is_empty() {
            return Ok(None);
        }
        let origin = if self.allowed_origins.iter().any(|o| o == "*") {
            AllowOrigin::any()
        } else {
            let list = self
                .allowed_origins
                .iter()
                .map(|o| {
                    let o = o.trim_end_matches('/');
                    HeaderValue::from_str(o).map_err(|_| {
                        format!("gateway.cors.allowed_origins: {o:?} is not an origin")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            AllowOrigin::list(list)
        };
        Ok(Some(
            CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([
                    Method::GET,
                    Method::HEAD,
                    Method::POST,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::RANGE,
                    header::IF_NONE_MATCH,
                    header::IF_RANGE,
                    HeaderName::from_static("x-filename"),
                ])
                .expose_headers([
                    header::ETAG,
                    header::CONTENT_RANGE,
                    header::CONTENT_DISPOSITION,
                    header::RETRY_AFTER,
                    header::WWW_AUTHENTICATE,
                ])
                .max_age(Duration::from_secs(600)),
        ))
    }
}
