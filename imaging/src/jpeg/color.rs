//! From component planes at a reduced scale to an RGB image: chroma
//! upsampling and colour conversion.

use super::header::Header;
use super::lowpass::Plane;
use crate::ImagingError;
use image::RgbImage;

/// One output sample's source: (index, index of the next, weight of the
/// next in 1/256).
type Tap = (usize, usize, u32);

/// Where each output sample of an axis reads a plane `f` times coarser, with
/// bilinear interpolation between sample centres (libjpeg's "fancy" upsampling).
fn taps(n: usize, f: usize, limit: usize) -> Vec<Tap> {
    let limit = limit.max(1);
    (0..n)
        .map(|i| {
            let s = ((2 * i + 1) * 256 / (2 * f)).saturating_sub(128);
            let i0 = (s / 256).min(limit - 1);
            (i0, (i0 + 1).min(limit - 1), (s % 256) as u32)
        })
        .collect()
}

/// One component, read row by row at the output's resolution.
struct Upsampler<'a> {
    p: &'a Plane,
    /// Horizontal and vertical taps; none when the plane is at full scale.
    taps: Option<(Vec<Tap>, Vec<Tap>)>,
    row: Vec<u8>,
}

impl<'a> Upsampler<'a> {
    fn new(p: &'a Plane, fx: usize, fy: usize, w: usize, h: usize) -> Self {
        Upsampler {
            p,
            taps: (fx > 1 || fy > 1).then(|| (taps(w, fx, p.width), taps(h, fy, p.height))),
            row: vec![0; w],
        }
    }

    /// Output row `y`, `w` samples.
    fn row(&mut self, y: usize) -> &[u8] {
        let p = self.p;
        let Some((xs, ys)) = &self.taps else {
            let at = y * p.stride;
            return &p.samples[at..at + self.row.len()];
        };
        let (y0, y1, wy) = ys[y];
        let (r0, r1) = (&p.samples[y0 * p.stride..], &p.samples[y1 * p.stride..]);
        for (out, &(x0, x1, wx)) in self.row.iter_mut().zip(xs) {
            let top = r0[x0] as u32 * (256 - wx) + r0[x1] as u32 * wx;
            let bot = r1[x0] as u32 * (256 - wx) + r1[x1] as u32 * wx;
            *out = ((top * (256 - wy) + bot * wy + (1 << 15)) >> 16) as u8;
        }
        &self.row
    }
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
    let mut rows = Vec::with_capacity(planes.len());
    for (p, c) in planes.iter().zip(&h.components) {
        let (ch, cv) = (c.h as usize, c.v as usize);
        if !hmax.is_multiple_of(ch) || !vmax.is_multiple_of(cv) {
            return Err(unsupported("fractional chroma subsampling"));
        }
        rows.push(Upsampler::new(p, hmax / ch, vmax / cv, w, ht));
    }
    let rgb_order = is_rgb(h);
    let mut rgb = vec![0u8; w * ht * 3];
    for (y, out) in rgb.chunks_exact_mut(w * 3).enumerate() {
        match rows.as_mut_slice() {
            [g] => {
                for (px, &v) in out.chunks_exact_mut(3).zip(g.row(y)) {
                    px.copy_from_slice(&[v, v, v]);
                }
            }
            [a, b, c] => {
                let (a, b, c) = (a.row(y), b.row(y), c.row(y));
                let px = out.chunks_exact_mut(3).zip(a.iter().zip(b.iter().zip(c)));
                if rgb_order {
                    for (px, (&r, (&g, &b))) in px {
                        px.copy_from_slice(&[r, g, b]);
                    }
                } else {
                    // JFIF's full-range BT.601, in 16-bit fixed point.
                    for (px, (&y, (&cb, &cr))) in px {
                        let (y, cb, cr) = ((y as i32) << 16, cb as i32 - 128, cr as i32 - 128);
                        let r = (y + 91881 * cr + 32768) >> 16;
                        let g = (y - 22554 * cb - 46802 * cr + 32768) >> 16;
                        let b = (y + 116130 * cb + 32768) >> 16;
                        px.copy_from_slice(&[clamp(r), clamp(g), clamp(b)]);
                    }
                }
            }
            _ => {
                return Err(unsupported(
                    "only 1- and 3-component images take the low-frequency path",
                ));
            }
        }
    }
    RgbImage::from_raw(w as u32, ht as u32, rgb)
        .ok_or_else(|| ImagingError::Corrupt("JPEG: plane size mismatch".into()))
}
