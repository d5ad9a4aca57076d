//! The app's files, compiled into the binary (`gateway/web/`).

use sha2::{Digest, Sha256};

/// The one page every app path answers.
pub const INDEX_HTML: &str = include_str!("../../web/index.html");

/// An embedded file.
pub struct Asset {
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

impl Asset {
    /// A strong validator of the bytes.
    pub fn etag(&self) -> String {
        let digest = Sha256::digest(self.bytes);
        format!("\"{}\"", hex::encode(&digest[..12]))
    }
}

const JS: &str = "text/javascript; charset=utf-8";

macro_rules! assets {
    ($($name:literal => $type:expr),* $(,)?) => {
        /// The asset served as `/assets/{name}`.
        pub fn find(name: &str) -> Option<Asset> {
            match name {
                $($name => Some(Asset {
                    content_type: $type,
                    bytes: include_bytes!(concat!("../../web/", $name)),
                }),)*
                _ => None,
            }
        }
    };
}

assets! {
    "app.css" => "text/css; charset=utf-8",
    "icon.svg" => "image/svg+xml",
    "js/app.js" => JS,
    "js/api.js" => JS,
    "js/dom.js" => JS,
    "js/jobs.js" => JS,
    "js/views/auth.js" => JS,
    "js/views/upload.js" => JS,
    "js/views/files.js" => JS,
    "js/views/file.js" => JS,
    "js/views/albums.js" => JS,
    "js/views/shares.js" => JS,
    "js/views/usage.js" => JS,
    "js/views/history.js" => JS,
    "js/views/jobs.js" => JS,
}
