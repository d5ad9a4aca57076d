//! Reading TIFF-structured bytes in either byte order, bounds-checked:
//! what the IFD guard and the MakerNote reader share.

/// The u16 at `at`, or `None` past the end.
pub(crate) fn read16(b: &[u8], at: usize, little: bool) -> Option<u16> {
    let x = [*b.get(at)?, *b.get(at.checked_add(1)?)?];
    Some(if little {
        u16::from_le_bytes(x)
    } else {
        u16::from_be_bytes(x)
    })
}

/// The u32 at `at`, or `None` past the end.
pub(crate) fn read32(b: &[u8], at: usize, little: bool) -> Option<u32> {
    let x: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if little {
        u32::from_le_bytes(x)
    } else {
        u32::from_be_bytes(x)
    })
}

/// Bytes per value of a TIFF field type; 0 for types TIFF does not define.
pub(crate) fn type_size(typ: u16) -> usize {
    match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => 0,
    }
}
