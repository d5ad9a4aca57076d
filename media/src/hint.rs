//! What the caller knows about the file before we look at its bytes.

/// The file name extension and/or MIME type the upload arrived with.
///
/// Both are optional and only break ties: containers are recognised by their
/// content, so a wrong hint never makes a readable file fail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hint {
    /// File extension without the dot, e.g. `"m4a"`.
    pub extension: Option<String>,
    /// MIME type, e.g. `"audio/mp4"`.
    pub mime_type: Option<String>,
}

impl Hint {
    /// A hint that says nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A hint from a file name or path, using its extension if it has one.
    pub fn from_path(path: &std::path::Path) -> Self {
        Self {
            extension: path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase),
            mime_type: None,
        }
    }

    /// Sets the extension (leading dot tolerated, case ignored).
    pub fn with_extension(mut self, extension: &str) -> Self {
        let ext = extension.trim_start_matches('.').to_ascii_lowercase();
        self.extension = (!ext.is_empty()).then_some(ext);
        self
    }

    /// Sets the MIME type (parameters such as `; codecs=...` are dropped).
    pub fn with_mime_type(mut self, mime_type: &str) -> Self {
        let mime = mime_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        self.mime_type = (!mime.is_empty()).then_some(mime);
        self
    }

    pub(crate) fn to_symphonia(&self) -> symphonia::core::formats::probe::Hint {
        let mut hint = symphonia::core::formats::probe::Hint::new();
        if let Some(ext) = &self.extension {
            hint.with_extension(ext);
        }
        if let Some(mime) = &self.mime_type {
            hint.mime_type(mime);
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_inputs() {
        let hint = Hint::new()
            .with_extension(".M4A")
            .with_mime_type("audio/MP4; codecs=mp4a");
        assert_eq!(hint.extension.as_deref(), Some("m4a"));
        assert_eq!(hint.mime_type.as_deref(), Some("audio/mp4"));
        assert_eq!(Hint::new().with_extension("").extension, None);
        let from_path = Hint::from_path(std::path::Path::new("/x/Song.FLAC"));
        assert_eq!(from_path.extension.as_deref(), Some("flac"));
    }
}
