//! The camera and capture facts of a photo, in plain units.

use serde::Serialize;

/// Camera, lens, exposure, time and place, as the camera recorded them.
/// Strings are cleaned (no control characters, capped); numbers are
/// numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Camera {
    /// Camera maker (EXIF `Make`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Camera model (EXIF `Model`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Lens maker (EXIF `LensMake`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lens_make: Option<String>,
    /// Lens model: EXIF `LensModel`, else the MakerNote's (Canon, Olympus,
    /// OM System), else XMP's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lens_model: Option<String>,
    /// Firmware or editing software (EXIF `Software`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// Camera body serial number; only when the caller asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// When the photo was taken, ISO 8601 local time with the sub-second
    /// part and the UTC offset when the camera recorded them
    /// ("2024-05-17T14:03:22.81+02:00").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datetime_original: Option<String>,
    /// The UTC offset of `datetime_original` ("+02:00"), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_time_original: Option<String>,
    /// Exposure time, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure_time: Option<f64>,
    /// Exposure time as photographers write it ("1/125", "2.5").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure_time_display: Option<String>,
    /// Aperture, f-number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f_number: Option<f64>,
    /// ISO sensitivity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iso: Option<u32>,
    /// Focal length, mm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal_length_mm: Option<f64>,
    /// Focal length equivalent on 35 mm film, mm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal_length_35mm: Option<u32>,
    /// EXIF orientation, 1 to 8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u32>,
    /// The camera's unique id for this image (EXIF `ImageUniqueID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_unique_id: Option<String>,
    /// Photographer (EXIF `Artist`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    /// Copyright notice (EXIF `Copyright`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    /// Where, from the GPS IFD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gps: Option<Gps>,
}

/// The GPS facts of a photo.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Gps {
    /// Latitude, decimal degrees, north positive (with `longitude`, or
    /// neither).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude, decimal degrees, east positive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Altitude in metres, negative below sea level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
    /// Direction the camera faced, degrees from north (true or magnetic,
    /// as `direction_ref` says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction_deg: Option<f64>,
    /// "true" or "magnetic" north for `direction_deg`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction_ref: Option<String>,
    /// Speed of the receiver, km/h.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
    /// The satellite time of the fix, UTC, ISO 8601 ("2016-09-28T17:17:58.65Z").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl Gps {
    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        *self == Gps::default()
    }
}

impl Camera {
    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        *self == Camera::default()
    }

    /// Takes `other`'s facts where this has none (raw files keep a full
    /// EXIF copy in their embedded JPEG).
    pub(crate) fn fill_from(&mut self, other: Camera) {
        macro_rules! fill {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f; } )* };
        }
        fill!(
            make,
            model,
            lens_make,
            lens_model,
            software,
            serial_number,
            datetime_original,
            offset_time_original,
            exposure_time,
            exposure_time_display,
            f_number,
            iso,
            focal_length_mm,
            focal_length_35mm,
            orientation,
            image_unique_id,
            artist,
            copyright,
            gps
        );
    }
}
