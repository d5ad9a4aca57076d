//! The sink half of a conversion: decoded buffers in, MP3 bytes out.
//!
//! Nothing here grows with the media: the planar scratch buffers are sized
//! by the largest decoded packet and reused, and encoded bytes leave for the
//! sink in small batches.

use std::io::{Seek, Write};

use symphonia::core::audio::GenericAudioBufferRef;

use crate::downmix::Downmix;
use crate::encoder::Mp3Encoder;
use crate::options::RateControl;
use crate::sidecar::Edit;
use crate::trim::Trim;
use crate::{MediaError, MediaLimits};

/// The encoder side, created when the first audio arrives, since only the
/// decoder knows the true rate and layout (e.g. Opus always decodes at
/// 48 kHz, whatever the container claims).
struct Active {
    encoder: Mp3Encoder,
    downmix: Option<Downmix>,
    rate: u32,
    channels: usize,
    trim: Trim,
}

/// What the pipeline produced, for the report.
pub(crate) struct Finished {
    /// Input frames kept after trimming.
    pub frames: u64,
    pub rate_in: u32,
    pub rate_out: u32,
    pub channels_in: usize,
    pub channels_out: usize,
    /// Bytes written to the sink, ID3 tag included.
    pub bytes: u64,
}

/// Turns decoded audio into an MP3 written to `out`.
pub(crate) struct Mp3Pipeline<'w, W: Write + Seek> {
    out: &'w mut W,
    start: u64,
    id3: Vec<u8>,
    rate_control: RateControl,
    edit: Option<Edit>,
    limits: MediaLimits,
    planes: Vec<Vec<f32>>,
    active: Option<Active>,
}

impl<'w, W: Write + Seek> Mp3Pipeline<'w, W> {
    /// `id3` is written before the first MP3 frame; `edit` is the
    /// presentation window to trim to, if the container declared one.
    pub fn new(
        out: &'w mut W,
        id3: Vec<u8>,
        rate_control: RateControl,
        edit: Option<Edit>,
        limits: &MediaLimits,
    ) -> Result<Self, MediaError> {
        let start = out.stream_position()?;
        Ok(Self {
            out,
            start,
            id3,
            rate_control,
            edit,
            limits: limits.clone(),
            planes: Vec::new(),
            active: None,
        })
    }

    /// Seconds of audio accepted so far (for error messages).
    pub fn position_secs(&self) -> f64 {
        self.active
            .as_ref()
            .map_or(0.0, |a| a.trim.kept() as f64 / f64::from(a.rate))
    }

    /// Whether the presentation window is complete and the rest of the
    /// stream (encoder padding) can be skipped.
    pub fn is_done(&self) -> bool {
        self.active.as_ref().is_some_and(|a| a.trim.is_done())
    }

    /// Encodes one decoded buffer.
    pub fn push(&mut self, buf: &GenericAudioBufferRef<'_>) -> Result<(), MediaError> {
        let frames = buf.frames();
        if frames == 0 {
            return Ok(());
        }
        let rate = buf.spec().rate();
        let channels = buf.spec().channels().count();
        let active = match &mut self.active {
            Some(active) if active.rate == rate && active.channels == channels => active,
            Some(_) => {
                return Err(MediaError::Unsupported(
                    "the audio changes sample rate or channel count mid-stream".to_owned(),
                ));
            }
            None => {
                check_layout(rate, channels, &self.limits)?;
                self.active.insert(start(
                    self.out,
                    &self.id3,
                    self.rate_control,
                    self.edit,
                    buf,
                )?)
            }
        };

        let window = active.trim.window(frames);
        if window.is_empty() {
            return Ok(());
        }
        buf.slice(window)
            .copy_to_vecs_planar::<f32>(&mut self.planes);
        match (&mut active.downmix, self.planes.as_slice()) {
            (Some(mix), planes) => {
                let (l, r) = mix.apply(planes);
                active.encoder.encode_stereo(l, r, self.out)?;
            }
            (None, [mono]) => active.encoder.encode_mono(mono, self.out)?,
            (None, [l, r]) => active.encoder.encode_stereo(l, r, self.out)?,
            (None, _) => {
                return Err(MediaError::Unsupported(
                    "unexpected channel layout".to_owned(),
                ));
            }
        }

        let secs = active.trim.kept() as f64 / f64::from(rate);
        if secs > self.limits.max_duration_secs {
            return Err(MediaError::OverLimit(format!(
                "the audio runs past {:.0} s, over the {:.0} s limit",
                secs, self.limits.max_duration_secs
            )));
        }
        Ok(())
    }

    /// Flushes LAME and patches the LAME tag; `None` if no audio ever came.
    pub fn finish(self) -> Result<Option<Finished>, MediaError> {
        let Some(active) = self.active else {
            return Ok(None);
        };
        let tag_offset = self.start + self.id3.len() as u64;
        let rate_out = active.encoder.output_rate();
        let mp3_bytes = active.encoder.finish(self.out, tag_offset)?;
        Ok(Some(Finished {
            frames: active.trim.kept(),
            rate_in: active.rate,
            rate_out,
            channels_in: active.channels,
            channels_out: if active.channels == 1 { 1 } else { 2 },
            bytes: mp3_bytes + self.id3.len() as u64,
        }))
    }
}

/// The headers may not state the layout (or may understate it); the
/// decoder's first buffer is the final word.
fn check_layout(rate: u32, channels: usize, limits: &MediaLimits) -> Result<(), MediaError> {
    if channels as u64 > u64::from(limits.max_channels) {
        return Err(MediaError::OverLimit(format!(
            "the audio has {channels} channels; at most {} are accepted",
            limits.max_channels
        )));
    }
    if rate > limits.max_sample_rate {
        return Err(MediaError::OverLimit(format!(
            "the sample rate is {rate} Hz; at most {} Hz is accepted",
            limits.max_sample_rate
        )));
    }
    if rate == 0 || channels == 0 {
        return Err(MediaError::Corrupt(
            "the decoder reports no sample rate or channels".to_owned(),
        ));
    }
    Ok(())
}

/// Sets up LAME for the first decoded buffer and writes the ID3 tag.
fn start<W: Write>(
    out: &mut W,
    id3: &[u8],
    rate_control: RateControl,
    edit: Option<Edit>,
    buf: &GenericAudioBufferRef<'_>,
) -> Result<Active, MediaError> {
    let rate = buf.spec().rate();
    let channels = buf.spec().channels().count();
    let out_channels: u8 = if channels == 1 { 1 } else { 2 };
    let encoder = Mp3Encoder::new(rate, out_channels, rate_control)?;
    let downmix = (channels > 2).then(|| Downmix::new(buf.spec().channels()));
    let trim = match edit {
        Some(e) => Trim::new(
            (e.skip_secs * f64::from(rate)).round() as u64,
            e.duration_secs
                .map(|d| (d * f64::from(rate)).round() as u64),
        ),
        None => Trim::none(),
    };
    out.write_all(id3)?;
    Ok(Active {
        encoder,
        downmix,
        rate,
        channels,
        trim,
    })
}
