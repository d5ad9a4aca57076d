//! AAC that symphonia refuses, decoded by `syom` behind symphonia's
//! decoder trait.
//!
//! Symphonia 0.6's AAC decoder handles only mono/stereo AAC-LC ("aac too
//! complex" otherwise), yet 5.1 AAC is what most video files carry. Rather
//! than replacing a well-proven decoder for the common case, this adapter
//! is built only when symphonia declines, and it emits the same symphonia
//! audio buffers, so trimming, downmixing and encoding are unchanged.

use symphonia::core::audio::{
    AsGenericAudioBufferRef, Audio, AudioBuffer, AudioMut, AudioSpec, ChannelLabel, Channels,
    GenericAudioBufferRef, Position,
};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, FinalizeResult};
use symphonia::core::errors::{Error, Result};
use symphonia::core::packet::PacketRef;
use syom::{Channel, DecodeOptions, Decoder, Frame};

const INFO: CodecInfo = CodecInfo {
    short_name: "aac",
    long_name: "AAC (syom)",
    profiles: &[],
};

/// A syom decoder presenting itself as a symphonia [`AudioDecoder`].
pub(crate) struct SyomAac {
    params: AudioCodecParameters,
    asc: Box<[u8]>,
    decoder: Decoder,
    buf: AudioBuffer<f32>,
}

impl SyomAac {
    /// Builds a decoder from the track's AudioSpecificConfig; fails like
    /// symphonia would if there is none or syom cannot handle it either.
    pub fn try_new(params: &AudioCodecParameters) -> Result<Self> {
        let asc = params
            .extra_data
            .clone()
            .ok_or(Error::Unsupported("aac: no decoder configuration"))?;
        let decoder = Decoder::from_asc(&asc, options()).map_err(|_| {
            Error::Unsupported("aac: this AAC profile or channel layout is not supported")
        })?;
        let spec = AudioSpec::new(params.sample_rate.unwrap_or(48_000), Channels::Discrete(1));
        Ok(Self {
            params: params.clone(),
            asc,
            decoder,
            buf: AudioBuffer::new(spec, 0),
        })
    }
}

/// Separate planes (no mono mix), and none of syom's own duration or rate
/// caps: [`MediaLimits`](crate::MediaLimits) is enforced by the converter.
fn options() -> DecodeOptions {
    DecodeOptions::unbounded()
}

fn position(channel: Channel) -> Option<Position> {
    Some(match channel {
        Channel::FrontLeft => Position::FRONT_LEFT,
        Channel::FrontRight => Position::FRONT_RIGHT,
        Channel::FrontCenter => Position::FRONT_CENTER,
        Channel::Lfe => Position::LFE1,
        Channel::BackLeft => Position::REAR_LEFT,
        Channel::BackRight => Position::REAR_RIGHT,
        Channel::BackCenter => Position::REAR_CENTER,
        Channel::SideLeft => Position::SIDE_LEFT,
        Channel::SideRight => Position::SIDE_RIGHT,
        _ => return None,
    })
}

/// Symphonia channels for a frame, keeping syom's plane order exactly.
fn channels_of(frame: &Frame<'_>) -> Channels {
    let labels: Vec<ChannelLabel> = (0..frame.planar.len())
        .map(|i| {
            let label = frame
                .meta
                .channels
                .get(i)
                .copied()
                .flatten()
                .and_then(position);
            label.map_or(ChannelLabel::Discrete(i as u16), ChannelLabel::Positioned)
        })
        .collect();
    Channels::Custom(labels.into_boxed_slice())
}

/// Appends one decoded frame to `buf`, rebuilding it if the layout changed.
fn append(buf: &mut AudioBuffer<f32>, frame: &Frame<'_>) {
    let channels = channels_of(frame);
    let spec = AudioSpec::new(frame.sample_rate, channels);
    if buf.spec() != &spec {
        *buf = AudioBuffer::new(spec, frame.samples);
    }
    let start = buf.frames();
    buf.grow_capacity(start + frame.samples);
    buf.render_uninit(Some(frame.samples));
    for (i, src) in frame.planar.iter().enumerate() {
        if let Some(plane) = buf.plane_mut(i) {
            plane[start..start + frame.samples].copy_from_slice(&src[..frame.samples]);
        }
    }
}

impl AudioDecoder for SyomAac {
    fn reset(&mut self) {
        self.decoder.reset();
        // The same configuration was accepted when the decoder was built.
        let _ = self.decoder.set_asc(&self.asc);
    }

    fn codec_info(&self) -> &CodecInfo {
        &INFO
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        let Self { decoder, buf, .. } = self;
        buf.clear();
        let result = decoder.decode_au(packet.data, |frame| {
            append(buf, &frame);
            Ok(())
        });
        if result.is_err() {
            // syom poisons the instance after an error; start afresh so the
            // next packet decodes (the caller counts consecutive failures).
            self.buf.clear();
            self.reset();
            return Err(Error::DecodeError("aac: damaged frame"));
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}
