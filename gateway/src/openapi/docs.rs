//! `GET /docs`: Swagger UI on this gateway's document. Its files are
//! embedded in the binary (the `utoipa-swagger-ui` crate unpacks the
//! Swagger UI release it ships at build time; nothing is downloaded, then
//! or at run time), and the page loads nothing from anywhere else.

use super::responses as r;
use crate::ApiError;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, LazyLock};
use utoipa_swagger_ui::Config;

/// The page's policy. Scripts and styles are files of this gateway only
/// (no inline script: the page's configuration is a file of its own); the
/// document is fetched from here; images are its icons and the `data:`
/// pictures in Swagger UI's stylesheet. Inline styles: Swagger UI adds a
/// `<style>` element as it renders (blocked under `style-src 'self'`, as
/// the browser test in `cli/tests/it/openapi.rs` shows), and a style cannot
/// run code.
pub(crate) const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The page. It names its files by absolute path, so it works at `/docs`
/// with no redirect to `/docs/`.
const PAGE: &str = include_str!("docs.html");

/// Where Swagger UI finds the document: this gateway, no validator badge
/// (which would load an image from elsewhere).
static CONFIG: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::new(["/openapi.json"])
            .validator_url("none")
            .display_request_duration(true)
            .filter(true),
    )
});

/// Adds the page's headers to `resp`: its policy, and no caching of the
/// page (a new release changes the files it names).
fn with_policy(mut resp: Response, cache: &'static str) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

/// The API's documentation, to browse
///
/// Swagger UI on `/openapi.json`, from files this gateway serves itself.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "docs",
    operation_id = "docs_page",
    responses(
        (status = 200, description = "Swagger UI's page", content_type = "text/html",
         body = String),
    ),
)]
pub(crate) async fn page() -> Response {
    let resp = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        PAGE,
    )
        .into_response();
    with_policy(resp, "no-cache")
}

/// A file of the docs page
///
/// Swagger UI's scripts, styles and icons, and the page's configuration
/// (`swagger-initializer.js`).
#[utoipa::path(
    get,
    path = "/docs/{file}",
    tag = "docs",
    operation_id = "docs_file",
    params(("file" = String, Path, description = "A file name",
        example = "swagger-ui-bundle.js")),
    responses(
        (status = 200, description = "The file", content(
            ("text/javascript"), ("application/javascript"), ("text/css"), ("image/png"),
            ("text/html"), ("application/json"),
        )),
        (status = 404, response = r::NotFound),
    ),
)]
pub(crate) async fn file(Path(file): Path<String>) -> Result<Response, ApiError> {
    let found = utoipa_swagger_ui::serve(&file, CONFIG.clone())
        .ok()
        .flatten()
        .filter(|_| !file.is_empty() && file != "index.html");
    let Some(found) = found else {
        return Err(ApiError::not_found("docs file"));
    };
    let content_type = HeaderValue::from_str(&found.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let resp = (
        [(header::CONTENT_TYPE, content_type)],
        found.bytes.into_owned(),
    )
        .into_response();
    Ok(with_policy(resp, "public, max-age=3600"))
}
