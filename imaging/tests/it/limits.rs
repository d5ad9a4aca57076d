//! Limits are enforced from the header, before any pixel is decoded, and
//! their errors carry the numbers a user needs.
#![allow(clippy::unwrap_used)]

use image::codecs::gif::GifEncoder;
use image::{Frame, RgbImage, RgbaImage};
use kiln_imaging::ImageFormat;
use kiln_imaging::{ImageLimits, ImagingError, RenderOptions, render_thumbnails};

fn render(data: &[u8], limits: &ImageLimits) -> Result<(), ImagingError> {
    render_thumbnails(
        data,
        &[64],
        &[ImageFormat::Jpeg],
        limits,
        &RenderOptions::default(),
    )
    .map(|_| ())
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    RgbImage::new(w, h)
        .write_to(&mut buf, image::ImageFormat::Png)
        .unwrap();
    buf.into_inner()
}

#[test]
fn pixel_dimension_and_decoded_byte_limits_name_their_numbers() {
    let data = png(400, 300);
    let over = |l: ImageLimits| match render(&data, &l) {
        Err(ImagingError::OverLimit(m)) => m,
        other => panic!("expected an over-limit error, got {other:?}"),
    };
    let m = over(ImageLimits {
        max_pixels: 100_000,
        ..Default::default()
    });
    assert!(m.contains("400x300") && m.contains("0.1 MP"), "{m}");
    let m = over(ImageLimits {
        max_dimension: 399,
        ..Default::default()
    });
    assert!(m.contains("399"), "{m}");
    // 400 × 300 × 3 bytes = 360,000 > 300,000.
    let m = over(ImageLimits {
        max_decoded_bytes: 300_000,
        ..Default::default()
    });
    assert!(m.contains("3 bytes per pixel"), "{m}");
    assert!(render(&data, &ImageLimits::default()).is_ok());
}

#[test]
fn animations_over_the_frame_limit_are_refused() {
    let mut gif = Vec::new();
    {
        let mut enc = GifEncoder::new(&mut gif);
        for i in 0..12u8 {
            let img = RgbaImage::from_pixel(16, 16, image::Rgba([i * 20, 90, 0, 255]));
            enc.encode_frame(Frame::new(img)).unwrap();
        }
    }
    let strict = ImageLimits {
        max_frames: 10,
        ..Default::default()
    };
    match render(&gif, &strict) {
        Err(ImagingError::OverLimit(m)) => {
            assert!(m.contains("12 frames") && m.contains("10"), "{m}")
        }
        other => panic!("expected an over-limit error, got {other:?}"),
    }
    assert!(render(&gif, &ImageLimits::default()).is_ok());
}

#[test]
fn a_huge_jpeg_header_is_refused_without_decoding() {
    // A 60000×60000 frame header with no pixel data behind it.
    let mut data = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0xEA, 0x60, 0xEA, 0x60, 1, 1, 0x11, 0,
    ];
    data.extend_from_slice(&[0xFF, 0xD9]);
    match render(&data, &ImageLimits::default()) {
        Err(ImagingError::OverLimit(m)) => assert!(m.contains("60000x60000"), "{m}"),
        other => panic!("expected an over-limit error, got {other:?}"),
    }
}
