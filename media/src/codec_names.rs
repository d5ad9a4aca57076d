//! Short, ffmpeg-style codec names for reports and probe output.
//!
//! Symphonia names only the codecs it can decode (and names them its own
//! way); downstream consumers want stable identifiers for every codec a
//! container can declare, video included.

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecId;
use symphonia::core::codecs::audio::well_known as a;
use symphonia::core::codecs::subtitle::SubtitleCodecId;
use symphonia::core::codecs::subtitle::well_known as s;
use symphonia::core::codecs::video::VideoCodecId;
use symphonia::core::codecs::video::well_known as v;

const AUDIO: &[(AudioCodecId, &str)] = &[
    (a::CODEC_ID_AAC, "aac"),
    (a::CODEC_ID_MP1, "mp1"),
    (a::CODEC_ID_MP2, "mp2"),
    (a::CODEC_ID_MP3, "mp3"),
    (a::CODEC_ID_ALAC, "alac"),
    (a::CODEC_ID_FLAC, "flac"),
    (a::CODEC_ID_VORBIS, "vorbis"),
    (a::CODEC_ID_OPUS, "opus"),
    (a::CODEC_ID_AC3, "ac3"),
    (a::CODEC_ID_EAC3, "eac3"),
    (a::CODEC_ID_AC4, "ac4"),
    (a::CODEC_ID_DCA, "dts"),
    (a::CODEC_ID_WAVPACK, "wavpack"),
    (a::CODEC_ID_SPEEX, "speex"),
    (a::CODEC_ID_WMA, "wma"),
    (a::CODEC_ID_ADPCM_MS, "adpcm_ms"),
    (a::CODEC_ID_ADPCM_IMA_WAV, "adpcm_ima_wav"),
    (a::CODEC_ID_ADPCM_IMA_QT, "adpcm_ima_qt"),
    (a::CODEC_ID_PCM_S8, "pcm_s8"),
    (a::CODEC_ID_PCM_U8, "pcm_u8"),
    (a::CODEC_ID_PCM_S16LE, "pcm_s16le"),
    (a::CODEC_ID_PCM_S16BE, "pcm_s16be"),
    (a::CODEC_ID_PCM_U16LE, "pcm_u16le"),
    (a::CODEC_ID_PCM_U16BE, "pcm_u16be"),
    (a::CODEC_ID_PCM_S24LE, "pcm_s24le"),
    (a::CODEC_ID_PCM_S24BE, "pcm_s24be"),
    (a::CODEC_ID_PCM_U24LE, "pcm_u24le"),
    (a::CODEC_ID_PCM_U24BE, "pcm_u24be"),
    (a::CODEC_ID_PCM_S32LE, "pcm_s32le"),
    (a::CODEC_ID_PCM_S32BE, "pcm_s32be"),
    (a::CODEC_ID_PCM_U32LE, "pcm_u32le"),
    (a::CODEC_ID_PCM_U32BE, "pcm_u32be"),
    (a::CODEC_ID_PCM_F32LE, "pcm_f32le"),
    (a::CODEC_ID_PCM_F32BE, "pcm_f32be"),
    (a::CODEC_ID_PCM_F64LE, "pcm_f64le"),
    (a::CODEC_ID_PCM_F64BE, "pcm_f64be"),
    (a::CODEC_ID_PCM_ALAW, "pcm_alaw"),
    (a::CODEC_ID_PCM_MULAW, "pcm_mulaw"),
];

const VIDEO: &[(VideoCodecId, &str)] = &[
    (v::CODEC_ID_H264, "h264"),
    (v::CODEC_ID_HEVC, "hevc"),
    (v::CODEC_ID_VVC, "vvc"),
    (v::CODEC_ID_VP8, "vp8"),
    (v::CODEC_ID_VP9, "vp9"),
    (v::CODEC_ID_AV1, "av1"),
    (v::CODEC_ID_MPEG1, "mpeg1video"),
    (v::CODEC_ID_MPEG2, "mpeg2video"),
    (v::CODEC_ID_MPEG4, "mpeg4"),
    (v::CODEC_ID_H263, "h263"),
    (v::CODEC_ID_MJPEG, "mjpeg"),
    (v::CODEC_ID_THEORA, "theora"),
    (v::CODEC_ID_VC1, "vc1"),
];

const SUBTITLE: &[(SubtitleCodecId, &str)] = &[
    (s::CODEC_ID_TEXT_UTF8, "text"),
    (s::CODEC_ID_SSA, "ssa"),
    (s::CODEC_ID_ASS, "ass"),
    (s::CODEC_ID_SRT, "subrip"),
    (s::CODEC_ID_WEBVTT, "webvtt"),
    (s::CODEC_ID_MOV_TEXT, "mov_text"),
    (s::CODEC_ID_DVBSUB, "dvb_subtitle"),
    (s::CODEC_ID_VOBSUB, "dvd_subtitle"),
    (s::CODEC_ID_HDMV_PGS, "hdmv_pgs_subtitle"),
];

fn lookup<T: PartialEq>(table: &[(T, &'static str)], id: &T) -> Option<&'static str> {
    table
        .iter()
        .find(|(known, _)| known == id)
        .map(|(_, name)| *name)
}

/// Short codec name for a track's parameters; `None` when the container
/// declares a codec we have no name for (reported as absent, not "").
pub(crate) fn codec_name(params: &CodecParameters) -> Option<&'static str> {
    match params {
        CodecParameters::Audio(p) => lookup(AUDIO, &p.codec),
        CodecParameters::Video(p) => lookup(VIDEO, &p.codec),
        CodecParameters::Subtitle(p) => lookup(SUBTITLE, &p.codec),
        _ => None,
    }
}

/// Short codec name for an audio codec id, "unknown" when unnamed.
pub(crate) fn audio_codec_name(id: AudioCodecId) -> &'static str {
    lookup(AUDIO, &id).unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(audio_codec_name(a::CODEC_ID_AAC), "aac");
        assert_eq!(audio_codec_name(a::CODEC_ID_PCM_S16LE), "pcm_s16le");
        assert_eq!(lookup(VIDEO, &v::CODEC_ID_VP9), Some("vp9"));
    }
}
