//! The JPEG decode paths agree with libjpeg-turbo's own scaled decode, and
//! the renderer picks the cheap path only when it is good enough.
#![allow(clippy::unwrap_used)]

use image::{DynamicImage, RgbImage};
use kiln_imaging::ImageFormat;
use kiln_imaging::jpeg::{self, JpegPath};
use kiln_imaging::{DecodePath, ImageLimits, RenderOptions, render_thumbnails};
use turbojpeg::{Compressor, Image, PixelFormat, ScalingFactor, Subsamp};

/// A photo-like test card: smooth gradients, hard edges and fine texture.
fn card(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let ring = (((fx - 0.5).powi(2) + (fy - 0.5).powi(2)).sqrt() * 40.0).sin();
        let texture = ((x * 7919 + y * 104_729) % 31) as f32;
        let block = if (x / 97 + y / 89) % 2 == 0 {
            40.0
        } else {
            0.0
        };
        image::Rgb([
            (fx * 200.0 + texture + block) as u8,
            (fy * 180.0 + ring * 30.0 + 40.0) as u8,
            ((1.0 - fx) * 150.0 + block + texture) as u8,
        ])
    })
}

fn compress(img: &RgbImage, progressive: bool, subsamp: Subsamp, format: PixelFormat) -> Vec<u8> {
    let mut c = Compressor::new().unwrap();
    c.set_quality(90).unwrap();
    c.set_subsamp(subsamp).unwrap();
    c.set_progressive(progressive).unwrap();
    let gray;
    let (pixels, bpp) = if format == PixelFormat::GRAY {
        gray = DynamicImage::ImageRgb8(img.clone()).into_luma8().into_raw();
        (gray.as_slice(), 1)
    } else {
        (img.as_raw().as_slice(), 3)
    };
    c.compress_to_vec(Image {
        pixels,
        width: img.width() as usize,
        pitch: img.width() as usize * bpp,
        height: img.height() as usize,
        format,
    })
    .unwrap()
}

/// libjpeg-turbo's 1/8 decode, the reference for the DC-only path.
fn eighth(data: &[u8]) -> RgbImage {
    scaled(data, ScalingFactor::ONE_EIGHTH)
}

/// libjpeg-turbo's decode at `f`, every scan read.
fn scaled(data: &[u8], f: ScalingFactor) -> RgbImage {
    let mut d = turbojpeg::Decompressor::new().unwrap();
    d.set_scaling_factor(f).unwrap();
    let h = d.read_header(data).unwrap().scaled(f);
    let mut px = vec![0; h.width * h.height * 3];
    let out = Image {
        pixels: px.as_mut_slice(),
        width: h.width,
        pitch: h.width * 3,
        height: h.height,
        format: PixelFormat::RGB,
    };
    d.decompress(data, out).unwrap();
    RgbImage::from_raw(h.width as u32, h.height as u32, px).unwrap()
}

/// Mean absolute difference of two images' samples (same size and layout).
fn mean_abs_diff<P: image::Pixel<Subpixel = u8>>(
    a: &image::ImageBuffer<P, Vec<u8>>,
    b: &image::ImageBuffer<P, Vec<u8>>,
) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y) as u64)
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn progressive_dc_path_matches_libjpeg_turbo_at_one_eighth() {
    let src = card(2400, 1601);
    for sub in [Subsamp::Sub2x2, Subsamp::Sub2x1, Subsamp::None] {
        let data = compress(&src, true, sub, PixelFormat::RGB);
        let d = jpeg::decode(&data, 256).unwrap();
        assert_eq!(d.path, JpegPath::DcOnly, "{sub:?}");
        assert_eq!(d.image.dimensions(), (300, 201));
        // libjpeg-turbo scales subsampled chroma with a 2×2 inverse DCT (AC
        // coefficients included), so only luma must match closely.
        let luma = |i: &RgbImage| DynamicImage::ImageRgb8(i.clone()).into_luma8();
        let reference = eighth(&data);
        let y = mean_abs_diff(&luma(&d.image), &luma(&reference));
        assert!(
            y < 1.0,
            "{sub:?}: luma differs by {y:.2} from libjpeg-turbo's 1/8 decode"
        );
        let rgb = mean_abs_diff(&d.image, &reference);
        assert!(rgb < 4.0, "{sub:?}: colour differs by {rgb:.2} on average");
    }
}

#[test]
fn grayscale_progressive_takes_the_dc_path() {
    let data = compress(&card(1200, 800), true, Subsamp::Gray, PixelFormat::GRAY);
    let d = jpeg::decode(&data, 128).unwrap();
    assert_eq!(d.path, JpegPath::DcOnly);
    assert!(mean_abs_diff(&d.image, &eighth(&data)) < 1.0);
}

/// At 1/4 and 1/2 scale the low-frequency path reads only the coarse AC
/// passes, so it is close to, not equal to, libjpeg-turbo's decode of every
/// scan: the low bits the refinement scans would add are missing.
#[test]
fn progressive_low_frequency_path_is_close_to_libjpeg_turbo_at_a_quarter_and_a_half() {
    let src = card(2400, 1601);
    for sub in [Subsamp::Sub2x2, Subsamp::Sub2x1, Subsamp::None] {
        let data = compress(&src, true, sub, PixelFormat::RGB);
        for (need, eighths, f, size) in [
            (600, 2, ScalingFactor::ONE_QUARTER, (600, 401)),
            (1024, 4, ScalingFactor::ONE_HALF, (1200, 801)),
        ] {
            let d = jpeg::decode(&data, need).unwrap();
            assert_eq!(d.path, JpegPath::LowFrequency { eighths }, "{sub:?}");
            assert_eq!(d.image.dimensions(), size);
            let luma = |i: &RgbImage| DynamicImage::ImageRgb8(i.clone()).into_luma8();
            let reference = scaled(&data, f);
            let y = mean_abs_diff(&luma(&d.image), &luma(&reference));
            assert!(y < 2.0, "{sub:?} at {eighths}/8: luma differs by {y:.2}");
            let rgb = mean_abs_diff(&d.image, &reference);
            assert!(
                rgb < 4.0,
                "{sub:?} at {eighths}/8: colour differs by {rgb:.2}"
            );
        }
    }
}

#[test]
fn too_large_for_half_scale_or_baseline_uses_scaled_idct() {
    let src = card(1920, 1080);
    let prog = compress(&src, true, Subsamp::Sub2x2, PixelFormat::RGB);
    // 1920 / 2 = 960 < 1024: every coefficient's full precision matters.
    let d = jpeg::decode(&prog, 1024).unwrap();
    assert_eq!(d.path, JpegPath::Scaled { eighths: 7 });
    assert_eq!(d.image.dimensions(), (1680, 945));
    let d = jpeg::decode(&prog, 256).unwrap();
    assert_eq!(d.path, JpegPath::LowFrequency { eighths: 2 });
    assert_eq!(d.image.dimensions(), (480, 270));
    // A baseline file keeps libjpeg-turbo's 1.5× margin (1920 / 8 = 240 <
    // 384) and only its 1/8 decode is Kiln's own.
    let base = compress(&src, false, Subsamp::Sub2x2, PixelFormat::RGB);
    assert_eq!(
        jpeg::decode(&base, 256).unwrap().path,
        JpegPath::Scaled { eighths: 2 }
    );
    assert_eq!(jpeg::decode(&base, 100).unwrap().path, JpegPath::BaselineDc);
}

/// A baseline file's DC decode is libjpeg-turbo's 1/8 decode up to
/// rounding, for each chroma layout and in grey.
#[test]
fn baseline_dc_path_matches_libjpeg_turbo_at_one_eighth() {
    let src = card(2400, 1601);
    let layouts = [
        (Subsamp::Sub2x2, PixelFormat::RGB),
        (Subsamp::Sub2x1, PixelFormat::RGB),
        (Subsamp::None, PixelFormat::RGB),
        (Subsamp::Gray, PixelFormat::GRAY),
    ];
    for (sub, format) in layouts {
        let data = compress(&src, false, sub, format);
        let d = jpeg::decode(&data, 150).unwrap();
        assert_eq!(
            (d.path, &d.dc_fallback),
            (JpegPath::BaselineDc, &None),
            "{sub:?}"
        );
        assert_eq!(d.image.dimensions(), (300, 201));
        let luma = |i: &RgbImage| DynamicImage::ImageRgb8(i.clone()).into_luma8();
        let reference = eighth(&data);
        let y = mean_abs_diff(&luma(&d.image), &luma(&reference));
        assert!(y < 1.0, "{sub:?}: luma differs by {y:.2}");
        // libjpeg-turbo decodes subsampled chroma at twice the scale.
        let rgb = mean_abs_diff(&d.image, &reference);
        assert!(rgb < 4.0, "{sub:?}: colour differs by {rgb:.2}");
        // At 1/4 and 1/2 libjpeg-turbo is as fast: it decodes those.
        assert_eq!(
            jpeg::decode(&data, 400).unwrap().path,
            JpegPath::Scaled { eighths: 2 }
        );
    }
}

/// Restart markers (every 3 MCUs, 4:2:0; every MCU, 4:4:4), written by
/// `vips jpegsave --restart-interval` from the progressive fixtures.
#[test]
fn baseline_restart_intervals_decode_like_libjpeg_turbo() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["baseline_restart_420.jpg", "baseline_restart_444.jpg"] {
        let data = std::fs::read(dir.join(name)).unwrap();
        let d = jpeg::decode(&data, 20).unwrap();
        assert_eq!(
            (d.path, &d.dc_fallback),
            (JpegPath::BaselineDc, &None),
            "{name}"
        );
        let luma = |i: &RgbImage| DynamicImage::ImageRgb8(i.clone()).into_luma8();
        let y = mean_abs_diff(&luma(&d.image), &luma(&eighth(&data)));
        assert!(
            y < 1.0,
            "{name}: luma differs by {y:.2} from libjpeg-turbo's 1/8 decode"
        );
    }
}

#[test]
fn damaged_baseline_data_is_an_error_or_a_picture_never_a_panic() {
    let data = compress(&card(1600, 1200), false, Subsamp::Sub2x2, PixelFormat::RGB);
    for seed in 0..40usize {
        let mut bad = data.clone();
        for k in 0..8 {
            let i = 700 + (seed * 7919 + k * 104_729) % (bad.len() - 800);
            bad[i] ^= 0x5A;
        }
        let _ = jpeg::decode(&bad, 128);
        // Cut short: never a read past the end.
        let _ = jpeg::decode(&data[..data.len() * (seed + 1) / 41], 128);
    }
}

#[test]
fn thumbnail_sizes_do_not_depend_on_the_decode_path() {
    let src = card(3000, 2000);
    let limits = ImageLimits::default();
    let mut sizes = Vec::new();
    for progressive in [true, false] {
        let data = compress(&src, progressive, Subsamp::Sub2x2, PixelFormat::RGB);
        let r = render_thumbnails(
            &data,
            &[256, 64],
            &[ImageFormat::Jpeg],
            &limits,
            &RenderOptions::default(),
        )
        .unwrap();
        let want = if progressive {
            DecodePath::Jpeg(JpegPath::DcOnly)
        } else {
            DecodePath::Jpeg(JpegPath::Scaled { eighths: 2 })
        };
        assert_eq!(r.path, want);
        sizes.push(
            r.outputs
                .iter()
                .map(|o| (o.width, o.height))
                .collect::<Vec<_>>(),
        );
        for o in &r.outputs {
            let back = image::load_from_memory(&o.bytes).unwrap();
            assert_eq!((back.width(), back.height()), (o.width, o.height));
        }
    }
    assert_eq!(sizes[0], vec![(256, 171), (64, 43)]);
    assert_eq!(sizes[0], sizes[1]);
}

#[test]
fn damaged_progressive_data_is_an_error_or_a_picture_never_a_panic() {
    let data = compress(&card(1600, 1200), true, Subsamp::Sub2x2, PixelFormat::RGB);
    // Flip bytes all over the entropy-coded data, keeping the headers.
    for seed in 0..40usize {
        let mut bad = data.clone();
        for k in 0..8 {
            let i = 700 + (seed * 7919 + k * 104_729) % (bad.len() - 800);
            bad[i] ^= 0x5A;
        }
        for need in [128, 400, 800] {
            let _ = jpeg::decode(&bad, need);
        }
    }
}

/// Layouts libjpeg-turbo's encoder API cannot make, made with `cjpeg` from a
/// 320×200 crop of a corpus photograph (mate-backgrounds' LadyBird):
/// restart markers every MCU row or every few blocks, DC sent as one scan per
/// component with successive approximation (`-scans`), 4:2:2 and 4:4:4.
#[test]
fn restart_intervals_and_separate_dc_scans_decode_like_libjpeg_turbo() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "restart_rows.jpg",
        "separate_dc.jpg",
        "restart_blocks_422.jpg",
        "separate_dc_444_restart.jpg",
    ] {
        let data = std::fs::read(dir.join(name)).unwrap();
        let d = jpeg::decode(&data, 40).unwrap();
        assert_eq!(d.path, JpegPath::DcOnly, "{name}");
        let reference = eighth(&data);
        let luma = |i: &RgbImage| DynamicImage::ImageRgb8(i.clone()).into_luma8();
        let y = mean_abs_diff(&luma(&d.image), &luma(&reference));
        assert!(
            y < 1.0,
            "{name}: luma differs by {y:.2} from libjpeg-turbo's 1/8 decode"
        );
    }
}

/// Damage inside the entropy-coded data is a permanent error, not a guess:
/// the DC decoder gives up, and libjpeg-turbo's "corrupt data" warnings
/// (which would leave a grey or garbled band) fail the decode too.
#[test]
fn damaged_scan_data_is_an_error_and_clean_files_never_fall_back() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let clean = std::fs::read(dir.join("restart_rows.jpg")).unwrap();
    let d = jpeg::decode(&clean, 40).unwrap();
    assert_eq!((d.path, d.dc_fallback), (JpegPath::DcOnly, None));
    // Remove the first restart marker: one interval's data is then lost.
    let mut data = clean.clone();
    let sos = data.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let rst = sos
        + data[sos..]
            .windows(2)
            .position(|w| w == [0xFF, 0xD0])
            .unwrap();
    data.drain(rst..rst + 2);
    match jpeg::decode(&data, 40) {
        Err(kiln_imaging::ImagingError::Corrupt(m)) => {
            assert!(m.contains("Corrupt JPEG data"), "{m}")
        }
        other => panic!("expected a corrupt-data error, got {other:?}"),
    }
}
