#![allow(clippy::unwrap_used)]
//! Memory stays flat however long the input is.
//!
//! Measuring allocation precisely would need a counting global allocator,
//! which needs `unsafe` (forbidden in this workspace). Instead this binary
//! holds a single test and compares the process's peak RSS (`VmHWM` in
//! /proc/self/status, Linux only) before and after converting 30 minutes of
//! audio. Keeping all samples would take ~600 MB (f32 stereo) and keeping
//! the MP3 ~35 MB, so a growth well under 40 MB shows that neither input
//! nor output accumulates. The sink below deliberately keeps only the head
//! it needs for the LAME-tag patch, so it cannot hide output growth either.

use crate::common;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{Fixtures, have_ffmpeg};
use kiln_media::{Hint, MediaLimits, MediaSource, Mp3Options, convert_to_mp3};

const MINUTES: u32 = 30;

/// Counts the bytes the converter pulls from the file.
struct CountingSource {
    inner: File,
    read: Arc<AtomicU64>,
}

impl Read for CountingSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for CountingSource {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl MediaSource for CountingSource {
    fn is_seekable(&self) -> bool {
        true
    }
    fn byte_len(&self) -> Option<u64> {
        self.inner.metadata().ok().map(|m| m.len())
    }
}

/// A sink that tracks position and length but keeps only the first 64 KiB
/// (the ID3 tag and the LAME tag frame that gets patched at the end).
#[derive(Default)]
struct HeadOnlySink {
    head: Vec<u8>,
    pos: u64,
    len: u64,
}

const HEAD: usize = 64 << 10;

impl Write for HeadOnlySink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (i, &b) in buf.iter().enumerate() {
            let at = self.pos as usize + i;
            if at < HEAD {
                if at >= self.head.len() {
                    self.head.resize(at + 1, 0);
                }
                self.head[at] = b;
            }
        }
        self.pos += buf.len() as u64;
        self.len = self.len.max(self.pos);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for HeadOnlySink {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.pos = match pos {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

/// Peak resident set size so far, in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn long_input_converts_in_bounded_memory() {
    if !have_ffmpeg() {
        return;
    }
    let Some(before) = peak_rss() else {
        eprintln!("skipping: /proc/self/status is not available");
        return;
    };
    let fx = Fixtures::new();
    let spec = format!(
        "sine=frequency=440:duration={}:sample_rate=44100",
        MINUTES * 60
    );
    let mut args = common::lavfi(&spec);
    args.extend(["-ac", "2", "-c:a", "flac"].map(String::from));
    let input = fx.make("long.flac", &args);
    let file_len = std::fs::metadata(&input).unwrap().len();

    let read = Arc::new(AtomicU64::new(0));
    let source = Box::new(CountingSource {
        inner: File::open(&input).unwrap(),
        read: read.clone(),
    });
    let mut sink = HeadOnlySink::default();
    let report = convert_to_mp3(
        source,
        &Hint::new().with_extension("flac"),
        &mut sink,
        &Mp3Options::default(),
        &MediaLimits::default(),
        &AtomicBool::new(false),
    )
    .unwrap();
    let after = peak_rss().unwrap();

    assert!(
        (report.input_duration_secs - f64::from(MINUTES * 60)).abs() < 0.05,
        "{report:?}"
    );
    assert_eq!(report.bytes_written, sink.len);
    assert_eq!(
        &sink.head[..2],
        &[0xFF, 0xFB][..2],
        "LAME tag frame at the start"
    );
    // The input is streamed once (plus header probing), not slurped twice.
    let pulled = read.load(Ordering::Relaxed);
    assert!(
        pulled <= file_len + file_len / 10 + (1 << 20),
        "read {pulled} bytes of {file_len}"
    );

    let growth = after.saturating_sub(before);
    eprintln!(
        "peak RSS {} MB -> {} MB for {MINUTES} min of audio",
        before >> 20,
        after >> 20
    );
    assert!(growth < 40 << 20, "peak RSS grew by {} MB", growth >> 20);
}
