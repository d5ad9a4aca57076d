//! The `convert` job: audio or video to an audio file (MP3).

use super::{InvalidParams, JobSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Audio encodings the converter can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// MPEG-1/2 Layer III, encoded by LAME, with ID3v2 tags.
    Mp3,
}

impl AudioFormat {
    /// Every format, in the order they are listed to clients.
    pub const ALL: [AudioFormat; 1] = [AudioFormat::Mp3];

    /// Wire name and file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
        }
    }

    /// The MIME type of files in this format.
    pub fn mime(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "audio/mpeg",
        }
    }
}

impl std::str::FromStr for AudioFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mp3" => Ok(AudioFormat::Mp3),
            other => Err(format!(
                "unknown target {:?}; expected mp3",
                crate::api::excerpt(other)
            )),
        }
    }
}

/// Whether content of this (sniffed) MIME type is audio or video: what the
/// converter reads, and what the metadata job probes as media.
pub fn is_audio_or_video(mime: &str) -> bool {
    mime.starts_with("audio/") || mime.starts_with("video/") || mime == "application/ogg"
}

/// Constant bit rates the converter writes, in kbit/s (MPEG-1 Layer III's,
/// but 56, which the LAME binding cannot ask for).
pub const MP3_BITRATES: [u32; 13] = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/// What a convert job produces. With neither `bitrate_kbps` nor `quality`
/// the encoder uses VBR quality 4 (about 165 kbit/s for music).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvertParams {
    /// Target encoding.
    pub format: AudioFormat,
    /// Constant bit rate, one of [`MP3_BITRATES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate_kbps: Option<u32>,
    /// VBR quality, 0 (best, largest) to 9 (smallest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
}

impl JobSpec for ConvertParams {
    const NAME: &'static str = "convert";
    /// The converter's own default limit (30 min of decoding) plus a minute
    /// to store the result.
    const TIME_LIMIT: Duration = Duration::from_secs(31 * 60);
    const NOUN: &'static str = "conversion";

    fn validate(&self) -> Result<(), InvalidParams> {
        match (self.bitrate_kbps, self.quality) {
            (Some(_), Some(_)) => Err(
                "bitrate: give either bitrate (constant) or quality (variable), not both".into(),
            ),
            (Some(b), None) if !MP3_BITRATES.contains(&b) => Err(format!(
                "bitrate: {b} is not an MP3 bit rate; expected one of {MP3_BITRATES:?} (kbit/s)"
            )),
            (None, Some(q)) if q > 9 => {
                Err(format!("quality: {q} is outside 0 (best) to 9 (smallest)"))
            }
            _ => Ok(()),
        }
        .map_err(InvalidParams)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_and_validation() {
        let p: ConvertParams = serde_json::from_str(r#"{"format":"mp3","quality":2}"#).expect("de");
        assert_eq!(p.quality, Some(2));
        assert!(p.validate().is_ok());
        let v = serde_json::to_value(&p).expect("ser");
        assert!(v.get("bitrate_kbps").is_none());
        for (b, q, field) in [
            (Some(100), None, "bitrate"),
            (None, Some(10), "quality"),
            (Some(128), Some(2), "bitrate"),
        ] {
            let p = ConvertParams {
                format: AudioFormat::Mp3,
                bitrate_kbps: b,
                quality: q,
            };
            assert!(p.validate().expect_err("invalid").0.starts_with(field));
        }
        assert!("flac".parse::<AudioFormat>().is_err());
    }
}
