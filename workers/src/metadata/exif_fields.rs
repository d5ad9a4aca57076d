//! The EXIF fields Kiln records, in plain units.

use exif::{DateTime, Exif, In, Reader, Tag, Value};
use serde_json::{Map, Value as Json, json};
use std::io::Cursor;

/// Reads EXIF from a JPEG, PNG, WebP or TIFF container. `None` when there is
/// none or it is unreadable: metadata of the rest of the file still counts.
pub(super) fn read(data: &[u8]) -> Option<Map<String, Json>> {
    let exif = Reader::new()
        .read_from_container(&mut Cursor::new(data))
        .ok()?;
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Json>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    put("make", text(&exif, Tag::Make).map(Json::from));
    put("model", text(&exif, Tag::Model).map(Json::from));
    put("lens_make", text(&exif, Tag::LensMake).map(Json::from));
    put("lens_model", text(&exif, Tag::LensModel).map(Json::from));
    put("software", text(&exif, Tag::Software).map(Json::from));
    put("datetime_original", datetime(&exif).map(Json::from));
    if let Some(t) = rational(&exif, Tag::ExposureTime) {
        put("exposure_time", Some(json!(t)));
        put("exposure_time_display", Some(json!(shutter(t))));
    }
    put(
        "f_number",
        rational(&exif, Tag::FNumber).map(|v| json!(round(v, 2))),
    );
    put(
        "iso",
        uint(&exif, Tag::PhotographicSensitivity).map(Json::from),
    );
    put(
        "focal_length_mm",
        rational(&exif, Tag::FocalLength).map(|v| json!(round(v, 2))),
    );
    put(
        "focal_length_35mm",
        uint(&exif, Tag::FocalLengthIn35mmFilm).map(Json::from),
    );
    put(
        "orientation",
        uint(&exif, Tag::Orientation)
            .filter(|o| (1..=8).contains(o))
            .map(Json::from),
    );
    if let (Some(lat), Some(lon)) = (
        gps_coord(&exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S'),
        gps_coord(&exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W'),
    ) {
        let mut gps = Map::new();
        gps.insert("latitude".into(), json!(round(lat, 7)));
        gps.insert("longitude".into(), json!(round(lon, 7)));
        if let Some(alt) = rational(&exif, Tag::GPSAltitude) {
            let below = uint(&exif, Tag::GPSAltitudeRef) == Some(1);
            gps.insert(
                "altitude_m".into(),
                json!(round(if below { -alt } else { alt }, 2)),
            );
        }
        m.insert("gps".into(), Json::Object(gps));
    }
    (!m.is_empty()).then_some(m)
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

fn text(exif: &Exif, tag: Tag) -> Option<String> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        // Capped and stripped of control characters: the bytes are the
        // file's, and the document is shown to people and other programs.
        Value::Ascii(parts) => super::text::clean(&String::from_utf8_lossy(parts.first()?)),
        _ => None,
    }
}

fn uint(exif: &Exif, tag: Tag) -> Option<u32> {
    exif.get_field(tag, In::PRIMARY)?.value.get_uint(0)
}

fn rational(exif: &Exif, tag: Tag) -> Option<f64> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Rational(v) if v.first()?.denom != 0 => Some(v[0].to_f64()),
        Value::SRational(v) if v.first()?.denom != 0 => Some(v[0].to_f64()),
        _ => None,
    }
}

/// 0.008 → "1/125"; 2.5 → "2.5".
fn shutter(t: f64) -> String {
    if t > 0.0 && t < 1.0 {
        format!("1/{}", (1.0 / t).round())
    } else {
        format!("{}", round(t, 2))
    }
}

/// ISO 8601, with the offset when the camera recorded one.
fn datetime(exif: &Exif) -> Option<String> {
    let raw = match &exif
        .get_field(Tag::DateTimeOriginal, In::PRIMARY)
        .or_else(|| exif.get_field(Tag::DateTime, In::PRIMARY))?
        .value
    {
        Value::Ascii(parts) => parts.first()?.clone(),
        _ => return None,
    };
    let mut dt = DateTime::from_ascii(&raw).ok()?;
    if let Some(f) = exif.get_field(Tag::OffsetTimeOriginal, In::PRIMARY)
        && let Value::Ascii(parts) = &f.value
        && let Some(p) = parts.first()
    {
        let _ = dt.parse_offset(p);
    }
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
    );
    Some(match dt.offset {
        Some(off) => format!(
            "{base}{}{:02}:{:02}",
            if off < 0 { '-' } else { '+' },
            off.abs() / 60,
            off.abs() % 60
        ),
        None => base,
    })
}

/// Degrees/minutes/seconds plus hemisphere to signed decimal degrees.
fn gps_coord(exif: &Exif, tag: Tag, ref_tag: Tag, negative: u8) -> Option<f64> {
    let Value::Rational(dms) = &exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    if dms.len() < 3 || dms.iter().any(|r| r.denom == 0) {
        return None;
    }
    let deg = dms[0].to_f64() + dms[1].to_f64() / 60.0 + dms[2].to_f64() / 3600.0;
    let neg = match &exif.get_field(ref_tag, In::PRIMARY).map(|f| &f.value) {
        Some(Value::Ascii(p)) => p.first().and_then(|s| s.first()) == Some(&negative),
        _ => false,
    };
    Some(if neg { -deg } else { deg })
}
