//! EXIF, parsed by `kamadak-exif` in its lenient mode: a damaged entry or
//! IFD costs that entry, with a warning, never the whole block.

use crate::camera::{Camera, Gps};
use crate::container::Found;
use crate::gps;
use crate::text::{MAX_LONG_CHARS, clean, clean_to};
use exif::{Context, Exif, Field, In, Tag, Value};

/// What EXIF holds beyond the camera facts.
#[derive(Debug, Default)]
pub(crate) struct ExifRead {
    pub camera: Camera,
    /// IFD0 `ImageDescription`.
    pub description: Option<String>,
    /// IFD0 `Rating` (Windows).
    pub rating: Option<i8>,
    /// The MakerNote's serial number, read only when asked for.
    pub serial_number: Option<String>,
}

const RATING: Tag = Tag(Context::Tiff, 0x4746);
/// Some writers put `Rating` in the Exif IFD.
const EXIF_RATING: Tag = Tag(Context::Exif, 0x4746);
const XMP: Tag = Tag(Context::Tiff, 700);
const IPTC: Tag = Tag(Context::Tiff, 33723);
const ICC: Tag = Tag(Context::Tiff, 34675);
/// Panasonic RW2's preview JPEG, which holds the camera's full EXIF.
const JPG_FROM_RAW: Tag = Tag(Context::Tiff, 0x002E);
const IFD0_LENS_MODEL: Tag = Tag(Context::Tiff, 0xA434);
const IFD0_SERIAL: Tag = Tag(Context::Tiff, 0xA431);
const DNG_CAMERA_SERIAL: Tag = Tag(Context::Tiff, 0xC62F);

/// Parses the EXIF block in `found`, moving a TIFF file's XMP, IPTC and ICC
/// tags into `found` and adding warnings there.
pub(crate) fn read(found: &mut Found<'_>, serial: bool) -> Option<ExifRead> {
    read_nested(found, serial, 0)
}

/// [`read`], `nested` levels inside another file's EXIF (at most one).
fn read_nested(found: &mut Found<'_>, serial: bool, nested: u8) -> Option<ExifRead> {
    let tiff = found.exif.take()?;
    let mut buf = tiff.into_owned();
    if buf.len() >= 4 && buf[2..4] != [0x2A, 0] && buf[2..4] != [0, 0x2A] {
        // ORF and RW2 change TIFF's magic number; the IFDs are standard.
        let little = buf[0] == b'I';
        buf[2..4].copy_from_slice(if little { &[0x2A, 0] } else { &[0, 0x2A] });
    }
    if let Err(why) = crate::ifd_guard::prepare(&mut buf) {
        found.warn(why);
        return None;
    }
    let exif = match exif::Reader::new().continue_on_error(true).read_raw(buf) {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => {
            let (exif, errors) = partial.into_inner();
            for e in errors {
                found.warn(format!("EXIF: {e}"));
            }
            exif
        }
        Err(e) => {
            found.warn(format!("EXIF unreadable: {e}"));
            return None;
        }
    };
    if found.exif_is_file {
        let little = exif.little_endian();
        let bytes = |tag| match exif.get_field(tag, In::PRIMARY).map(|f| &f.value) {
            Some(Value::Byte(b) | Value::Undefined(b, _)) => Some(b.clone()),
            // Photoshop stores IPTC as LONGs: the bytes as the file has them.
            Some(Value::Long(l)) => Some(
                l.iter()
                    .flat_map(|v| {
                        if little {
                            v.to_le_bytes()
                        } else {
                            v.to_be_bytes()
                        }
                    })
                    .collect(),
            ),
            _ => None,
        };
        found.xmp = bytes(XMP).map(Into::into);
        found.iptc = bytes(IPTC).map(Into::into);
        found.icc = bytes(ICC).map(Into::into);
    }
    let mut camera = Camera {
        make: text(&exif, Tag::Make),
        model: text(&exif, Tag::Model),
        lens_make: text(&exif, Tag::LensMake),
        // Some writers put Exif-IFD tags in IFD0.
        lens_model: text(&exif, Tag::LensModel).or_else(|| text(&exif, IFD0_LENS_MODEL)),
        software: text(&exif, Tag::Software),
        image_unique_id: text(&exif, Tag::ImageUniqueID),
        artist: text(&exif, Tag::Artist),
        copyright: text(&exif, Tag::Copyright),
        datetime_original: None,
        offset_time_original: text(&exif, Tag::OffsetTimeOriginal).filter(|o| valid_offset(o)),
        exposure_time: rational(&exif, Tag::ExposureTime).filter(|t| *t > 0.0),
        exposure_time_display: None,
        f_number: rational(&exif, Tag::FNumber)
            .filter(|f| *f > 0.0)
            .map(|v| round(v, 2)),
        // Zero is what the camera wrote (exiftool shows it too).
        iso: uint(&exif, Tag::PhotographicSensitivity),
        focal_length_mm: rational(&exif, Tag::FocalLength)
            .filter(|f| *f >= 0.0)
            .map(|v| round(v, 2)),
        focal_length_35mm: uint(&exif, Tag::FocalLengthIn35mmFilm).filter(|f| *f > 0),
        orientation: uint(&exif, Tag::Orientation).filter(|o| (1..=8).contains(o)),
        serial_number: None,
        gps: None,
    };
    camera.exposure_time_display = camera.exposure_time.map(shutter);
    camera.datetime_original = date_time(
        &exif,
        Tag::DateTimeOriginal,
        Tag::SubSecTimeOriginal,
        camera.offset_time_original.as_deref(),
    );
    let g = Gps {
        timestamp: gps::timestamp(&exif),
        ..gps::read(&exif)
    };
    camera.gps = (!g.is_empty()).then_some(g);
    let note = crate::makernote::read(&exif, camera.make.as_deref(), camera.model.as_deref());
    if camera.lens_model.is_none() {
        camera.lens_model = note.lens_model;
    }
    if camera.iso.is_none() {
        camera.iso = note.iso;
    }
    let serial_number = serial
        .then(|| {
            text(&exif, Tag::BodySerialNumber)
                .or_else(|| text(&exif, IFD0_SERIAL))
                .or_else(|| text(&exif, DNG_CAMERA_SERIAL))
                .or(note.serial_number)
        })
        .flatten();
    if nested == 0
        && found.exif_is_file
        && let Some(Value::Undefined(jpeg, _)) =
            exif.get_field(JPG_FROM_RAW, In::PRIMARY).map(|f| &f.value)
    {
        let mut inner = crate::container::scan(jpeg);
        if let Some(more) = read_nested(&mut inner, serial, 1) {
            camera.fill_from(more.camera);
        }
    }
    let description =
        ascii(&exif, Tag::ImageDescription).and_then(|d| clean_to(&d, MAX_LONG_CHARS));
    let rating = exif
        .get_field(RATING, In::PRIMARY)
        .or_else(|| exif.get_field(EXIF_RATING, In::PRIMARY))
        .and_then(|f| f.value.get_uint(0))
        .and_then(|r| i8::try_from(r).ok())
        .filter(|r| *r <= 5);
    Some(ExifRead {
        camera,
        description,
        rating,
        serial_number,
    })
}

pub(crate) fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// The first string of an ASCII field (some writers use UNDEFINED or BYTE).
fn ascii(exif: &Exif, tag: Tag) -> Option<String> {
    let raw = match &field(exif, tag)?.value {
        Value::Ascii(parts) => parts.first()?.as_slice(),
        Value::Undefined(b, _) | Value::Byte(b) => b.as_slice(),
        _ => return None,
    };
    let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
    // EXIF says ASCII; cameras write UTF-8. Bytes that are neither become
    // '?', as exiftool shows them.
    Some(String::from_utf8_lossy(raw).replace('\u{FFFD}', "?"))
}

/// A field of the main image, wherever the IFD it sits in.
fn field(exif: &Exif, tag: Tag) -> Option<&Field> {
    exif.get_field(tag, In::PRIMARY)
}

pub(crate) fn text(exif: &Exif, tag: Tag) -> Option<String> {
    clean(&ascii(exif, tag)?)
}

fn uint(exif: &Exif, tag: Tag) -> Option<u32> {
    field(exif, tag)?.value.get_uint(0)
}

pub(crate) fn rational(exif: &Exif, tag: Tag) -> Option<f64> {
    let v = match &field(exif, tag)?.value {
        Value::Rational(v) if v.first()?.denom != 0 => v[0].to_f64(),
        Value::SRational(v) if v.first()?.denom != 0 => v[0].to_f64(),
        _ => return None,
    };
    v.is_finite().then_some(v)
}

/// 0.008 → "1/125"; 2.5 → "2.5".
pub(crate) fn shutter(t: f64) -> String {
    if t > 0.0 && t < 0.25001 {
        format!("1/{}", (1.0 / t).round())
    } else {
        format!("{}", round(t, 2))
    }
}

/// "+02:00" or "-05:30".
fn valid_offset(o: &str) -> bool {
    let b = o.as_bytes();
    b.len() == 6
        && matches!(b[0], b'+' | b'-')
        && b[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| b[i].is_ascii_digit())
}

/// EXIF's "YYYY:MM:DD HH:MM:SS" with its sub-seconds and offset, as ISO
/// 8601; `None` for the blank or zero dates cameras write when unset.
fn date_time(exif: &Exif, tag: Tag, subsec: Tag, offset: Option<&str>) -> Option<String> {
    let base = iso_date_time(&ascii(exif, tag)?)?;
    let frac = ascii(exif, subsec)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit()));
    let mut out = base;
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    out.push_str(offset.unwrap_or_default());
    Some(out)
}

/// "2024:05:17 14:03:22" → "2024-05-17T14:03:22"; `None` unless it is a
/// real date and time.
pub(crate) fn iso_date_time(raw: &str) -> Option<String> {
    let b = raw.trim().as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = std::str::from_utf8(&b[r]).ok()?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if y == 0 || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 24 || mi > 59 || s > 60 {
        return None;
    }
    Some(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"))
}
