//! One answer from several sources. Camera facts: EXIF first, XMP's copy
//! when EXIF lacks one. Descriptive facts: XMP first (what editors keep
//! current), then IPTC, then EXIF, as the Metadata Working Group advises.

use crate::camera::Gps;
use crate::container::Found;
use crate::exif_read::{self, iso_date_time};
use crate::limits::MAX_KEYWORDS;
use crate::text::{MAX_CHARS, MAX_LONG_CHARS, clean, clean_to};
use crate::xmp::{self, AUX, DC, EXIF, EXIF_EX, PDF, PHOTOSHOP, TIFF, XMP};
use crate::{Embedded, Options, gps, icc, iptc};

pub(crate) fn merge(mut found: Found<'_>, options: &Options) -> Embedded {
    let from_exif = exif_read::read(&mut found, options.serial_number);
    let (mut x, fault) = match found.xmp.take() {
        Some(packet) => xmp::parse(&packet),
        None => Default::default(),
    };
    if let Some(f) = fault {
        found.warn(f);
    }
    if let Some(ext) = found.xmp_extended.take() {
        let (more, fault) = xmp::parse(&ext);
        x.absorb(more);
        if let Some(f) = fault {
            found.warn(format!("extended {f}"));
        }
    }
    let iptc = found
        .iptc
        .take()
        .map(|b| iptc::parse(&b))
        .unwrap_or_default();
    let mut out = Embedded::default();

    let mut cam = from_exif
        .as_ref()
        .map(|e| e.camera.clone())
        .unwrap_or_default();
    if let Some(info) = found.picture_info {
        let mut older = crate::picture_info::read(info);
        if !options.serial_number {
            older.serial_number = None;
        }
        older.exposure_time_display = older.exposure_time.map(crate::exif_read::shutter);
        cam.fill_from(older);
    }
    let xs = |ns: &str, name: &str| x.first(ns, name).and_then(clean);
    fill(&mut cam.make, || xs(TIFF, "Make"));
    fill(&mut cam.model, || xs(TIFF, "Model"));
    fill(&mut cam.lens_make, || xs(EXIF_EX, "LensMake"));
    // Not aux:Lens: that is a lens's description ("18.0-55.0 mm"), which
    // exiftool keeps apart from LensModel too.
    fill(&mut cam.lens_model, || xs(EXIF_EX, "LensModel"));
    fill(&mut cam.software, || {
        text_key(&found, "Software", MAX_CHARS)
    });
    if cam.orientation.is_none() {
        cam.orientation = x
            .first(TIFF, "Orientation")
            .and_then(|o| o.trim().parse().ok())
            .filter(|o| (1..=8).contains(o));
    }
    // XMP's unless only IPTC's has the time of day.
    let date_created = match (
        x.first(PHOTOSHOP, "DateCreated").and_then(xmp_date),
        iptc.date_created,
    ) {
        (Some(x), Some(i)) if x.len() < 19 && i.len() >= 19 => Some(i),
        (x, i) => x.or(i),
    };
    // Without EXIF's, the author's creation date and time stands for when
    // it was taken (exiftool's composite DateTimeOriginal does the same).
    fill(&mut cam.datetime_original, || {
        x.first(EXIF, "DateTimeOriginal")
            .and_then(xmp_date)
            .or_else(|| date_created.clone().filter(|d| d.len() >= 19))
    });
    fill(&mut cam.image_unique_id, || xs(EXIF, "ImageUniqueID"));
    if options.serial_number {
        // EXIF's or the MakerNote's, else what older segments filled in,
        // else XMP's.
        let exif_serial = from_exif.as_ref().and_then(|e| e.serial_number.clone());
        cam.serial_number = exif_serial
            .or(cam.serial_number.take())
            .or_else(|| xs(EXIF_EX, "BodySerialNumber"))
            .or_else(|| xs(AUX, "SerialNumber"));
    }
    if cam.gps.as_ref().is_none_or(|g| g.latitude.is_none())
        && let (Some(lat), Some(lon)) = (
            x.first(EXIF, "GPSLatitude")
                .and_then(|s| gps::xmp_coord(s, 90.0)),
            x.first(EXIF, "GPSLongitude")
                .and_then(|s| gps::xmp_coord(s, 180.0)),
        )
    {
        let g = cam.gps.get_or_insert_with(Gps::default);
        g.latitude = Some(lat);
        g.longitude = Some(lon);
    }
    out.exif = (!cam.is_empty()).then_some(cam);

    out.title = xs(DC, "title")
        .or(iptc.object_name)
        .or_else(|| xs(PDF, "Title"));
    out.description = x
        .first(DC, "description")
        .and_then(|d| clean_to(d, MAX_LONG_CHARS))
        .or(iptc.caption)
        .or_else(|| {
            from_exif
                .as_ref()
                .and_then(|e| e.description.clone())
                .filter(|d| !is_placeholder(d))
        });
    let mut keywords: Vec<String> = Vec::new();
    for k in x
        .all(DC, "subject")
        .iter()
        .filter_map(|k| clean(k))
        .chain(iptc.keywords)
    {
        if keywords.len() == MAX_KEYWORDS {
            break;
        }
        if !keywords.contains(&k) {
            keywords.push(k);
        }
    }
    out.keywords = keywords;
    out.rating = x
        .first(XMP, "Rating")
        .and_then(|r| r.trim().parse::<f64>().ok())
        .filter(|r| (-1.0..=5.0).contains(r))
        .map(|r| r.round() as i8)
        .or(from_exif.as_ref().and_then(|e| e.rating));
    out.date_created = date_created;
    out.icc_profile = found.icc.as_deref().and_then(icc::description);
    out.comment = found
        .comment
        .as_deref()
        .map(String::from_utf8_lossy)
        .and_then(|c| clean_to(&c, MAX_LONG_CHARS))
        .or_else(|| text_key(&found, "Comment", MAX_LONG_CHARS));
    if out.title.is_none() {
        out.title = text_key(&found, "Title", MAX_CHARS);
    }
    if out.description.is_none() {
        out.description = text_key(&found, "Description", MAX_LONG_CHARS);
    }
    out.warnings = found.warnings;
    out
}

fn fill(slot: &mut Option<String>, f: impl FnOnce() -> Option<String>) {
    if slot.is_none() {
        *slot = f();
    }
}

/// A PNG text value, cleaned and cut to `max` chars.
fn text_key(found: &Found<'_>, key: &str, max: usize) -> Option<String> {
    found
        .text
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| clean_to(v, max))
}

/// XMP dates are ISO 8601 already ("2024-05-17T14:03:22.81+02:00", or
/// just "2024-05-17"); EXIF's colon form also turns up.
fn xmp_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(iso) = iso_date_time(&s.replacen('-', ":", 2).replacen('T', " ", 1)) {
        // Keep what follows the seconds (fraction, offset) when well formed.
        let rest = s.get(19..).unwrap_or_default();
        let ok = rest
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-' | b':' | b'Z'));
        return Some(if ok { format!("{iso}{rest}") } else { iso });
    }
    let d = s.get(..10)?;
    let b = d.as_bytes();
    (b[4] == b'-' && b[7] == b'-' && d.bytes().filter(u8::is_ascii_digit).count() == 8)
        .then(|| d.to_owned())
}

/// What cameras write as `ImageDescription` when the photographer wrote
/// nothing ("OLYMPUS DIGITAL CAMERA", "SANYO DIGITAL CAMERA", "DCF 1.0").
fn is_placeholder(d: &str) -> bool {
    let u = d.to_ascii_uppercase();
    u.ends_with("DIGITAL CAMERA") || u.starts_with("DCF ") || u == "DIGITAL CAMERA"
}
