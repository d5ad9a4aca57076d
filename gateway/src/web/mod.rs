//! The web app: one HTML page for every app path, whose script draws the
//! view the path names from the JSON API, and the scripts and styles it
//! loads. Everything is embedded in the binary, so every gateway replica
//! serves the app with nothing to build or install.
//!
//! The page's Content-Security-Policy lets it run only the scripts and
//! styles served here and load images and media from this origin: user
//! text is only ever put in the page as text, and a file's bytes are only
//! ever fetched as images, media or downloads (see `serve_safely`).

mod assets;

use crate::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The policy of the app's pages.
const APP_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; media-src 'self'; connect-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

/// Paths the app draws: each answers the same page.
const PAGES: [&str; 12] = [
    "/",
    "/upload",
    "/files",
    "/files/{id}",
    "/albums",
    "/albums/{id}",
    "/shares",
    "/usage",
    "/history",
    "/jobs",
    "/signin",
    "/signup",
];

/// The app's pages and assets. They are public: the page asks the API
/// who is signed in, and the API answers only what that caller may see.
pub fn routes(state: AppState) -> Router {
    let mut r = Router::new();
    for path in PAGES {
        r = r.route(path, get(page));
    }
    r.route("/assets/{*name}", get(asset))
        .layer(axum::middleware::from_fn(crate::error::json_errors))
        .layer(axum::middleware::from_fn(crate::security_headers::api))
        .layer(axum::middleware::from_fn(crate::metrics::http))
        .layer(axum::middleware::from_fn(crate::access_log::layer))
        .with_state(state)
}

async fn page() -> Response {
    let mut resp = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        assets::INDEX_HTML,
    )
        .into_response();
    secure(resp.headers_mut());
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

async fn asset(
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(a) = assets::find(&name) else {
        return crate::ApiError::not_found("asset").into_response();
    };
    let etag = a.etag();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, a.content_type)], a.bytes).into_response()
    };
    let h = resp.headers_mut();
    secure(h);
    // Revalidated on every load, so a new release is picked up at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

fn secure(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(APP_CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}
