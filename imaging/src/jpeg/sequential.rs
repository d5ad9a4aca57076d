//! One block of a sequential (baseline) scan, at a reduced scale.
//!
//! A thumbnail needs only each block's lowest frequencies, but a sequential
//! scan interleaves every coefficient of every block, so each must still be
//! stepped over. Stepping is cheaper than decoding: one table lookup drops a
//! code and its extra bits together ([`BitReader::skip_ac`]), with no value
//! computed or stored. That is the whole gain over libjpeg-turbo's scaled
//! decode, which reads each skipped code and then its bits.

use super::bits::{BitReader, Huffman};
use crate::ImagingError;

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

/// Decodes one block: its DC (added to the component's predictor `pred`),
/// the coefficients `slot` keeps (those at zigzag positions up to
/// `last_kept`), and steps over the rest.
pub fn block(
    r: &mut BitReader<'_>,
    dc: &Huffman,
    ac: &Huffman,
    pred: &mut i32,
    slot: &[Option<u8>; 64],
    last_kept: usize,
    block: &mut [i16],
) -> Result<(), ImagingError> {
    let s = r.symbol(dc)?;
    *pred = pred.wrapping_add(r.receive_extend(s)?);
    block[0] = *pred as i16;
    let mut z = 1usize;
    while z <= last_kept {
        let rs = r.symbol(ac)?;
        let (run, size) = ((rs >> 4) as usize, rs & 15);
        if size == 0 {
            if run != 15 {
                return Ok(());
            }
            z += 16;
            continue;
        }
        z += run;
        if z > 63 {
            return Err(corrupt("AC run past the end of the block"));
        }
        let v = r.receive_extend(size)?;
        if let Some(i) = slot[z] {
            block[i as usize] = v.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
        }
        z += 1;
    }
    while z < 64 {
        match r.skip_ac(ac)? {
            0 => return Ok(()),
            n => z += n as usize,
        }
    }
    if z > 64 {
        return Err(corrupt("AC run past the end of the block"));
    }
    Ok(())
}
