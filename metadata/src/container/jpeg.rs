//! JPEG (and MPO, whose first image is a JPEG): the marker segments before
//! the first scan.

use super::{Found, tiff_in};
use crate::limits::{MAX_ICC_BYTES, MAX_SEGMENTS};
use std::borrow::Cow;

const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_ID: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const ICC_ID: &[u8] = b"ICC_PROFILE\0";
const PHOTOSHOP_ID: &[u8] = b"Photoshop 3.0\0";

/// Walks the segments from SOI to the first SOS. A file that ends before
/// any scan (metadata kept, image data cut or stripped) is read all the
/// same, with a warning.
pub(super) fn scan(data: &[u8]) -> Found<'_> {
    let mut found = Found::default();
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut photoshop: Vec<u8> = Vec::new();
    // Extended XMP: (GUID, full length, offset, bytes) per segment.
    let mut extended: Vec<(&[u8], usize, usize, &[u8])> = Vec::new();
    let mut pos = 2;
    let mut segments = 0;
    loop {
        if pos >= data.len() {
            found.warn("the JPEG ends before its image data (no SOS marker)");
            break;
        }
        if data[pos] != 0xFF {
            // Not at a marker: some writers leave junk between segments.
            // Resynchronise on the next 0xFF, as exiftool and libjpeg do.
            found.warn("bytes between JPEG segments were skipped");
            match data[pos..].iter().position(|&b| b == 0xFF) {
                Some(skip) => pos += skip,
                None => pos = data.len(),
            }
            continue;
        }
        // Any number of 0xFF fill bytes may precede a marker code.
        while pos < data.len() && data[pos] == 0xFF {
            pos += 1;
        }
        let Some(&code) = data.get(pos) else { continue };
        pos += 1;
        match code {
            // Stand-alone markers: no length follows.
            0x00 | 0x01 | 0xD0..=0xD8 => continue,
            0xD9 => {
                found.warn("the JPEG ends before its image data (no SOS marker)");
                break;
            }
            _ => {}
        }
        segments += 1;
        if segments > MAX_SEGMENTS {
            found.warn(format!(
                "more than {MAX_SEGMENTS} JPEG segments; the rest were not read"
            ));
            break;
        }
        let Some(len) = data
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            found.warn("the JPEG is cut inside a segment header");
            break;
        };
        if len < 2 {
            found.warn("a JPEG segment has an impossible length");
            break;
        }
        let end = pos + len;
        let body = if end > data.len() {
            found.warn(format!("JPEG segment 0x{code:02X} is cut short"));
            &data[pos + 2..]
        } else {
            &data[pos + 2..end]
        };
        match code {
            0xE1 => {
                if let Some(ext) = body.strip_prefix(XMP_EXT_ID)
                    && ext.len() >= 40
                {
                    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                    extended.push((&ext[..32], be(&ext[32..36]), be(&ext[36..40]), &ext[40..]));
                } else {
                    app1(&mut found, body);
                }
            }
            0xE2 => {
                if let Some(chunk) = body.strip_prefix(ICC_ID)
                    && chunk.len() >= 2
                {
                    icc_chunks.push((chunk[0], &chunk[2..]));
                }
            }
            0xED => {
                // Photoshop splits resources over 64 KB across segments.
                if let Some(irb) = body.strip_prefix(PHOTOSHOP_ID) {
                    photoshop.extend_from_slice(irb);
                }
            }
            0xEC if found.picture_info.is_none()
                && body.windows(14).any(|w| w == b"[picture info]") =>
            {
                found.picture_info = Some(body);
            }
            0xFE if found.comment.is_none() => found.comment = Some(Cow::Borrowed(body)),
            // Start of scan: entropy-coded data follows, no more metadata.
            0xDA => break,
            _ => {}
        }
        pos = end;
    }
    if let Some(&(guid, total, _, _)) = extended.first() {
        found.xmp_extended = join_extended(&mut found, guid, total, &extended);
    }
    if let Some(iim) = crate::iptc::from_photoshop(&photoshop) {
        found.iptc = Some(Cow::Owned(iim.to_vec()));
    }
    if !icc_chunks.is_empty() {
        found.icc = join_icc(&mut found, icc_chunks).map(Cow::Owned);
    }
    found
}

fn app1<'a>(found: &mut Found<'a>, body: &'a [u8]) {
    if body.starts_with(b"Exif") {
        // The first EXIF block is the one readers use; a second one (some
        // editors append a copy) is ignored, as exiftool does.
        if found.exif.is_none() {
            match tiff_in(body) {
                Some(tiff) => found.exif = Some(Cow::Borrowed(tiff)),
                None => found.warn("an EXIF segment has no TIFF header"),
            }
        }
    } else if let Some(xmp) = body.strip_prefix(XMP_ID)
        && found.xmp.is_none()
    {
        found.xmp = Some(Cow::Borrowed(xmp));
    }
}

/// ICC profiles over 64 KB span several APP2 segments, numbered from 1.
fn join_icc(found: &mut Found<'_>, mut chunks: Vec<(u8, &[u8])>) -> Option<Vec<u8>> {
    chunks.sort_by_key(|c| c.0);
    chunks.dedup_by_key(|c| c.0);
    let total: usize = chunks.iter().map(|c| c.1.len()).sum();
    if total > MAX_ICC_BYTES {
        found.warn("the ICC profile is too large to read");
        return None;
    }
    Some(chunks.iter().flat_map(|c| c.1.iter().copied()).collect())
}

/// The extended XMP packet with `guid`, from its pieces at their offsets.
fn join_extended(
    found: &mut Found<'_>,
    guid: &[u8],
    total: usize,
    pieces: &[(&[u8], usize, usize, &[u8])],
) -> Option<Vec<u8>> {
    if total > crate::limits::MAX_XMP_BYTES {
        found.warn("the extended XMP packet is too large to read");
        return None;
    }
    let mut out = vec![0u8; total];
    for &(g, len, at, bytes) in pieces {
        let end = at.checked_add(bytes.len())?;
        if g == guid && len == total && end <= total {
            out[at..end].copy_from_slice(bytes);
        }
    }
    Some(out)
}
