//! Shapes of request bodies that no wire type describes, for the document
//! only: the upload's multipart form and a raw body of bytes.

use utoipa::ToSchema;

/// `multipart/form-data` of an upload: the parameters (the query's names,
/// any of them), best sent before the file so that a bad one is refused
/// before its bytes are stored, and the file.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it documents what the handler reads field by field
pub(crate) struct UploadForm {
    /// As the query parameter.
    thumbnails: Option<String>,
    /// As the query parameter.
    formats: Option<String>,
    /// As the query parameter.
    metadata: Option<bool>,
    /// As the query parameter.
    convert: Option<String>,
    /// As the query parameter.
    bitrate: Option<u32>,
    /// As the query parameter.
    quality: Option<u8>,
    /// As the query parameter.
    dedupe: Option<bool>,
    /// As the query parameter.
    notify: Option<String>,
    /// The file: its bytes, and its name as the part's `filename`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Bytes, as they are.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // never built: it documents a body of bytes
pub(crate) struct Binary(Vec<u8>);

/// The request headers of a download.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // never built: the handler reads the headers themselves
pub(crate) struct ByteRange {
    /// One range, `bytes=FIRST-LAST`, `bytes=FIRST-` or `bytes=-SUFFIX`:
    /// `206` with those bytes (several ranges are served whole).
    #[param(rename = "Range", example = "bytes=0-1023")]
    range: Option<String>,
    /// An `ETag` the client has (or `*`): `304` when it is the file's.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
    /// Serve `Range` only if the file's `ETag` is this one, else the whole file.
    #[param(rename = "If-Range")]
    if_range: Option<String>,
}

/// One Server-Sent Event of a job stream, as a client's SSE parser hands
/// it over: `event: status`, an `id` (attempts and status), and `data`, a
/// `JobEvent` as JSON text.
pub(crate) struct StatusEvent;

impl utoipa::PartialSchema for StatusEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let string = || ObjectBuilder::new().schema_type(Type::String);
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "One event of the stream. Comment lines (`:`) keep the connection alive \
                 and carry no event.",
            ))
            .property(
                "event",
                string()
                    .enum_values(Some(["status"]))
                    .description(Some("Always `status`")),
            )
            .property(
                "id",
                string().description(Some("`ATTEMPTS-STATUS`, e.g. `1-running`")),
            )
            .property(
                "data",
                string()
                    .content_media_type("application/json")
                    .description(Some("A `JobEvent`, as JSON")),
            )
            .required("event")
            .required("data")
            .into()
    }
}

impl ToSchema for StatusEvent {}
