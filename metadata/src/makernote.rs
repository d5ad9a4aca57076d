//! The lens and body serial that MakerNotes hold when standard EXIF does
//! not: Canon, Olympus / OM System and Nikon. Their IFDs are read with
//! the same bounds as the rest (entry counts, offsets inside the block).
//! Also the ISO that Canon, Nikon, Casio and Kodak keep there when EXIF
//! has none, and the serials of Sigma and Motorola.
//!
//! Pentax, Sony and Samsung name the lens by a number looked up in
//! exiftool's tables; those are not copied here.

use crate::bytes::{read16, read32, type_size};
use crate::limits::MAX_MAKERNOTE_ENTRIES;
use crate::text::clean;
use exif::{Exif, In, Tag, Value};

/// What a MakerNote adds.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct NoteFacts {
    pub lens_model: Option<String>,
    pub serial_number: Option<String>,
    /// ISO when EXIF has none (Nikon).
    pub iso: Option<u32>,
}

/// Reads the MakerNote of `exif` for a camera of `make`.
pub(crate) fn read(exif: &Exif, make: Option<&str>, model: Option<&str>) -> NoteFacts {
    let Some(field) = exif.get_field(Tag::MakerNote, In::PRIMARY) else {
        return NoteFacts::default();
    };
    let Value::Undefined(note, at) = &field.value else {
        return NoteFacts::default();
    };
    let buf = exif.buf();
    let at = *at as usize;
    let le = exif.little_endian();
    let make = make.unwrap_or_default().to_ascii_lowercase();
    if note.starts_with(b"KDK") {
        // Kodak's fixed layout after the 8-byte "KDK INFO" id: ISO is the
        // int16u at 0x60 of it.
        let ifd = Ifd {
            buf: note,
            base: 0,
            le,
        };
        NoteFacts {
            iso: ifd.u16(8 + 0x60).map(u32::from).filter(|i| *i > 0),
            ..NoteFacts::default()
        }
    } else if make.starts_with("motorola") {
        // "MOT\0" and 4 bytes, then an IFD whose offsets count from the
        // note; its byte order is not said, so take the one giving a sane
        // entry count.
        let count = |le| {
            Ifd {
                buf: note,
                base: 0,
                le,
            }
            .u16(8)
            .unwrap_or(u16::MAX)
        };
        let le = count(true) < count(false);
        let ifd = Ifd {
            buf: note,
            base: 0,
            le,
        };
        NoteFacts {
            serial_number: ifd.find(8, 0x5501).and_then(|e| ifd.ascii(&e)),
            ..NoteFacts::default()
        }
    } else if make.starts_with("casio") {
        casio(buf, at, le, note)
    } else if make.starts_with("canon") {
        canon(buf, at, le, model.unwrap_or_default())
    } else if note.starts_with(b"OLYMPUS\0") || note.starts_with(b"OM SYSTEM\0") {
        // Offsets count from the MakerNote; its own byte-order mark follows
        // the 8- or 12-byte id.
        let (bom, start) = if note.starts_with(b"OM SYSTEM\0") {
            (12, 16)
        } else {
            (8, 12)
        };
        let le = note.get(bom..bom + 2) == Some(b"II");
        olympus(
            &Ifd {
                buf: note,
                base: 0,
                le,
            },
            start,
        )
    } else if note.starts_with(b"OLYMP\0") || note.starts_with(b"OLYMPUS") {
        // The old layout: offsets count from the TIFF header.
        let ifd = Ifd { buf, base: 0, le };
        olympus(&ifd, at + 8)
    } else if let Some(rest) = note.strip_prefix(b"Nikon\0")
        && rest.len() > 12
    {
        // A TIFF header of its own at byte 10 of the note.
        let inner = &note[10..];
        let le = inner.starts_with(b"II");
        let ifd = Ifd {
            buf: inner,
            base: 0,
            le,
        };
        let first = ifd.u32(4).unwrap_or(0) as usize;
        NoteFacts {
            lens_model: None,
            // 0x001D on current bodies, 0x00A0 ("No= ...") on older ones.
            serial_number: ifd
                .find(first, 0x001D)
                .or_else(|| ifd.find(first, 0x00A0))
                .and_then(|e| ifd.ascii(&e)),
            iso: ifd
                .find(first, 0x0002)
                .and_then(|e| {
                    // ISO: two int16u, the second the setting.
                    let at = e.data_at + 2;
                    (e.typ == 3 && e.count >= 2).then(|| ifd.u16(at)).flatten()
                })
                .map(u32::from)
                .filter(|i| *i > 0),
        }
    } else if note.starts_with(b"SIGMA\0\0\0") || note.starts_with(b"FOVEON\0\0") {
        // IFD at byte 10; offsets from the TIFF header.
        let ifd = Ifd { buf, base: 0, le };
        NoteFacts {
            serial_number: ifd.find(at + 10, 0x0002).and_then(|e| ifd.ascii(&e)),
            ..NoteFacts::default()
        }
    } else {
        NoteFacts::default()
    }
}

fn canon(buf: &[u8], at: usize, le: bool, model: &str) -> NoteFacts {
    let ifd = Ifd { buf, base: 0, le };
    let serial = ifd.find(at, 0x000C).and_then(|e| ifd.uint(&e)).map(|n| {
        // As Canon's software prints it (and exiftool after it).
        if model.contains("EOS D30") {
            format!("{:x}-{:05}", n >> 16, n & 0xFFFF)
        } else if model.contains("EOS-1D") {
            format!("{n:06}")
        } else {
            format!("{n:010}")
        }
    });
    NoteFacts {
        lens_model: ifd.find(at, 0x0095).and_then(|e| ifd.ascii(&e)),
        serial_number: serial,
        iso: canon_iso(&ifd, at),
    }
}

/// Canon: the ISO setting in CameraSettings, else BaseISO × AutoISO from
/// ShotInfo (how exiftool's composite ISO is made).
fn canon_iso(ifd: &Ifd<'_>, at: usize) -> Option<u32> {
    let item = |tag: u16, i: usize| -> Option<i16> {
        let e = ifd.find(at, tag)?;
        (e.typ == 3 || e.typ == 8)
            .then_some(e.count > i)?
            .then(|| ifd.u16(e.data_at + 2 * i))?
            .map(|v| v as i16)
    };
    let camera = item(0x0001, 16).and_then(|code| match code as u16 {
        c if c & 0x4000 != 0 => Some(u32::from(c & 0x3FFF)),
        16 => Some(50),
        17 => Some(100),
        18 => Some(200),
        19 => Some(400),
        20 => Some(800),
        _ => None,
    });
    let speed = |v: i16, scale: f64| (f64::from(v) / 32.0 * std::f64::consts::LN_2).exp() * scale;
    camera.filter(|i| *i > 0).or_else(|| {
        let auto = speed(item(0x0004, 1)?, 100.0);
        let base = speed(item(0x0004, 2)?, 100.0 / 32.0);
        let iso = (base * auto / 100.0).round();
        (1.0..1e7).contains(&iso).then_some(iso as u32)
    })
}

/// Casio: ISO in the MakerNote's 0x0014 (first layout) or, after a
/// "QVC\0" header, 0x3014.
fn casio(buf: &[u8], at: usize, le: bool, note: &[u8]) -> NoteFacts {
    let ifd = Ifd { buf, base: 0, le };
    let (start, tag) = if note.starts_with(b"QVC\0") {
        (at + 6, 0x3014)
    } else {
        (at, 0x0014)
    };
    NoteFacts {
        iso: ifd
            .find(start, tag)
            .and_then(|e| ifd.uint(&e))
            .filter(|i| *i > 0),
        ..NoteFacts::default()
    }
}

fn olympus(ifd: &Ifd<'_>, main: usize) -> NoteFacts {
    let mut facts = NoteFacts {
        serial_number: ifd.find(main, 0x0404).and_then(|e| ifd.ascii(&e)),
        ..NoteFacts::default()
    };
    // The Equipment sub-IFD, pointed to by an offset (LONG or IFD type) or
    // stored inline (UNDEFINED).
    if let Some(e) = ifd.find(main, 0x2010) {
        let sub = if e.typ == 7 {
            Some(e.data_at)
        } else {
            ifd.uint(&e).map(|o| o as usize)
        };
        if let Some(sub) = sub {
            facts.lens_model = ifd.find(sub, 0x0203).and_then(|e| ifd.ascii(&e));
            if let Some(s) = ifd.find(sub, 0x0101).and_then(|e| ifd.ascii(&e)) {
                facts.serial_number = Some(s);
            }
        }
    }
    facts
}

/// An IFD inside `buf`, whose value offsets count from `base`.
#[derive(Clone, Copy)]
struct Ifd<'a> {
    buf: &'a [u8],
    base: usize,
    le: bool,
}

/// One entry: its type, count and where its value is.
struct Entry {
    typ: u16,
    count: usize,
    data_at: usize,
}

impl Ifd<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        read16(self.buf, at, self.le)
    }

    fn u32(&self, at: usize) -> Option<u32> {
        read32(self.buf, at, self.le)
    }

    /// The entry for `tag` in the IFD at `at`.
    fn find(&self, at: usize, tag: u16) -> Option<Entry> {
        let n = usize::from(self.u16(at)?).min(MAX_MAKERNOTE_ENTRIES);
        (0..n).find_map(|i| {
            let e = at + 2 + i * 12;
            if self.u16(e)? != tag {
                return None;
            }
            let typ = self.u16(e + 2)?;
            let count = self.u32(e + 4)? as usize;
            // Types TIFF does not define are taken as 8 bytes a value, so
            // their data is looked for at the offset, not inline.
            let size = match type_size(typ) {
                0 => 8,
                n => n,
            };
            let len = count.checked_mul(size)?;
            let data_at = if len <= 4 {
                e + 8
            } else {
                self.base + self.u32(e + 8)? as usize
            };
            Some(Entry {
                typ,
                count,
                data_at,
            })
        })
    }

    fn ascii(&self, e: &Entry) -> Option<String> {
        let raw = self.buf.get(e.data_at..e.data_at.checked_add(e.count)?)?;
        let raw = raw.split(|&b| b == 0).next()?;
        clean(&String::from_utf8_lossy(raw))
    }

    fn uint(&self, e: &Entry) -> Option<u32> {
        match e.typ {
            3 => self.u16(e.data_at).map(u32::from),
            4 | 13 => self.u32(e.data_at),
            _ => None,
        }
    }
}
