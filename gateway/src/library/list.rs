//! `GET /v1/files`: the caller's uploads, newest first, filtered by type,
//! text, album, dates, camera, place, shape and length.

use crate::auth::Caller;
use crate::openapi::responses as r;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use chrono::{DateTime, Utc};
use kiln_core::{FileOrder, FileQuery, MediaKind, Orientation};
use kiln_proto::api::{FileList, FileListQuery, MAX_QUERY_CHARS, excerpt};
use std::str::FromStr;

/// The caller's library
///
/// Uploads, newest first, searchable by name, tags, type, dates, camera,
/// place, shape and length; filters combine. A bad value, or an unknown
/// parameter, answers `422` naming it.
#[utoipa::path(
    get,
    path = "/v1/files",
    tag = "files",
    operation_id = "list_files",
    params(FileListQuery),
    responses(
        (status = 200, description = "A page of files", body = FileList),
        (status = 404, response = r::NotFound),
        (status = 422, response = r::InvalidParameter),
        (status = 503, response = r::Unavailable),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: Result<Query<FileListQuery>, QueryRejection>,
) -> Result<Json<FileList>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::invalid(e.body_text()))?;
    let limit = crate::jobs::page_limit(q.limit.as_deref())?;
    let mut query = parse(q, caller.owner())?;
    if let Some(album) = &query.album {
        crate::library::albums::visible_album(&s, &caller, album).await?;
    }
    query.limit = limit + 1;
    let mut entries = s.backends.library.list_files(&query).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_cursor = match (more, entries.last()) {
        (true, Some(last)) if query.order == FileOrder::Album => {
            last.album_position.map(|p| p.to_string())
        }
        (true, Some(last)) => Some(last.file.id.clone()),
        _ => None,
    };
    let files = crate::library::views::files(&s, entries).await?;
    Ok(Json(FileList { files, next_cursor }))
}

fn given(v: Option<String>) -> Option<String> {
    v.filter(|v| !v.trim().is_empty())
}

fn number<T: FromStr>(name: &str, v: Option<String>, what: &str) -> Result<Option<T>, ApiError> {
    given(v)
        .map(|v| {
            v.trim()
                .parse::<T>()
                .map_err(|_| ApiError::invalid(format!("{name}: {:?} is not {what}", excerpt(&v))))
        })
        .transpose()
}

fn time(name: &str, v: Option<String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    given(v)
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::invalid(format!(
                        "{name}: {:?} is not an RFC 3339 time such as 2024-05-17T14:03:22Z",
                        excerpt(&v)
                    ))
                })
        })
        .transpose()
}

fn seconds(name: &str, v: Option<String>) -> Result<Option<f64>, ApiError> {
    let n: Option<f64> = number(name, v, "a number of seconds")?;
    match n {
        Some(n) if !n.is_finite() || n < 0.0 => Err(ApiError::invalid(format!(
            "{name}: must be a number of seconds, 0 or more"
        ))),
        n => Ok(n),
    }
}

fn bbox(v: Option<String>) -> Result<Option<[f64; 4]>, ApiError> {
    let Some(v) = given(v) else { return Ok(None) };
    let bad = || {
        ApiError::invalid(format!(
            "bbox: {:?} is not min_lon,min_lat,max_lon,max_lat in decimal degrees",
            excerpt(&v)
        ))
    };
    let parts: Vec<f64> = v
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [min_lon, min_lat, max_lon, max_lat] = parts[..] else {
        return Err(bad());
    };
    let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
    let lat_ok = |x: f64| (-90.0..=90.0).contains(&x);
    if !(lon_ok(min_lon) && lon_ok(max_lon) && lat_ok(min_lat) && lat_ok(max_lat)) {
        return Err(ApiError::invalid(
            "bbox: longitudes must be within -180..180 and latitudes within -90..90",
        ));
    }
    if min_lat > max_lat {
        return Err(ApiError::invalid("bbox: min_lat is above max_lat"));
    }
    Ok(Some([min_lon, min_lat, max_lon, max_lat]))
}

fn flag(name: &str, v: Option<String>) -> Result<Option<bool>, ApiError> {
    match given(v).as_deref().map(str::trim) {
        None => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(other) => Err(ApiError::invalid(format!(
            "{name}: {:?} is not true or false",
            excerpt(other)
        ))),
    }
}

fn text(name: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    match given(v) {
        Some(t) if t.chars().count() > MAX_QUERY_CHARS => Err(ApiError::invalid(format!(
            "{name}: at most {MAX_QUERY_CHARS} characters"
        ))),
        t => Ok(t.map(|t| t.trim().to_owned())),
    }
}

/// The store query for a request's parameters, each checked.
pub fn parse(q: FileListQuery, owner: Option<String>) -> Result<FileQuery, ApiError> {
    let kind = given(q.kind)
        .map(|k| {
            MediaKind::from_str(k.trim())
                .map_err(|e| ApiError::invalid(format!("type: {:?} {e}", excerpt(&k))))
        })
        .transpose()?;
    let orientation = match given(q.orientation).as_deref().map(str::trim) {
        None => None,
        Some("portrait") => Some(Orientation::Portrait),
        Some("landscape") => Some(Orientation::Landscape),
        Some(o) => {
            return Err(ApiError::invalid(format!(
                "orientation: {:?} is not portrait or landscape",
                excerpt(o)
            )));
        }
    };
    let album = given(q.album).map(|a| a.trim().to_owned());
    let order = match given(q.sort).as_deref().map(str::trim) {
        None if album.is_some() => FileOrder::Album,
        None | Some("newest") => FileOrder::Newest,
        Some("oldest") => FileOrder::Oldest,
        Some("album") if album.is_some() => FileOrder::Album,
        Some("album") => return Err(ApiError::invalid("sort: album needs the album parameter")),
        Some(o) => {
            return Err(ApiError::invalid(format!(
                "sort: {:?} is not newest, oldest or album",
                excerpt(o)
            )));
        }
    };
    let after = given(q.cursor).map(|c| c.trim().to_owned());
    if order == FileOrder::Album && after.as_deref().is_some_and(|c| c.parse::<i64>().is_err()) {
        return Err(ApiError::invalid("cursor: not a cursor of this list"));
    }
    let query = FileQuery {
        owner,
        kind,
        text: text("q", q.q)?,
        album,
        uploaded_after: time("uploaded_after", q.uploaded_after)?,
        uploaded_before: time("uploaded_before", q.uploaded_before)?,
        camera_make: text("camera_make", q.camera_make)?,
        camera_model: text("camera_model", q.camera_model)?,
        lens: text("lens", q.lens)?,
        taken_after: time("taken_after", q.taken_after)?,
        taken_before: time("taken_before", q.taken_before)?,
        has_gps: flag("has_gps", q.has_gps)?,
        bbox: bbox(q.bbox)?,
        orientation,
        min_width: number("min_width", q.min_width, "a whole number of pixels")?,
        min_height: number("min_height", q.min_height, "a whole number of pixels")?,
        min_duration: seconds("min_duration", q.min_duration)?,
        max_duration: seconds("max_duration", q.max_duration)?,
        order,
        after,
        limit: 0,
    };
    if let (Some(a), Some(b)) = (query.min_duration, query.max_duration)
        && a > b
    {
        return Err(ApiError::invalid("min_duration: above max_duration"));
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> FileListQuery {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect();
        serde_json::from_value(map.into()).unwrap_or_default()
    }

    fn err(pairs: &[(&str, &str)]) -> String {
        match parse(q(pairs), None) {
            Err(e) => e.message,
            Ok(_) => String::new(),
        }
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert!(err(&[("type", "pdf")]).starts_with("type:"));
        assert!(err(&[("taken_after", "yesterday")]).starts_with("taken_after:"));
        assert!(err(&[("bbox", "1,2,3")]).starts_with("bbox:"));
        assert!(err(&[("bbox", "0,80,10,100")]).starts_with("bbox:"));
        assert!(err(&[("has_gps", "maybe")]).starts_with("has_gps:"));
        assert!(err(&[("min_width", "-5")]).starts_with("min_width:"));
        assert!(err(&[("min_duration", "NaN")]).starts_with("min_duration:"));
        assert!(err(&[("orientation", "square")]).starts_with("orientation:"));
        assert!(err(&[("sort", "album")]).starts_with("sort:"));
        assert!(err(&[("min_duration", "10"), ("max_duration", "5")]).starts_with("min_duration:"));
        let ok = parse(q(&[("bbox", "170,-10,-170,10"), ("type", "image")]), None);
        assert!(ok.is_ok_and(|q| q.bbox == Some([170.0, -10.0, -170.0, 10.0])));
    }
}
