//! What a conversion did, for logs and the job record.

use serde::Serialize;

/// Summary of one [`convert_to_mp3`](crate::convert_to_mp3) run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversionReport {
    /// Seconds of audio decoded from the input, after gapless trimming.
    pub input_duration_secs: f64,
    /// Seconds of audio in the MP3 (input frames resampled to the output
    /// rate; decoders trim LAME's delay/padding using the LAME tag).
    pub output_duration_secs: f64,
    /// Input sample rate in Hz.
    pub sample_rate_in: u32,
    /// MP3 sample rate in Hz.
    pub sample_rate_out: u32,
    /// Channels in the input track.
    pub channels_in: u32,
    /// Channels in the MP3 (1 or 2).
    pub channels_out: u32,
    /// Input audio codec ("aac", "opus", "pcm_s16le", ...).
    pub codec: String,
    /// Input container ("mp4", "webm", "ogg", ...).
    pub container: String,
    /// Total bytes written to the sink, ID3 tag included.
    pub bytes_written: u64,
    /// Names of the tags carried into the ID3 tag ("title", "artist", ...).
    pub tags_copied: Vec<String>,
}
