//! Scaled decoding with libjpeg-turbo: the inverse DCT itself produces the
//! image at M/8 scale, so a large photo never exists at full size.

use crate::ImagingError;
use image::RgbImage;
use turbojpeg::{Colorspace, Decompressor, Image, PixelFormat, ScalingFactor};

fn failed(e: turbojpeg::Error) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {e}"))
}

/// The smallest M/8 scale whose output's longer edge is at least `need`.
pub fn scale_for(width: u32, height: u32, need: u32) -> ScalingFactor {
    let long = width.max(height) as usize;
    (1..=8)
        .map(|m| ScalingFactor::new(m, 8))
        .find(|f| f.scale(long) >= need as usize)
        .unwrap_or(ScalingFactor::ONE)
}

/// Decodes at the smallest scale that still gives `need` pixels on the
/// longer edge; CMYK and YCCK files are converted to RGB.
pub fn decode(
    data: &[u8],
    need: u32,
    adobe: bool,
) -> Result<(RgbImage, ScalingFactor), ImagingError> {
    let mut d = Decompressor::new().map_err(failed)?;
    let header = d.read_header(data).map_err(failed)?;
    let factor = scale_for(header.width as u32, header.height as u32, need);
    d.set_scaling_factor(factor).map_err(failed)?;
    let scaled = header.scaled(factor);
    let (w, h) = (scaled.width, scaled.height);
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk {
        PixelFormat::CMYK
    } else {
        PixelFormat::RGB
    };
    let bpp = format.size();
    let mut pixels = vec![0u8; w * h * bpp];
    let out = Image {
        pixels: pixels.as_mut_slice(),
        width: w,
        pitch: w * bpp,
        height: h,
        format,
    };
    d.decompress(data, out).map_err(failed)?;
    if cmyk {
        pixels = cmyk_to_rgb(&pixels, adobe);
    }
    let img = RgbImage::from_raw(w as u32, h as u32, pixels)
        .ok_or_else(|| ImagingError::Corrupt("JPEG: decoded size mismatch".into()))?;
    Ok((img, factor))
}

/// Photoshop, which writes nearly every CMYK JPEG (with an Adobe marker),
/// stores the inks inverted; without the marker they are stored as is.
fn cmyk_to_rgb(cmyk: &[u8], adobe_inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let [c, m, y, k] = if adobe_inverted {
            [p[0], p[1], p[2], p[3]]
        } else {
            [255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3]]
        }
        .map(u32::from);
        out.extend_from_slice(&[c * k / 255, m * k / 255, y * k / 255].map(|v| v as u8));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_smallest_scale_that_still_covers_the_target() {
        assert_eq!(scale_for(6000, 4000, 256), ScalingFactor::new(1, 8));
        assert_eq!(scale_for(1920, 1080, 256), ScalingFactor::new(2, 8));
        assert_eq!(scale_for(800, 600, 256), ScalingFactor::new(3, 8));
        assert_eq!(scale_for(200, 100, 256), ScalingFactor::ONE);
    }

    #[test]
    fn adobe_cmyk_white_and_black() {
        // Inverted: 255 everywhere is no ink (white); K = 0 is full black.
        assert_eq!(
            cmyk_to_rgb(&[255, 255, 255, 255], true),
            vec![255, 255, 255]
        );
        assert_eq!(cmyk_to_rgb(&[255, 255, 255, 0], true), vec![0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0], false), vec![255, 255, 255]);
    }
}
