//! Thumbnail encoders. Outputs carry pixels only: no EXIF, no GPS.

use crate::ImageFormat;
use crate::{ImagingError, RenderOptions};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, RgbImage};

/// Encodes an 8-bit RGB or RGBA image.
pub fn encode(
    img: &DynamicImage,
    format: ImageFormat,
    opts: &RenderOptions,
) -> Result<Vec<u8>, ImagingError> {
    let fail =
        |e: String| ImagingError::Corrupt(format!("{} encoding failed: {e}", format.as_str()));
    let mut buf = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            // libjpeg-turbo's SIMD encoder, 4:2:0 as libvips below Q90.
            let rgb = flatten_on_white(img);
            let image = turbojpeg::Image {
                pixels: rgb.as_raw().as_slice(),
                width: rgb.width() as usize,
                pitch: rgb.width() as usize * 3,
                height: rgb.height() as usize,
                format: turbojpeg::PixelFormat::RGB,
            };
            let sub = if opts.jpeg_quality >= 90 {
                turbojpeg::Subsamp::None
            } else {
                turbojpeg::Subsamp::Sub2x2
            };
            buf = turbojpeg::compress(image, opts.jpeg_quality.clamp(1, 100) as i32, sub)
                .map_err(|e| fail(e.to_string()))?
                .to_vec();
        }
        ImageFormat::Png => {
            let enc =
                PngEncoder::new_with_quality(&mut buf, CompressionType::Fast, FilterType::Adaptive);
            img.write_with_encoder(enc)
                .map_err(|e| fail(e.to_string()))?;
        }
        ImageFormat::Avif => buf = avif(img, opts).map_err(|e| fail(e.to_string()))?,
        ImageFormat::Webp => {
            let enc = match img {
                DynamicImage::ImageRgba8(i) => {
                    webp::Encoder::from_rgba(i.as_raw(), i.width(), i.height())
                }
                DynamicImage::ImageRgb8(i) => {
                    webp::Encoder::from_rgb(i.as_raw(), i.width(), i.height())
                }
                _ => return Err(fail("expected 8-bit RGB or RGBA".into())),
            };
            let mem = enc
                .encode_simple(false, opts.webp_quality.clamp(0.0, 100.0))
                .map_err(|e| fail(format!("{e:?}")))?;
            buf.extend_from_slice(&mem);
        }
    }
    Ok(buf)
}

/// JPEG has no alpha: composite over white, as browsers show transparency.
fn flatten_on_white(img: &DynamicImage) -> RgbImage {
    match img {
        DynamicImage::ImageRgba8(rgba) => {
            let mut out = RgbImage::new(rgba.width(), rgba.height());
            for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
                let a = p[3] as u32;
                for c in 0..3 {
                    o[c] = ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
                }
            }
            out
        }
        other => other.to_rgb8(),
    }
}

fn avif(img: &DynamicImage, opts: &RenderOptions) -> Result<Vec<u8>, ravif::Error> {
    use rgb::FromSlice;
    let enc = ravif::Encoder::new()
        .with_quality(opts.avif_quality.clamp(1.0, 100.0))
        .with_speed(opts.avif_speed.clamp(1, 10))
        .with_num_threads(Some(1));
    let (w, h) = (img.width() as usize, img.height() as usize);
    let out = match img {
        DynamicImage::ImageRgba8(i) => {
            enc.encode_rgba(ravif::Img::new(i.as_raw().as_rgba(), w, h))?
        }
        other => {
            let rgb = other.to_rgb8();
            enc.encode_rgb(ravif::Img::new(rgb.as_raw().as_rgb(), w, h))?
        }
    };
    Ok(out.avif_file)
}
