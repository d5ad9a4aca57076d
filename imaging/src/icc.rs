//! Colour management: thumbnails are sRGB, as browsers assume for untagged
//! images, so pixels in another profile (Adobe RGB, Display P3, ...) are
//! converted rather than shown with the wrong colours.

use image::DynamicImage;
use qcms::{DataType, Intent, Profile, Transform};

/// A transform from `icc` to sRGB, or `None` when the profile is sRGB,
/// unusable, or not an RGB profile (then pixels are left as they are).
pub fn to_srgb(icc: &[u8], alpha: bool) -> Option<Transform> {
    let input = Profile::new_from_slice(icc, false)?;
    if input.is_sRGB() {
        return None;
    }
    let ty = if alpha {
        DataType::RGBA8
    } else {
        DataType::RGB8
    };
    Transform::new(&input, &Profile::new_sRGB(), ty, Intent::Perceptual)
}

/// Applies `t` to an 8-bit RGB or RGBA image in place.
pub fn apply(t: &Transform, img: &mut DynamicImage) {
    match img {
        DynamicImage::ImageRgb8(i) => t.apply(i.as_mut()),
        DynamicImage::ImageRgba8(i) => t.apply(i.as_mut()),
        _ => {}
    }
}
