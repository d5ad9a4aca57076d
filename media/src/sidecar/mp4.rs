//! Minimal ISO-BMFF walker: brand, edit lists and video sample counts.
//!
//! It lists box headers and reads only small fixed-size payloads, seeking
//! over everything else (mdat, sample tables), so it reads a few KB whatever
//! the file size.

use std::io::{self, Read, Seek, SeekFrom};

use super::colour::Colour;
use super::{Edit, SideTrack, Sidecar, read_up_to, round_rate};
use display::rotation;
use sample_entry::{quicktime_alac_cookie, video_colour};

mod display;
mod meta;
mod sample_entry;

/// Upper bound on boxes listed per level; real files have a handful.
const MAX_CHILDREN: usize = 1024;

struct BoxHeader {
    kind: [u8; 4],
    /// Offset of the payload (after the header).
    start: u64,
    /// Offset just past the box, clipped to its parent.
    end: u64,
    /// Where the box says it ends (past the parent if the file is cut).
    claimed_end: u64,
}

/// Lists the boxes between `start` and `end`.
fn children<R: Read + Seek>(r: &mut R, start: u64, end: u64) -> io::Result<Vec<BoxHeader>> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos + 8 <= end && out.len() < MAX_CHILDREN {
        let mut head = [0u8; 16];
        r.seek(SeekFrom::Start(pos))?;
        let got = read_up_to(r, &mut head)?;
        if got < 8 {
            break;
        }
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        let (header_len, size) = match size32 {
            0 => (8, end - pos),
            1 if got >= 16 => (
                16,
                u64::from_be_bytes(head[8..16].try_into().map_err(invalid)?),
            ),
            1 => break,
            n => (8, u64::from(n)),
        };
        if size < header_len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "mp4 box smaller than its header",
            ));
        }
        // A 16-byte header that its parent cuts off (the file goes on, so
        // `head` was filled from the next box) would put the payload past
        // `end` and make `end - start` underflow for every reader below.
        if pos + header_len > end {
            break;
        }
        // A box that claims to run past its parent is clipped, so we read
        // what is there; the claim is kept to report truncation.
        let claimed_end = pos.saturating_add(size);
        let box_end = claimed_end.min(end);
        out.push(BoxHeader {
            kind,
            start: pos + header_len,
            end: box_end,
            claimed_end,
        });
        pos = box_end;
    }
    Ok(out)
}

fn invalid<E>(_: E) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed mp4 box")
}

/// Reads up to `N` bytes of a box payload (fewer if the box is shorter).
fn payload<R: Read + Seek, const N: usize>(r: &mut R, b: &BoxHeader) -> io::Result<[u8; N]> {
    let mut buf = [0u8; N];
    let want = usize::try_from(b.end - b.start).unwrap_or(N).min(N);
    r.seek(SeekFrom::Start(b.start))?;
    r.read_exact(&mut buf[..want])?;
    Ok(buf)
}

/// A malformed box inside an optional part of the header (metadata, a
/// sample entry's extensions) is "nothing learned" there, not the end of
/// the whole reading; errors of the source itself still propagate.
fn lenient<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    (u64::from(be32(b, at)) << 32) | u64::from(be32(b, at + 4))
}

pub(super) fn read<R: Read + Seek>(r: &mut R) -> io::Result<Sidecar> {
    let len = r.seek(SeekFrom::End(0))?;
    let mut sidecar = Sidecar::default();
    for top in children(r, 0, len)? {
        if top.claimed_end > len {
            sidecar.declared_len = Some(top.claimed_end);
        }
        match &top.kind {
            b"ftyp" => {
                let brand = payload::<R, 4>(r, &top)?;
                sidecar.container = Some(match &brand {
                    b"qt  " => "mov",
                    b"M4A " | b"M4B " | b"M4P " => "m4a",
                    _ => "mp4",
                });
            }
            b"moov" => {
                sidecar.container.get_or_insert("mp4");
                read_moov(r, &top, &mut sidecar)?;
            }
            _ => {}
        }
    }
    Ok(sidecar)
}

fn read_moov<R: Read + Seek>(r: &mut R, moov: &BoxHeader, out: &mut Sidecar) -> io::Result<()> {
    let kids = children(r, moov.start, moov.end)?;
    let mut movie_timescale = None;
    for b in kids.iter().filter(|b| &b.kind == b"mvhd") {
        let p = payload::<R, 32>(r, b)?;
        let (created, timescale) = if p[0] == 1 {
            (be64(&p, 4), be32(&p, 20))
        } else {
            (u64::from(be32(&p, 4)), be32(&p, 12))
        };
        movie_timescale = Some(timescale);
        // Seconds since 1904-01-01 UTC; 0 means the muxer did not say.
        // Some muxers write Unix time instead: like ffmpeg, take a value
        // too small to be past 1970 from 1904 as already Unix time.
        const FROM_1904: i64 = 2_082_844_800;
        out.created_unix = i64::try_from(created)
            .ok()
            .filter(|&c| c > 0)
            .map(|c| if c >= FROM_1904 { c - FROM_1904 } else { c });
    }
    for trak in kids.iter().filter(|b| &b.kind == b"trak") {
        out.tracks
            .push(read_trak(r, trak, movie_timescale.filter(|&t| t > 0))?);
    }
    let mut movie = meta::MovieMeta::default();
    for b in &kids {
        match &b.kind {
            b"udta" => movie.read_udta(r, b)?,
            b"meta" => movie.read_meta(r, b)?,
            _ => {}
        }
    }
    movie.apply(out);
    Ok(())
}

/// The raw facts of one `trak`, before they are turned into seconds.
#[derive(Default)]
struct Trak {
    id: u32,
    handler: [u8; 4],
    timescale: u32,
    media_duration: u64,
    sample_count: Option<u32>,
    /// First non-empty edit: (segment duration in movie units, media time).
    edit: Option<(u64, i64)>,
    alac_cookie: Option<Box<[u8]>>,
    /// Clockwise display rotation from the `tkhd` matrix.
    rotation_deg: Option<u16>,
    /// The first video sample entry's `colr` box.
    colour: Option<Colour>,
}

fn read_trak<R: Read + Seek>(
    r: &mut R,
    trak: &BoxHeader,
    movie_ts: Option<u32>,
) -> io::Result<SideTrack> {
    let mut t = Trak::default();
    for b in children(r, trak.start, trak.end)? {
        match &b.kind {
            b"tkhd" => {
                let p = payload::<R, 88>(r, &b)?;
                // The 3x3 matrix follows 40 (v0) or 52 (v1) bytes of times,
                // id, duration, layer, group and volume.
                let (id, matrix_at) = if p[0] == 1 {
                    (be32(&p, 20), 52)
                } else {
                    (be32(&p, 12), 40)
                };
                t.id = id;
                let fixed = |i: usize| f64::from(be32(&p, matrix_at + 4 * i) as i32) / 65_536.0;
                // Only when the box holds the whole matrix (a, b, c, d).
                if b.end - b.start >= matrix_at as u64 + 36 {
                    t.rotation_deg = rotation(fixed(0), fixed(1), fixed(3), fixed(4));
                }
            }
            b"edts" => t.edit = read_edts(r, &b)?,
            b"mdia" => read_mdia(r, &b, &mut t)?,
            _ => {}
        }
    }
    let is_video = &t.handler == b"vide";
    let mut side = SideTrack {
        id: t.id,
        alac_cookie: t.alac_cookie.take(),
        rotation_deg: t.rotation_deg.filter(|_| is_video),
        colour: t.colour.filter(|_| is_video),
        ..SideTrack::default()
    };
    if t.timescale == 0 {
        return Ok(side);
    }
    let media_secs = t.media_duration as f64 / f64::from(t.timescale);
    if is_video && media_secs > 0.0 {
        side.frame_rate = t
            .sample_count
            .and_then(|n| round_rate(f64::from(n) / media_secs));
    }
    if let Some((segment, media_time)) = t.edit {
        side.edit = Some(Edit {
            skip_secs: media_time.max(0) as f64 / f64::from(t.timescale),
            duration_secs: movie_ts
                .filter(|_| segment > 0)
                .map(|ts| segment as f64 / f64::from(ts)),
        });
    }
    Ok(side)
}

fn read_edts<R: Read + Seek>(r: &mut R, edts: &BoxHeader) -> io::Result<Option<(u64, i64)>> {
    let Some(elst) = children(r, edts.start, edts.end)?
        .into_iter()
        .find(|b| &b.kind == b"elst")
    else {
        return Ok(None);
    };
    // Version/flags, entry count, then up to four entries: an empty edit
    // (media_time -1, a presentation delay) may precede the one we want.
    let p = payload::<R, 88>(r, &elst)?;
    let v1 = p[0] == 1;
    let count = be32(&p, 4).min(4) as usize;
    let entry_len = if v1 { 20 } else { 12 };
    for i in 0..count {
        let at = 8 + i * entry_len;
        if at + entry_len > p.len() {
            break;
        }
        let (segment, media_time) = if v1 {
            (be64(&p, at), be64(&p, at + 8) as i64)
        } else {
            (u64::from(be32(&p, at)), i64::from(be32(&p, at + 4) as i32))
        };
        if media_time >= 0 {
            return Ok(Some((segment, media_time)));
        }
    }
    Ok(None)
}

fn read_mdia<R: Read + Seek>(r: &mut R, mdia: &BoxHeader, t: &mut Trak) -> io::Result<()> {
    for b in children(r, mdia.start, mdia.end)? {
        match &b.kind {
            b"mdhd" => {
                let p = payload::<R, 32>(r, &b)?;
                if p[0] == 1 {
                    t.timescale = be32(&p, 20);
                    t.media_duration = be64(&p, 24);
                } else {
                    t.timescale = be32(&p, 12);
                    t.media_duration = u64::from(be32(&p, 16));
                }
            }
            b"hdlr" => {
                let p = payload::<R, 12>(r, &b)?;
                t.handler = [p[8], p[9], p[10], p[11]];
            }
            b"minf" => {
                for stbl in children(r, b.start, b.end)?
                    .iter()
                    .filter(|c| &c.kind == b"stbl")
                {
                    for s in children(r, stbl.start, stbl.end)? {
                        if &s.kind == b"stsz" || &s.kind == b"stz2" {
                            let p = payload::<R, 12>(r, &s)?;
                            t.sample_count = Some(be32(&p, 8));
                        } else if &s.kind == b"stsd" {
                            t.alac_cookie = quicktime_alac_cookie(r, &s)?;
                            if &t.handler == b"vide" {
                                t.colour = lenient(video_colour(r, &s))?.flatten();
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}
