//! Writes the ID3v2.3 tag that opens the MP3.
//!
//! LAME's own tag writer takes C strings and stores them as ISO-8859-1, so a
//! title like "Café – ☕" would come out as mojibake. Writing the few text
//! frames ourselves is short, and v2.3 with UTF-16 text is the variant every
//! player (including old Windows and car stereos) reads.

use crate::tags::TagSet;

/// Longest value we copy per field, in chars: enough for any real title,
/// and it keeps a hostile tag from bloating every output.
const MAX_CHARS: usize = 1024;

/// The complete tag (header + frames), or an empty vector when there is
/// nothing to write.
pub(crate) fn build_tag(tags: &TagSet) -> Vec<u8> {
    let mut frames = Vec::new();
    for (field, value) in tags.entries() {
        let value: String = value.chars().take(MAX_CHARS).collect();
        match field {
            "title" => text_frame(&mut frames, b"TIT2", &value),
            "artist" => text_frame(&mut frames, b"TPE1", &value),
            "album" => text_frame(&mut frames, b"TALB", &value),
            "album_artist" => text_frame(&mut frames, b"TPE2", &value),
            "track" => text_frame(&mut frames, b"TRCK", &value),
            "genre" => text_frame(&mut frames, b"TCON", &value),
            "composer" => text_frame(&mut frames, b"TCOM", &value),
            "comment" => comment_frame(&mut frames, &value),
            "date" => {
                // v2.3 only has a 4-digit year frame.
                let year: String = value.chars().take(4).collect();
                if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) {
                    text_frame(&mut frames, b"TYER", &year);
                }
            }
            _ => {}
        }
    }
    if frames.is_empty() {
        return frames;
    }
    let mut tag = Vec::with_capacity(10 + frames.len());
    tag.extend_from_slice(b"ID3\x03\x00\x00");
    tag.extend_from_slice(&syncsafe(frames.len()));
    tag.extend_from_slice(&frames);
    tag
}

/// Encoding byte plus text: ISO-8859-1 when the text is plain ASCII (half
/// the size), otherwise UTF-16 with a byte-order mark.
fn encoded_text(out: &mut Vec<u8>, text: &str, terminate: bool) {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        if terminate {
            out.push(0);
        }
    } else {
        out.extend_from_slice(&[0xFF, 0xFE]);
        for unit in text.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        if terminate {
            out.extend_from_slice(&[0, 0]);
        }
    }
}

fn encoding_byte(text: &str) -> u8 {
    if text.is_ascii() { 0 } else { 1 }
}

fn frame(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    // Bodies are capped well below 4 GiB by MAX_CHARS.
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(body);
}

fn text_frame(out: &mut Vec<u8>, id: &[u8; 4], text: &str) {
    let mut body = vec![encoding_byte(text)];
    encoded_text(&mut body, text, false);
    frame(out, id, &body);
}

fn comment_frame(out: &mut Vec<u8>, text: &str) {
    let enc = encoding_byte(text);
    let mut body = vec![enc];
    body.extend_from_slice(b"eng");
    // Empty short description, in the same encoding as the text.
    if enc == 0 {
        body.push(0);
    } else {
        body.extend_from_slice(&[0xFF, 0xFE, 0, 0]);
    }
    encoded_text(&mut body, text, false);
    frame(out, b"COMM", &body);
}

/// ID3's 28-bit size with the top bit of each byte clear, so the size can
/// never look like an MPEG frame sync.
fn syncsafe(n: usize) -> [u8; 4] {
    let n = u32::try_from(n).unwrap_or(0x0FFF_FFFF).min(0x0FFF_FFFF);
    [
        (n >> 21) as u8 & 0x7F,
        (n >> 14) as u8 & 0x7F,
        (n >> 7) as u8 & 0x7F,
        n as u8 & 0x7F,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tags_write_nothing() {
        assert!(build_tag(&TagSet::default()).is_empty());
    }

    #[test]
    fn writes_utf16_for_non_ascii() {
        let tags = TagSet {
            title: Some("Café".into()),
            artist: Some("Abc".into()),
            ..TagSet::default()
        };
        let tag = build_tag(&tags);
        assert_eq!(&tag[..6], b"ID3\x03\x00\x00");
        // TIT2: 10-byte header + encoding + BOM + 4 UTF-16 units.
        assert_eq!(&tag[10..14], b"TIT2");
        assert_eq!(tag[14..18], 11u32.to_be_bytes());
        assert_eq!(tag[20], 1);
        assert_eq!(&tag[21..23], &[0xFF, 0xFE]);
        assert_eq!(&tag[29..31], &[0xE9, 0x00]);
        // TPE1 is plain ISO-8859-1.
        assert_eq!(&tag[31..35], b"TPE1");
        assert_eq!(tag[41], 0);
        assert_eq!(syncsafe(tag.len() - 10), [0, 0, 0, (tag.len() - 10) as u8]);
    }

    #[test]
    fn hostile_values_are_capped_and_sized_exactly() {
        // Every field at 100,000 chars of astral-plane text (4 UTF-8 bytes,
        // a surrogate pair in UTF-16), plus a date that is not one.
        let huge: String = "\u{1F525}\0\u{202E}".repeat(100_000 / 3);
        let tags = TagSet {
            title: Some(huge.clone()),
            artist: Some(huge.clone()),
            album: Some(huge.clone()),
            album_artist: Some(huge.clone()),
            genre: Some(huge.clone()),
            composer: Some(huge.clone()),
            comment: Some(huge.clone()),
            date: Some("\u{1F525}999".into()),
            track_number: Some(u64::MAX),
            track_total: Some(u64::MAX),
        };
        let tag = build_tag(&tags);
        assert_eq!(syncsafe(tag.len() - 10), [tag[6], tag[7], tag[8], tag[9]]);
        // Seven capped text frames and TRCK; no TYER from a non-year.
        assert!(tag.len() < 8 * (10 + 8 + 4 * MAX_CHARS), "{}", tag.len());
        assert!(!tag.windows(4).any(|w| w == b"TYER"));
    }

    #[test]
    fn syncsafe_spreads_bits() {
        assert_eq!(syncsafe(0x80), [0, 0, 1, 0]);
        assert_eq!(syncsafe(257), [0, 0, 2, 1]);
    }
}
