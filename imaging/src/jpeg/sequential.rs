//! One block of a sequential (baseline) scan, DC only (1/8 scale).
//!
//! A sequential scan interleaves every coefficient of every block, so a
//! decoder that wants only the DC must still read each AC code. Reading
//! costs less than libjpeg-turbo's scaled decode of the same: a table gives
//! a code's length, its extra bits' length and its zigzag advance in one
//! look-up, several short codes at once ([`BitReader::skip_block`]), no AC
//! value is computed, and the bit buffer stays in registers. At 1/8 scale
//! that is about 17 % less time per file (benches/README.md); at 1/4 and
//! 1/2, where some AC values are needed, it measured no faster, so those
//! scales stay with libjpeg-turbo.

use super::bits::{BitReader, Huffman};
use crate::ImagingError;

/// Decodes one block's DC, added to the component's predictor `pred`, and
/// steps over its AC coefficients.
#[inline(always)]
pub fn block(
    r: &mut BitReader<'_>,
    dc: &Huffman,
    ac: &Huffman,
    pred: &mut i32,
) -> Result<i16, ImagingError> {
    if r.nbits < 32 {
        r.refill();
    }
    let e = dc.entry(r.bits);
    let diff = if e != 0 {
        let (length, size) = ((e & 31) as u32, (e >> 10) as u32);
        let diff = extend(r.bits, length, size);
        r.bits <<= length;
        r.nbits -= length;
        diff
    } else {
        let s = r.symbol(dc)?;
        r.receive_extend(s)?
    };
    *pred = pred.wrapping_add(diff);
    r.skip_block(ac, 1)?;
    Ok(*pred as i16)
}

/// The `size` extra bits that follow a code in a `length`-bit entry,
/// sign-extended (T.81 F.2.2.1).
fn extend(bits: u64, length: u32, size: u32) -> i32 {
    if size == 0 {
        return 0;
    }
    let v = ((bits << (length - size)) >> (64 - size)) as i32;
    if v < 1 << (size - 1) {
        v - (1 << size) + 1
    } else {
        v
    }
}
