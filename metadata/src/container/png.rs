//! PNG: `eXIf`, `iCCP` and the text chunks (`tEXt`, `zTXt`, `iTXt`), which
//! carry XMP and, from ImageMagick and older tools, hex-encoded EXIF and
//! IPTC ("Raw profile type ...").

use super::{Found, slice, tiff_in};
use crate::limits::{MAX_ICC_BYTES, MAX_INFLATED_TEXT, MAX_SEGMENTS};
use std::borrow::Cow;
use std::io::Read;

/// Walks the chunks up to `IEND`.
pub(super) fn scan(data: &[u8]) -> Found<'_> {
    let mut found = Found::default();
    let mut pos = 8;
    for _ in 0..MAX_SEGMENTS {
        let Some(head) = slice(data, pos, 8) else {
            return found;
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let Some(body) = slice(data, pos + 8, len) else {
            found.warn(format!(
                "PNG chunk {} is cut short",
                String::from_utf8_lossy(kind)
            ));
            return found;
        };
        match kind {
            b"eXIf" if found.exif.is_none() => found.exif = tiff_in(body).map(Cow::Borrowed),
            b"iCCP" if found.icc.is_none() => {
                // Profile name, NUL, compression method (0), zlib stream.
                if let Some(nul) = body.iter().position(|&b| b == 0) {
                    let z = body.get(nul + 2..).unwrap_or_default();
                    match inflate(z, MAX_ICC_BYTES) {
                        Some(icc) => found.icc = Some(Cow::Owned(icc)),
                        None => found.warn("the PNG's ICC profile is damaged or too large"),
                    }
                }
            }
            b"tEXt" | b"zTXt" | b"iTXt" => text_chunk(&mut found, kind, body),
            b"IEND" => return found,
            _ => {}
        }
        // Length, type, data, CRC.
        pos += 12 + len;
    }
    found.warn(format!(
        "more than {MAX_SEGMENTS} PNG chunks; the rest were not read"
    ));
    found
}

fn text_chunk(found: &mut Found<'_>, kind: &[u8], body: &[u8]) {
    let Some(nul) = body.iter().position(|&b| b == 0) else {
        return;
    };
    let key = String::from_utf8_lossy(&body[..nul]).into_owned();
    // Only the keys read below, each once: a file with thousands of
    // compressed chunks costs no more than one of each.
    let taken = match key.as_str() {
        "XML:com.adobe.xmp" | "Raw profile type xmp" => found.xmp.is_some(),
        "Raw profile type exif" | "Raw profile type APP1" => found.exif.is_some(),
        "Raw profile type iptc" => found.iptc.is_some(),
        "Comment" | "Title" | "Description" | "Software" => {
            found.text.iter().any(|(k, _)| *k == key)
        }
        _ => true,
    };
    if taken {
        return;
    }
    let rest = &body[nul + 1..];
    let value: Option<Vec<u8>> = match kind {
        // Latin-1 text.
        b"tEXt" => Some(
            rest.iter()
                .map(|&b| b as char)
                .collect::<String>()
                .into_bytes(),
        ),
        b"zTXt" => rest.get(1..).and_then(|z| inflate(z, MAX_INFLATED_TEXT)),
        _ => itxt(rest),
    };
    let Some(value) = value else {
        found.warn(format!("PNG text chunk \"{key}\" is damaged"));
        return;
    };
    match key.as_str() {
        "XML:com.adobe.xmp" => found.xmp = Some(Cow::Owned(value)),
        "Raw profile type exif" | "Raw profile type APP1" => {
            if let Some(raw) = raw_profile(&value) {
                found.exif = tiff_in(&raw).map(|t| Cow::Owned(t.to_vec()));
            }
        }
        "Raw profile type iptc" => {
            if let Some(raw) = raw_profile(&value) {
                // ImageMagick stores the Photoshop resource block, or bare IIM.
                let iim = crate::iptc::from_photoshop(&raw)
                    .map(<[u8]>::to_vec)
                    .unwrap_or(raw);
                found.iptc = Some(Cow::Owned(iim));
            }
        }
        "Raw profile type xmp" => {
            found.xmp = raw_profile(&value).map(Cow::Owned);
        }
        _ => found
            .text
            .push((key, String::from_utf8_lossy(&value).into_owned())),
    }
}

/// iTXt: compression flag, method, language tag NUL, translated keyword NUL, text.
fn itxt(rest: &[u8]) -> Option<Vec<u8>> {
    let (&flag, rest) = rest.split_first()?;
    let rest = rest.get(1..)?;
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = &rest[lang_end + 1..];
    let key_end = rest.iter().position(|&b| b == 0)?;
    let text = &rest[key_end + 1..];
    if flag == 1 {
        inflate(text, MAX_INFLATED_TEXT)
    } else {
        Some(text.to_vec())
    }
}

/// A zlib stream inflated to at most `max` bytes; `None` if damaged or larger.
fn inflate(z: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(z)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= max).then_some(out)
}

/// ImageMagick's "Raw profile type X": "\nX\n   <length>\n<hex digits with newlines>".
fn raw_profile(text: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(text).ok()?;
    let mut lines = s.trim_start().splitn(3, '\n');
    let _name = lines.next()?;
    let len: usize = lines.next()?.trim().parse().ok()?;
    let hex: Vec<u8> = lines
        .next()?
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .collect();
    if len > hex.len() / 2 {
        return None;
    }
    hex.chunks_exact(2)
        .take(len)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}
