//! Movie-level metadata people search videos by: where (location), with
//! what (make, model, software) and when (local creation date).
//!
//! Three places hold it, all read here:
//! - `moov/udta` QuickTime atoms `©xyz`, `©mak`, `©mod`, `©swr` (Android
//!   phones, ffmpeg's MOV muxer) and the 3GPP `loci` box (ffmpeg's MP4
//!   muxer);
//! - a `meta` box (in `moov` as iPhones write it, or in `udta` as ffmpeg
//!   does with `-movflags use_metadata_tags`) whose `keys` name the `ilst`
//!   items: `com.apple.quicktime.location.ISO6709`, `….make`, `….model`,
//!   `….software`, `….creationdate`, `com.android.manufacturer`, ...;
//! - iTunes-style `ilst` items named by four-character codes (`©xyz`, ...).
//!
//! The QuickTime descriptive tags (`©nam`, `©ART`, ...) become fallback tags
//! too: symphonia reads MP4's `ilst` but not MOV's user data.
//!
//! Every string is attacker-chosen: lengths are capped, counts bounded, and
//! a malformed box is skipped rather than failing the probe.

use std::io::{self, Read, Seek, SeekFrom};

use chrono::{DateTime, FixedOffset};

use super::{BoxHeader, children, lenient};
use crate::sidecar::Sidecar;
use crate::sidecar::location::Location;

/// Longest text value we keep (bytes); make and model are a few dozen.
const MAX_TEXT: usize = 256;
/// Largest `keys` box we load, and most keys we name.
const MAX_KEYS_BYTES: u64 = 64 << 10;
const MAX_KEYS: usize = 512;
/// Most `udta` and `meta` boxes read per movie (real files have one or two;
/// a hostile one could repeat them up to the box-listing limit).
const MAX_CONTAINERS: usize = 4;

/// What each source said, strongest first when they are combined.
#[derive(Default)]
pub(super) struct MovieMeta {
    /// From `meta` keys / `ilst`, by key name (lower-cased).
    keyed: Vec<(String, String)>,
    /// QuickTime `udta` atoms and iTunes-style `ilst` items, by 4cc.
    atoms: Vec<([u8; 4], String)>,
    /// The 3GPP `loci` box.
    loci: Option<Location>,
    /// `udta` and `meta` boxes read so far.
    containers: usize,
}

impl MovieMeta {
    /// Reads the children of `moov/udta`.
    pub fn read_udta<R: Read + Seek>(&mut self, r: &mut R, udta: &BoxHeader) -> io::Result<()> {
        if !self.one_more_container() {
            return Ok(());
        }
        let Some(kids) = lenient(children(r, udta.start, udta.end))? else {
            return Ok(());
        };
        for b in kids {
            match &b.kind {
                b"meta" => self.read_meta(r, &b)?,
                b"loci" => {
                    let p = read_capped(r, &b, 512)?;
                    self.loci = self.loci.or(Location::from_loci(&p));
                }
                kind if is_wanted_atom(kind) => {
                    if let Some(text) = quicktime_text(r, &b)? {
                        self.atoms.push((*kind, text));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads a `meta` box: its `keys` (if any) name its `ilst` items.
    pub fn read_meta<R: Read + Seek>(&mut self, r: &mut R, meta: &BoxHeader) -> io::Result<()> {
        if !self.one_more_container() {
            return Ok(());
        }
        // ISO `meta` is a full box (4 bytes of version and flags before its
        // children); QuickTime's is not. Its first child is `hdlr` either way.
        let mut head = [0u8; 12];
        r.seek(SeekFrom::Start(meta.start))?;
        let got = super::read_up_to(r, &mut head)?;
        let start = if got >= 12 && &head[8..12] == b"hdlr" {
            meta.start + 4
        } else {
            meta.start
        };
        let Some(kids) = lenient(children(r, start, meta.end))? else {
            return Ok(());
        };
        let mut keys = Vec::new();
        for b in kids.iter().filter(|b| &b.kind == b"keys") {
            if b.end - b.start <= MAX_KEYS_BYTES {
                keys = parse_keys(&read_capped(r, b, MAX_KEYS_BYTES as usize)?);
            }
        }
        for ilst in kids.iter().filter(|b| &b.kind == b"ilst") {
            let Some(items) = lenient(children(r, ilst.start, ilst.end))? else {
                continue;
            };
            for item in items {
                let index = u32::from_be_bytes(item.kind) as usize;
                let key = index.checked_sub(1).and_then(|i| keys.get(i));
                if key.is_none() && !is_wanted_atom(&item.kind) {
                    continue;
                }
                let Some(text) = data_text(r, &item)? else {
                    continue;
                };
                match key {
                    Some(name) => self.keyed.push((name.clone(), text)),
                    None => self.atoms.push((item.kind, text)),
                }
            }
        }
        Ok(())
    }

    /// Counts a `udta` or `meta` box; false once [`MAX_CONTAINERS`] are read.
    fn one_more_container(&mut self) -> bool {
        self.containers += 1;
        self.containers <= MAX_CONTAINERS
    }

    /// Puts what was found into `out`, preferring the `meta` keys (what the
    /// phone's camera app wrote) over the QuickTime atoms.
    pub fn apply(self, out: &mut Sidecar) {
        // Fallbacks only: the demuxer's own tags (MP4 `ilst`) come first.
        for (kind, value) in &self.atoms {
            if let Some(name) = tag_name(kind)
                && !out.tags.iter().any(|(n, _)| *n == name)
            {
                out.tags.push((name, value.clone()));
            }
        }
        let key = |names: &[&str]| {
            names.iter().find_map(|n| {
                self.keyed
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.clone())
            })
        };
        let atom = |kind: &[u8; 4]| {
            self.atoms
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, v)| v.clone())
        };
        out.make = key(&[
            "com.apple.quicktime.make",
            "com.android.manufacturer",
            "make",
        ])
        .or_else(|| atom(b"\xa9mak"));
        out.model = key(&["com.apple.quicktime.model", "com.android.model", "model"])
            .or_else(|| atom(b"\xa9mod"));
        out.software =
            key(&["com.apple.quicktime.software", "software"]).or_else(|| atom(b"\xa9swr"));
        let iso6709 =
            key(&["com.apple.quicktime.location.iso6709", "location"]).or_else(|| atom(b"\xa9xyz"));
        out.location = iso6709
            .as_deref()
            .and_then(Location::from_iso6709)
            .or(self.loci);
        if let Some(date) = key(&["com.apple.quicktime.creationdate"])
            .as_deref()
            .and_then(parse_creation_date)
        {
            out.created_unix = Some(date.timestamp());
            out.created_offset_secs = Some(date.offset().local_minus_utc());
        }
    }
}

/// The QuickTime atoms (and iTunes `ilst` items) we read, by 4cc.
fn is_wanted_atom(kind: &[u8; 4]) -> bool {
    matches!(kind, b"\xa9xyz" | b"\xa9mak" | b"\xa9mod" | b"\xa9swr") || tag_name(kind).is_some()
}

/// Descriptive tags as QuickTime user data, which ffmpeg's MOV muxer
/// writes and symphonia does not read, named as ffmpeg names them.
fn tag_name(kind: &[u8; 4]) -> Option<&'static str> {
    Some(match kind {
        b"\xa9nam" => "title",
        b"\xa9ART" | b"\xa9aut" => "artist",
        b"\xa9alb" => "album",
        b"\xa9day" => "date",
        b"\xa9gen" => "genre",
        b"\xa9cmt" => "comment",
        b"\xa9wrt" | b"\xa9com" => "composer",
        _ => return None,
    })
}

/// Reads at most `cap` bytes of a box's payload.
fn read_capped<R: Read + Seek>(r: &mut R, b: &BoxHeader, cap: usize) -> io::Result<Vec<u8>> {
    let len = usize::try_from(b.end - b.start).unwrap_or(cap).min(cap);
    let mut buf = vec![0u8; len];
    r.seek(SeekFrom::Start(b.start))?;
    let got = super::read_up_to(r, &mut buf)?;
    buf.truncate(got);
    Ok(buf)
}

/// A QuickTime user-data string: a 16-bit length and a 16-bit language,
/// then the text; or, as some writers do, an iTunes-style `data` child.
fn quicktime_text<R: Read + Seek>(r: &mut R, b: &BoxHeader) -> io::Result<Option<String>> {
    let p = read_capped(r, b, MAX_TEXT + 16)?;
    if p.get(4..8) == Some(b"data") {
        return data_text(r, b);
    }
    let Some(len) = p
        .get(..2)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    else {
        return Ok(None);
    };
    Ok(p.get(4..)
        .and_then(|rest| text(&rest[..len.min(rest.len())])))
}

/// The UTF-8 value of the `data` box inside an `ilst` item.
fn data_text<R: Read + Seek>(r: &mut R, item: &BoxHeader) -> io::Result<Option<String>> {
    let Some(kids) = lenient(children(r, item.start, item.end))? else {
        return Ok(None);
    };
    let Some(data) = kids.iter().find(|b| &b.kind == b"data") else {
        return Ok(None);
    };
    let p = read_capped(r, data, MAX_TEXT + 8)?;
    // Type indicator (1 = UTF-8 text), then a 4-byte locale.
    if p.len() < 8 || p[..4] != [0, 0, 0, 1] {
        return Ok(None);
    }
    Ok(text(&p[8..]))
}

/// Trimmed text, at most [`MAX_TEXT`] bytes (cut on a character boundary);
/// `None` when empty.
fn text(bytes: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(bytes);
    let mut end = s.len().min(MAX_TEXT);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = s[..end].trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!s.is_empty()).then(|| s.to_owned())
}

/// Key names of a `keys` box payload: version and flags, a count, then
/// (size, namespace, name) entries. Names are lower-cased for matching.
fn parse_keys(p: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let Some(count) = p
        .get(4..8)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    else {
        return keys;
    };
    let mut at = 8usize;
    for _ in 0..(count as usize).min(MAX_KEYS) {
        let Some(size) = p
            .get(at..at + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)
        else {
            break;
        };
        let Some(end) = at.checked_add(size).filter(|_| size >= 8) else {
            break;
        };
        let Some(name) = p.get(at + 8..end) else {
            break;
        };
        keys.push(String::from_utf8_lossy(&name[..name.len().min(MAX_TEXT)]).to_ascii_lowercase());
        at = end;
    }
    keys
}

/// `com.apple.quicktime.creationdate`: ISO 8601 with the local offset,
/// e.g. `2024-05-17T14:03:22+0200` (fractional seconds and `+02:00` also
/// seen). A date without an offset is ambiguous and ignored.
fn parse_creation_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_dates() {
        let d = parse_creation_date("2024-05-17T14:03:22+0200").unwrap();
        assert_eq!(d.timestamp(), 1_715_947_402);
        assert_eq!(d.offset().local_minus_utc(), 7200);
        let d = parse_creation_date("2024-05-17T14:03:22.5-05:30").unwrap();
        assert_eq!(d.offset().local_minus_utc(), -19_800);
        assert!(parse_creation_date("2024-05-17T14:03:22Z").is_some());
        assert!(parse_creation_date("2024-05-17T14:03:22").is_none());
        assert!(parse_creation_date("yesterday").is_none());
    }

    #[test]
    fn keys_and_text() {
        let mut p = vec![0, 0, 0, 0, 0, 0, 0, 9];
        for name in ["com.apple.quicktime.make", "X"] {
            p.extend_from_slice(&(8 + name.len() as u32).to_be_bytes());
            p.extend_from_slice(b"mdta");
            p.extend_from_slice(name.as_bytes());
        }
        p.extend_from_slice(&[0, 0, 0, 3, b'm']);
        assert_eq!(parse_keys(&p), vec!["com.apple.quicktime.make", "x"]);
        assert_eq!(text(b"  Apple\0\0"), Some("Apple".to_owned()));
        assert_eq!(text(b"\0 \0"), None);
        assert_eq!(text(&[b'a'; 1000]).map(|s| s.len()), Some(MAX_TEXT));
    }
}
