//! The table segments a scan refers to: Huffman (DHT) and quantisation
//! (DQT), each by its id, latest definition wins.

use super::bits::Huffman;
use crate::ImagingError;

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

/// Tables defined so far in the file.
#[derive(Default)]
pub struct Tables {
    /// Quantisation tables, zigzag order.
    pub qtables: [Option<[u16; 64]>; 4],
    /// DC Huffman tables.
    pub dc_tables: [Option<Huffman>; 4],
    /// AC Huffman tables.
    pub ac_tables: [Option<Huffman>; 4],
}

impl Tables {
    /// Reads a DHT segment's tables.
    pub fn dht(&mut self, mut p: &[u8]) -> Result<(), ImagingError> {
        while !p.is_empty() {
            let tc_th = p[0];
            let counts: [u8; 16] = p
                .get(1..17)
                .and_then(|c| c.try_into().ok())
                .ok_or_else(|| corrupt("short DHT"))?;
            let n: usize = counts.iter().map(|&c| c as usize).sum();
            let symbols = p.get(17..17 + n).ok_or_else(|| corrupt("short DHT"))?;
            let (class, id) = (tc_th >> 4, (tc_th & 15) as usize);
            if class > 1 || id > 3 {
                return Err(corrupt("bad DHT class or id"));
            }
            let t = Some(Huffman::new(&counts, symbols, class == 0)?);
            if class == 0 {
                self.dc_tables[id] = t;
            } else {
                self.ac_tables[id] = t;
            }
            p = &p[17 + n..];
        }
        Ok(())
    }

    /// Reads a DQT segment's tables.
    pub fn dqt(&mut self, mut p: &[u8]) -> Result<(), ImagingError> {
        while !p.is_empty() {
            let (pq, tq) = (p[0] >> 4, (p[0] & 15) as usize);
            let len = if pq == 0 { 64 } else { 128 };
            let t = p.get(1..1 + len).ok_or_else(|| corrupt("short DQT"))?;
            if tq > 3 || pq > 1 {
                return Err(corrupt("bad DQT"));
            }
            let mut table = [0u16; 64];
            for (k, q) in table.iter_mut().enumerate() {
                *q = if pq == 0 {
                    t[k] as u16
                } else {
                    u16::from_be_bytes([t[2 * k], t[2 * k + 1]])
                };
            }
            self.qtables[tq] = Some(table);
            p = &p[1 + len..];
        }
        Ok(())
    }
}
