//! The searchable facts of a file, taken from its metadata document, and
//! the folded text a name search looks in: what both stores index.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// The facts of a file's extracted metadata that can be searched, stored
/// as indexed fields beside the file (never searched inside the document).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchFields {
    /// Camera maker as recorded (EXIF `Make`, or a video container's).
    pub camera_make: Option<String>,
    /// Camera model (EXIF `Model`).
    pub camera_model: Option<String>,
    /// Lens model (EXIF `LensModel`), else its maker.
    pub lens: Option<String>,
    /// When it was taken: EXIF `DateTimeOriginal` with its sub-seconds and
    /// offset (read as UTC without one), else the author's creation date
    /// (XMP/IPTC), else the container's creation time.
    pub taken_at: Option<DateTime<Utc>>,
    /// Latitude, decimal degrees (EXIF GPS, or a video container's location).
    pub latitude: Option<f64>,
    /// Longitude, decimal degrees.
    pub longitude: Option<f64>,
    /// Width as displayed (EXIF orientation applied), or a video's.
    pub width: Option<u32>,
    /// Height as displayed, or a video's.
    pub height: Option<u32>,
    /// Duration of audio or video, seconds.
    pub duration_secs: Option<f64>,
    /// What the file says about itself, folded for a text search: an
    /// image's title, caption and keywords (XMP, IPTC), a recording's
    /// title, artist and album. At most [`MAX_META_TEXT`] chars. Written
    /// for search only: a file's list entry shows the metadata itself.
    #[serde(skip)]
    pub text: Option<String>,
}

/// Longest embedded text kept for search, in chars.
pub const MAX_META_TEXT: usize = 4000;

impl SearchFields {
    /// The searchable facts of a metadata document as the metadata worker
    /// writes it (see `FileMetadata` in the API); anything missing or
    /// malformed is simply absent.
    pub fn from_metadata(doc: &Value) -> SearchFields {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let dim = |k: &str| {
            doc.get(k)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let exif = doc.get("exif");
        let at = |k: &str| exif.and_then(|e| e.get(k));
        let gps = at("gps");
        // A video's position is the container's (QuickTime ©xyz, Apple's
        // ISO 6709 key), kept under `location`.
        let place = gps.or_else(|| doc.get("location"));
        let coord = |k: &str, max: f64| {
            place
                .and_then(|g| g.get(k))
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite() && v.abs() <= max)
        };
        let (latitude, longitude) = match (coord("latitude", 90.0), coord("longitude", 180.0)) {
            (Some(a), Some(o)) => (Some(a), Some(o)),
            _ => (None, None),
        };
        // A video's size is its first video track's.
        let video = doc
            .get("tracks")
            .and_then(Value::as_array)
            .and_then(|t| t.iter().find(|t| t.get("kind") == Some(&"video".into())));
        let track_dim = |k: &str| {
            video
                .and_then(|v| v.get(k))
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let taken = text(at("datetime_original"))
            .or_else(|| text(doc.get("date_created")))
            .or_else(|| text(doc.get("creation_time")))
            .or_else(|| text(doc.get("tags").and_then(|t| t.get("creation_time"))))
            .and_then(|s| parse_taken(&s));
        let mut words: Vec<&str> = Vec::new();
        for k in ["title", "description"] {
            words.extend(doc.get(k).and_then(Value::as_str));
        }
        if let Some(Value::Array(ks)) = doc.get("keywords") {
            words.extend(ks.iter().filter_map(Value::as_str));
        }
        for k in ["title", "artist", "album"] {
            words.extend(
                doc.get("tags")
                    .and_then(|t| t.get(k))
                    .and_then(Value::as_str),
            );
        }
        let words: String = fold(&words.join("\n"))
            .chars()
            .take(MAX_META_TEXT)
            .collect();
        SearchFields {
            text: (!words.is_empty()).then_some(words),
            // A phone's video names its maker and model in the container.
            camera_make: text(at("make")).or_else(|| text(doc.get("make"))),
            camera_model: text(at("model")).or_else(|| text(doc.get("model"))),
            lens: text(at("lens_model")).or_else(|| text(at("lens_make"))),
            taken_at: taken,
            latitude,
            longitude,
            // A phone's portrait video is stored landscape with a rotation;
            // its display size is what a person sees.
            width: dim("display_width")
                .or_else(|| dim("width"))
                .or_else(|| track_dim("display_width"))
                .or_else(|| track_dim("width")),
            height: dim("display_height")
                .or_else(|| dim("height"))
                .or_else(|| track_dim("display_height"))
                .or_else(|| track_dim("height")),
            duration_secs: doc
                .get("duration_secs")
                .and_then(Value::as_f64)
                .filter(|d| d.is_finite() && *d >= 0.0),
        }
    }
}

/// An RFC 3339 time, or one without an offset (read as UTC), as EXIF
/// records it when the camera did not know its zone.
fn parse_taken(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Sub-seconds are optional ("%.f" also takes none); a bare date
    // (IPTC and XMP creation dates) is read as its midnight.
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .map(|t| t.and_utc())
}

/// Folds text for case-insensitive matching (names, tags, cameras).
pub fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// What a text search looks in: the name, the tags and the description,
/// folded; both stores keep it beside the file.
pub fn search_text(name: Option<&str>, tags: &[String], description: Option<&str>) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(name);
    parts.extend(tags.iter().map(String::as_str));
    parts.extend(description);
    fold(&parts.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn search_fields_come_from_exif_and_containers() {
        let photo = json!({"width": 4000, "height": 3000, "display_width": 3000, "display_height": 4000,
            "exif": {"make": "Canon", "model": "EOS R5", "lens_model": "RF 24-70",
                     "datetime_original": "2024-05-17T14:03:22+02:00",
                     "gps": {"latitude": 48.85, "longitude": 2.29}}});
        let f = SearchFields::from_metadata(&photo);
        assert_eq!(f.camera_make.as_deref(), Some("Canon"));
        assert_eq!(f.lens.as_deref(), Some("RF 24-70"));
        assert_eq!(
            f.taken_at.map(|t| t.to_rfc3339()),
            Some("2024-05-17T12:03:22+00:00".into())
        );
        assert_eq!((f.width, f.height), (Some(3000), Some(4000)));
        assert_eq!((f.latitude, f.longitude), (Some(48.85), Some(2.29)));

        let video = json!({"container": "mp4", "duration_secs": 12.5,
            "creation_time": "2023-01-02T03:04:05Z",
            "tracks": [{"kind": "audio"}, {"kind": "video", "width": 1920, "height": 1080}]});
        let v = SearchFields::from_metadata(&video);
        assert_eq!(v.duration_secs, Some(12.5));
        assert_eq!((v.width, v.height), (Some(1920), Some(1080)));
        assert!(v.taken_at.is_some());

        let junk = json!({"exif": {"gps": {"latitude": 400.0, "longitude": 2.0},
                                   "datetime_original": "yesterday"}});
        let j = SearchFields::from_metadata(&junk);
        assert_eq!((j.latitude, j.taken_at), (None, None));
    }

    #[test]
    fn taken_at_reads_sub_seconds_and_falls_back_to_the_creation_date() {
        let f = SearchFields::from_metadata(
            &json!({"exif": {"datetime_original": "2007-02-22T17:02:42.81"}}),
        );
        assert_eq!(
            f.taken_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2007-02-22T17:02:42.810+00:00")
        );
        let f = SearchFields::from_metadata(&json!({"date_created": "2004-02-26"}));
        assert_eq!(
            f.taken_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2004-02-26T00:00:00+00:00")
        );
    }

    #[test]
    fn a_phone_video_is_found_by_place_and_camera() {
        let f = SearchFields::from_metadata(&json!({
            "container": "mov", "make": "Apple", "model": "iPhone 15",
            "location": {"latitude": 48.8584, "longitude": 2.2945, "altitude_m": 35.0},
            "creation_time": "2024-05-17T12:03:22Z"}));
        assert_eq!((f.latitude, f.longitude), (Some(48.8584), Some(2.2945)));
        assert_eq!(f.camera_make.as_deref(), Some("Apple"));
        assert_eq!(f.camera_model.as_deref(), Some("iPhone 15"));
        let portrait = SearchFields::from_metadata(&json!({"tracks": [{"kind": "video",
            "width": 1920, "height": 1080, "rotation_deg": 90,
            "display_width": 1080, "display_height": 1920}]}));
        assert_eq!((portrait.width, portrait.height), (Some(1080), Some(1920)));
    }

    #[test]
    fn embedded_words_are_searchable_text() {
        let f = SearchFields::from_metadata(&json!({
            "title": "Lagoon", "description": "At Dawn", "keywords": ["Fiji", "reef"]}));
        assert_eq!(f.text.as_deref(), Some("lagoon\nat dawn\nfiji\nreef"));
        let f = SearchFields::from_metadata(&json!({"tags": {"title": "Song", "artist": "Band"}}));
        assert_eq!(f.text.as_deref(), Some("song\nband"));
        assert_eq!(
            SearchFields::from_metadata(&json!({"format": "png"})).text,
            None
        );
    }
}
