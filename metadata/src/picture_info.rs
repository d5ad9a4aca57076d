//! The JPEG APP12 "[picture info]" segment of older Agfa, Polaroid and
//! Olympus cameras: `key=value` lines that stand in for EXIF.

use crate::camera::Camera;
use crate::exif_read::round;
use crate::text::clean;

/// The camera facts in a picture-info segment.
pub(crate) fn read(segment: &[u8]) -> Camera {
    let text = String::from_utf8_lossy(segment);
    let mut cam = Camera::default();
    for line in text.lines().take(512) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            // Microseconds.
            "Shutter" | "shtr" => {
                cam.exposure_time = value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| *v > 0.0 && v.is_finite())
                    .map(|us| us * 1e-6);
            }
            // Agfa writes "F2.8".
            "FNumber" => {
                cam.f_number = value
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == ' ')
                    .parse::<f64>()
                    .ok()
                    .filter(|v| *v > 0.0 && v.is_finite())
                    .map(|v| round(v, 2));
            }
            // Seconds since 1970, UTC.
            "TimeDate" => cam.datetime_original = value.parse::<i64>().ok().and_then(unix_to_iso),
            "Serial#" => cam.serial_number = clean(value),
            _ => {}
        }
    }
    cam
}

/// Seconds since 1970 as "YYYY-MM-DDTHH:MM:SS" (UTC), for years 1970-9999.
fn unix_to_iso(t: i64) -> Option<String> {
    if !(0..253_402_300_800).contains(&t) {
        return None;
    }
    let (days, secs) = (t / 86_400, t % 86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_agfa_lines() {
        let cam = super::read(b"Agfa Gevaert\r\n[picture info]\r\nTimeDate=915117440\r\nShutter=6460\r\nFNumber=F2.8\r\n");
        assert_eq!(cam.exposure_time, Some(0.00646));
        assert_eq!(cam.f_number, Some(2.8));
        assert_eq!(
            cam.datetime_original.as_deref(),
            Some("1998-12-31T15:17:20")
        );
    }
}
