//! Caller-facing knobs: how to encode, and how much media we accept.

use serde::{Deserialize, Serialize};

use crate::MediaError;

/// MPEG-1 Layer III bitrates we can ask LAME for. 56 kbit/s is a valid MP3
/// rate but the safe `mp3lame-encoder` API has no way to request it.
pub(crate) const CBR_KBPS: [u32; 13] = [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/// How the MP3 is encoded.
///
/// Neither field set means VBR quality 4, the same as `ffmpeg -q:a 4`, which
/// is transparent for most listeners at roughly 165 kbit/s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mp3Options {
    /// Constant bitrate in kbit/s: 32, 40, 48, 64, 80, 96, 112, 128, 160, 192,
    /// 224, 256 or 320.
    pub bitrate_kbps: Option<u32>,
    /// VBR quality, 0 (best, largest) ..= 9 (smallest).
    pub vbr_quality: Option<u8>,
}

/// The VBR quality used when the caller asks for nothing in particular.
pub(crate) const DEFAULT_VBR_QUALITY: u8 = 4;

/// What [`Mp3Options`] boils down to once validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateControl {
    /// Constant bitrate in kbit/s.
    Cbr(u32),
    /// Variable bitrate at this quality.
    Vbr(u8),
}

impl Mp3Options {
    /// Rejects values LAME would refuse or silently bend, naming the field so
    /// an API caller can fix the request.
    pub fn validate(&self) -> Result<(), MediaError> {
        self.rate_control().map(|_| ())
    }

    pub(crate) fn rate_control(&self) -> Result<RateControl, MediaError> {
        match (self.bitrate_kbps, self.vbr_quality) {
            (Some(_), Some(_)) => Err(MediaError::InvalidOptions(
                "bitrate_kbps and vbr_quality are mutually exclusive; set at most one".to_owned(),
            )),
            (Some(kbps), None) if CBR_KBPS.contains(&kbps) => Ok(RateControl::Cbr(kbps)),
            (Some(kbps), None) => Err(MediaError::InvalidOptions(format!(
                "bitrate_kbps {kbps} is not an MP3 bitrate; use one of {CBR_KBPS:?}"
            ))),
            (None, Some(q)) if q <= 9 => Ok(RateControl::Vbr(q)),
            (None, Some(q)) => Err(MediaError::InvalidOptions(format!(
                "vbr_quality {q} is out of range; use 0 (best) to 9 (smallest)"
            ))),
            (None, None) => Ok(RateControl::Vbr(DEFAULT_VBR_QUALITY)),
        }
    }
}

/// Bounds on what we agree to process, so one hostile or absurd upload
/// cannot occupy a worker for hours.
///
/// Every field has a default, so a config file may set only the ones it cares
/// about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaLimits {
    /// Longest audio we convert, in seconds (default 4 hours).
    pub max_duration_secs: f64,
    /// Most channels an input may have (default 8, i.e. 7.1).
    pub max_channels: u32,
    /// Highest input sample rate in Hz (default 384 kHz).
    pub max_sample_rate: u32,
    /// Consecutive undecodable packets tolerated before the file is called
    /// corrupt (default 16): a few bad packets are a glitch, a run is damage.
    pub max_consecutive_decode_errors: u32,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            max_duration_secs: 4.0 * 3600.0,
            max_channels: 8,
            max_sample_rate: 384_000,
            max_consecutive_decode_errors: 16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_vbr_4() {
        assert_eq!(
            Mp3Options::default().rate_control().ok(),
            Some(RateControl::Vbr(4))
        );
    }

    #[test]
    fn messages_name_the_field() {
        let both = Mp3Options {
            bitrate_kbps: Some(128),
            vbr_quality: Some(2),
        };
        assert!(
            matches!(both.validate(), Err(MediaError::InvalidOptions(m)) if m.contains("bitrate_kbps"))
        );
        let odd = Mp3Options {
            bitrate_kbps: Some(100),
            vbr_quality: None,
        };
        assert!(
            matches!(odd.validate(), Err(MediaError::InvalidOptions(m)) if m.contains("bitrate_kbps 100"))
        );
        let q = Mp3Options {
            bitrate_kbps: None,
            vbr_quality: Some(10),
        };
        assert!(
            matches!(q.validate(), Err(MediaError::InvalidOptions(m)) if m.contains("vbr_quality"))
        );
    }

    #[test]
    fn limits_deserialize_partially() {
        let limits: MediaLimits =
            serde_json::from_str(r#"{"max_channels": 2}"#).unwrap_or_default();
        assert_eq!(limits.max_channels, 2);
        assert_eq!(limits.max_duration_secs, 4.0 * 3600.0);
    }
}
