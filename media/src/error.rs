//! The crate's error type and the translation of symphonia's errors into it.

use std::io;

use symphonia::core::errors::Error as SymphoniaError;

/// Why probing or converting failed.
///
/// Messages are shown to end users, so they say what is wrong with the file
/// rather than which library noticed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The container holds no audio track we could pick.
    #[error("the file has no audio track{}", describe_found(.found))]
    NoAudio {
        /// Short descriptions of the tracks that are there ("h264 video").
        found: Vec<String>,
    },
    /// The container or codec is not one we can read.
    #[error("unsupported media: {0}")]
    Unsupported(String),
    /// The data is damaged or truncated.
    #[error("corrupt media: {0}")]
    Corrupt(String),
    /// The media exceeds a configured [`MediaLimits`](crate::MediaLimits) bound.
    #[error("over limit: {0}")]
    OverLimit(String),
    /// The caller passed options that cannot work together.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// The caller's cancel flag was set.
    #[error("cancelled")]
    Cancelled,
    /// Reading the source or writing the sink failed; a retry may succeed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// LAME refused the configuration or failed while encoding.
    #[error("mp3 encoder error: {0}")]
    Encoder(String),
}

impl MediaError {
    /// Whether retrying the same input can never succeed.
    ///
    /// Only I/O failures (the blob store hiccuped, the disk filled) and
    /// cancellation are worth retrying; everything else is a property of the
    /// file or of the request.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, MediaError::Io(_) | MediaError::Cancelled)
    }
}

fn describe_found(found: &[String]) -> String {
    if found.is_empty() {
        String::new()
    } else {
        format!(" (it has: {})", found.join(", "))
    }
}

/// Where in the work an error from symphonia surfaced; the same error means
/// different things while reading headers and in the middle of the stream.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stage {
    /// Recognising the container and reading its headers.
    Open,
    /// Demuxing or decoding, this many seconds into the audio.
    Stream(f64),
}

/// Turns a symphonia error into a user-facing [`MediaError`].
///
/// Symphonia reports a short read as `IoError(UnexpectedEof)`: that is a
/// truncated file (permanent), not a flaky source, so it becomes `Corrupt`.
/// Only other I/O errors, which come from the underlying reader, stay `Io`.
pub(crate) fn from_symphonia(err: SymphoniaError, stage: Stage) -> MediaError {
    match err {
        SymphoniaError::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => match stage {
            Stage::Open => MediaError::Corrupt(
                "truncated: the file ends before its headers are complete".to_owned(),
            ),
            Stage::Stream(secs) => MediaError::Corrupt(format!(
                "truncated: the file ends mid-stream after {secs:.1} s"
            )),
        },
        SymphoniaError::IoError(e) => MediaError::Io(e),
        SymphoniaError::DecodeError(msg) => match stage {
            Stage::Open => MediaError::Corrupt(format!("damaged headers ({msg})")),
            Stage::Stream(secs) => {
                MediaError::Corrupt(format!("damaged data after {secs:.1} s ({msg})"))
            }
        },
        SymphoniaError::Unsupported(msg) if msg.contains("no suitable format reader") => {
            MediaError::Unsupported("the container format is not recognised".to_owned())
        }
        // A recognised container missing a mandatory part (MP4 without its
        // moov index, Matroska without a segment) is damage, not a format
        // we lack.
        SymphoniaError::Unsupported(msg) if msg.contains("missing") => {
            MediaError::Corrupt(format!("damaged or incomplete file ({msg})"))
        }
        SymphoniaError::Unsupported(msg) => MediaError::Unsupported(msg.to_owned()),
        SymphoniaError::LimitError(msg) => MediaError::OverLimit(msg.to_owned()),
        SymphoniaError::SeekError(kind) => {
            MediaError::Corrupt(format!("the file's index is inconsistent ({kind:?})"))
        }
        SymphoniaError::ResetRequired => {
            MediaError::Unsupported("the audio stream changes its parameters mid-stream".to_owned())
        }
        other => MediaError::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eof_is_corrupt_but_other_io_is_retryable() {
        let eof = SymphoniaError::IoError(io::Error::from(io::ErrorKind::UnexpectedEof));
        let err = from_symphonia(eof, Stage::Stream(3.24));
        assert!(err.is_permanent());
        assert_eq!(
            err.to_string(),
            "corrupt media: truncated: the file ends mid-stream after 3.2 s"
        );

        let net = SymphoniaError::IoError(io::Error::other("connection reset"));
        let err = from_symphonia(net, Stage::Stream(1.0));
        assert!(matches!(err, MediaError::Io(_)));
        assert!(!err.is_permanent());
    }

    #[test]
    fn no_audio_lists_what_is_there() {
        let err = MediaError::NoAudio {
            found: vec!["h264 video".to_owned()],
        };
        assert_eq!(
            err.to_string(),
            "the file has no audio track (it has: h264 video)"
        );
        assert_eq!(
            MediaError::NoAudio { found: vec![] }.to_string(),
            "the file has no audio track"
        );
        assert!(!MediaError::Cancelled.is_permanent());
    }
}
