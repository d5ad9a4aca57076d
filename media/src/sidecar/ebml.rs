//! Minimal Matroska/WebM reader: DocType and per-track default durations.
//!
//! It walks the EBML header and the Segment's top-level elements until it
//! has read `Tracks` or meets the first `Cluster` (where media data starts),
//! so it never touches the media itself.

use std::io::{self, Read, Seek, SeekFrom};

use super::colour::Colour;
use super::{SideTrack, Sidecar, read_up_to, round_rate};

pub(super) const EBML_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];

const ID_DOC_TYPE: u32 = 0x4282;
const ID_SEGMENT: u32 = 0x1853_8067;
const ID_TRACKS: u32 = 0x1654_AE6B;
const ID_CLUSTER: u32 = 0x1F43_B675;
const ID_TRACK_ENTRY: u32 = 0xAE;
const ID_TRACK_NUMBER: u32 = 0xD7;
const ID_DEFAULT_DURATION: u32 = 0x23_E383;
const ID_TRACK_TYPE: u32 = 0x83;
const ID_FLAG_DEFAULT: u32 = 0x88;
const ID_INFO: u32 = 0x1549_A966;
const ID_TITLE: u32 = 0x7BA9;
const ID_DATE_UTC: u32 = 0x4461;
const ID_VIDEO: u32 = 0xE0;
const ID_COLOUR: u32 = 0x55B0;
const ID_MATRIX_COEFFICIENTS: u32 = 0x55B1;
const ID_TRANSFER_CHARACTERISTICS: u32 = 0x55BA;
const ID_PRIMARIES: u32 = 0x55BB;
/// `DateUTC` counts nanoseconds from 2001-01-01T00:00:00 UTC.
const MILLENNIUM_UNIX: i64 = 978_307_200;
const TRACK_TYPE_VIDEO: u64 = 1;

/// Largest `Tracks` element we load (codec private data lives there; real
/// files have a few KB).
const MAX_TRACKS_BYTES: u64 = 4 << 20;
/// Largest `Info` element we load (it holds a few scalars and strings).
const MAX_INFO_BYTES: u64 = 64 << 10;
/// Top-level elements inspected before giving up on finding `Tracks`.
const MAX_TOP_LEVEL: usize = 64;

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("malformed ebml: {what}"),
    )
}

/// Decodes a variable-length integer from `buf`, returning (value, length).
/// IDs keep their marker bit; sizes drop it and map all-ones to `None`.
fn vint(buf: &[u8], keep_marker: bool) -> io::Result<(Option<u64>, usize)> {
    let first = *buf.first().ok_or_else(|| invalid("empty vint"))?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || buf.len() < len {
        return Err(invalid("vint length"));
    }
    let mut value = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & (0xFF >> len)
    };
    for &b in &buf[1..len] {
        value = (value << 8) | u64::from(b);
    }
    let all_ones = !keep_marker && value == (1u64 << (7 * len)) - 1;
    Ok(((!all_ones).then_some(value), len))
}

/// An element header: (id, payload size if known, header length).
fn header(buf: &[u8]) -> io::Result<(u32, Option<u64>, usize)> {
    let (id, id_len) = vint(buf, true)?;
    let id = u32::try_from(id.unwrap_or(0)).map_err(|_| invalid("id too long"))?;
    let (size, size_len) = vint(&buf[id_len..], false)?;
    Ok((id, size, id_len + size_len))
}

fn read_header_at<R: Read + Seek>(
    r: &mut R,
    pos: u64,
) -> io::Result<Option<(u32, Option<u64>, usize)>> {
    let mut buf = [0u8; 12];
    r.seek(SeekFrom::Start(pos))?;
    let got = read_up_to(r, &mut buf)?;
    if got < 2 {
        return Ok(None);
    }
    header(&buf[..got]).map(Some)
}

/// Iterates the elements of an in-memory master element payload.
fn elements(mut buf: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    std::iter::from_fn(move || {
        let (id, size, hlen) = header(buf).ok()?;
        let size = usize::try_from(size?).ok()?;
        let body = buf.get(hlen..hlen.checked_add(size)?)?;
        buf = &buf[hlen + size..];
        Some((id, body))
    })
}

fn uint(body: &[u8]) -> u64 {
    body.iter()
        .take(8)
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

pub(super) fn read<R: Read + Seek>(r: &mut R) -> io::Result<Sidecar> {
    let mut sidecar = Sidecar::default();
    let Some((_, Some(ebml_size), hlen)) = read_header_at(r, 0)? else {
        return Ok(sidecar);
    };
    let mut ebml = vec![0u8; usize::try_from(ebml_size.min(4096)).map_err(|_| invalid("size"))?];
    r.seek(SeekFrom::Start(hlen as u64))?;
    r.read_exact(&mut ebml)?;
    let doc_type = elements(&ebml)
        .find(|(id, _)| *id == ID_DOC_TYPE)
        .map(|(_, b)| b);
    sidecar.container = Some(match doc_type {
        Some(b"webm") => "webm",
        _ => "matroska",
    });

    let segment_pos = hlen as u64 + ebml_size;
    let Some((ID_SEGMENT, seg_size, seg_hlen)) = read_header_at(r, segment_pos)? else {
        return Ok(sidecar);
    };
    let len = r.seek(SeekFrom::End(0))?;
    if let Some(seg_end) = seg_size.map(|s| segment_pos + seg_hlen as u64 + s)
        && seg_end > len
    {
        sidecar.declared_len = Some(seg_end);
    }
    let mut pos = segment_pos + seg_hlen as u64;
    for _ in 0..MAX_TOP_LEVEL {
        let Some((id, size, hlen)) = read_header_at(r, pos)? else {
            break;
        };
        let body_pos = pos + hlen as u64;
        match (id, size) {
            (ID_CLUSTER, _) | (_, None) => break,
            (ID_TRACKS, Some(size)) if size <= MAX_TRACKS_BYTES => {
                sidecar.tracks = parse_tracks(&read_body(r, body_pos, size)?);
                break;
            }
            (ID_INFO, Some(size)) if size <= MAX_INFO_BYTES => {
                let info = read_body(r, body_pos, size)?;
                if let Some((_, title)) = elements(&info).find(|(id, _)| *id == ID_TITLE) {
                    let title = String::from_utf8_lossy(title)
                        .trim_end_matches('\0')
                        .to_owned();
                    sidecar.tags.push(("title", title));
                }
                if let Some((_, date)) = elements(&info).find(|(id, _)| *id == ID_DATE_UTC) {
                    sidecar.created_unix = date_utc(date);
                }
                pos = body_pos + size;
            }
            (_, Some(size)) => pos = body_pos.saturating_add(size),
        }
    }
    Ok(sidecar)
}

fn read_body<R: Read + Seek>(r: &mut R, pos: u64, size: u64) -> io::Result<Vec<u8>> {
    let mut body = vec![0u8; usize::try_from(size).map_err(|_| invalid("size"))?];
    r.seek(SeekFrom::Start(pos))?;
    r.read_exact(&mut body)?;
    Ok(body)
}

fn parse_tracks(tracks: &[u8]) -> Vec<SideTrack> {
    elements(tracks)
        .filter(|(id, _)| *id == ID_TRACK_ENTRY)
        .filter_map(|(_, entry)| {
            let mut number = None;
            let mut default_ns = None;
            let mut kind = None;
            // FlagDefault defaults to 1 when absent (symphonia only honours
            // it when written out, and ffmpeg writes it only when 0).
            let mut default = true;
            let mut colour = None;
            for (id, body) in elements(entry) {
                match id {
                    ID_TRACK_NUMBER => number = u32::try_from(uint(body)).ok(),
                    ID_FLAG_DEFAULT => default = uint(body) != 0,
                    ID_DEFAULT_DURATION => default_ns = Some(uint(body)),
                    ID_TRACK_TYPE => kind = Some(uint(body)),
                    ID_VIDEO => colour = video_colour(body),
                    _ => {}
                }
            }
            let frame_rate = default_ns
                .filter(|&ns| ns > 0 && kind == Some(TRACK_TYPE_VIDEO))
                .and_then(|ns| round_rate(1e9 / ns as f64));
            Some(SideTrack {
                id: number?,
                frame_rate,
                default: Some(default),
                colour: colour.filter(|_| kind == Some(TRACK_TYPE_VIDEO)),
                ..SideTrack::default()
            })
        })
        .collect()
}

/// `Info/DateUTC` (a signed 8-byte count of nanoseconds since 2001) as Unix
/// seconds, rounded down as ffprobe shows it.
fn date_utc(body: &[u8]) -> Option<i64> {
    if body.len() != 8 {
        return None;
    }
    let ns = i64::from_be_bytes(body.try_into().ok()?);
    Some(MILLENNIUM_UNIX + ns.div_euclid(1_000_000_000))
}

/// The `Video/Colour` code points (ITU-T H.273, as MP4's `colr`).
fn video_colour(video: &[u8]) -> Option<Colour> {
    let (_, colour) = elements(video).find(|(id, _)| *id == ID_COLOUR)?;
    let mut out = Colour::default();
    for (id, body) in elements(colour) {
        let code = u16::try_from(uint(body)).ok();
        match id {
            ID_MATRIX_COEFFICIENTS => out.matrix = code,
            ID_TRANSFER_CHARACTERISTICS => out.transfer = code,
            ID_PRIMARIES => out.primaries = code,
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints() {
        assert_eq!(vint(&[0x81], false).ok(), Some((Some(1), 1)));
        assert_eq!(vint(&[0x40, 0x02], false).ok(), Some((Some(2), 2)));
        assert_eq!(vint(&[0xFF], false).ok(), Some((None, 1)));
        assert_eq!(
            vint(&[0x1A, 0x45, 0xDF, 0xA3], true).ok(),
            Some((Some(0x1A45_DFA3), 4))
        );
        assert!(vint(&[0x00], false).is_err());
    }

    #[test]
    fn parses_a_video_track_entry() {
        // TrackEntry { TrackNumber 1, TrackType 1, DefaultDuration 40 ms }.
        let entry = [
            0xD7, 0x81, 0x01, 0x83, 0x81, 0x01, 0x23, 0xE3, 0x83, 0x84, 0x02, 0x62, 0x5A, 0x00,
        ];
        let mut tracks = vec![0xAE, 0x80 | entry.len() as u8];
        tracks.extend_from_slice(&entry);
        let parsed = parse_tracks(&tracks);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].id, 1);
        assert_eq!(parsed[0].frame_rate, Some(25.0));
    }

    #[test]
    fn date_and_colour() {
        // 2023-01-02T03:04:05Z.
        let ns: i64 = (1_672_628_645 - MILLENNIUM_UNIX) * 1_000_000_000 + 250_000_000;
        assert_eq!(date_utc(&ns.to_be_bytes()), Some(1_672_628_645));
        assert_eq!(date_utc(&[1, 2, 3]), None);
        // Video { Colour { MatrixCoefficients 9, TransferCharacteristics 18, Primaries 9 } }.
        let video = [
            0x55, 0xB0, 0x8C, 0x55, 0xB1, 0x81, 9, 0x55, 0xBA, 0x81, 18, 0x55, 0xBB, 0x81, 9,
        ];
        let c = video_colour(&video).unwrap();
        assert_eq!(
            (c.matrix_name(), c.transfer_name(), c.primaries_name()),
            (Some("bt2020nc"), Some("arib-std-b67"), Some("bt2020"))
        );
        assert_eq!(c.hdr(), Some(true));
    }
}
