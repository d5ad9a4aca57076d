//! Decoding a progressive JPEG's low frequencies only, at 1/8, 1/4 or 1/2
//! scale.
//!
//! A progressive file sends every block's DC coefficient (its 8×8 average)
//! first, then coarse passes of the AC coefficients band by band, then
//! refinement passes that add their low bits (most of the file). A
//! thumbnail needs only the lowest frequencies of each block: the DC alone
//! is the image at 1/8 scale, the 2×2 or 4×4 lowest coefficients give it at
//! 1/4 or 1/2 through a reduced inverse DCT ([`super::idct`]), as libjpeg's
//! scaled decode computes it. So this decoder reads the DC scans, the
//! coarse (first-pass) AC scans of the bands it needs, and skips every other
//! scan unread; with libjpeg's usual scan script that is a quarter to a third
//! of the entropy-coded data.
//!
//! A baseline file's scans go through the same walk at 1/8 scale only: each
//! block's DC is kept and its AC codes stepped over ([`super::sequential`]).

use super::bits::{BitReader, Huffman, next_marker};
use super::header::{Coding, Component, Header, segment};
use super::idct;
use super::sequential;
use super::tables::Tables;
use crate::ImagingError;

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

/// The largest point transform accepted for a coarse AC pass: at 2, a kept
/// coefficient lacks its two low bits, which costs far less than the margin
/// in the final resize (benches/README.md, quality); coarser scripts are
/// left to libjpeg-turbo.
const MAX_AC_SHIFT: u8 = 2;

/// One component's samples at `n` per block edge, on its block grid padded
/// to whole MCUs.
#[derive(Debug, Clone)]
pub struct Plane {
    /// Samples per row, padded.
    pub stride: usize,
    /// Samples per row that hold image data.
    pub width: usize,
    /// Rows that hold image data.
    pub height: usize,
    /// Sample values (0..=255), row-major, `stride` wide.
    pub samples: Vec<u8>,
}

struct State {
    /// Per component, `n × n` kept coefficients per block, natural order.
    coef: Vec<Vec<i16>>,
    /// Per component, its quantisation table (zigzag order), latched at its
    /// first scan as libjpeg does.
    quant: Vec<Option<[u16; 64]>>,
    /// Per component, the zigzag positions a first pass has covered.
    covered: Vec<u64>,
    tables: Tables,
    restart_interval: u32,
    /// Coefficient slot in a block for each zigzag position, if kept.
    slot: [Option<u8>; 64],
    /// Zigzag positions kept, as a bit set.
    wanted: u64,
    /// Samples per block edge.
    n: usize,
}

/// Decodes a progressive frame's planes at `n` (1, 2 or 4) samples per
/// block edge, reading only the scans that carry what that needs.
pub fn decode(data: &[u8], h: &Header<'_>, n: usize) -> Result<Vec<Plane>, ImagingError> {
    if h.width == 0 || h.height == 0 {
        // Height 0 means "given by a DNL marker", which libjpeg refuses too.
        return Err(corrupt("empty frame"));
    }
    let comps = &h.components;
    let (hmax, vmax) = h.max_sampling();
    let mcus_x = (h.width as usize).div_ceil(8 * hmax);
    let mcus_y = (h.height as usize).div_ceil(8 * vmax);
    let (slot, wanted) = idct::kept(n);
    let mut st = State {
        coef: comps
            .iter()
            .map(|c| vec![0; mcus_x * c.h as usize * mcus_y * c.v as usize * n * n])
            .collect(),
        quant: vec![None; comps.len()],
        covered: vec![0; comps.len()],
        tables: Tables::default(),
        restart_interval: 0,
        slot,
        wanted,
        n,
    };
    // Tables may precede the frame header: walk from the start of the file.
    let mut pos = 2;
    loop {
        let (marker, payload, next) = segment(data, pos)?;
        match marker {
            0xC4 => st.tables.dht(payload)?,
            0xDB => st.tables.dqt(payload)?,
            0xDD => {
                let b = payload.get(..2).ok_or_else(|| corrupt("short DRI"))?;
                st.restart_interval = u16::from_be_bytes([b[0], b[1]]) as u32;
            }
            0xDA => {
                let end = scan(&mut st, data, h, payload, next, (mcus_x, mcus_y))?;
                pos = next_marker(data, end, false)
                    .ok_or_else(|| corrupt("scan runs past the end of the file"))?;
                continue;
            }
            0xD9 => break,
            _ => {}
        }
        pos = next;
    }
    // A file cut short after its DC scans is not a blurred picture here:
    // libjpeg-turbo decides what such a file shows.
    if st.covered.iter().any(|&c| c & st.wanted != st.wanted) {
        return Err(corrupt("a component lacks a scan this scale needs"));
    }
    Ok(comps
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let q = st.quant[i].unwrap_or([1; 64]);
            plane(&st.coef[i], &idct::Reduced::new(n, &q), c, h, mcus_x)
        })
        .collect())
}

fn plane(
    coef: &[i16],
    idct: &idct::Reduced,
    c: &Component,
    h: &Header<'_>,
    mcus_x: usize,
) -> Plane {
    let n = idct.n();
    let (hmax, vmax) = h.max_sampling();
    let blocks_x = mcus_x * c.h as usize;
    let stride = blocks_x * n;
    let rows = coef.len() / (n * n) / blocks_x * n;
    let mut samples = vec![0u8; stride * rows];
    for (b, block) in coef.chunks_exact(n * n).enumerate() {
        let (bx, by) = (b % blocks_x, b / blocks_x);
        idct.block(block, &mut samples[by * n * stride + bx * n..], stride);
    }
    let comp_w = (h.width as usize * c.h as usize).div_ceil(hmax);
    let comp_h = (h.height as usize * c.v as usize).div_ceil(vmax);
    Plane {
        stride,
        width: (comp_w * n).div_ceil(8),
        height: (comp_h * n).div_ceil(8),
        samples,
    }
}

/// Which part of a block a scan carries, from its header.
struct ScanKind {
    ss: u8,
    se: u8,
    ah: u8,
    al: u8,
}

/// Decodes one scan if it carries something kept; returns where its data
/// was left, from which the next marker is searched.
fn scan(
    st: &mut State,
    data: &[u8],
    h: &Header<'_>,
    p: &[u8],
    start: usize,
    (mcus_x, mcus_y): (usize, usize),
) -> Result<usize, ImagingError> {
    let ns = *p.first().ok_or_else(|| corrupt("short SOS"))? as usize;
    let sel = p.get(1..1 + 2 * ns).ok_or_else(|| corrupt("short SOS"))?;
    let tail = p
        .get(1 + 2 * ns..4 + 2 * ns)
        .ok_or_else(|| corrupt("short SOS"))?;
    let k = ScanKind {
        ss: tail[0],
        se: tail[1],
        ah: tail[2] >> 4,
        al: tail[2] & 15,
    };
    // Only at 1/8 scale: see [`sequential`].
    let sequential = h.coding == Coding::Baseline;
    if sequential && st.n != 1 {
        return Err(ImagingError::Unsupported(
            "JPEG: baseline above 1/8 scale".into(),
        ));
    }
    if sequential {
        // A sequential scan carries whole blocks: DC and every AC, all bits.
        if ns == 0 || ns > 4 || k.ss != 0 || k.se != 63 || k.ah != 0 || k.al != 0 {
            return Err(corrupt("bad scan header"));
        }
    } else if ns == 0 || ns > 4 || k.al > 13 || k.se > 63 || k.ss > k.se || (k.ss == 0 && k.se != 0)
    {
        return Err(corrupt("bad scan header"));
    }
    if k.ss > 0 {
        // AC: only coarse passes of kept bands; refinements are skipped.
        let band = (u64::MAX >> (63 - k.se)) & (u64::MAX << k.ss);
        if k.ah != 0 || band & st.wanted == 0 {
            return Ok(start);
        }
        if ns != 1 {
            return Err(corrupt("interleaved AC scan"));
        }
        if k.al > MAX_AC_SHIFT {
            return Err(ImagingError::Unsupported(
                "JPEG: coarse AC pass with a large point transform".into(),
            ));
        }
    }
    let mut members = Vec::with_capacity(ns);
    for s in sel.chunks_exact(2) {
        let ci = h
            .components
            .iter()
            .position(|c| c.id == s[0])
            .ok_or_else(|| corrupt("scan names an unknown component"))?;
        let (td, ta) = ((s[1] >> 4) as usize, (s[1] & 15) as usize);
        let table = if k.ss == 0 { td } else { ta };
        let undefined =
            |tables: &[Option<Huffman>; 4], t: usize| tables.get(t).is_none_or(Option::is_none);
        let needs_dc = k.ss == 0 && k.ah == 0;
        if (needs_dc && undefined(&st.tables.dc_tables, td))
            || ((k.ss > 0 && k.ah == 0 || sequential) && undefined(&st.tables.ac_tables, ta))
        {
            return Err(corrupt("scan uses an undefined Huffman table"));
        }
        if st.quant[ci].is_none() {
            let tq = h.components[ci].tq as usize;
            st.quant[ci] =
                Some(st.tables.qtables[tq].ok_or_else(|| corrupt("undefined quantisation table"))?);
        }
        if sequential {
            st.covered[ci] = u64::MAX;
        } else if k.ss == 0 && k.ah == 0 {
            st.covered[ci] |= 1;
        } else if k.ss == 0 && st.covered[ci] & 1 == 0 {
            return Err(corrupt("DC refinement before the first DC scan"));
        } else if k.ss > 0 {
            st.covered[ci] |= (u64::MAX >> (63 - k.se)) & (u64::MAX << k.ss);
        }
        members.push((ci, table, ta));
    }
    let (hmax, vmax) = h.max_sampling();
    // A one-component scan is not interleaved: its MCU is one block and it
    // covers only the component's own blocks, not the MCU padding.
    let (ux, uy, interleaved) = if ns == 1 {
        let c = &h.components[members[0].0];
        let bw = (h.width as usize * c.h as usize).div_ceil(hmax).div_ceil(8);
        let bh = (h.height as usize * c.v as usize)
            .div_ceil(vmax)
            .div_ceil(8);
        (bw, bh, false)
    } else {
        (mcus_x, mcus_y, true)
    };
    let nn = st.n * st.n;
    let mut r = BitReader::new(data, start);
    let mut pred = [0i32; 4];
    let mut eobrun = 0u32;
    let mut count = 0u32;
    for my in 0..uy {
        for mx in 0..ux {
            if st.restart_interval > 0 && count == st.restart_interval {
                r.restart()?;
                pred = [0; 4];
                eobrun = 0;
                count = 0;
            }
            count += 1;
            for (m, &(ci, table, ta)) in members.iter().enumerate() {
                let c = &h.components[ci];
                let (bh, bv) = if interleaved {
                    (c.h as usize, c.v as usize)
                } else {
                    (1, 1)
                };
                let stride = mcus_x * c.h as usize;
                for v in 0..bv {
                    for u in 0..bh {
                        let idx = ((my * bv + v) * stride + mx * bh + u) * nn;
                        let block = st.coef[ci]
                            .get_mut(idx..idx + nn)
                            .ok_or_else(|| corrupt("block outside the frame"))?;
                        if sequential {
                            let dc = st.tables.dc_tables[table].as_ref();
                            let ac = st.tables.ac_tables[ta].as_ref();
                            let (Some(dc), Some(ac)) = (dc, ac) else {
                                return Err(corrupt("undefined Huffman table"));
                            };
                            block[0] = sequential::block(&mut r, dc, ac, &mut pred[m])?;
                        } else if k.ss > 0 {
                            let t = st.tables.ac_tables[table]
                                .as_ref()
                                .ok_or_else(|| corrupt("undefined AC table"))?;
                            ac_first(&mut r, t, &k, &st.slot, block, &mut eobrun)?;
                        } else if k.ah == 0 {
                            let t = st.tables.dc_tables[table]
                                .as_ref()
                                .ok_or_else(|| corrupt("undefined DC table"))?;
                            let s = r.symbol(t)?;
                            pred[m] = pred[m].wrapping_add(r.receive_extend(s)?);
                            block[0] = pred[m].wrapping_shl(k.al as u32) as i16;
                        } else if r.bits(1) == 1 {
                            block[0] |= 1 << k.al;
                        }
                    }
                }
            }
        }
    }
    Ok(r.pos)
}

/// One block of a coarse AC pass (T.81 G.1.2.2), keeping the coefficients
/// `slot` names. A kept coefficient is set to the middle of the range its
/// missing low bits leave, not its bottom, which would dim every edge.
fn ac_first(
    r: &mut BitReader<'_>,
    t: &Huffman,
    k: &ScanKind,
    slot: &[Option<u8>; 64],
    block: &mut [i16],
    eobrun: &mut u32,
) -> Result<(), ImagingError> {
    if *eobrun > 0 {
        *eobrun -= 1;
        return Ok(());
    }
    let half = (1i32 << k.al) >> 1;
    let mut z = k.ss as usize;
    while z <= k.se as usize {
        let rs = r.symbol(t)?;
        let (run, s) = ((rs >> 4) as usize, rs & 15);
        if s == 0 {
            if run < 15 {
                // End of band for this block and the next `EOBRUN - 1`.
                *eobrun = (1u32 << run) + r.bits(run as u32) - 1;
                return Ok(());
            }
            z += 16;
            continue;
        }
        z += run;
        if z > k.se as usize {
            return Err(corrupt("AC run past the end of the band"));
        }
        let v = r.receive_extend(s)?;
        if let Some(Some(i)) = slot.get(z) {
            let mag = (v.unsigned_abs() as i32).wrapping_shl(k.al as u32) + half;
            block[*i as usize] = (mag.min(i16::MAX as i32) * v.signum()) as i16;
        }
        z += 1;
    }
    Ok(())
}
