//! `convert_to_mp3`: demux, decode, trim, downmix and encode, one packet at
//! a time.

use std::io::{Seek, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::Track;
use symphonia::core::io::MediaSource;

use crate::codec_names::audio_codec_name;
use crate::error::{Stage, from_symphonia};
use crate::open::{Opened, make_decoder, open};
use crate::pipeline::Mp3Pipeline;
use crate::select::select_audio_track;
use crate::tags::TagSet;
use crate::{ConversionReport, Hint, MediaError, MediaLimits, Mp3Options, id3};

/// Converts the default audio track of `source` to MP3, streaming into `out`.
///
/// The output starts at `out`'s current position with an ID3v2.3 tag (when
/// the input had title/artist/album/...), followed by a LAME/Xing frame that
/// is patched at the end with the exact frame count and encoder
/// delay/padding, so decoders reproduce the input duration to the sample.
///
/// Memory does not depend on the input's length. `cancel` is polled once per
/// packet. A truncated input ends in [`MediaError::Corrupt`] when the
/// demuxer hits the cut mid-packet or the decoded audio falls well short of
/// the duration the headers declare; if neither is detectable (e.g. a cut
/// exactly between Ogg pages of a stream whose end is unknown) the output is
/// simply shorter. On error the sink holds a partial file the caller should
/// discard.
pub fn convert_to_mp3<W: Write + Seek>(
    source: Box<dyn MediaSource>,
    hint: &Hint,
    out: &mut W,
    options: &Mp3Options,
    limits: &MediaLimits,
    cancel: &AtomicBool,
) -> Result<ConversionReport, MediaError> {
    let rate_control = options.rate_control()?;
    let Opened {
        mut reader,
        container,
        sidecar,
        tracks,
        ..
    } = open(source, hint)?;
    let cut_short = sidecar.declared_len.is_some();
    let track = select_audio_track(&tracks)?.clone();
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(MediaError::NoAudio { found: Vec::new() });
    };
    check_declared_limits(&track, params, reader.media_info(), limits)?;

    let tags = TagSet::collect(&mut *reader, Some(track.id)).with_fallbacks(&sidecar.tags);
    let mut decoder = make_decoder(params)?;

    let edit = sidecar.track(track.id).and_then(|t| t.edit);
    let mut pipeline = Mp3Pipeline::new(out, id3::build_tag(&tags), rate_control, edit, limits)?;
    let mut bad_packets = 0u32;
    while !pipeline.is_done() {
        if cancel.load(Ordering::Relaxed) {
            return Err(MediaError::Cancelled);
        }
        let packet = match reader.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(e) => {
                let at = pipeline.position_secs();
                return Err(match from_symphonia(e, Stage::Stream(at)) {
                    MediaError::Corrupt(_) if cut_short => truncated(at),
                    other => other,
                });
            }
        };
        if packet.track_id != track.id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                bad_packets = 0;
                pipeline.push(&buf)?;
            }
            // A damaged packet (or one whose bits run out early): skip it,
            // as players do, unless damage keeps coming.
            Err(SymphoniaError::DecodeError(msg)) => {
                bad_packets += 1;
                tracing::debug!(
                    msg,
                    at = pipeline.position_secs(),
                    "skipping undecodable packet"
                );
                if bad_packets > limits.max_consecutive_decode_errors {
                    return Err(MediaError::Corrupt(format!(
                        "{bad_packets} consecutive undecodable packets after {:.1} s ({msg})",
                        pipeline.position_secs()
                    )));
                }
            }
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                bad_packets += 1;
                if bad_packets > limits.max_consecutive_decode_errors {
                    return Err(MediaError::Corrupt(format!(
                        "{bad_packets} consecutive short packets after {:.1} s",
                        pipeline.position_secs()
                    )));
                }
            }
            Err(e) => return Err(from_symphonia(e, Stage::Stream(pipeline.position_secs()))),
        }
    }

    let Some(done) = pipeline.finish()? else {
        return Err(MediaError::Corrupt(
            "the audio track is empty or holds no decodable audio".to_owned(),
        ));
    };
    let decoded_secs = done.frames as f64 / f64::from(done.rate_in);
    // Where the file is known to be cut off, the container-wide duration is
    // a fair yardstick too (Matroska states no per-track length).
    let media_secs = || {
        let media = reader.media_info();
        media
            .time_base
            .zip(media.duration)
            .and_then(|(tb, d)| tb.calc_duration(d))
            .map(|t| t.as_secs_f64())
    };
    let declared = declared_secs(&track, params, container, edit)
        .or_else(|| media_secs().filter(|_| cut_short));
    if let Some(declared) = declared {
        let tolerance = (declared * 0.02).max(0.5);
        if decoded_secs + tolerance < declared {
            return Err(MediaError::Corrupt(format!(
                "truncated: the file ends mid-stream after {decoded_secs:.1} s (its header says {declared:.1} s)"
            )));
        }
    }

    Ok(ConversionReport {
        input_duration_secs: decoded_secs,
        output_duration_secs: (done.frames as f64 * f64::from(done.rate_out)
            / f64::from(done.rate_in))
        .round()
            / f64::from(done.rate_out),
        sample_rate_in: done.rate_in,
        sample_rate_out: done.rate_out,
        channels_in: done.channels_in as u32,
        channels_out: done.channels_out as u32,
        codec: audio_codec_name(params.codec).to_owned(),
        container: container.to_owned(),
        bytes_written: done.bytes,
        tags_copied: tags
            .entries()
            .into_iter()
            .map(|(k, _)| k.to_owned())
            .collect(),
    })
}

fn truncated(at_secs: f64) -> MediaError {
    MediaError::Corrupt(format!(
        "truncated: the file ends mid-stream after {at_secs:.1} s"
    ))
}

/// The audio duration the headers promise, when it is exact enough to
/// detect truncation. MP3 only counts when a LAME/Xing tag gave an exact
/// frame count (signalled by the delay it carries); without one symphonia
/// estimates from the bitrate.
fn declared_secs(
    track: &Track,
    params: &AudioCodecParameters,
    container: &str,
    edit: Option<crate::sidecar::Edit>,
) -> Option<f64> {
    if let Some(d) = edit.and_then(|e| e.duration_secs) {
        return Some(d);
    }
    if container == "mp3" && track.delay.is_none() {
        return None;
    }
    let rate = f64::from(params.sample_rate?);
    track.num_frames.map(|n| n as f64 / rate)
}

/// Refuses before decoding what the headers already show to be too big.
fn check_declared_limits(
    track: &Track,
    params: &AudioCodecParameters,
    media: &symphonia::core::formats::MediaInfo,
    limits: &MediaLimits,
) -> Result<(), MediaError> {
    if let Some(channels) = params.channels.as_ref().map(|c| c.count())
        && channels as u64 > u64::from(limits.max_channels)
    {
        return Err(MediaError::OverLimit(format!(
            "the audio has {channels} channels; at most {} are accepted",
            limits.max_channels
        )));
    }
    if let Some(rate) = params.sample_rate
        && rate > limits.max_sample_rate
    {
        return Err(MediaError::OverLimit(format!(
            "the sample rate is {rate} Hz; at most {} Hz is accepted",
            limits.max_sample_rate
        )));
    }
    let track_secs = track
        .time_base
        .zip(track.duration)
        .and_then(|(tb, d)| tb.calc_duration(d));
    let media_secs = media
        .time_base
        .zip(media.duration)
        .and_then(|(tb, d)| tb.calc_duration(d));
    if let Some(secs) = track_secs.or(media_secs).map(|t| t.as_secs_f64())
        && secs > limits.max_duration_secs
    {
        return Err(MediaError::OverLimit(format!(
            "the audio lasts {secs:.0} s, over the {:.0} s limit",
            limits.max_duration_secs
        )));
    }
    Ok(())
}
