//! How user bytes are served so that a browser never runs them in Kiln's
//! origin: only passive types are shown inline under their own type;
//! anything a browser could execute or script (HTML, XML, SVG, JavaScript,
//! PDF, and whatever the sniffer could not name) is sent as
//! `application/octet-stream` with `Content-Disposition: attachment`. Every
//! download also carries a sandboxing Content-Security-Policy, so even a
//! type a browser misjudges cannot run script or load anything.

use axum::http::{HeaderMap, HeaderValue, header};

/// The policy of every download: nothing may load, and the document is
/// sandboxed (no script, no forms, a unique origin).
pub const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox";

/// Whether content of (sniffed) type `mime` may be shown inline: raster
/// images, audio, video and plain text, none of which a browser executes.
pub fn is_passive(mime: &str) -> bool {
    const IMAGES: [&str; 8] = [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/heif",
        "image/bmp",
        "image/tiff",
    ];
    IMAGES.contains(&mime)
        || mime.starts_with("audio/")
        || mime.starts_with("video/")
        || mime == "application/ogg"
        || mime == "text/plain"
}

/// Sets `Content-Type`, `Content-Disposition` (when there is a name or the
/// type is active), and the headers that keep a browser from running or
/// framing the bytes.
pub fn set_download_headers(h: &mut HeaderMap, mime: &str, filename: Option<&str>) {
    let passive = is_passive(mime);
    let served_as = if passive {
        mime
    } else {
        "application/octet-stream"
    };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(served_as)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = if passive { "inline" } else { "attachment" };
    let value = match filename {
        Some(name) => Some(content_disposition(disposition, name)),
        None if !passive => Some(disposition.to_owned()),
        None => None,
    };
    if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOWNLOAD_CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// `inline` or `attachment` with an ASCII fallback name and the exact UTF-8
/// name (RFC 6266).
fn content_disposition(kind: &str, name: &str) -> String {
    // Names stored before uploads were cleaned may still hide characters.
    let name = &crate::filename::clean(name);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_types_download_as_attachments() {
        for mime in [
            "text/html",
            "text/xml",
            "image/svg+xml",
            "application/xhtml+xml",
            "application/javascript",
            "application/pdf",
            "application/octet-stream",
        ] {
            let mut h = HeaderMap::new();
            set_download_headers(&mut h, mime, Some("x.jpg"));
            assert_eq!(
                h[header::CONTENT_TYPE],
                "application/octet-stream",
                "{mime}"
            );
            assert!(
                h[header::CONTENT_DISPOSITION]
                    .to_str()
                    .is_ok_and(|v| v.starts_with("attachment;")),
                "{mime}"
            );
            assert_eq!(h[header::CONTENT_SECURITY_POLICY], DOWNLOAD_CSP);
        }
        let mut h = HeaderMap::new();
        set_download_headers(&mut h, "text/html", None);
        assert_eq!(h[header::CONTENT_DISPOSITION], "attachment");
    }

    #[test]
    fn passive_types_stay_inline_under_their_type() {
        for mime in [
            "image/jpeg",
            "image/webp",
            "audio/mpeg",
            "video/mp4",
            "text/plain",
        ] {
            let mut h = HeaderMap::new();
            set_download_headers(&mut h, mime, Some("café.bin"));
            assert_eq!(h[header::CONTENT_TYPE], mime);
            assert_eq!(
                h[header::CONTENT_DISPOSITION],
                "inline; filename=\"caf_.bin\"; filename*=UTF-8''caf%C3%A9.bin"
            );
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        }
    }
}
