//! Kiln's media engine: probing and streaming MP3 transcoding.
//!
//! Everything here works on `std::io` streams: the input is a
//! [`MediaSource`] (`Read + Seek`, which in production streams from the
//! blob store) and the MP3 output goes to any `Write + Seek` sink. There is
//! no network I/O and no temporary file, so the worker decides where bytes
//! come from and go to.
//!
//! - [`convert_to_mp3`] decodes the default audio track packet by packet and
//!   feeds LAME, so memory stays flat however long the media is.
//! - [`probe`] reads container headers only and reports what the file holds.
//!
//! Errors say whether retrying can help ([`MediaError::is_permanent`]).
//!
//! # Which code handles what
//!
//! | Input | Demuxer | Decoder | Gapless trim |
//! |---|---|---|---|
//! | MP4 / MOV / M4A | symphonia isomp4 (+ our box reader for edit lists, frame rates, QuickTime ALAC; for [`probe`]: location, make/model, local creation date, rotation, colour, MOV user-data tags) | AAC-LC mono/stereo: symphonia; AAC 5.1/7.1 or HE-AAC: syom; ALAC, MP3: symphonia | edit list (`elst`), applied by us |
//! | Matroska / WebM | symphonia mkv (+ our EBML reader for default flags, title, frame rates, `DateUTC`, colour) | Vorbis, FLAC, AAC: as above; Opus: libopus | Opus pre-skip (libopus adapter); end padding not trimmed (≤ 1 frame) |
//! | Ogg | symphonia ogg | Vorbis: symphonia; Opus: libopus | granule positions (demuxer) + pre-skip (adapter) |
//! | WAV / AIFF | symphonia riff (+ our reader for WAV INFO tags) | symphonia PCM | none needed |
//! | FLAC | symphonia flac | symphonia | none needed |
//! | MP3 | symphonia mpa | symphonia | LAME/Xing tag (demuxer + decoder) |
//!
//! Output: LAME (VBR quality 4 unless told otherwise, LAME's default
//! algorithm quality as ffmpeg uses), ID3v2.3 tag written by us, LAME tag
//! patched in at the end. More than two channels are downmixed to stereo;
//! rates MP3 lacks are resampled by LAME (to 44.1 or 48 kHz).

mod aac_fallback;
mod codec_names;
mod convert;
mod downmix;
mod encoder;
mod error;
#[doc(hidden)] // for the fuzz targets and their regression tests only
pub mod fuzzing;
mod hint;
mod id3;
mod open;
mod options;
mod pipeline;
mod probe;
mod report;
mod select;
mod sidecar;
mod tags;
mod trim;

pub use convert::convert_to_mp3;
pub use error::MediaError;
pub use hint::Hint;
pub use options::{MediaLimits, Mp3Options};
pub use probe::{Location, MediaInfo, TrackInfo, probe};
pub use report::ConversionReport;

/// Re-exported so callers can build a [`MediaSource`] without naming symphonia.
pub use symphonia::core::io::MediaSource;
