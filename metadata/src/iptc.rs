//! IPTC-IIM: keywords, object name, caption and creation date, from the
//! Photoshop image resource that carries them.

use crate::limits::{MAX_KEYWORDS, MAX_SEGMENTS};

/// The IPTC datasets people search by.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Iptc {
    pub keywords: Vec<String>,
    pub object_name: Option<String>,
    pub caption: Option<String>,
    /// Date Created (2:55) with Time Created (2:60), ISO 8601.
    pub date_created: Option<String>,
}

/// The IIM block inside Photoshop image resources ("8BIM" records; IPTC is
/// resource 0x0404).
pub(crate) fn from_photoshop(irb: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    for _ in 0..MAX_SEGMENTS {
        let head = irb.get(pos..pos + 7)?;
        if &head[..4] != b"8BIM" {
            return None;
        }
        let id = u16::from_be_bytes([head[4], head[5]]);
        // A Pascal name padded to an even length (with its length byte).
        let name = usize::from(head[6]) + 1;
        pos += 6 + name + (name & 1);
        let size = u32::from_be_bytes(irb.get(pos..pos + 4)?.try_into().ok()?) as usize;
        pos += 4;
        let data = irb.get(pos..pos.checked_add(size)?)?;
        if id == 0x0404 {
            return Some(data);
        }
        pos += size + (size & 1);
    }
    None
}

/// Reads IIM datasets (0x1C, record, dataset, length, data).
pub(crate) fn parse(iim: &[u8]) -> Iptc {
    let mut out = Iptc::default();
    let mut utf8 = false;
    let (mut date, mut time) = (None, None);
    let mut pos = 0;
    while let Some(&[0x1C, record, dataset, hi, lo]) = iim.get(pos..pos + 5) {
        pos += 5;
        let len = if hi & 0x80 != 0 {
            // Extended length: the low bits give how many bytes state it.
            let n = usize::from(u16::from_be_bytes([hi & 0x7F, lo]));
            let Some(b) = iim.get(pos..pos + n).filter(|_| n <= 4) else {
                break;
            };
            pos += n;
            b.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x))
        } else {
            usize::from(u16::from_be_bytes([hi, lo]))
        };
        let Some(data) = iim.get(pos..pos.saturating_add(len)) else {
            break;
        };
        pos += len;
        let text = || decode(data, utf8);
        match (record, dataset) {
            // Coded character set: ESC % G means UTF-8.
            (1, 90) => utf8 = data == b"\x1b%G",
            (2, 25) if out.keywords.len() < MAX_KEYWORDS => out.keywords.extend(text()),
            (2, 5) => out.object_name = out.object_name.take().or_else(text),
            (2, 120) => {
                out.caption = out.caption.take().or_else(|| {
                    crate::text::clean_to(&raw(data, utf8), crate::text::MAX_LONG_CHARS)
                });
            }
            (2, 55) => date = Some(raw(data, utf8)),
            (2, 60) => time = Some(raw(data, utf8)),
            _ => {}
        }
    }
    out.date_created = date.and_then(|d| date_time(&d, time.as_deref()));
    out
}

fn raw(data: &[u8], utf8: bool) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => s.to_owned(),
        // Undeclared and not UTF-8: Latin-1, as most IPTC writers meant.
        Err(_) if !utf8 => data.iter().map(|&b| b as char).collect(),
        Err(_) => String::from_utf8_lossy(data).into_owned(),
    }
}

fn decode(data: &[u8], utf8: bool) -> Option<String> {
    crate::text::clean(&raw(data, utf8))
}

/// "CCYYMMDD" and "HHMMSS±HHMM" as ISO 8601.
fn date_time(date: &str, time: Option<&str>) -> Option<String> {
    let d = date.trim();
    if d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit()) || d == "00000000" {
        return None;
    }
    let mut out = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]);
    if let Some(t) = time.map(str::trim)
        && t.len() >= 6
        && t.as_bytes()[..6].iter().all(u8::is_ascii_digit)
    {
        out.push_str(&format!("T{}:{}:{}", &t[..2], &t[2..4], &t[4..6]));
        let b = t.as_bytes();
        if b.len() == 11 && matches!(b[6], b'+' | b'-') && b[7..].iter().all(u8::is_ascii_digit) {
            out.push_str(&format!("{}:{}", &t[6..9], &t[9..11]));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_well_formed_offset_is_kept() {
        assert_eq!(
            super::date_time("20061029", Some("062751-0500")).as_deref(),
            Some("2006-10-29T06:27:51-05:00")
        );
        // Found by the fuzzer: the offset's bytes were copied unchecked.
        assert_eq!(
            super::date_time("20061029", Some("062751+\u{1}\u{2}:\u{3}")).as_deref(),
            Some("2006-10-29T06:27:51")
        );
    }
}
