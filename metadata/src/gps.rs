//! The GPS IFD in decimal degrees, metres, km/h and UTC; and XMP's
//! "DDD,MM.mmN" coordinates.

use crate::camera::Gps;
use crate::exif_read::{rational, round};
use exif::{Exif, In, Tag, Value};

/// Position, altitude, direction and speed (the timestamp is [`timestamp`]).
pub(crate) fn read(exif: &Exif) -> Gps {
    let mut g = Gps::default();
    if let (Some(lat), Some(lon)) = (
        coord(exif, Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S', 90.0),
        coord(exif, Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W', 180.0),
    ) {
        g.latitude = Some(round(lat, 7));
        g.longitude = Some(round(lon, 7));
    }
    g.altitude_m = rational(exif, Tag::GPSAltitude).map(|alt| {
        let below = letter(exif, Tag::GPSAltitudeRef).is_some_and(|r| r == 1 || r == b'1');
        round(if below { -alt } else { alt }, 2)
    });
    g.direction_deg = rational(exif, Tag::GPSImgDirection)
        .filter(|d| (0.0..=360.0).contains(d))
        .map(|d| round(d, 2));
    if g.direction_deg.is_some() {
        g.direction_ref = match letter(exif, Tag::GPSImgDirectionRef) {
            Some(b'T') => Some("true".into()),
            Some(b'M') => Some("magnetic".into()),
            _ => None,
        };
    }
    g.speed_kmh = rational(exif, Tag::GPSSpeed).map(|s| {
        let factor = match letter(exif, Tag::GPSSpeedRef) {
            Some(b'M') => 1.609_344,
            Some(b'N') => 1.852,
            _ => 1.0,
        };
        round(s * factor, 2)
    });
    g
}

/// GPSDateStamp plus GPSTimeStamp, as "YYYY-MM-DDTHH:MM:SS[.ff]Z".
pub(crate) fn timestamp(exif: &Exif) -> Option<String> {
    let date = match &exif.get_field(Tag::GPSDateStamp, In::PRIMARY)?.value {
        Value::Ascii(p) => String::from_utf8_lossy(p.first()?).into_owned(),
        _ => return None,
    };
    let Value::Rational(t) = &exif.get_field(Tag::GPSTimeStamp, In::PRIMARY)?.value else {
        return None;
    };
    if t.len() < 3 || t.iter().any(|r| r.denom == 0) {
        return None;
    }
    let (h, m, s) = (t[0].to_f64(), t[1].to_f64(), t[2].to_f64());
    if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..61.0).contains(&s) {
        return None;
    }
    let iso = crate::exif_read::iso_date_time(&format!("{} 00:00:00", date.trim()))?;
    let secs = h.trunc() * 3600.0 + m.trunc() * 60.0 + s;
    let (hh, mm) = ((secs / 3600.0) as u32, ((secs % 3600.0) / 60.0) as u32);
    let ss = secs % 60.0;
    // Whole seconds print without a fraction; otherwise up to 1/100 s.
    let ss = if (ss - ss.round()).abs() < 1e-6 {
        format!("{:02}", ss.round() as u32)
    } else {
        let s = format!("{ss:05.2}");
        s.trim_end_matches('0').to_owned()
    };
    Some(format!("{}T{hh:02}:{mm:02}:{ss}Z", &iso[..10]))
}

fn letter(exif: &Exif, tag: Tag) -> Option<u8> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(p) => p.first()?.first().copied(),
        v => v.get_uint(0).and_then(|n| u8::try_from(n).ok()),
    }
}

fn coord(exif: &Exif, tag: Tag, ref_tag: Tag, negative: u8, max: f64) -> Option<f64> {
    let Value::Rational(dms) = &exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    if dms.is_empty() || dms.iter().take(3).any(|r| r.denom == 0) {
        return None;
    }
    let part = |i: usize| dms.get(i).map_or(0.0, |r| r.to_f64());
    let deg = part(0) + part(1) / 60.0 + part(2) / 3600.0;
    let neg = letter(exif, ref_tag) == Some(negative);
    let v = if neg { -deg } else { deg };
    (v.is_finite() && v.abs() <= max).then_some(v)
}

/// XMP's "DDD,MM,SSk" or "DDD,MM.mmk" (k one of N, S, E, W).
pub(crate) fn xmp_coord(s: &str, max: f64) -> Option<f64> {
    let s = s.trim();
    let hemi = s.chars().last()?;
    let neg = match hemi.to_ascii_uppercase() {
        'N' | 'E' => false,
        'S' | 'W' => true,
        _ => return None,
    };
    let body = &s[..s.len() - 1];
    let mut parts = body.split(',').map(|p| p.trim().parse::<f64>());
    let d = parts.next()?.ok()?;
    let m = parts.next().transpose().ok()?.unwrap_or(0.0);
    let sec = parts.next().transpose().ok()?.unwrap_or(0.0);
    let v = d + m / 60.0 + sec / 3600.0;
    let v = if neg { -v } else { v };
    (v.is_finite() && v.abs() <= max).then(|| round(v, 7))
}
