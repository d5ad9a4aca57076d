//! LAME, configured like ffmpeg's libmp3lame wrapper, streaming into a sink.

use std::io::{Seek, SeekFrom, Write};
use std::num::NonZeroU32;

use mp3lame_encoder::{Bitrate, Builder, DualPcm, Encoder, FlushGap, MonoPcm, Quality, VbrMode};

use crate::MediaError;
use crate::options::RateControl;

/// Frames handed to LAME per call: bounds the output buffer LAME needs
/// (1.25 bytes per frame + 7200) while keeping call overhead negligible.
pub(crate) const CHUNK_FRAMES: usize = 8192;
/// Encoded bytes gathered before one write to the sink, so an unbuffered
/// file or socket sees a few large writes rather than one per MP3 frame.
const WRITE_BATCH: usize = 64 * 1024;

/// Sample rates MP3 (MPEG-1, 2 and 2.5 Layer III) can carry.
const MP3_RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/// The MP3 sample rate for an input rate: the same rate when MP3 has it,
/// the matching family (44.1 kHz or 48 kHz) for hi-res input, otherwise the
/// next rate up so no bandwidth is lost. LAME resamples internally.
pub(crate) fn output_rate(input: u32) -> u32 {
    if MP3_RATES.contains(&input) {
        input
    } else if input > 48_000 {
        if input.is_multiple_of(11_025) {
            44_100
        } else {
            48_000
        }
    } else {
        MP3_RATES
            .iter()
            .copied()
            .find(|&r| r >= input)
            .unwrap_or(48_000)
    }
}

fn lame_err(what: &str, err: impl std::fmt::Display) -> MediaError {
    MediaError::Encoder(format!("{what}: {err}"))
}

fn bitrate(kbps: u32) -> Result<Bitrate, MediaError> {
    Ok(match kbps {
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        320 => Bitrate::Kbps320,
        other => {
            return Err(MediaError::InvalidOptions(format!(
                "bitrate_kbps {other} is not supported"
            )));
        }
    })
}

fn quality(q: u8) -> Quality {
    match q {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        _ => Quality::Worst,
    }
}

/// A LAME encoder that writes straight into the caller's sink.
pub(crate) struct Mp3Encoder {
    lame: Encoder,
    pending: Vec<u8>,
    bytes_written: u64,
}

impl Mp3Encoder {
    /// Configures LAME. The algorithmic quality (`lame_set_quality`) is left
    /// at LAME's default, exactly as ffmpeg's wrapper does unless
    /// `-compression_level` is given, so speed and output match ffmpeg's.
    /// The Xing/LAME tag is on: it carries the frame count and the encoder
    /// delay/padding that let decoders trim to the exact length.
    pub fn new(in_rate: u32, channels: u8, rate_control: RateControl) -> Result<Self, MediaError> {
        let mut b = Builder::new()
            .ok_or_else(|| MediaError::Encoder("LAME allocation failed".to_owned()))?;
        b.set_num_channels(channels)
            .map_err(|e| lame_err("channels", e))?;
        b.set_sample_rate(in_rate)
            .map_err(|e| lame_err("input sample rate", e))?;
        b.set_output_sample_rate(NonZeroU32::new(output_rate(in_rate)))
            .map_err(|e| lame_err("output sample rate", e))?;
        match rate_control {
            RateControl::Cbr(kbps) => {
                b.set_vbr_mode(VbrMode::Off)
                    .map_err(|e| lame_err("vbr mode", e))?;
                b.set_brate(bitrate(kbps)?)
                    .map_err(|e| lame_err("bitrate", e))?;
            }
            RateControl::Vbr(q) => {
                b.set_vbr_mode(VbrMode::Mtrh)
                    .map_err(|e| lame_err("vbr mode", e))?;
                b.set_vbr_quality(quality(q))
                    .map_err(|e| lame_err("vbr quality", e))?;
            }
        }
        b.set_to_write_vbr_tag(true)
            .map_err(|e| lame_err("vbr tag", e))?;
        let lame = b.build().map_err(|e| lame_err("configuration", e))?;
        let pending = Vec::with_capacity(
            WRITE_BATCH + mp3lame_encoder::max_required_buffer_size(CHUNK_FRAMES),
        );
        Ok(Self {
            lame,
            pending,
            bytes_written: 0,
        })
    }

    /// Encodes one channel of f32 samples in [-1, 1].
    pub fn encode_mono<W: Write>(&mut self, pcm: &[f32], out: &mut W) -> Result<(), MediaError> {
        for chunk in pcm.chunks(CHUNK_FRAMES) {
            self.pending
                .reserve(mp3lame_encoder::max_required_buffer_size(chunk.len()));
            self.lame
                .encode_to_vec(MonoPcm(chunk), &mut self.pending)
                .map_err(|e| lame_err("encode", e))?;
            self.drain(out, false)?;
        }
        Ok(())
    }

    /// Encodes two equally long channels of f32 samples in [-1, 1].
    pub fn encode_stereo<W: Write>(
        &mut self,
        left: &[f32],
        right: &[f32],
        out: &mut W,
    ) -> Result<(), MediaError> {
        for (l, r) in left.chunks(CHUNK_FRAMES).zip(right.chunks(CHUNK_FRAMES)) {
            self.pending
                .reserve(mp3lame_encoder::max_required_buffer_size(l.len()));
            let pcm = DualPcm { left: l, right: r };
            self.lame
                .encode_to_vec(pcm, &mut self.pending)
                .map_err(|e| lame_err("encode", e))?;
            self.drain(out, false)?;
        }
        Ok(())
    }

    fn drain<W: Write>(&mut self, out: &mut W, force: bool) -> Result<(), MediaError> {
        if force || self.pending.len() >= WRITE_BATCH {
            out.write_all(&self.pending)?;
            self.bytes_written += self.pending.len() as u64;
            self.pending.clear();
        }
        Ok(())
    }

    /// Flushes LAME's buffers and replaces the placeholder first frame (at
    /// `tag_offset`, just after our ID3 tag) with the finished LAME tag.
    /// Returns the MP3 bytes written, ID3 tag excluded.
    pub fn finish<W: Write + Seek>(
        mut self,
        out: &mut W,
        tag_offset: u64,
    ) -> Result<u64, MediaError> {
        self.pending
            .reserve(mp3lame_encoder::max_required_buffer_size(0));
        // `lame_encode_flush` (the wrapper's "FlushGap") is the real end of
        // stream: it pads and emits the last frames, as ffmpeg does. The
        // "NoGap" variant is for splicing tracks and leaves LAME mid-stream.
        self.lame
            .flush_to_vec::<FlushGap>(&mut self.pending)
            .map_err(|e| lame_err("flush", e))?;
        self.drain(out, true)?;

        let size = self.lame.lame_tag_size();
        if size > 0 {
            let mut tag = Vec::with_capacity(size);
            if self.lame.lame_tag_encode_to_vec(&mut tag).is_some() {
                let end = out.stream_position()?;
                out.seek(SeekFrom::Start(tag_offset))?;
                out.write_all(&tag)?;
                out.seek(SeekFrom::Start(end))?;
            }
        }
        out.flush()?;
        Ok(self.bytes_written)
    }

    /// The output sample rate LAME settled on.
    pub fn output_rate(&self) -> u32 {
        // LAME exposes only the input rate through the safe wrapper; the
        // output rate is the one we asked for.
        output_rate(self.lame.sample_rate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_rates() {
        assert_eq!(output_rate(44_100), 44_100);
        assert_eq!(output_rate(96_000), 48_000);
        assert_eq!(output_rate(88_200), 44_100);
        assert_eq!(output_rate(176_400), 44_100);
        assert_eq!(output_rate(192_000), 48_000);
        assert_eq!(output_rate(37_800), 44_100);
        assert_eq!(output_rate(4_000), 8_000);
    }
}
