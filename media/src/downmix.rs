//! Folding surround audio into stereo.
//!
//! MP3 carries at most two channels. We use the ITU-R BS.775 coefficients
//! (the ones `ffmpeg -ac 2` uses): L' = L + 0.707·C + 0.707·Ls, likewise for
//! R', LFE dropped. Like ffmpeg's float path the matrix is not normalised,
//! so dialogue keeps its level; the rare peaks above full scale are clamped
//! rather than turning the whole programme down by ~8 dB.

use symphonia::core::audio::{Channels, Position};

const MINUS_3DB: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Per input plane, the gain into the left and right outputs.
fn coefficients(position: Option<Position>) -> [f32; 2] {
    let Some(p) = position else {
        // Unlabelled channel: spread it rather than lose it.
        return [0.5, 0.5];
    };
    let left_side = Position::REAR_LEFT
        | Position::SIDE_LEFT
        | Position::FRONT_LEFT_CENTER
        | Position::FRONT_LEFT_WIDE
        | Position::TOP_FRONT_LEFT
        | Position::TOP_REAR_LEFT
        | Position::TOP_SIDE_LEFT
        | Position::BOTTOM_FRONT_LEFT;
    let right_side = Position::REAR_RIGHT
        | Position::SIDE_RIGHT
        | Position::FRONT_RIGHT_CENTER
        | Position::FRONT_RIGHT_WIDE
        | Position::TOP_FRONT_RIGHT
        | Position::TOP_REAR_RIGHT
        | Position::TOP_SIDE_RIGHT
        | Position::BOTTOM_FRONT_RIGHT;
    let center = Position::FRONT_CENTER
        | Position::TOP_CENTER
        | Position::TOP_FRONT_CENTER
        | Position::BOTTOM_FRONT_CENTER;
    if p == Position::FRONT_LEFT {
        [1.0, 0.0]
    } else if p == Position::FRONT_RIGHT {
        [0.0, 1.0]
    } else if center.contains(p) {
        [MINUS_3DB, MINUS_3DB]
    } else if left_side.contains(p) {
        [MINUS_3DB, 0.0]
    } else if right_side.contains(p) {
        [0.0, MINUS_3DB]
    } else if (Position::LFE1 | Position::LFE2).contains(p) {
        [0.0, 0.0]
    } else {
        // Rear/top-rear centre: half into each side.
        [0.5, 0.5]
    }
}

/// The position of each plane, in the decoder's plane order.
fn plane_positions(channels: &Channels) -> Vec<Option<Position>> {
    match channels {
        Channels::Positioned(mask) => mask.iter().map(Some).collect(),
        Channels::Custom(labels) => labels
            .iter()
            .map(|label| match label {
                symphonia::core::audio::ChannelLabel::Positioned(p) => Some(*p),
                _ => None,
            })
            .collect(),
        other => {
            // Discrete channels: assume the WAVE order, the common default.
            let count = other.count();
            let mut positions: Vec<Option<Position>> = u32::try_from(count)
                .ok()
                .and_then(Position::from_wave_channel_count)
                .map(|mask| mask.iter().map(Some).collect())
                .unwrap_or_default();
            positions.resize(count, None);
            positions
        }
    }
}

/// A stereo downmixer with reusable output buffers.
pub(crate) struct Downmix {
    coeffs: Vec<[f32; 2]>,
    left: Vec<f32>,
    right: Vec<f32>,
}

impl Downmix {
    /// Builds the matrix for a decoder's channel layout.
    pub fn new(channels: &Channels) -> Self {
        let coeffs = plane_positions(channels)
            .into_iter()
            .map(coefficients)
            .collect();
        Self {
            coeffs,
            left: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Mixes `planes` (one slice per input channel, equal lengths) into
    /// stereo; the returned slices live until the next call.
    pub fn apply(&mut self, planes: &[Vec<f32>]) -> (&[f32], &[f32]) {
        let frames = planes.first().map_or(0, Vec::len);
        self.left.clear();
        self.left.resize(frames, 0.0);
        self.right.clear();
        self.right.resize(frames, 0.0);
        for (plane, &[gl, gr]) in planes.iter().zip(&self.coeffs) {
            if gl != 0.0 {
                for (out, &s) in self.left.iter_mut().zip(plane) {
                    *out += gl * s;
                }
            }
            if gr != 0.0 {
                for (out, &s) in self.right.iter_mut().zip(plane) {
                    *out += gr * s;
                }
            }
        }
        for s in self.left.iter_mut().chain(self.right.iter_mut()) {
            *s = s.clamp(-1.0, 1.0);
        }
        (&self.left, &self.right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use symphonia::core::audio::layouts::CHANNEL_LAYOUT_5P1;

    #[test]
    fn five_one_follows_bs775() {
        let mut mix = Downmix::new(&CHANNEL_LAYOUT_5P1);
        // FL FR FC LFE RL RR (canonical order): only centre and LFE active.
        let planes = vec![
            vec![0.0],
            vec![0.0],
            vec![0.5],
            vec![1.0],
            vec![0.0],
            vec![0.2],
        ];
        let (l, r) = mix.apply(&planes);
        assert!((l[0] - 0.5 * MINUS_3DB).abs() < 1e-6);
        assert!((r[0] - (0.5 + 0.2) * MINUS_3DB).abs() < 1e-6);
    }

    #[test]
    fn peaks_are_clamped() {
        let mut mix = Downmix::new(&CHANNEL_LAYOUT_5P1);
        let planes = vec![
            vec![1.0],
            vec![-1.0],
            vec![1.0],
            vec![0.0],
            vec![1.0],
            vec![-1.0],
        ];
        let (l, r) = mix.apply(&planes);
        // L would be 1 + 0.707 + 0.707; R is -1 + 0.707 - 0.707.
        assert_eq!(l[0], 1.0);
        assert!((r[0] + 1.0).abs() < 1e-6);
    }
}
