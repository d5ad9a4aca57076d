//! Recognising the container and building the decoder registry.

use std::sync::OnceLock;

use symphonia::core::audio::Channels;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::CODEC_ID_NULL_AUDIO;
use symphonia::core::codecs::audio::well_known::{CODEC_ID_AAC, CODEC_ID_ALAC};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::well_known as fmt;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackFlags};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia_adapter_libopus::OpusDecoder;

use crate::aac_fallback::SyomAac;
use crate::codec_names::audio_codec_name;
use crate::error::{Stage, from_symphonia};
use crate::sidecar::{self, Sidecar};
use crate::{Hint, MediaError};

/// A demuxer positioned at the first packet, plus what we know around it.
pub(crate) struct Opened {
    /// Symphonia's demuxer for the recognised container.
    pub reader: Box<dyn FormatReader>,
    /// Short container name ("mp4", "webm", "ogg", ...).
    pub container: &'static str,
    /// Header facts symphonia does not expose (edit lists, frame rates).
    pub sidecar: Sidecar,
    /// The demuxer's tracks, with codec parameters completed from the
    /// sidecar where symphonia left them blank.
    pub tracks: Vec<Track>,
    /// Total size of the input, when the source knows it.
    pub file_bytes: Option<u64>,
}

/// Symphonia's decoders plus libopus, which symphonia does not ship.
///
/// Built once: registration is cheap but the registry is immutable and
/// shared by every conversion in the process.
pub(crate) fn codecs() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<OpusDecoder>();
        registry
    })
}

/// A decoder for an audio track: symphonia's (or libopus), falling back to
/// syom for the AAC configurations symphonia declines (5.1, HE-AAC).
pub(crate) fn make_decoder(
    params: &AudioCodecParameters,
) -> Result<Box<dyn AudioDecoder>, MediaError> {
    let refused = |why: &str| {
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        MediaError::Unsupported(format!(
            "cannot decode this {} audio ({channels} channels): {why}",
            audio_codec_name(params.codec)
        ))
    };
    match codecs().make_audio_decoder(params, &AudioDecoderOptions::default()) {
        Ok(decoder) => Ok(decoder),
        Err(SymphoniaError::Unsupported(why)) if params.codec == CODEC_ID_AAC => {
            tracing::debug!(why, "symphonia declined this AAC stream; using syom");
            match SyomAac::try_new(params) {
                Ok(decoder) => Ok(Box::new(decoder)),
                Err(SymphoniaError::Unsupported(why)) => Err(refused(why)),
                Err(e) => Err(from_symphonia(e, Stage::Open)),
            }
        }
        Err(SymphoniaError::Unsupported(why)) => Err(refused(why)),
        Err(e) => Err(from_symphonia(e, Stage::Open)),
    }
}

/// Recognises the container and reads its headers (no audio is decoded).
pub(crate) fn open(mut source: Box<dyn MediaSource>, hint: &Hint) -> Result<Opened, MediaError> {
    let file_bytes = source.byte_len();
    let sidecar = if source.is_seekable() {
        sidecar::read(&mut source)?
    } else {
        Sidecar::default()
    };

    let mss = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    // Symphonia's readers panic on some header lies, e.g. the WAV reader
    // multiplies a stated channel count into a u16 (found by fuzzing
    // `media_probe`; the regression files are media/tests/fuzz-regressions/
    // wav-*). Whatever panics while reading headers is a damaged file, not
    // a crashed worker; the source is consumed either way.
    let probed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        symphonia::default::get_probe().probe(
            &hint.to_symphonia(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
    }))
    .map_err(|_| MediaError::Corrupt("damaged headers (the demuxer gave up on them)".to_owned()))?;
    let reader = probed.map_err(|e| {
        match (
            from_symphonia(e, Stage::Open),
            sidecar.declared_len,
            file_bytes,
        ) {
            (MediaError::Io(e), _, _) => MediaError::Io(e),
            (_, Some(declared), Some(actual)) => MediaError::Corrupt(format!(
                "truncated: the file has {actual} of the {declared} bytes its container declares"
            )),
            (other, _, _) => other,
        }
    })?;

    let container = container_name(&*reader, &sidecar);
    let tracks = reader
        .tracks()
        .iter()
        .map(|t| complete_track(t, &sidecar))
        .collect();
    Ok(Opened {
        reader,
        container,
        sidecar,
        tracks,
        file_bytes,
    })
}

/// Completes what symphonia reads incompletely: Matroska default flags
/// (whose absence means "default") and ALAC tracks in QuickTime `.mov`,
/// which keep the decoder cookie inside a `wave` atom. The cookie carries
/// the channel count, bit depth and rate, which is all the decoder needs.
fn complete_track(track: &Track, sidecar: &Sidecar) -> Track {
    let mut track = track.clone();
    if let Some(default) = sidecar.track(track.id).and_then(|s| s.default) {
        track.flags.set(TrackFlags::DEFAULT, default);
    }
    let cookie = sidecar.track(track.id).and_then(|s| s.alac_cookie.clone());
    if let (Some(CodecParameters::Audio(p)), Some(cookie)) = (&mut track.codec_params, cookie)
        && p.codec == CODEC_ID_NULL_AUDIO
        && cookie.len() >= 24
    {
        p.codec = CODEC_ID_ALAC;
        p.bits_per_sample = Some(u32::from(cookie[5]));
        p.sample_rate = Some(u32::from_be_bytes([
            cookie[20], cookie[21], cookie[22], cookie[23],
        ]));
        p.channels = Channels::Discrete(u16::from(cookie[9])).into();
        p.extra_data = Some(cookie);
    }
    track
}

fn container_name(reader: &dyn FormatReader, sidecar: &Sidecar) -> &'static str {
    let format = reader.format_info().format;
    let known: &[(_, &'static str)] = &[
        (fmt::FORMAT_ID_WAVE, "wav"),
        (fmt::FORMAT_ID_AIFF, "aiff"),
        (fmt::FORMAT_ID_CAF, "caf"),
        (fmt::FORMAT_ID_MP1, "mp1"),
        (fmt::FORMAT_ID_MP2, "mp2"),
        (fmt::FORMAT_ID_MP3, "mp3"),
        (fmt::FORMAT_ID_ADTS, "aac"),
        (fmt::FORMAT_ID_OGG, "ogg"),
        (fmt::FORMAT_ID_FLAC, "flac"),
    ];
    if format == fmt::FORMAT_ID_ISOMP4 {
        return sidecar.container.unwrap_or("mp4");
    }
    if format == fmt::FORMAT_ID_MKV {
        return sidecar.container.unwrap_or("matroska");
    }
    known
        .iter()
        .find(|(id, _)| *id == format)
        .map(|(_, name)| *name)
        .unwrap_or(reader.format_info().short_name)
}
