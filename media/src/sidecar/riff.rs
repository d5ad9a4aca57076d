//! WAV `LIST/INFO` tags.
//!
//! Symphonia 0.6.1's WAV reader parses the INFO list but then drops it, so
//! a WAV's title and artist would never reach the MP3. The RIFF chunk list
//! is short (format, a few lists, data), and we seek over the data chunk,
//! so this reads a few hundred bytes whatever the file size.

use std::io::{self, Read, Seek, SeekFrom};

use super::{Sidecar, read_up_to};

/// Largest INFO list we load; real ones are tiny.
const MAX_LIST_BYTES: u32 = 64 << 10;
/// Chunks inspected before giving up.
const MAX_CHUNKS: usize = 64;

/// Maps an INFO id to the tag name [`TagSet`](crate::tags::TagSet) knows.
fn tag_name(id: &[u8]) -> Option<&'static str> {
    Some(match id {
        b"INAM" => "title",
        b"IART" => "artist",
        b"IPRD" => "album",
        b"ICRD" => "date",
        b"IGNR" => "genre",
        b"ICMT" => "comment",
        b"IPRT" | b"ITRK" => "track",
        _ => return None,
    })
}

/// UTF-8 when it is (ffmpeg writes UTF-8), else ISO-8859-1 (the old norm).
fn text(bytes: &[u8]) -> String {
    let bytes = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

pub(super) fn read<R: Read + Seek>(r: &mut R) -> io::Result<Sidecar> {
    let mut sidecar = Sidecar::default();
    let len = r.seek(SeekFrom::End(0))?;
    let mut pos = 12u64;
    for _ in 0..MAX_CHUNKS {
        let mut head = [0u8; 12];
        r.seek(SeekFrom::Start(pos))?;
        if read_up_to(r, &mut head)? < 12 {
            break;
        }
        let size = le32(&head[4..8]);
        if &head[..4] == b"LIST" && &head[8..12] == b"INFO" && size <= MAX_LIST_BYTES {
            let mut list = vec![0u8; size.saturating_sub(4) as usize];
            let got = read_up_to(r, &mut list)?;
            sidecar.tags.extend(parse_info(&list[..got]));
        }
        // Chunks are word-aligned; an odd size is followed by a pad byte.
        pos += 8 + u64::from(size) + u64::from(size & 1);
        if pos >= len {
            break;
        }
    }
    Ok(sidecar)
}

fn parse_info(mut list: &[u8]) -> Vec<(&'static str, String)> {
    let mut tags = Vec::new();
    while list.len() >= 8 {
        let size = le32(&list[4..8]) as usize;
        let Some(body) = list.get(8..8 + size) else {
            break;
        };
        if let Some(name) = tag_name(&list[..4]) {
            tags.push((name, text(body)));
        }
        list = list.get(8 + size + (size & 1)..).unwrap_or(&[]);
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_info_entries() {
        let list = b"IART\x08\x00\x00\x00Someone\x00INAM\x09\x00\x00\x00Probe Me\x00\x00ISFT\x02\x00\x00\x00x\x00";
        let tags = parse_info(list);
        assert_eq!(
            tags,
            vec![
                ("artist", "Someone".to_owned()),
                ("title", "Probe Me".to_owned())
            ]
        );
        assert_eq!(text(b"Caf\xe9\x00"), "Café");
    }
}
