//! The JPEG segments before the first scan: frame, tables and the APP
//! markers that matter for thumbnails (EXIF, ICC, Adobe).

use crate::ImagingError;

/// One colour component of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Component id, as scans refer to it.
    pub id: u8,
    /// Horizontal sampling factor (1..=4).
    pub h: u8,
    /// Vertical sampling factor (1..=4).
    pub v: u8,
    /// Quantisation table index (0..=3).
    pub tq: u8,
}

/// How the frame is coded, from its SOF marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// SOF0/SOF1: sequential Huffman.
    Baseline,
    /// SOF2: progressive Huffman.
    Progressive,
    /// Anything else (lossless, arithmetic, hierarchical).
    Other,
}

/// What a JPEG says about itself before its first scan.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    /// Frame coding.
    pub coding: Coding,
    /// Sample precision in bits.
    pub precision: u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frame components in order.
    pub components: Vec<Component>,
    /// APP14 Adobe colour transform flag, when present.
    pub adobe_transform: Option<u8>,
    /// Whether a JFIF APP0 segment is present.
    pub jfif: bool,
    /// The TIFF payload of the EXIF APP1 segment.
    pub exif: Option<&'a [u8]>,
    /// The ICC profile, reassembled from its APP2 chunks.
    pub icc: Option<Vec<u8>>,
    /// Offset of the first segment after the frame header (tables and scans follow).
    pub after_frame: usize,
}

impl Header<'_> {
    /// The largest horizontal and vertical sampling factors: an MCU is
    /// `8 × h` by `8 × v` pixels, and full-resolution components have these.
    pub fn max_sampling(&self) -> (usize, usize) {
        let h = self.components.iter().map(|c| c.h).max().unwrap_or(1);
        let v = self.components.iter().map(|c| c.v).max().unwrap_or(1);
        (h as usize, v as usize)
    }
}

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

/// A marker segment: its marker byte, payload and the offset just past it.
pub(crate) fn segment(data: &[u8], pos: usize) -> Result<(u8, &[u8], usize), ImagingError> {
    // Fill bytes (FF FF ...) may precede a marker.
    let mut p = pos;
    while data.get(p) == Some(&0xFF) && data.get(p + 1) == Some(&0xFF) {
        p += 1;
    }
    if data.get(p) != Some(&0xFF) {
        return Err(corrupt("expected a marker"));
    }
    let marker = *data.get(p + 1).ok_or_else(|| corrupt("truncated marker"))?;
    if marker == 0xD8 || marker == 0xD9 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
        return Ok((marker, &[], p + 2));
    }
    let len_bytes = data
        .get(p + 2..p + 4)
        .ok_or_else(|| corrupt("truncated segment length"))?;
    let len = u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize;
    if len < 2 {
        return Err(corrupt("segment length below 2"));
    }
    let payload = data
        .get(p + 4..p + 2 + len)
        .ok_or_else(|| corrupt("segment runs past the end of the file"))?;
    Ok((marker, payload, p + 2 + len))
}

/// Parses the segments up to and including the frame header (SOFn).
pub fn parse(data: &[u8]) -> Result<Header<'_>, ImagingError> {
    if data.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(corrupt("no start-of-image marker"));
    }
    let mut h = Header {
        coding: Coding::Other,
        precision: 8,
        width: 0,
        height: 0,
        components: Vec::new(),
        adobe_transform: None,
        jfif: false,
        exif: None,
        icc: None,
        after_frame: 0,
    };
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut pos = 2;
    loop {
        let (marker, payload, next) = segment(data, pos)?;
        match marker {
            0xE0 if payload.starts_with(b"JFIF\0") => h.jfif = true,
            0xE1 if payload.starts_with(b"Exif\0\0") && h.exif.is_none() => {
                h.exif = Some(&payload[6..]);
            }
            0xE2 if payload.starts_with(b"ICC_PROFILE\0") && payload.len() > 14 => {
                icc_chunks.push((payload[12], &payload[14..]));
            }
            0xEE if payload.starts_with(b"Adobe") && payload.len() >= 12 => {
                h.adobe_transform = Some(payload[11]);
            }
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                h.coding = match marker {
                    0xC0 | 0xC1 => Coding::Baseline,
                    0xC2 => Coding::Progressive,
                    _ => Coding::Other,
                };
                frame(&mut h, payload)?;
                h.after_frame = next;
                break;
            }
            0xDA => return Err(corrupt("scan before the frame header")),
            0xD9 => return Err(corrupt("end of image before the frame header")),
            _ => {}
        }
        pos = next;
    }
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|(seq, _)| *seq);
        h.icc = Some(
            icc_chunks
                .iter()
                .flat_map(|(_, c)| c.iter().copied())
                .collect(),
        );
    }
    Ok(h)
}

fn frame(h: &mut Header<'_>, p: &[u8]) -> Result<(), ImagingError> {
    if p.len() < 6 {
        return Err(corrupt("short frame header"));
    }
    h.precision = p[0];
    h.height = u16::from_be_bytes([p[1], p[2]]) as u32;
    h.width = u16::from_be_bytes([p[3], p[4]]) as u32;
    let n = p[5] as usize;
    if n == 0 || p.len() < 6 + 3 * n {
        return Err(corrupt("frame header lists no components or is short"));
    }
    for c in p[6..6 + 3 * n].chunks_exact(3) {
        let (hs, vs) = (c[1] >> 4, c[1] & 15);
        if !(1..=4).contains(&hs) || !(1..=4).contains(&vs) || c[2] > 3 {
            return Err(corrupt("invalid sampling factor or table index"));
        }
        h.components.push(Component {
            id: c[0],
            h: hs,
            v: vs,
            tq: c[2],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_truncation_without_panicking() {
        assert!(parse(b"").is_err());
        assert!(parse(b"\xFF\xD8").is_err());
        assert!(parse(b"\xFF\xD8\xFF\xE0\x00").is_err());
        assert!(parse(b"\xFF\xD8\xFF\xC0\x00\x08\x08\x00\x10\x00\x10\x00").is_err());
    }
}
