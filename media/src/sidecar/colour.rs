//! Colour description of a video track: primaries, transfer and matrix.
//!
//! MP4 (`colr` box of type `nclx`, QuickTime `nclc`) and Matroska
//! (`Video/Colour`) both store the ITU-T H.273 code points; we name them as
//! ffmpeg (and so ffprobe) does. Unspecified (2) and reserved values are
//! left out.

/// The three H.273 code points of a track's colour description.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Colour {
    /// `colour_primaries`.
    pub primaries: Option<u16>,
    /// `transfer_characteristics`.
    pub transfer: Option<u16>,
    /// `matrix_coefficients`.
    pub matrix: Option<u16>,
}

impl Colour {
    /// Reads a `colr` box payload: a 4-byte type, then for `nclx` (ISO) and
    /// `nclc` (QuickTime) three 16-bit code points (`nclx` adds a range
    /// byte). Other types (ICC profiles) say nothing we name.
    pub fn from_colr(payload: &[u8]) -> Option<Self> {
        let kind = payload.get(..4)?;
        if kind != b"nclx" && kind != b"nclc" {
            return None;
        }
        let code = |at: usize| {
            payload
                .get(at..at + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
        };
        Some(Colour {
            primaries: code(4),
            transfer: code(6),
            matrix: code(8),
        })
    }

    /// ffprobe's `color_primaries` name.
    pub fn primaries_name(&self) -> Option<&'static str> {
        Some(match self.primaries? {
            1 => "bt709",
            4 => "bt470m",
            5 => "bt470bg",
            6 => "smpte170m",
            7 => "smpte240m",
            8 => "film",
            9 => "bt2020",
            10 => "smpte428",
            11 => "smpte431",
            12 => "smpte432",
            22 => "ebu3213",
            _ => return None,
        })
    }

    /// ffprobe's `color_transfer` name.
    pub fn transfer_name(&self) -> Option<&'static str> {
        Some(match self.transfer? {
            1 => "bt709",
            4 => "gamma22",
            5 => "gamma28",
            6 => "smpte170m",
            7 => "smpte240m",
            8 => "linear",
            9 => "log100",
            10 => "log316",
            11 => "iec61966-2-4",
            12 => "bt1361e",
            13 => "iec61966-2-1",
            14 => "bt2020-10",
            15 => "bt2020-12",
            16 => "smpte2084",
            17 => "smpte428",
            18 => "arib-std-b67",
            _ => return None,
        })
    }

    /// ffprobe's `color_space` name (the matrix coefficients).
    pub fn matrix_name(&self) -> Option<&'static str> {
        Some(match self.matrix? {
            0 => "gbr",
            1 => "bt709",
            4 => "fcc",
            5 => "bt470bg",
            6 => "smpte170m",
            7 => "smpte240m",
            8 => "ycgco",
            9 => "bt2020nc",
            10 => "bt2020c",
            11 => "smpte2085",
            12 => "chroma-derived-nc",
            13 => "chroma-derived-c",
            14 => "ictcp",
            _ => return None,
        })
    }

    /// Whether the transfer is a high-dynamic-range one: PQ (SMPTE ST 2084)
    /// or HLG (ARIB STD-B67). `None` when the transfer is not stated.
    pub fn hdr(&self) -> Option<bool> {
        self.transfer_name()
            .map(|t| matches!(t, "smpte2084" | "arib-std-b67"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nclx_and_nclc() {
        let pq = Colour::from_colr(b"nclx\x00\x09\x00\x10\x00\x09\x00").unwrap();
        assert_eq!(
            (pq.primaries_name(), pq.transfer_name(), pq.matrix_name()),
            (Some("bt2020"), Some("smpte2084"), Some("bt2020nc"))
        );
        assert_eq!(pq.hdr(), Some(true));
        let sdr = Colour::from_colr(b"nclc\x00\x01\x00\x01\x00\x01").unwrap();
        assert_eq!(sdr.transfer_name(), Some("bt709"));
        assert_eq!(sdr.hdr(), Some(false));
        let unspecified = Colour::from_colr(b"nclx\x00\x02\x00\x02\x00\x02\x00").unwrap();
        assert_eq!(unspecified.transfer_name(), None);
        assert_eq!(unspecified.hdr(), None);
        assert_eq!(Colour::from_colr(b"prof\x00\x01"), None);
        assert_eq!(Colour::from_colr(b"ncl"), None);
        let short = Colour::from_colr(b"nclx\x00\x09").unwrap();
        assert_eq!((short.primaries, short.transfer), (Some(9), None));
    }
}
