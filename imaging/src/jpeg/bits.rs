//! Huffman tables and the entropy-coded bit stream (with byte stuffing and
//! markers), as ITU T.81 Annex C and F describe them.

use super::sequential::{self, RUN_BITS};
use crate::ImagingError;
use std::cell::OnceCell;

/// Bits of look-ahead in the one-code tables.
pub const FAST_BITS: u32 = 9;

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

/// A Huffman table with a lookup for codes of up to [`FAST_BITS`] bits.
#[derive(Debug, Clone)]
pub struct Huffman {
    /// `(length << 8) | symbol` for every FAST_BITS-bit prefix; 0 when longer.
    fast: Box<[u16; 1 << FAST_BITS]>,
    /// Largest code of each length (index 1..=16), -1 when none.
    maxcode: [i32; 18],
    /// Offset from a code of each length to its symbol's index.
    valoffset: [i32; 17],
    symbols: Vec<u8>,
    /// For codes of up to FAST_BITS bits, code and extra bits in one entry:
    /// `size << 10 | advance << 5 | length`, where `length` counts the code
    /// and its `size` extra bits and `advance` is how far an AC symbol moves
    /// a sequential scan's zigzag position (0: end of block); 0 when the
    /// code is longer, or is a DC symbol above 15.
    entries: Box<[u16; 1 << FAST_BITS]>,
    /// For stepping over AC coefficients: the codes (with their extra bits)
    /// that fit whole in the next RUN_BITS bits, greedily, up to and
    /// including an end of block, as `eob << 15 | advance << 5 | length`;
    /// 0 when not even the first fits. Built at first use: progressive
    /// files never need it.
    runs: OnceCell<Box<[u16; 1 << RUN_BITS]>>,
}

impl Huffman {
    /// Builds a table from DHT's 16 code-length counts and its symbols.
    pub fn new(counts: &[u8; 16], symbols: &[u8], dc: bool) -> Result<Self, ImagingError> {
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total > 256 || total != symbols.len() {
            return Err(corrupt("bad Huffman table"));
        }
        let mut fast = Box::new([0u16; 1 << FAST_BITS]);
        let mut entries = Box::new([0u16; 1 << FAST_BITS]);
        let mut maxcode = [-1i32; 18];
        let mut valoffset = [0i32; 17];
        let (mut code, mut k) = (0u32, 0usize);
        for len in 1..=16u32 {
            let n = counts[len as usize - 1] as usize;
            valoffset[len as usize] = k as i32 - code as i32;
            for _ in 0..n {
                if code >= 1 << len {
                    return Err(corrupt("Huffman table has too many codes"));
                }
                if len <= FAST_BITS {
                    let shift = FAST_BITS - len;
                    let base = (code << shift) as usize;
                    for e in &mut fast[base..base + (1 << shift)] {
                        *e = ((len as u16) << 8) | symbols[k] as u16;
                    }
                    let sym = symbols[k];
                    let (run, size) = if dc { (0, sym) } else { (sym >> 4, sym & 15) };
                    if size <= 15 {
                        let advance = skip_advance(run, size) as u16;
                        let e = (size as u16) << 10 | advance << 5 | (len + size as u32) as u16;
                        entries[base..base + (1 << shift)].fill(e);
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                maxcode[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        maxcode[17] = i32::MAX;
        Ok(Huffman {
            fast,
            maxcode,
            valoffset,
            symbols: symbols.to_vec(),
            runs: OnceCell::new(),
            entries,
        })
    }

    /// The [`Huffman::entries`] entry for a bit buffer's leading bits.
    #[inline(always)]
    pub fn entry(&self, bits: u64) -> u16 {
        self.entries[(bits >> (64 - FAST_BITS)) as usize]
    }

    /// The [`Huffman::runs`] table, built at its first use.
    pub fn runs(&self) -> &[u16; 1 << RUN_BITS] {
        self.runs.get_or_init(|| sequential::runs(&self.entries))
    }
}

/// How far a sequential scan's AC symbol moves the zigzag position: past a
/// run of zeros and one coefficient, 16 zeros (ZRL), or 0 for end of block
/// (EOB; libjpeg reads every other size-0 symbol as one too).
pub fn skip_advance(run: u8, size: u8) -> u32 {
    match (run, size) {
        (15, 0) => 16,
        (_, 0) => 0,
        _ => run as u32 + 1,
    }
}

/// A magnitude category's `s` (1..=16) extra bits `v`, sign-extended
/// (T.81 F.2.2.1).
#[inline(always)]
pub fn extend(v: i32, s: u32) -> i32 {
    if v < 1 << (s - 1) {
        v - (1 << s) + 1
    } else {
        v
    }
}

/// Whether any of the eight bytes of `w` is 0xFF (a stuffed byte or a
/// marker follows): the zero-byte test on its complement.
fn has_ff_byte(w: u64) -> bool {
    let x = !w;
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080 != 0
}

/// Reads bits from an entropy-coded segment, stopping (and then yielding
/// zeros) at the first marker.
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pub pos: usize,
    /// Buffered bits, the next at the top.
    pub bits: u64,
    /// How many of `bits` are buffered.
    pub nbits: u32,
}

impl<'a> BitReader<'a> {
    /// A reader whose scan data starts at `pos`.
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            bits: 0,
            nbits: 0,
        }
    }

    /// Buffers at least 57 bits (zeros past the segment's end).
    #[inline]
    pub fn refill(&mut self) {
        if self.nbits > 56 {
            return;
        }
        // Most of the data has no FF byte: load whole bytes at once.
        if let Some(chunk) = self.data.get(self.pos..self.pos + 8) {
            let w = u64::from_be_bytes(chunk.try_into().expect("eight bytes"));
            if !has_ff_byte(w) {
                let take = (64 - self.nbits) / 8;
                let w = if take == 8 {
                    w
                } else {
                    w & !(u64::MAX >> (take * 8))
                };
                self.bits |= w >> self.nbits;
                self.nbits += take * 8;
                self.pos += take as usize;
                return;
            }
        }
        self.refill_bytes();
    }

    #[cold]
    #[inline(never)]
    fn refill_bytes(&mut self) {
        while self.nbits <= 56 {
            let mut byte = 0u8;
            match self.data.get(self.pos) {
                // FF 00 is a stuffed FF; FF then anything else is a marker,
                // where the segment's data ends: pad with zeros.
                Some(&0xFF) if self.data.get(self.pos + 1) == Some(&0x00) => {
                    byte = 0xFF;
                    self.pos += 2;
                }
                Some(&0xFF) => {}
                Some(&b) => {
                    byte = b;
                    self.pos += 1;
                }
                None => {}
            }
            self.bits |= (byte as u64) << (56 - self.nbits);
            self.nbits += 8;
        }
    }

    /// The next `n` (0..=16) bits as an unsigned number.
    pub fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        if self.nbits < n {
            self.refill();
        }
        let v = (self.bits >> (64 - n)) as u32;
        self.bits <<= n;
        self.nbits -= n;
        v
    }

    /// Decodes one Huffman symbol.
    pub fn symbol(&mut self, t: &Huffman) -> Result<u8, ImagingError> {
        if self.nbits < 16 {
            self.refill();
        }
        let e = t.fast[(self.bits >> (64 - FAST_BITS)) as usize];
        if e != 0 {
            let len = (e >> 8) as u32;
            self.bits <<= len;
            self.nbits -= len;
            return Ok(e as u8);
        }
        let peek = (self.bits >> 48) as i32;
        for len in FAST_BITS + 1..=16 {
            let code = peek >> (16 - len);
            if code <= t.maxcode[len as usize] {
                self.bits <<= len;
                self.nbits -= len;
                let i = code + t.valoffset[len as usize];
                return t
                    .symbols
                    .get(i as usize)
                    .copied()
                    .ok_or_else(|| corrupt("bad Huffman code"));
            }
        }
        Err(corrupt("bad Huffman code"))
    }

    /// A magnitude category's extra bits, sign-extended (T.81 F.2.2.1).
    pub fn receive_extend(&mut self, s: u8) -> Result<i32, ImagingError> {
        if s == 0 {
            return Ok(0);
        }
        if s > 16 {
            return Err(corrupt("coefficient category above 16"));
        }
        Ok(extend(self.bits(s as u32) as i32, s as u32))
    }

    /// At a restart interval's end: drops buffered bits and steps over the
    /// RSTn marker that must come next.
    pub fn restart(&mut self) -> Result<(), ImagingError> {
        self.bits = 0;
        self.nbits = 0;
        let at = next_marker(self.data, self.pos, true)
            .ok_or_else(|| corrupt("missing restart marker"))?;
        match self.data.get(at + 1) {
            Some(0xD0..=0xD7) => {
                self.pos = at + 2;
                Ok(())
            }
            _ => Err(corrupt("missing restart marker")),
        }
    }
}

/// Offset of the next marker at or after `pos`, skipping stuffed bytes and,
/// unless `stop_at_restart`, RSTn markers (which sit inside a scan's data).
pub fn next_marker(data: &[u8], mut pos: usize, stop_at_restart: bool) -> Option<usize> {
    while pos < data.len() {
        let at = pos + memchr::memchr(0xFF, data.get(pos..)?)?;
        match data.get(at + 1) {
            None => return None,
            Some(0x00) | Some(0xFF) => pos = at + 1,
            Some(0xD0..=0xD7) if !stop_at_restart => pos = at + 2,
            Some(_) => return Some(at),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_canonical_codes_and_stuffed_bytes() {
        // Two 1-bit codes would be invalid; one 1-bit and two 2-bit codes:
        // "0" -> 5, "10" -> 6, "11" -> 7.
        let mut counts = [0u8; 16];
        counts[0] = 1;
        counts[1] = 2;
        let t = Huffman::new(&counts, &[5, 6, 7], true).unwrap();
        // 0 10 11 1111 1111 ... : the FF byte is stuffed as FF 00.
        let data = [0b0101_1111, 0xFF, 0x00, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.symbol(&t).unwrap(), 5);
        assert_eq!(r.symbol(&t).unwrap(), 6);
        assert_eq!(r.symbol(&t).unwrap(), 7);
        assert_eq!(r.bits(8), 0xFF);
        // Past the marker the reader yields zeros, never the marker's bytes.
        assert_eq!(r.bits(16), 0xE000);
        assert_eq!(r.pos, 3);
    }

    #[test]
    fn restart_steps_over_the_rst_marker_and_drops_buffered_bits() {
        let data = [0b1010_0000, 0xFF, 0xD0, 0b1100_0000, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        assert_eq!(r.bits(3), 0b101);
        r.restart().unwrap();
        assert_eq!(r.bits(2), 0b11);
        // No RSTn where one is due: an error, never a silent misread.
        let mut r = BitReader::new(&data[3..], 0);
        r.bits(1);
        assert!(r.restart().is_err());
    }

    #[test]
    fn oversubscribed_table_is_an_error() {
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Huffman::new(&counts, &[1, 2, 3], false).is_err());
    }

    #[test]
    fn finds_markers_past_stuffing_and_restarts() {
        let d = [1, 0xFF, 0x00, 2, 0xFF, 0xD3, 3, 0xFF, 0xFF, 0xDA];
        assert_eq!(next_marker(&d, 0, true), Some(4));
        assert_eq!(next_marker(&d, 0, false), Some(8));
    }
}
