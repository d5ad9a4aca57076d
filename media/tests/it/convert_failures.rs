#![allow(clippy::unwrap_used)]
//! Limits, cancellation, encoder options and source failures end in the
//! right error.

use crate::common;

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use common::{Fixtures, convert, have_ffmpeg, sine};
use kiln_media::{Hint, MediaError, MediaLimits, MediaSource, Mp3Options, convert_to_mp3};

fn with(mut base: Vec<String>, extra: &[&str]) -> Vec<String> {
    base.extend(extra.iter().map(|s| s.to_string()));
    base
}

#[test]
fn declared_duration_over_limit() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let input = fx.make("a.flac", &sine(44_100));
    let limits = MediaLimits {
        max_duration_secs: 1.0,
        ..MediaLimits::default()
    };
    let err = convert(&input, &Mp3Options::default(), &limits).unwrap_err();
    assert!(
        matches!(&err, MediaError::OverLimit(m) if m.contains("3 s") && m.contains("1 s")),
        "{err:?}"
    );
}

/// A forward-only source, so the demuxer cannot learn the duration from
/// the end of the file.
struct Unseekable(File);

impl Read for Unseekable {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Seek for Unseekable {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match pos {
            SeekFrom::Current(0) => self.0.stream_position(),
            _ => Err(io::Error::new(io::ErrorKind::Unsupported, "forward only")),
        }
    }
}

impl MediaSource for Unseekable {
    fn is_seekable(&self) -> bool {
        false
    }
    fn byte_len(&self) -> Option<u64> {
        None
    }
}

#[test]
fn duration_limit_is_enforced_while_decoding() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    // No Xing header and no seeking: nothing declares the length up front.
    let input = fx.make("noxing.mp3", &with(sine(44_100), &["-write_xing", "0"]));
    let limits = MediaLimits {
        max_duration_secs: 1.0,
        ..MediaLimits::default()
    };
    let mut out = Cursor::new(Vec::new());
    let source = Box::new(Unseekable(File::open(&input).unwrap()));
    let err = convert_to_mp3(
        source,
        &Hint::new(),
        &mut out,
        &Mp3Options::default(),
        &limits,
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(
        matches!(&err, MediaError::OverLimit(m) if m.contains("runs past")),
        "{err:?}"
    );
}

#[test]
fn channel_limit() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let input = fx.make("st.wav", &with(sine(44_100), &["-ac", "2"]));
    let limits = MediaLimits {
        max_channels: 1,
        ..MediaLimits::default()
    };
    let err = convert(&input, &Mp3Options::default(), &limits).unwrap_err();
    assert!(
        matches!(&err, MediaError::OverLimit(m) if m.contains("2 channels")),
        "{err:?}"
    );
}

#[test]
fn cancel_flag_stops_the_conversion() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let input = fx.make("a.flac", &sine(44_100));
    let mut out = Cursor::new(Vec::new());
    let cancel = AtomicBool::new(true);
    let source = Box::new(File::open(&input).unwrap());
    let err = convert_to_mp3(
        source,
        &Hint::new(),
        &mut out,
        &Mp3Options::default(),
        &MediaLimits::default(),
        &cancel,
    )
    .unwrap_err();
    assert!(matches!(err, MediaError::Cancelled), "{err:?}");
    assert!(!err.is_permanent());
}

/// A source whose reads start failing partway, like a dropped connection
/// to the blob store.
struct FailingAfter {
    inner: File,
    budget: u64,
}

impl Read for FailingAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.inner.stream_position()? >= self.budget {
            return Err(io::Error::other("connection reset by blob store"));
        }
        self.inner.read(buf)
    }
}

impl Seek for FailingAfter {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl MediaSource for FailingAfter {
    fn is_seekable(&self) -> bool {
        true
    }
    fn byte_len(&self) -> Option<u64> {
        self.inner.metadata().ok().map(|m| m.len())
    }
}

#[test]
fn source_io_errors_are_retryable() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let input = fx.make("a.wav", &sine(44_100));
    let source = Box::new(FailingAfter {
        inner: File::open(&input).unwrap(),
        budget: 100_000,
    });
    let mut out = Cursor::new(Vec::new());
    let err = convert_to_mp3(
        source,
        &Hint::new(),
        &mut out,
        &Mp3Options::default(),
        &MediaLimits::default(),
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(matches!(err, MediaError::Io(_)), "{err:?}");
    assert!(!err.is_permanent());
}

/// The bitrate field of the first audio frame after the ID3 tag and the
/// Info frame (MPEG-1 Layer III table).
fn second_frame_kbps(mp3: &Path) -> u32 {
    const KBPS: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    let data = std::fs::read(mp3).unwrap();
    let mut pos = 0;
    if &data[..3] == b"ID3" {
        pos = 10
            + data[6..10]
                .iter()
                .fold(0usize, |acc, &b| (acc << 7) | usize::from(b));
    }
    let frame_len = |p: usize| {
        let kbps = KBPS[usize::from(data[p + 2] >> 4)];
        let padding = usize::from((data[p + 2] >> 1) & 1);
        (144_000 * kbps as usize / 44_100 + padding, kbps)
    };
    assert_eq!(data[pos], 0xFF);
    let (info_len, _) = frame_len(pos);
    frame_len(pos + info_len).1
}

#[test]
fn cbr_bitrate() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    let input = fx.make("a.wav", &with(sine(44_100), &["-ac", "2"]));
    let options = Mp3Options {
        bitrate_kbps: Some(128),
        vbr_quality: None,
    };
    let (report, mp3) = convert(&input, &options, &MediaLimits::default()).unwrap();
    assert_eq!(second_frame_kbps(&mp3), 128);
    let expected = 128_000.0 / 8.0 * 3.0;
    let ratio = report.bytes_written as f64 / expected;
    assert!(
        (0.95..1.1).contains(&ratio),
        "{} bytes for 3 s at 128 kbit/s",
        report.bytes_written
    );
}

#[test]
fn vbr_quality_changes_size() {
    if !have_ffmpeg() {
        return;
    }
    let fx = Fixtures::new();
    // Noise needs bits, so quality visibly changes the size.
    let input = fx.make("noise.wav", &common::lavfi("anoisesrc=d=3:r=44100:a=0.3"));
    let size = |q| {
        let options = Mp3Options {
            bitrate_kbps: None,
            vbr_quality: Some(q),
        };
        convert(&input, &options, &MediaLimits::default())
            .unwrap()
            .0
            .bytes_written
    };
    let (best, worst) = (size(0), size(9));
    assert!(best > worst * 3 / 2, "q0 {best} bytes vs q9 {worst} bytes");
}

#[test]
fn conflicting_options_are_rejected_up_front() {
    let options = Mp3Options {
        bitrate_kbps: Some(128),
        vbr_quality: Some(2),
    };
    assert!(matches!(
        options.validate(),
        Err(MediaError::InvalidOptions(_))
    ));
    // Rejected before the source is even read.
    let err = convert_bytes_with(&options).unwrap_err();
    assert!(matches!(err, MediaError::InvalidOptions(_)), "{err:?}");
    assert!(
        Mp3Options {
            bitrate_kbps: Some(100),
            vbr_quality: None
        }
        .validate()
        .is_err()
    );
    assert!(
        Mp3Options {
            bitrate_kbps: None,
            vbr_quality: Some(10)
        }
        .validate()
        .is_err()
    );
}

fn convert_bytes_with(options: &Mp3Options) -> Result<kiln_media::ConversionReport, MediaError> {
    let mut out = Cursor::new(Vec::new());
    convert_to_mp3(
        Box::new(Cursor::new(Vec::<u8>::new())),
        &Hint::new(),
        &mut out,
        options,
        &MediaLimits::default(),
        &AtomicBool::new(false),
    )
}
