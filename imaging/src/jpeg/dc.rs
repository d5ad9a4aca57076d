//! DC-only decoding of a progressive JPEG.
//!
//! A progressive file sends every block's DC coefficient (its 8×8 average) in
//! the first scans, and the AC coefficients, most of the file and of the
//! decoding time, after. The DC coefficients alone are the image at 1/8
//! scale, exactly what libjpeg's 1/8 scaled decode computes, so when that is
//! large enough for every requested size the AC scans are skipped unread.

use super::bits::{BitReader, Huffman, next_marker};
use super::header::{Component, Header, segment};
use crate::ImagingError;

fn corrupt(msg: &str) -> ImagingError {
    ImagingError::Corrupt(format!("JPEG: {msg}"))
}

/// One component's DC values, dequantised, on its block grid (padded to
/// whole MCUs).
#[derive(Debug, Clone)]
pub struct DcPlane {
    /// Blocks per row, padded.
    pub stride: usize,
    /// Blocks per row that hold image data.
    pub width: usize,
    /// Block rows that hold image data.
    pub height: usize,
    /// Sample values (0..=255) at block resolution, row-major, `stride` wide.
    pub samples: Vec<u8>,
}

struct State {
    coef: Vec<Vec<i32>>,
    dc_quant: Vec<Option<u16>>,
    seen_first: Vec<bool>,
    qtables: [Option<u16>; 4],
    dc_tables: [Option<Huffman>; 4],
    restart_interval: u32,
}

/// Decodes the DC scans of a progressive frame, skipping everything else.
pub fn decode(data: &[u8], h: &Header<'_>) -> Result<Vec<DcPlane>, ImagingError> {
    let comps = &h.components;
    let (hmax, vmax) = h.max_sampling();
    let mcus_x = (h.width as usize).div_ceil(8 * hmax);
    let mcus_y = (h.height as usize).div_ceil(8 * vmax);
    let mut st = State {
        coef: comps
            .iter()
            .map(|c| vec![0; mcus_x * c.h as usize * mcus_y * c.v as usize])
            .collect(),
        dc_quant: vec![None; comps.len()],
        seen_first: vec![false; comps.len()],
        qtables: [None; 4],
        dc_tables: [None, None, None, None],
        restart_interval: 0,
    };
    // Tables may precede the frame header: walk from the start of the file.
    let mut pos = 2;
    loop {
        let (marker, payload, next) = segment(data, pos)?;
        match marker {
            0xC4 => dht(&mut st, payload)?,
            0xDB => dqt(&mut st, payload)?,
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
    if st.seen_first.iter().any(|s| !s) {
        return Err(corrupt("a component has no DC scan"));
    }
    Ok(comps
        .iter()
        .enumerate()
        .map(|(i, c)| {
            plane(
                &st.coef[i],
                st.dc_quant[i].unwrap_or(1),
                c,
                h,
                mcus_x,
                (hmax, vmax),
            )
        })
        .collect())
}

fn plane(
    coef: &[i32],
    q: u16,
    c: &Component,
    h: &Header<'_>,
    mcus_x: usize,
    (hmax, vmax): (usize, usize),
) -> DcPlane {
    // As libjpeg's 1×1 inverse DCT: the block average is DC × q / 8.
    let samples = coef
        .iter()
        .map(|&v| {
            let v = v.clamp(-(1 << 16), 1 << 16) as i64 * q as i64;
            ((v + 4) >> 3).saturating_add(128).clamp(0, 255) as u8
        })
        .collect();
    let comp_w = (h.width as usize * c.h as usize).div_ceil(hmax);
    let comp_h = (h.height as usize * c.v as usize).div_ceil(vmax);
    DcPlane {
        stride: mcus_x * c.h as usize,
        width: comp_w.div_ceil(8),
        height: comp_h.div_ceil(8),
        samples,
    }
}

fn dht(st: &mut State, mut p: &[u8]) -> Result<(), ImagingError> {
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
        // Only DC tables matter here; AC scans are skipped.
        if class == 0 {
            st.dc_tables[id] = Some(Huffman::new(&counts, symbols)?);
        }
        p = &p[17 + n..];
    }
    Ok(())
}

fn dqt(st: &mut State, mut p: &[u8]) -> Result<(), ImagingError> {
    while !p.is_empty() {
        let (pq, tq) = (p[0] >> 4, (p[0] & 15) as usize);
        let len = if pq == 0 { 64 } else { 128 };
        let t = p.get(1..1 + len).ok_or_else(|| corrupt("short DQT"))?;
        if tq > 3 || pq > 1 {
            return Err(corrupt("bad DQT"));
        }
        // The DC quantiser is the table's first entry (zigzag order).
        st.qtables[tq] = Some(if pq == 0 {
            t[0] as u16
        } else {
            u16::from_be_bytes([t[0], t[1]])
        });
        p = &p[1 + len..];
    }
    Ok(())
}

/// Decodes one scan if it carries DC coefficients; returns where its data
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
    let (ss, ah, al) = (tail[0], tail[2] >> 4, tail[2] & 15);
    if ss != 0 {
        return Ok(start);
    }
    if ns == 0 || ns > 4 || al > 13 {
        return Err(corrupt("bad DC scan header"));
    }
    let mut members = Vec::with_capacity(ns);
    for s in sel.chunks_exact(2) {
        let ci = h
            .components
            .iter()
            .position(|c| c.id == s[0])
            .ok_or_else(|| corrupt("scan names an unknown component"))?;
        let td = (s[1] >> 4) as usize;
        if ah == 0 {
            if td > 3 || st.dc_tables[td].is_none() {
                return Err(corrupt("scan uses an undefined DC table"));
            }
            let tq = h.components[ci].tq as usize;
            st.dc_quant[ci] =
                Some(st.qtables[tq].ok_or_else(|| corrupt("undefined quantisation table"))?);
            st.seen_first[ci] = true;
        } else if !st.seen_first[ci] {
            return Err(corrupt("DC refinement before the first DC scan"));
        }
        members.push((ci, td));
    }
    let mut r = BitReader::new(data, start);
    let mut pred = [0i32; 4];
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
    let mut count = 0u32;
    for my in 0..uy {
        for mx in 0..ux {
            if st.restart_interval > 0 && count == st.restart_interval {
                r.restart()?;
                pred = [0; 4];
                count = 0;
            }
            count += 1;
            for (k, &(ci, td)) in members.iter().enumerate() {
                let c = &h.components[ci];
                let (bh, bv) = if interleaved {
                    (c.h as usize, c.v as usize)
                } else {
                    (1, 1)
                };
                let stride = mcus_x * c.h as usize;
                for v in 0..bv {
                    for u in 0..bh {
                        let idx = (my * bv + v) * stride + mx * bh + u;
                        let slot = st.coef[ci]
                            .get_mut(idx)
                            .ok_or_else(|| corrupt("block outside the frame"))?;
                        if ah == 0 {
                            let t = st.dc_tables[td]
                                .as_ref()
                                .ok_or_else(|| corrupt("undefined DC table"))?;
                            let s = r.symbol(t)?;
                            pred[k] = pred[k].wrapping_add(r.receive_extend(s)?);
                            *slot = pred[k].wrapping_shl(al as u32);
                        } else if r.bits(1) == 1 {
                            *slot |= 1 << al;
                        }
                    }
                }
            }
        }
    }
    Ok(r.pos)
}
