//! Choosing which audio track to convert.

use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::{Track, TrackFlags};

use crate::MediaError;
use crate::codec_names::{audio_codec_name, codec_name};
use crate::open::codecs;

/// Picks the audio track a player would play.
///
/// Preference: the first decodable audio track flagged default by the
/// container, else the first decodable audio track. Video, subtitles and
/// audio we cannot decode are skipped; if nothing is left the error says
/// what the file does contain.
pub(crate) fn select_audio_track(tracks: &[Track]) -> Result<&Track, MediaError> {
    let audio: Vec<&Track> = tracks
        .iter()
        .filter(|t| matches!(t.codec_params, Some(CodecParameters::Audio(_))))
        .collect();
    if audio.is_empty() {
        return Err(MediaError::NoAudio {
            found: tracks.iter().map(describe).collect(),
        });
    }
    let decodable = |t: &&Track| match &t.codec_params {
        Some(CodecParameters::Audio(p)) => codecs().get_audio_decoder(p.codec).is_some(),
        _ => false,
    };
    audio
        .iter()
        .copied()
        .filter(decodable)
        .find(|t| t.flags.contains(TrackFlags::DEFAULT))
        .or_else(|| audio.iter().copied().find(decodable))
        .ok_or_else(|| {
            let codecs: Vec<&str> = audio
                .iter()
                .filter_map(|t| match &t.codec_params {
                    Some(CodecParameters::Audio(p)) => Some(audio_codec_name(p.codec)),
                    _ => None,
                })
                .collect();
            MediaError::Unsupported(format!(
                "no decoder for the audio codec ({})",
                codecs.join(", ")
            ))
        })
}

/// "h264 video", "subrip subtitle", "unknown track" — for error messages.
fn describe(track: &Track) -> String {
    let (kind, params) = match &track.codec_params {
        Some(p @ CodecParameters::Video(_)) => ("video", Some(p)),
        Some(p @ CodecParameters::Subtitle(_)) => ("subtitle", Some(p)),
        Some(p @ CodecParameters::Audio(_)) => ("audio", Some(p)),
        _ => ("track", None),
    };
    let name = params.and_then(codec_name).unwrap_or("unknown");
    format!("{name} {kind}")
}
