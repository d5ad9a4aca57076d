//! The description of an ICC colour profile: the name a person knows it by.

/// The `desc` tag of `icc`: ICC v2 `textDescriptionType` (ASCII) or v4
/// `multiLocalizedUnicodeType` (UTF-16, English preferred).
pub(crate) fn description(icc: &[u8]) -> Option<String> {
    let be32 = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(icc.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    if icc.get(36..40) != Some(b"acsp") {
        return None;
    }
    let count = be32(128)?.min(1024);
    let (at, len) = (0..count).find_map(|i| {
        let e = 132 + i * 12;
        (icc.get(e..e + 4)? == b"desc").then(|| Some((be32(e + 4)?, be32(e + 8)?)))?
    })?;
    let tag = icc.get(at..at.checked_add(len)?)?;
    match tag.get(..4)? {
        b"desc" => {
            let n = u32::from_be_bytes(tag.get(8..12)?.try_into().ok()?) as usize;
            let s = tag.get(12..12usize.checked_add(n)?)?;
            let s = s.split(|&b| b == 0).next()?;
            crate::text::clean(&String::from_utf8_lossy(s))
        }
        b"mluc" => {
            let records = u32::from_be_bytes(tag.get(8..12)?.try_into().ok()?) as usize;
            let size = u32::from_be_bytes(tag.get(12..16)?.try_into().ok()?) as usize;
            if size < 12 {
                return None;
            }
            let record = |i: usize| tag.get(16 + i * size..16 + i * size + 12);
            let pick = (0..records.min(256))
                .find(|&i| record(i).is_some_and(|r| &r[..2] == b"en"))
                .unwrap_or(0);
            let r = record(pick)?;
            let n = u32::from_be_bytes(r[4..8].try_into().ok()?) as usize;
            let off = u32::from_be_bytes(r[8..12].try_into().ok()?) as usize;
            let units: Vec<u16> = tag
                .get(off..off.checked_add(n)?)?
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            crate::text::clean(&String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}
