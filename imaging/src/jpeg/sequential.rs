//! One block of a sequential (baseline) scan, DC only (1/8 scale).
//!
//! A sequential scan interleaves every coefficient of every block, so a
//! decoder that wants only the DC must still read each AC code. Reading
//! costs less than libjpeg-turbo's scaled decode of the same: a table gives
//! a code's length, its extra bits' length and its zigzag advance in one
//! look-up, several short codes at once ([`skip_block`]), no AC
//! value is computed, and the bit buffer stays in registers. At 1/8 scale
//! that is about 17 % less time per file (benches/README.md); at 1/4 and
//! 1/2, where some AC values are needed, it measured no faster, so those
//! scales stay with libjpeg-turbo.

use super::bits::{BitReader, FAST_BITS, Huffman, extend, skip_advance};
use crate::ImagingError;

/// Bits of look-ahead in the several-codes-at-once table for stepping
/// over AC coefficients: 4096 entries of 2 bytes stay in L1.
pub const RUN_BITS: u32 = 12;

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

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
        // The extra bits follow the code in the same look-ahead.
        let diff = match size {
            0 => 0,
            _ => extend(((r.bits << (length - size)) >> (64 - size)) as i32, size),
        };
        r.bits <<= length;
        r.nbits -= length;
        diff
    } else {
        let s = r.symbol(dc)?;
        r.receive_extend(s)?
    };
    *pred = pred.wrapping_add(diff);
    skip_block(r, ac, 1)?;
    Ok(*pred as i16)
}

/// Steps over the rest of a sequential scan's block, from zigzag
/// position `z`, without computing any coefficient's value.
pub fn skip_block(r: &mut BitReader<'_>, t: &Huffman, mut z: u32) -> Result<(), ImagingError> {
    // The bit buffer stays in registers here, not in the reader: this loop
    // is a chain of dependent lookups, one per coefficient.
    let runs = t.runs();
    let (mut bits, mut nbits) = (r.bits, r.nbits);
    while z < 64 {
        if nbits < 32 {
            (r.bits, r.nbits) = (bits, nbits);
            r.refill();
            (bits, nbits) = (r.bits, r.nbits);
        }
        let m = runs[(bits >> (64 - RUN_BITS)) as usize];
        if m != 0 {
            let (length, advance, eob) = ((m & 31) as u32, ((m >> 5) & 1023) as u32, m >> 15);
            // All at once, unless the block ends among them (without
            // an EOB, at position 64): then the first alone.
            if z + advance < 64 || (z + advance == 64 && eob == 0) {
                bits <<= length;
                nbits -= length;
                z += advance;
                if eob == 1 {
                    break;
                }
                continue;
            }
        }
        let e = t.entry(bits);
        let advance = if e != 0 {
            let n = (e & 31) as u32;
            bits <<= n;
            nbits -= n;
            ((e >> 5) & 31) as u32
        } else {
            (r.bits, r.nbits) = (bits, nbits);
            let rs = r.symbol(t)?;
            let (run, size) = (rs >> 4, rs & 15);
            r.bits(size as u32);
            (bits, nbits) = (r.bits, r.nbits);
            skip_advance(run, size)
        };
        if advance == 0 {
            break;
        }
        z += advance;
    }
    (r.bits, r.nbits) = (bits, nbits);
    if z > 64 {
        return Err(corrupt("AC run past the end of the block"));
    }
    Ok(())
}

/// The [`Huffman::runs`] table from the one-code entries.
pub fn runs(entries: &[u16; 1 << FAST_BITS]) -> Box<[u16; 1 << RUN_BITS]> {
    let mut runs = Box::new([0u16; 1 << RUN_BITS]);
    for (i, out) in runs.iter_mut().enumerate() {
        let window = (i as u64) << (64 - RUN_BITS);
        let (mut used, mut advance, mut eob) = (0u16, 0u16, 0u16);
        while u32::from(used) < RUN_BITS {
            let e = entries[((window << used) >> (64 - FAST_BITS)) as usize];
            let length = e & 31;
            // Past the window the look-up sees zeros: only whole codes count.
            if e == 0 || u32::from(used + length) > RUN_BITS {
                break;
            }
            let step = (e >> 5) & 31;
            used += length;
            advance += step;
            if step == 0 {
                eob = 1;
                break;
            }
        }
        *out = eob << 15 | advance << 5 | used;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs "0"/"1" strings into bytes, padded with 1s.
    fn pack(bits: &str) -> Vec<u8> {
        let padded = format!("{bits}{}", "1".repeat((8 - bits.len() % 8) % 8));
        padded
            .as_bytes()
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |b, &x| b << 1 | (x - b'0')))
            .collect()
    }

    #[test]
    fn stepping_over_a_block_stops_exactly_at_its_end() {
        // "0" -> one coefficient of size 1, "10" -> EOB, "11" -> ZRL.
        let mut counts = [0u8; 16];
        counts[0] = 1;
        counts[1] = 2;
        let t = Huffman::new(&counts, &[0x01, 0x00, 0xF0], false).unwrap();
        // A full block without EOB: 63 coefficients, then "0110" of the next.
        let data = pack(&format!("{}0110", "01".repeat(63)));
        let mut r = BitReader::new(&data, 0);
        skip_block(&mut r, &t, 1).unwrap();
        assert_eq!(r.bits(4), 0b0110);
        // ZRL, three coefficients, EOB, then "1001".
        let data = pack("11010101101001");
        let mut r = BitReader::new(&data, 0);
        skip_block(&mut r, &t, 1).unwrap();
        assert_eq!(r.bits(4), 0b1001);
        // One coefficient and four ZRLs run past the block's end: an error.
        let data = pack(&format!("01{}0000", "11".repeat(4)));
        assert!(skip_block(&mut BitReader::new(&data, 0), &t, 1).is_err());
    }
}
