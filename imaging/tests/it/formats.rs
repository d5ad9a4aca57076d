//! Every output format Kiln offers renders, at the size it reports.
#![allow(clippy::unwrap_used)]

use image::{Rgba, RgbaImage};
use kiln_imaging::ImageFormat;
use kiln_imaging::{ImageLimits, RenderOptions, render_thumbnails};

/// The `ispe` (image spatial extents) property of an AVIF file.
fn avif_dimensions(data: &[u8]) -> (u32, u32) {
    let at = data
        .windows(4)
        .position(|w| w == b"ispe")
        .expect("an ispe box");
    let n = |o: usize| u32::from_be_bytes(data[at + o..at + o + 4].try_into().unwrap());
    (n(8), n(12))
}

#[test]
fn every_format_renders_at_the_reported_size_with_alpha_where_it_can() {
    // Half transparent: PNG, WebP and AVIF keep alpha; JPEG is flattened.
    let img = RgbaImage::from_fn(600, 400, |x, y| {
        Rgba([
            (x / 3) as u8,
            (y / 2) as u8,
            90,
            if x < 300 { 255 } else { 0 },
        ])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let r = render_thumbnails(
        png.get_ref(),
        &[64],
        &ImageFormat::ALL,
        &ImageLimits::default(),
        &RenderOptions::default(),
    )
    .unwrap();
    assert_eq!(r.outputs.len(), ImageFormat::ALL.len());
    for o in &r.outputs {
        assert_eq!((o.width, o.height), (64, 43));
        match o.format {
            ImageFormat::Avif => {
                assert_eq!(&o.bytes[4..12], b"ftypavif");
                assert_eq!(avif_dimensions(&o.bytes), (64, 43));
            }
            f => {
                let back = image::load_from_memory(&o.bytes).unwrap();
                assert_eq!((back.width(), back.height()), (64, 43), "{f:?}");
                let corner = back.to_rgba8().get_pixel(60, 20).0;
                if f == ImageFormat::Jpeg {
                    assert!(
                        corner[0] > 240 && corner[1] > 240,
                        "flattened on white: {corner:?}"
                    );
                } else {
                    assert!(corner[3] < 10, "{f:?} keeps transparency: {corner:?}");
                }
            }
        }
    }
}
