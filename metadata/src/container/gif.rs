//! GIF: comment extensions and XMP in the "XMP DataXMP" application
//! extension, found by walking the blocks (image data is skipped, never
//! decoded).

use super::{Found, slice};
use crate::limits::MAX_SEGMENTS;
use std::borrow::Cow;

/// Walks blocks to the trailer.
pub(super) fn scan(data: &[u8]) -> Found<'_> {
    let mut found = Found::default();
    // Header (6) and logical screen descriptor (7), then the global colour
    // table when flagged.
    let Some(&flags) = data.get(10) else {
        return found;
    };
    let mut pos = 13 + colour_table(flags);
    for _ in 0..MAX_SEGMENTS {
        match data.get(pos) {
            Some(0x21) => {
                let label = data.get(pos + 1).copied();
                // Only XMP is written raw; ICC profiles use real sub-blocks.
                let keep_lengths =
                    label == Some(0xFF) && data.get(pos + 3..pos + 14) == Some(b"XMP DataXMP");
                let (payload, next) = sub_blocks(data, pos + 2, keep_lengths);
                match label {
                    Some(0xFE) if found.comment.is_none() => {
                        found.comment = Some(Cow::Owned(payload));
                    }
                    Some(0xFF) => {
                        // The first sub-block is the 11-byte application id;
                        // XMP's sub-block lengths are its own bytes, so the
                        // joined payload is the packet plus a "magic trailer"
                        // the XML parser stops before.
                        if let Some(rest) = payload.strip_prefix(b"XMP DataXMP")
                            && found.xmp.is_none()
                        {
                            // The trailer holds every byte value, '<' too:
                            // the packet ends where it starts.
                            let end = rest
                                .windows(3)
                                .position(|w| w == [0x01, 0xFF, 0xFE])
                                .unwrap_or(rest.len());
                            found.xmp = Some(Cow::Owned(rest[..end].to_vec()));
                        } else if let Some(icc) = payload.strip_prefix(b"ICCRGBG1012")
                            && found.icc.is_none()
                        {
                            found.icc = Some(Cow::Owned(icc.to_vec()));
                        }
                    }
                    _ => {}
                }
                pos = next;
            }
            Some(0x2C) => {
                // Image descriptor (10), local colour table, LZW code size,
                // then the image's sub-blocks.
                let Some(desc) = slice(data, pos, 10) else {
                    break;
                };
                pos += 10 + colour_table(desc[9]) + 1;
                pos = sub_blocks_end(data, pos);
            }
            Some(0x3B) => return found,
            _ => break,
        }
    }
    found.warn("the GIF's blocks end without a trailer");
    found
}

fn colour_table(flags: u8) -> usize {
    if flags & 0x80 != 0 {
        3 << ((flags & 7) + 1)
    } else {
        0
    }
}

/// Joined sub-blocks starting at `pos` (length byte, bytes; 0 ends), and
/// where the next block starts. XMP is written raw, so that what a GIF
/// reader takes for length bytes are bytes of the packet: `keep_lengths`
/// puts them back (all but the first, which counts the application id).
fn sub_blocks(data: &[u8], mut pos: usize, keep_lengths: bool) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut first = true;
    while let Some(&n) = data.get(pos) {
        if n == 0 {
            return (out, pos + 1);
        }
        let end = (pos + 1 + usize::from(n)).min(data.len());
        if !first && keep_lengths {
            out.push(n);
        }
        out.extend_from_slice(&data[pos + 1..end]);
        first = false;
        pos = end;
        if out.len() > crate::limits::MAX_XMP_BYTES {
            return (out, sub_blocks_end(data, pos));
        }
    }
    (out, data.len())
}

fn sub_blocks_end(data: &[u8], mut pos: usize) -> usize {
    while let Some(&n) = data.get(pos) {
        if n == 0 {
            return pos + 1;
        }
        pos += 1 + usize::from(n);
    }
    data.len()
}
