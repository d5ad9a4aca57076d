//! A look at a TIFF structure's IFDs before `kamadak-exif` parses it:
//! bounds what the parse can allocate, and retypes IFD pointers it would
//! not follow.
//!
//! `kamadak-exif` copies every entry's value. Entries may all point at the
//! same bytes, so a 64 KB block with 5,000 entries could ask for 300 MB,
//! and a TIFF file as large as the upload limit for far more. The sum of
//! what the entries refer to is checked first.

use crate::bytes::{read16, type_size};
use crate::limits::{MAX_EXIF_VALUE_BYTES, MAX_IFDS};
use std::collections::HashSet;

/// Pointer tags to sub-IFDs: Exif, GPS, Interoperability.
const POINTERS: [u16; 3] = [0x8769, 0x8825, 0xA005];

/// Checks `buf` (a TIFF header onwards) and retypes TIFF 6's IFD-typed
/// (13) pointers as LONG (same size, same meaning), which is all that
/// `kamadak-exif` follows. `Err` says why the block must not be parsed.
pub(crate) fn prepare(buf: &mut [u8]) -> Result<(), String> {
    let little = buf.first() == Some(&b'I');
    let mut ifds = vec![read32(buf, 4, little).unwrap_or(0)];
    let mut seen = HashSet::new();
    let mut referenced: usize = 0;
    while let Some(at) = ifds.pop() {
        if at == 0 || !seen.insert(at) {
            continue;
        }
        if seen.len() > MAX_IFDS {
            return Err(format!("EXIF has more than {MAX_IFDS} IFDs; not read"));
        }
        let Some(n) = read16(buf, at, little) else {
            continue;
        };
        for i in 0..usize::from(n) {
            let e = at + 2 + i * 12;
            let (Some(tag), Some(typ), Some(count)) = (
                read16(buf, e, little),
                read16(buf, e + 2, little),
                read32(buf, e + 4, little),
            ) else {
                break;
            };
            if POINTERS.contains(&tag) && matches!(typ, 4 | 13) {
                if typ == 13 {
                    let long: [u8; 2] = if little { [4, 0] } else { [0, 4] };
                    buf[e + 2..e + 4].copy_from_slice(&long);
                }
                ifds.extend(read32(buf, e + 8, little));
                continue;
            }
            // Values past the end are refused by the parser itself (one
            // entry, with a warning); only what it would copy counts.
            let size = type_size(typ).saturating_mul(count);
            let inside = read32(buf, e + 8, little)
                .is_some_and(|o| o.checked_add(size).is_some_and(|end| end <= buf.len()));
            if size > 4 && inside {
                referenced = referenced.saturating_add(size);
            }
        }
        // IFD0's chain: IFD1 (the thumbnail) and any further pages.
        ifds.extend(read32(buf, at + 2 + usize::from(n) * 12, little));
        if referenced > MAX_EXIF_VALUE_BYTES {
            return Err(format!(
                "EXIF entries refer to more than {} MB of values; not read",
                MAX_EXIF_VALUE_BYTES >> 20
            ));
        }
    }
    Ok(())
}

/// An offset or count: the u32 at `at`, as a `usize`.
fn read32(b: &[u8], at: usize, little: bool) -> Option<usize> {
    crate::bytes::read32(b, at, little).map(|v| v as usize)
}
