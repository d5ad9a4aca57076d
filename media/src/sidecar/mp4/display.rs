//! How a video track is shown: the rotation in its `tkhd` matrix.

/// The clockwise rotation, in degrees, a viewer applies to show the frames
/// upright, from the `tkhd` matrix entries a, b, c, d (x' = a·x + c·y,
/// y' = b·x + d·y, y pointing down). An iPhone's portrait video has
/// (0, 1, -1, 0): 90. ffprobe reports the same matrix as a Display Matrix
/// `rotation` of -90 (counter-clockwise degrees), so ours is
/// `(-ffprobe) mod 360`. `None` when not rotated, for a mirrored or
/// degenerate matrix and for angles that are not a multiple of 90°.
pub(super) fn rotation(a: f64, b: f64, c: f64, d: f64) -> Option<u16> {
    if a * d - b * c <= 0.0 {
        return None;
    }
    let degrees = b.atan2(a).to_degrees();
    let quarter = (degrees / 90.0).round();
    if (degrees - quarter * 90.0).abs() > 1.0 {
        return None;
    }
    match (quarter as i32).rem_euclid(4) {
        0 => None,
        q => Some(q as u16 * 90),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations() {
        // iPhone portrait; ffmpeg 5.1's `rotate=90`; upside down; identity.
        assert_eq!(rotation(0.0, 1.0, -1.0, 0.0), Some(90));
        assert_eq!(rotation(0.0, -1.0, 1.0, 0.0), Some(270));
        assert_eq!(rotation(-1.0, 0.0, 0.0, -1.0), Some(180));
        assert_eq!(rotation(1.0, 0.0, 0.0, 1.0), None);
        // Mirrored, degenerate, 53°.
        assert_eq!(rotation(-1.0, 0.0, 0.0, 1.0), None);
        assert_eq!(rotation(0.0, 0.0, 0.0, 0.0), None);
        assert_eq!(rotation(0.6, 0.8, -0.8, 0.6), None);
    }
}
