//! The reduced inverse DCT: an 8×8 block's `n × n` lowest coefficients
//! (n = 1, 2 or 4) to `n × n` samples, the block scaled by n/8, as
//! libjpeg's `jidctred` computes it.
//!
//! JPEG's DCT is orthonormal, so the `n`-point inverse DCT of the `n` lowest
//! coefficients, scaled by √(n/8) per axis, gives the block low-passed and
//! resampled at `n` points: its mean is kept and nothing aliases.

/// Natural (row-major) position of each zigzag index.
const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// For a scale of `n` samples per block edge: the slot (row × n + column)
/// of each zigzag index that is kept, and the kept indices as a bit set.
pub fn kept(n: usize) -> ([Option<u8>; 64], u64) {
    let mut slot = [None; 64];
    let mut wanted = 0u64;
    for (k, &nat) in ZIGZAG.iter().enumerate() {
        let (row, col) = ((nat / 8) as usize, (nat % 8) as usize);
        if row < n && col < n {
            slot[k] = Some((row * n + col) as u8);
            wanted |= 1 << k;
        }
    }
    (slot, wanted)
}

/// A reduced inverse DCT for one component: scale and dequantisation.
pub struct Reduced {
    n: usize,
    /// Dequantisation factors, natural order in the `n × n` block.
    dq: [f32; 16],
    /// `basis[x][u]`: sample x's weight of coefficient u, scale included.
    basis: [[f32; 4]; 4],
}

impl Reduced {
    /// For `n` (1, 2 or 4) samples per block edge and a quantisation table
    /// in zigzag order.
    pub fn new(n: usize, quant: &[u16; 64]) -> Self {
        let n = n.clamp(1, 4);
        let (slot, _) = kept(n);
        let mut dq = [0f32; 16];
        for (k, s) in slot.iter().enumerate() {
            if let Some(s) = s {
                dq[*s as usize] = quant[k] as f32;
            }
        }
        let mut basis = [[0f32; 4]; 4];
        for (x, row) in basis.iter_mut().enumerate().take(n) {
            for (u, w) in row.iter_mut().enumerate().take(n) {
                // Orthonormal n-point weight × √(n/8): 1/√8 for DC, 1/2 else.
                let c = if u == 0 { 8f32.sqrt().recip() } else { 0.5 };
                let angle = (2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / (2 * n) as f32;
                *w = c * angle.cos();
            }
        }
        Reduced { n, dq, basis }
    }

    /// Samples per block edge.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Writes the block's `n × n` samples at `out`, rows `stride` apart.
    pub fn block(&self, coef: &[i16], out: &mut [u8], stride: usize) {
        match self.n {
            1 => self.block_n::<1>(coef, out, stride),
            2 => self.block_n::<2>(coef, out, stride),
            _ => self.block_n::<4>(coef, out, stride),
        }
    }

    // A const size lets the compiler unroll and vectorise the sums.
    fn block_n<const N: usize>(&self, coef: &[i16], out: &mut [u8], stride: usize) {
        // Clamped first, so the truncating cast rounds half up.
        let to_u8 = |v: f32| (v + 128.5).clamp(0.0, 255.0) as u8;
        let Some(coef) = coef.get(..N * N) else {
            return;
        };
        if coef[1..].iter().all(|&c| c == 0) {
            // Flat blocks are common in skies and shadows.
            let b = self.basis[0][0];
            let v = to_u8(coef[0] as f32 * self.dq[0] * b * b);
            for row in out.chunks_mut(stride).take(N) {
                row.iter_mut().take(N).for_each(|s| *s = v);
            }
            return;
        }
        let mut f = [[0f32; N]; N];
        for (i, &c) in coef.iter().enumerate() {
            f[i / N][i % N] = c as f32 * self.dq[i];
        }
        // Rows, then columns.
        let mut tmp = [[0f32; N]; N];
        for (t, fv) in tmp.iter_mut().zip(&f) {
            for (tx, bx) in t.iter_mut().zip(&self.basis) {
                *tx = fv.iter().zip(bx).map(|(a, b)| a * b).sum();
            }
        }
        for (row, by) in out.chunks_mut(stride).take(N).zip(&self.basis) {
            for (x, s) in row.iter_mut().take(N).enumerate() {
                *s = to_u8(tmp.iter().zip(by).map(|(t, b)| t[x] * b).sum());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_low_corner() {
        let (slot, wanted) = kept(2);
        assert_eq!(wanted, 0b10111);
        assert_eq!((slot[1], slot[2], slot[4]), (Some(1), Some(2), Some(3)));
        assert_eq!(kept(1).1, 1);
        assert_eq!(kept(4).1.count_ones(), 16);
    }

    #[test]
    fn a_flat_block_keeps_its_mean_at_every_scale() {
        for n in [1, 2, 4] {
            let mut coef = [0i16; 16];
            coef[0] = 40; // × q 2 / 8 = mean 10 above mid-grey
            let r = Reduced::new(n, &[2; 64]);
            let mut out = [0u8; 16];
            r.block(&coef[..n * n], &mut out, n);
            assert!(out[..n * n].iter().all(|&s| s == 138), "{n}: {out:?}");
        }
    }

    #[test]
    fn a_horizontal_ramp_falls_left_to_right() {
        let mut coef = [0i16; 16];
        coef[1] = 50; // the lowest horizontal frequency, positive: bright left
        let r = Reduced::new(4, &[1; 64]);
        let mut out = [0u8; 16];
        r.block(&coef, &mut out, 4);
        assert!(
            out[0] > out[1] && out[1] > out[2] && out[2] > out[3],
            "{out:?}"
        );
        assert_eq!(out[0], out[4]);
    }
}
