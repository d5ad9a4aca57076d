//! Colour and orientation survive every decode path: EXIF rotation on the
//! DC-only and scaled paths, CMYK JPEGs converted rather than garbled.
#![allow(clippy::unwrap_used)]

use image::RgbImage;
use kiln_imaging::ImageFormat;
use kiln_imaging::jpeg::JpegPath;
use kiln_imaging::{DecodePath, ImageLimits, RenderOptions, render_thumbnails};
use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

fn compress(pixels: &[u8], w: usize, h: usize, format: PixelFormat, progressive: bool) -> Vec<u8> {
    let mut c = Compressor::new().unwrap();
    c.set_quality(92).unwrap();
    c.set_subsamp(Subsamp::Sub2x2).unwrap();
    c.set_progressive(progressive).unwrap();
    let bpp = format.size();
    c.compress_to_vec(Image {
        pixels,
        width: w,
        pitch: w * bpp,
        height: h,
        format,
    })
    .unwrap()
}

/// Inserts an EXIF APP1 segment carrying only an orientation tag.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn render(data: &[u8]) -> (kiln_imaging::Rendering, RgbImage) {
    let r = render_thumbnails(
        data,
        &[256],
        &[ImageFormat::Jpeg],
        &ImageLimits::default(),
        &RenderOptions::default(),
    )
    .unwrap();
    let img = image::load_from_memory(&r.outputs[0].bytes)
        .unwrap()
        .into_rgb8();
    (r, img)
}

#[test]
fn exif_rotation_is_applied_on_every_path() {
    // Landscape, red on the left half, blue on the right.
    let (w, h) = (3000usize, 2000usize);
    let px: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i % w < w / 2 {
                [220, 20, 20]
            } else {
                [20, 20, 220]
            }
        })
        .collect();
    for progressive in [true, false] {
        let data = with_orientation(&compress(&px, w, h, PixelFormat::RGB, progressive), 6);
        let (r, img) = render(&data);
        let dc = r.path == DecodePath::Jpeg(JpegPath::DcOnly);
        assert_eq!(dc, progressive, "{:?}", r.path);
        // Orientation 6: rotate 90° clockwise, so the left half becomes the top.
        assert_eq!(img.dimensions(), (171, 256), "progressive={progressive}");
        let top = img.get_pixel(85, 20);
        let bottom = img.get_pixel(85, 235);
        assert!(top[0] > 180 && top[2] < 70, "top should be red, is {top:?}");
        assert!(
            bottom[2] > 180 && bottom[0] < 70,
            "bottom should be blue, is {bottom:?}"
        );
    }
}

#[test]
fn cmyk_jpegs_come_out_in_their_colours() {
    // Adobe (inverted) CMYK as Photoshop writes it: 255 is no ink.
    // Magenta ink only: C none, M full, Y none, K none.
    let (w, h) = (800usize, 600usize);
    let px: Vec<u8> = (0..w * h).flat_map(|_| [255u8, 0, 255, 255]).collect();
    let data = compress(&px, w, h, PixelFormat::CMYK, false);
    let (r, img) = render(&data);
    assert!(matches!(r.path, DecodePath::Jpeg(JpegPath::Scaled { .. })));
    let p = img.get_pixel(100, 80);
    assert!(
        p[0] > 230 && p[1] < 30 && p[2] > 230,
        "expected magenta, got {p:?}"
    );
}
