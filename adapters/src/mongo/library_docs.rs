//! BSON of the library side of [`super::MongoStore`] (`library.rs`): the
//! library fields kept in each `files` document, albums, album entries and
//! share links, and the filter of a file list.
//!
//! A file's library fields sit beside its record: `kind`, `tags`,
//! `description`, `text` (the folded search text), and the searchable
//! facts of its metadata (`camera_make`, `camera_model`, `lens`, their
//! folded `*_key`s, `taken_at`, `lat`, `lon`, `dwidth`, `dheight`,
//! `orientation`, `duration`), written by `put_metadata`.

use super::docs::{boolean, corrupt, date, file_from_doc, get_time, int, opt, opt_bson};
use super::docs::{opt_string, opt_time, opt_uint, string};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use kiln_core::library::fold;
use kiln_core::{
    Album, FileOrder, FileQuery, LibraryFile, Orientation, SearchFields, Share, ShareTarget,
};
use mongodb::bson::{Bson, Document, doc};

pub(crate) use kiln_core::library::search_text;

/// Matches a null or missing field. Written `{$eq: null}` rather than
/// `null`, which means the same to MongoDB: the test stand-in matches a
/// plain `null` against a stored null only in the queries it translates to
/// SQL, not in those it evaluates itself (ranges on `_id`, aggregations).
pub(super) fn is_null() -> Bson {
    Bson::Document(doc! { "$eq": Bson::Null })
}

/// Matches the owner `owner` (`None`: unowned records).
pub(super) fn owner_is(owner: Option<&str>) -> Bson {
    owner.map_or_else(is_null, Bson::from)
}

/// `text` as a regular expression matching itself: every ASCII character
/// other than a letter or digit is escaped (always a literal in PCRE once
/// escaped); other characters are never special.
pub(super) fn literal_regex(text: &str) -> String {
    let mut r = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            r.push('\\');
        }
        r.push(c);
    }
    r
}

/// The `$set` of a file's searchable facts. `taken_at` is stored as Int64
/// milliseconds since the epoch, not a BSON date: this is an update, and
/// some MongoDB-compatible servers (the test stand-in) store a date set by
/// an update as a string, which no range would match. Integers compare
/// alike everywhere. `orientation` is kept precomputed so that filtering on
/// it is an indexable equality.
pub(super) fn search_set(s: &SearchFields) -> Document {
    let key = |v: &Option<String>| v.as_deref().map(fold);
    let orientation = match (s.width, s.height) {
        (Some(w), Some(h)) if h > w => Some("portrait"),
        (Some(w), Some(h)) if w > h => Some("landscape"),
        (Some(_), Some(_)) => Some("square"),
        _ => None,
    };
    doc! {
        "camera_make": s.camera_make.clone(),
        "camera_model": s.camera_model.clone(),
        "lens": s.lens.clone(),
        "make_key": key(&s.camera_make),
        "model_key": key(&s.camera_model),
        "lens_key": key(&s.lens),
        "taken_at": s.taken_at.map(|t| t.timestamp_millis()),
        "lat": s.latitude,
        "lon": s.longitude,
        "dwidth": s.width.map(i64::from),
        "dheight": s.height.map(i64::from),
        "orientation": orientation,
        "duration": s.duration_secs,
        "meta_text": s.text.clone().unwrap_or_default(),
    }
}

fn opt_f64(d: &Document, k: &str) -> Result<Option<f64>, StoreError> {
    match opt(d, k) {
        None => Ok(None),
        Some(Bson::Double(f)) => Ok(Some(*f)),
        Some(v @ (Bson::Int32(_) | Bson::Int64(_))) => Ok(Some(int(k, v)? as f64)),
        Some(_) => Err(corrupt(k, "not a number")),
    }
}

/// `taken_at`: Int64 milliseconds (see [`search_set`]), or a date.
fn taken_at(d: &Document) -> Result<Option<DateTime<Utc>>, StoreError> {
    match opt(d, "taken_at") {
        None => Ok(None),
        Some(Bson::DateTime(_)) => opt_time(d, "taken_at"),
        Some(v) => DateTime::from_timestamp_millis(int("taken_at", v)?)
            .map(Some)
            .ok_or_else(|| corrupt("taken_at", "out of range")),
    }
}

/// The tags of a file document (none if absent).
pub(super) fn tags(d: &Document) -> Result<Vec<String>, StoreError> {
    match opt(d, "tags") {
        None => Ok(Vec::new()),
        Some(Bson::Array(a)) => a
            .iter()
            .map(|t| match t {
                Bson::String(s) => Ok(s.clone()),
                _ => Err(corrupt("tags", "not a string")),
            })
            .collect(),
        Some(_) => Err(corrupt("tags", "not an array")),
    }
}

/// A file document with its library fields (no album position).
pub(super) fn library_from_doc(d: &Document) -> Result<LibraryFile, StoreError> {
    Ok(LibraryFile {
        file: file_from_doc(d)?,
        tags: tags(d)?,
        description: opt_string(d, "description")?,
        search: SearchFields {
            camera_make: opt_string(d, "camera_make")?,
            camera_model: opt_string(d, "camera_model")?,
            lens: opt_string(d, "lens")?,
            taken_at: taken_at(d)?,
            latitude: opt_f64(d, "lat")?,
            longitude: opt_f64(d, "lon")?,
            width: opt_uint(d, "dwidth")?,
            height: opt_uint(d, "dheight")?,
            duration_secs: opt_f64(d, "duration")?,
            // Searched in place, never shown: not read back.
            text: None,
        },
        album_position: None,
    })
}

/// Adds the condition `{field: {op: value}}` to `filter`, beside any other
/// on the same field.
pub(super) fn cond(filter: &mut Document, field: &str, op: &str, value: impl Into<Bson>) {
    match filter.get_mut(field) {
        Some(Bson::Document(ops)) => {
            ops.insert(op, value);
        }
        _ => {
            let mut ops = Document::new();
            ops.insert(op, value);
            filter.insert(field, ops);
        }
    }
}

/// The filter of a file list: the owner's originals matching every filter
/// of `q`, and for the newest and oldest orders the cursor. The album is
/// left to the caller.
pub(super) fn list_filter(q: &FileQuery) -> Document {
    let mut f = doc! { "owner": owner_is(q.owner.as_deref()), "job_id": is_null() };
    if let Some(k) = q.kind {
        f.insert("kind", k.as_str());
    }
    // Every `$or` sits inside one `$and` (see the bounding box below).
    let mut and: Vec<Document> = Vec::new();
    if let Some(t) = &q.text {
        // The name, tags and description, or the file's own words.
        let re = literal_regex(&fold(t));
        and.push(doc! { "$or": [
            { "text": { "$regex": re.clone() } },
            { "meta_text": { "$regex": re } },
        ] });
    }
    if let Some(t) = q.uploaded_after {
        cond(&mut f, "created_at", "$gte", date(t));
    }
    if let Some(t) = q.uploaded_before {
        cond(&mut f, "created_at", "$lt", date(t));
    }
    for (field, value) in [
        ("make_key", &q.camera_make),
        ("model_key", &q.camera_model),
        ("lens_key", &q.lens),
    ] {
        if let Some(v) = value {
            f.insert(field, fold(v));
        }
    }
    if let Some(t) = q.taken_after {
        cond(&mut f, "taken_at", "$gte", t.timestamp_millis());
    }
    if let Some(t) = q.taken_before {
        cond(&mut f, "taken_at", "$lt", t.timestamp_millis());
    }
    match q.has_gps {
        // A number; `$ne: null` would do on MongoDB, but the stand-in lets
        // it match documents without the field.
        Some(true) => cond(&mut f, "lat", "$gte", -90.0),
        Some(false) => cond(&mut f, "lat", "$eq", Bson::Null),
        None => {}
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = q.bbox {
        cond(&mut f, "lat", "$gte", min_lat);
        cond(&mut f, "lat", "$lte", max_lat);
        if min_lon <= max_lon {
            cond(&mut f, "lon", "$gte", min_lon);
            cond(&mut f, "lon", "$lte", max_lon);
        } else {
            // Inside an `$and`, the same to MongoDB as a top-level `$or`:
            // the test stand-in drops other conditions of a query that has
            // a top-level `$or` and a date range.
            let east = doc! { "lon": { "$gte": min_lon } };
            let west = doc! { "lon": { "$lte": max_lon } };
            and.push(doc! { "$or": [east, west] });
        }
    }
    if !and.is_empty() {
        f.insert("$and", and);
    }
    match q.orientation {
        Some(Orientation::Portrait) => f.insert("orientation", "portrait"),
        Some(Orientation::Landscape) => f.insert("orientation", "landscape"),
        None => None,
    };
    if let Some(w) = q.min_width {
        cond(&mut f, "dwidth", "$gte", i64::from(w));
    }
    if let Some(h) = q.min_height {
        cond(&mut f, "dheight", "$gte", i64::from(h));
    }
    if let Some(d) = q.min_duration {
        cond(&mut f, "duration", "$gte", d);
    }
    if let Some(d) = q.max_duration {
        cond(&mut f, "duration", "$lte", d);
    }
    match (q.order, &q.after) {
        (FileOrder::Newest, Some(a)) => cond(&mut f, "_id", "$lt", a.as_str()),
        (FileOrder::Oldest, Some(a)) => cond(&mut f, "_id", "$gt", a.as_str()),
        _ => {}
    }
    f
}

/// The document of a new album (`next_position`: the last position handed
/// out to an entry).
pub(super) fn album_to_doc(a: &Album) -> Document {
    doc! {
        "_id": &a.id,
        "owner": opt_bson(a.owner.as_deref()),
        "name": &a.name,
        "description": opt_bson(a.description.as_deref()),
        "cover_file_id": opt_bson(a.cover_file_id.as_deref()),
        "created_at": date(a.created_at),
        "updated_at": date(a.updated_at),
        "next_position": 0_i64,
    }
}

/// An album read back, with its file count.
pub(super) fn album_from_doc(d: &Document, file_count: u64) -> Result<Album, StoreError> {
    Ok(Album {
        id: string(d, "_id")?,
        owner: opt_string(d, "owner")?,
        name: string(d, "name")?,
        description: opt_string(d, "description")?,
        cover_file_id: opt_string(d, "cover_file_id")?,
        file_count,
        created_at: get_time(d, "created_at")?,
        updated_at: get_time(d, "updated_at")?,
    })
}

/// The stored type and id of a share's target.
pub(super) fn target_parts(t: &ShareTarget) -> (&'static str, &str) {
    match t {
        ShareTarget::File(id) => ("file", id),
        ShareTarget::Album(id) => ("album", id),
    }
}

/// The document of a share link.
pub(super) fn share_to_doc(s: &Share) -> Document {
    let (kind, target) = target_parts(&s.target);
    doc! {
        "_id": &s.id,
        "owner": opt_bson(s.owner.as_deref()),
        "token_hash": &s.token_hash,
        "target_type": kind,
        "target_id": target,
        "download": s.download,
        "expires_at": s.expires_at.map(date),
        "created_at": date(s.created_at),
    }
}

/// A share link read back.
pub(super) fn share_from_doc(d: &Document) -> Result<Share, StoreError> {
    let target_id = string(d, "target_id")?;
    Ok(Share {
        id: string(d, "_id")?,
        owner: opt_string(d, "owner")?,
        token_hash: string(d, "token_hash")?,
        target: match string(d, "target_type")?.as_str() {
            "file" => ShareTarget::File(target_id),
            "album" => ShareTarget::Album(target_id),
            _ => return Err(corrupt("target_type", "neither file nor album")),
        },
        download: boolean(d, "download")?,
        expires_at: opt_time(d, "expires_at")?,
        created_at: get_time(d, "created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_of_text_is_literal() {
        assert_eq!(literal_regex("a.b%_c*"), r"a\.b\%\_c\*");
        assert_eq!(literal_regex("été 2024"), r"été\ 2024");
    }

    #[test]
    fn antimeridian_box_is_an_or_of_two_sides() {
        let q = FileQuery {
            bbox: Some([170.0, -10.0, -170.0, 10.0]),
            limit: 10,
            ..Default::default()
        };
        let f = list_filter(&q);
        assert!(f.contains_key("$and"));
        assert_eq!(f.get_document("lat").map(Document::len), Ok(2));
    }
}
