//! Counting an animation's frames from the container's structure, without
//! decoding any: a GIF's image descriptors, an animated WebP's ANMF chunks,
//! an APNG's acTL chunk. Damaged structure stops the count where it breaks.

/// Frames in `data` (1 for still images and formats without animation).
pub fn count(format: image::ImageFormat, data: &[u8]) -> u32 {
    let n = match format {
        image::ImageFormat::Gif => gif(data),
        image::ImageFormat::WebP => webp(data),
        image::ImageFormat::Png => apng(data),
        _ => None,
    };
    n.unwrap_or(1).max(1)
}

fn gif(d: &[u8]) -> Option<u32> {
    let packed = *d.get(10)?;
    let mut p = 13usize;
    if packed & 0x80 != 0 {
        p += 3 << ((packed & 7) + 1);
    }
    let mut frames = 0u32;
    // Sub-blocks: a length byte, that many bytes, until a zero length.
    let skip_blocks = |mut p: usize| -> Option<usize> {
        loop {
            let len = *d.get(p)? as usize;
            p += 1 + len;
            if len == 0 {
                return Some(p);
            }
        }
    };
    loop {
        match d.get(p) {
            Some(0x21) => p = skip_blocks(p + 2)?,
            Some(0x2C) => {
                frames += 1;
                let local = *d.get(p + 9)?;
                p += 10;
                if local & 0x80 != 0 {
                    p += 3 << ((local & 7) + 1);
                }
                // One byte of LZW code size, then the image data's sub-blocks.
                match skip_blocks(p + 1) {
                    Some(next) => p = next,
                    None => return Some(frames),
                }
            }
            _ => return Some(frames),
        }
    }
}

fn webp(d: &[u8]) -> Option<u32> {
    let mut p = 12usize;
    let mut frames = 0u32;
    while let Some(h) = d.get(p..p + 8) {
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        if &h[..4] == b"ANMF" {
            frames += 1;
        }
        p = p.checked_add(8 + len + (len & 1))?;
    }
    Some(frames)
}

fn apng(d: &[u8]) -> Option<u32> {
    let mut p = 8usize;
    while let Some(h) = d.get(p..p + 8) {
        let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
        match &h[4..8] {
            b"acTL" => {
                let n = d.get(p + 8..p + 12)?;
                return Some(u32::from_be_bytes([n[0], n[1], n[2], n[3]]));
            }
            b"IDAT" => return Some(1),
            _ => p = p.checked_add(12 + len)?,
        }
    }
    Some(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::GifEncoder;
    use image::{Frame, RgbaImage};

    #[test]
    fn counts_gif_frames_without_decoding() {
        let mut buf = Vec::new();
        {
            let mut enc = GifEncoder::new(&mut buf);
            for i in 0..5u8 {
                let img = RgbaImage::from_pixel(8, 8, image::Rgba([i * 40, 0, 0, 255]));
                enc.encode_frame(Frame::new(img)).unwrap();
            }
        }
        assert_eq!(count(image::ImageFormat::Gif, &buf), 5);
        // Truncated: counts what is there, never panics.
        assert!(count(image::ImageFormat::Gif, &buf[..buf.len() / 2]) <= 5);
        assert_eq!(count(image::ImageFormat::Gif, b"GIF89a"), 1);
    }
}
