//! From component planes at a reduced scale to an RGB image: chroma
//! upsampling and colour conversion.

use super::header::Header;
use super::lowpass::Plane;
use crate::ImagingError;
use image::RgbImage;

/// Samples `p` at the output grid, `fx`×`fy` times finer, with bilinear
/// interpolation between sample centres (libjpeg's "fancy" upsampling).
fn upsample(p: &Plane, fx: usize, fy: usize, w: usize, h: usize) -> Vec<u8> {
    if fx == 1 && fy == 1 {
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            out.extend_from_slice(&p.samples[y * p.stride..y * p.stride + w]);
        }
        return out;
    }
    // Source coordinate of each output centre, as (index, weight of next) in 1/256.
    let taps = |n: usize, f: usize, limit: usize| -> Vec<(usize, usize, u32)> {
        (0..n)
            .map(|i| {
                let s = ((2 * i + 1) * 256 / (2 * f)).saturating_sub(128);
                let i0 = (s / 256).min(limit - 1);
                (i0, (i0 + 1).min(limit - 1), (s % 256) as u32)
            })
            .collect()
    };
    let xs = taps(w, fx, p.width.max(1));
    let ys = taps(h, fy, p.height.max(1));
    let mut out = Vec::with_capacity(w * h);
    for &(y0, y1, wy) in &ys {
        let (r0, r1) = (&p.samples[y0 * p.stride..], &p.samples[y1 * p.stride..]);
        for &(x0, x1, wx) in &xs {
            let top = r0[x0] as u32 * (256 - wx) + r0[x1] as u32 * wx;
            let bot = r1[x0] as u32 * (256 - wx) + r1[x1] as u32 * wx;
            out.push(((top * (256 - wy) + bot * wy + (1 << 15)) >> 16) as u8);
        }
    }
    out
}

fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// Whether three components hold RGB rather than YCbCr, as libjpeg decides.
fn is_rgb(h: &Header<'_>) -> bool {
    match h.adobe_transform {
        Some(t) => t == 0,
        None => !h.jfif && h.components.iter().map(|c| c.id).eq([b'R', b'G', b'B']),
    }
}

/// Builds the RGB image (`n` pixels per luma block edge) from the planes.
pub fn to_rgb(planes: &[Plane], h: &Header<'_>, n: usize) -> Result<RgbImage, ImagingError> {
    let unsupported = |m: &str| ImagingError::Unsupported(format!("JPEG: {m}"));
    let (hmax, vmax) = h.max_sampling();
    let w = (h.width as usize * n).div_ceil(8);
    let ht = (h.height as usize * n).div_ceil(8);
    let mut full = Vec::with_capacity(planes.len());
    for (p, c) in planes.iter().zip(&h.components) {
        let (ch, cv) = (c.h as usize, c.v as usize);
        if !hmax.is_multiple_of(ch) || !vmax.is_multiple_of(cv) {
            return Err(unsupported("fractional chroma subsampling"));
        }
        full.push(upsample(p, hmax / ch, vmax / cv, w, ht));
    }
    let mut rgb = Vec::with_capacity(w * ht * 3);
    match full.as_slice() {
        [g] => {
            for &v in g {
                rgb.extend_from_slice(&[v, v, v]);
            }
        }
        [a, b, c] if is_rgb(h) => {
            for i in 0..w * ht {
                rgb.extend_from_slice(&[a[i], b[i], c[i]]);
            }
        }
        [y, cb, cr] => {
            // JFIF's full-range BT.601, in 16-bit fixed point.
            for i in 0..w * ht {
                let (y, cb, cr) = ((y[i] as i32) << 16, cb[i] as i32 - 128, cr[i] as i32 - 128);
                let r = (y + 91881 * cr + 32768) >> 16;
                let g = (y - 22554 * cb - 46802 * cr + 32768) >> 16;
                let b = (y + 116130 * cb + 32768) >> 16;
                rgb.extend_from_slice(&[clamp(r), clamp(g), clamp(b)]);
            }
        }
        _ => {
            return Err(unsupported(
                "only 1- and 3-component images take the low-frequency path",
            ));
        }
    }
    RgbImage::from_raw(w as u32, ht as u32, rgb)
        .ok_or_else(|| ImagingError::Corrupt("JPEG: plane size mismatch".into()))
}
