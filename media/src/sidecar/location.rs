//! Where a video was shot: ISO 6709 strings and the 3GPP `loci` box.
//!
//! Phones write the position as an ISO 6709 string, e.g.
//! `+48.8584+002.2945+035.000/`: QuickTime `udta/©xyz` (Android, ffmpeg's
//! MOV muxer) and the `com.apple.quicktime.location.ISO6709` metadata key
//! (iPhone). ffmpeg's MP4 muxer writes a binary 3GPP `loci` box instead.
//! The strings are attacker-chosen: anything that is not a plain position
//! inside the valid ranges is no location, never an error.

use serde::Serialize;

/// A point on Earth (WGS 84, as phones record it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Location {
    /// Degrees north (negative: south), -90 ..= 90.
    pub latitude: f64,
    /// Degrees east (negative: west), -180 ..= 180.
    pub longitude: f64,
    /// Metres above the reference ellipsoid, when the file says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
}

/// Longest ISO 6709 string we look at; real ones are ~30 bytes (a CRS
/// suffix such as `CRSWGS_84` adds a few).
const MAX_ISO6709_LEN: usize = 96;
/// Altitudes beyond this (metres) are nonsense, so left out.
const MAX_ALTITUDE_M: f64 = 100_000.0;

impl Location {
    /// A location from degrees, if they are in range.
    fn checked(latitude: f64, longitude: f64, altitude_m: Option<f64>) -> Option<Self> {
        let ok = latitude.is_finite()
            && longitude.is_finite()
            && latitude.abs() <= 90.0
            && longitude.abs() <= 180.0;
        ok.then(|| Location {
            latitude,
            longitude,
            altitude_m: altitude_m.filter(|a| a.is_finite() && a.abs() <= MAX_ALTITUDE_M),
        })
    }

    /// Parses an ISO 6709 point: `±DD.D±DDD.D[±A.A][CRSxxx]/`, with the
    /// degrees-minutes (`±DDMM.M±DDDMM.M`) and degrees-minutes-seconds
    /// (`±DDMMSS.S±DDDMMSS.S`) forms too. The string must end with the
    /// `/` terminator, so that one cut short (`+48.8584+0`) is no location.
    pub(crate) fn from_iso6709(text: &str) -> Option<Self> {
        let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if text.len() > MAX_ISO6709_LEN {
            return None;
        }
        let text = text.strip_suffix('/')?;
        // The coordinate reference system, if named, follows the numbers.
        let numbers = match text.find("CRS") {
            Some(at) => &text[..at],
            None => text,
        };
        let mut parts = Vec::with_capacity(3);
        let mut rest = numbers;
        while !rest.is_empty() {
            if parts.len() == 3 {
                return None;
            }
            let (part, tail) = signed_number(rest)?;
            parts.push(part);
            rest = tail;
        }
        let [lat, lon, alt @ ..] = parts.as_slice() else {
            return None;
        };
        let latitude = lat.degrees(2)?;
        let longitude = lon.degrees(3)?;
        let altitude = match alt {
            [] => None,
            [a] => Some(a.value()?),
            _ => return None,
        };
        Self::checked(latitude, longitude, altitude)
    }

    /// Reads a 3GPP `loci` payload (TS 26.244 §8.2.1.5): version and flags,
    /// language, a NUL-terminated place name, a role byte, then longitude,
    /// latitude and altitude as signed 16.16 fixed point. ffmpeg leaves an
    /// altitude of 0 out of the ISO 6709 string it shows; so do we.
    pub(crate) fn from_loci(payload: &[u8]) -> Option<Self> {
        let name = payload.get(6..)?;
        let name_len = if name.starts_with(&[0xFE, 0xFF]) || name.starts_with(&[0xFF, 0xFE]) {
            // UTF-16 with a BOM, ended by a 16-bit NUL.
            name.chunks_exact(2).position(|c| c == [0, 0])? * 2 + 2
        } else {
            name.iter().position(|&b| b == 0)? + 1
        };
        // Skip the role byte.
        let fixed = name.get(name_len + 1..name_len + 13)?;
        // 16.16 fixed point resolves 1/65536 (~1.5e-5): round to 1e-5 so
        // 48.8584 does not read back as 48.8583984375.
        let at = |i: usize| {
            let v = i32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
            (f64::from(v) / 65_536.0 * 1e5).round() / 1e5
        };
        let altitude = at(8);
        Self::checked(at(4), at(0), (altitude != 0.0).then_some(altitude))
    }
}

/// One signed component: its sign and the digits around the point.
struct Part<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
}

/// Splits `±digits[.digits]` off the front of `text`.
fn signed_number(text: &str) -> Option<(Part<'_>, &str)> {
    let negative = match text.as_bytes().first()? {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    let body = &text[1..];
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, rest) = body.split_at(end);
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || frac.contains('.') || int.len() > 12 || frac.len() > 12 {
        return None;
    }
    Some((
        Part {
            negative,
            int,
            frac,
        },
        rest,
    ))
}

impl Part<'_> {
    /// The number as written.
    fn value(&self) -> Option<f64> {
        let s = format!("{}.{}0", self.int, self.frac);
        let v: f64 = s.parse().ok()?;
        Some(if self.negative { -v } else { v })
    }

    /// Degrees, reading `DD`, `DDMM` or `DDMMSS` (with `deg_digits` digits
    /// of degrees: 2 for latitude, 3 for longitude). Fewer digits than the
    /// standard asks are taken as plain degrees, as some writers drop the
    /// zero padding.
    fn degrees(&self, deg_digits: usize) -> Option<f64> {
        let n = self.int.len();
        let magnitude = if n <= deg_digits {
            self.value()?.abs()
        } else {
            let (deg, rest) = self.int.split_at(deg_digits);
            let deg: f64 = deg.parse().ok()?;
            let whole = |s: &str| s.parse::<f64>().ok();
            let frac = format!("0.{}0", self.frac).parse::<f64>().ok()?;
            match rest.len() {
                2 => {
                    let min = whole(rest)? + frac;
                    (min < 60.0).then_some(deg + min / 60.0)?
                }
                4 => {
                    let min = whole(&rest[..2])?;
                    let sec = whole(&rest[2..])? + frac;
                    (min < 60.0 && sec < 60.0).then_some(deg + min / 60.0 + sec / 3600.0)?
                }
                _ => return None,
            }
        };
        Some(if self.negative { -magnitude } else { magnitude })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<(f64, f64, Option<f64>)> {
        Location::from_iso6709(s).map(|l| (l.latitude, l.longitude, l.altitude_m))
    }

    #[test]
    fn parses_the_forms_phones_write() {
        assert_eq!(
            iso("+48.8584+002.2945+035.000/"),
            Some((48.8584, 2.2945, Some(35.0)))
        );
        assert_eq!(iso("-33.8568+151.2153/"), Some((-33.8568, 151.2153, None)));
        assert_eq!(iso("+37.4220-122.0841/"), Some((37.422, -122.0841, None)));
        assert_eq!(
            iso("+27.5916+086.5640+8850CRSWGS_84/"),
            Some((27.5916, 86.564, Some(8850.0)))
        );
        let (lat, lon, _) = iso("+4851.50+00217.70/").unwrap();
        assert!((lat - 48.858_333).abs() < 1e-5 && (lon - 2.295).abs() < 1e-5);
        let (lat, lon, _) = iso("+485130.0-0021742/").unwrap();
        assert!((lat - 48.858_333).abs() < 1e-5 && (lon + 2.295).abs() < 1e-5);
    }

    #[test]
    fn rejects_what_is_not_a_position() {
        for bad in [
            "",
            "/",
            "+48.8584/",
            "+37.4220-122.0841",
            "+48.8584+0",
            "48.8584+002.2945/",
            "+91.0+002.0/",
            "+45.0+181.0/",
            "+45.0+002.0+1+2/",
            "+45..0+002.0/",
            "+45.0+002.0xyz/",
            "+4860.0+00200.0/",
            "+-45.0+002.0/",
            "+45.0+002.0+100000000.0/",
        ] {
            let got = iso(bad);
            assert!(
                got.is_none() || got.is_some_and(|(_, _, alt)| alt.is_none()),
                "{bad:?} gave {got:?}"
            );
        }
        assert_eq!(iso(&"+1".repeat(200)), None);
    }

    #[test]
    fn reads_loci() {
        let mut loci = vec![0, 0, 0, 0, 0x15, 0xC7];
        loci.extend_from_slice(b"Paris\0");
        loci.push(0);
        for v in [2.2945f64, 48.8584, 35.0] {
            loci.extend_from_slice(&((v * 65_536.0).round() as i32).to_be_bytes());
        }
        loci.extend_from_slice(b"earth\0\0");
        let l = Location::from_loci(&loci).unwrap();
        assert_eq!((l.latitude, l.longitude), (48.8584, 2.29449));
        assert_eq!(l.altitude_m, Some(35.0));
        assert_eq!(Location::from_loci(&loci[..20]), None);
        assert_eq!(Location::from_loci(&[0; 5]), None);
    }
}
