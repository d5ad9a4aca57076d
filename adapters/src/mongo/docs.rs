//! BSON documents for [`super::MongoStore`]: how files, jobs and attempts are
//! stored, and how they are read back.
//!
//! Ids are the records' own string ids (`_id`), timestamps BSON dates
//! (millisecond precision), job parameters and metadata native BSON
//! documents converted from JSON without Extended-JSON interpretation.

use super::library_docs::search_text;
use crate::store::{Attempt, FileRecord, JobRecord, StoreError};
use chrono::{DateTime, Utc};
use kiln_core::MediaKind;
use mongodb::bson::{self, Bson, Document, doc};

/// A BSON date for a timestamp (truncated to the millisecond).
pub(crate) fn date(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

pub(crate) fn corrupt(field: &str, what: &str) -> StoreError {
    StoreError::Corrupt(format!("field `{field}`: {what}").into())
}

pub(crate) fn get<'a>(d: &'a Document, k: &str) -> Result<&'a Bson, StoreError> {
    d.get(k).ok_or_else(|| corrupt(k, "missing"))
}

pub(crate) fn opt<'a>(d: &'a Document, k: &str) -> Option<&'a Bson> {
    d.get(k).filter(|v| !matches!(v, Bson::Null))
}

pub(crate) fn string(d: &Document, k: &str) -> Result<String, StoreError> {
    match get(d, k)? {
        Bson::String(s) => Ok(s.clone()),
        _ => Err(corrupt(k, "not a string")),
    }
}

pub(crate) fn opt_string(d: &Document, k: &str) -> Result<Option<String>, StoreError> {
    match opt(d, k) {
        None => Ok(None),
        Some(Bson::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(corrupt(k, "not a string")),
    }
}

pub(crate) fn int(k: &str, v: &Bson) -> Result<i64, StoreError> {
    match v {
        Bson::Int32(i) => Ok(i64::from(*i)),
        Bson::Int64(i) => Ok(*i),
        Bson::Double(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        _ => Err(corrupt(k, "not an integer")),
    }
}

pub(crate) fn uint<T: TryFrom<i64>>(d: &Document, k: &str) -> Result<T, StoreError> {
    T::try_from(int(k, get(d, k)?)?).map_err(|_| corrupt(k, "out of range"))
}

pub(crate) fn opt_uint<T: TryFrom<i64>>(d: &Document, k: &str) -> Result<Option<T>, StoreError> {
    opt(d, k)
        .map(|v| T::try_from(int(k, v)?).map_err(|_| corrupt(k, "out of range")))
        .transpose()
}

pub(crate) fn time(k: &str, v: &Bson) -> Result<DateTime<Utc>, StoreError> {
    match v {
        Bson::DateTime(t) => DateTime::from_timestamp_millis(t.timestamp_millis())
            .ok_or_else(|| corrupt(k, "date out of range")),
        _ => Err(corrupt(k, "not a date")),
    }
}

pub(crate) fn get_time(d: &Document, k: &str) -> Result<DateTime<Utc>, StoreError> {
    time(k, get(d, k)?)
}

pub(crate) fn opt_time(d: &Document, k: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    opt(d, k).map(|v| time(k, v)).transpose()
}

/// A boolean; also read from the integers 0 and 1, which some
/// MongoDB-compatible servers store for a boolean set by an update.
pub(crate) fn boolean(d: &Document, k: &str) -> Result<bool, StoreError> {
    match get(d, k)? {
        Bson::Boolean(b) => Ok(*b),
        Bson::Int32(i @ (0 | 1)) => Ok(*i == 1),
        Bson::Int64(i @ (0 | 1)) => Ok(*i == 1),
        _ => Err(corrupt(k, "not a boolean")),
    }
}

fn status<T: std::str::FromStr<Err = String>>(d: &Document, k: &str) -> Result<T, StoreError> {
    string(d, k)?.parse().map_err(|e: String| corrupt(k, &e))
}

/// Converts JSON to BSON as plain data: objects stay objects even when their
/// keys look like Extended JSON (`$date`, `$oid`), integers become Int64
/// (or Int32 when they fit), other numbers doubles.
pub(crate) fn json_to_bson(v: &serde_json::Value) -> Bson {
    use serde_json::Value;
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i32::try_from(i).map_or(Bson::Int64(i), Bson::Int32),
            None => Bson::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(a) => Bson::Array(a.iter().map(json_to_bson).collect()),
        Value::Object(o) => Bson::Document(
            o.iter()
                .map(|(k, v)| (k.clone(), json_to_bson(v)))
                .collect(),
        ),
    }
}

/// The inverse of [`json_to_bson`]; other BSON types are a foreign writer's.
pub(crate) fn bson_to_json(v: &Bson) -> Result<serde_json::Value, StoreError> {
    use serde_json::Value;
    Ok(match v {
        Bson::Null => Value::Null,
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Int32(i) => Value::from(*i),
        Bson::Int64(i) => Value::from(*i),
        Bson::Double(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Array(a) => Value::Array(a.iter().map(bson_to_json).collect::<Result<_, _>>()?),
        Bson::Document(d) => Value::Object(
            d.iter()
                .map(|(k, v)| Ok((k.clone(), bson_to_json(v)?)))
                .collect::<Result<_, StoreError>>()?,
        ),
        other => {
            return Err(StoreError::Corrupt(
                format!(
                    "unexpected BSON {:?} in a JSON document",
                    other.element_type()
                )
                .into(),
            ));
        }
    })
}

pub(crate) fn opt_bson<T: Into<Bson>>(v: Option<T>) -> Bson {
    v.map_or(Bson::Null, Into::into)
}

/// The document of a file.
pub(crate) fn file_to_doc(f: &FileRecord) -> Document {
    doc! {
        "_id": &f.id,
        "owner": opt_bson(f.owner.as_deref()),
        "filename": opt_bson(f.filename.as_deref()),
        "content_type": &f.content_type,
        "bytes": i64::try_from(f.bytes).unwrap_or(i64::MAX),
        "sha256": &f.sha256,
        "parent_id": opt_bson(f.parent_id.as_deref()),
        "job_id": opt_bson(f.job_id.as_deref()),
        "width": opt_bson(f.width.map(i64::from)),
        "height": opt_bson(f.height.map(i64::from)),
        "created_at": date(f.created_at),
        // The library's fields (see `library_docs.rs`); tags and the
        // description start empty, so the search text is the name's.
        "kind": MediaKind::of(&f.content_type).as_str(),
        "tags": Bson::Array(Vec::new()),
        "text": search_text(f.filename.as_deref(), &[], None),
    }
}

/// A file read back.
pub(crate) fn file_from_doc(d: &Document) -> Result<FileRecord, StoreError> {
    Ok(FileRecord {
        id: string(d, "_id")?,
        owner: opt_string(d, "owner")?,
        filename: opt_string(d, "filename")?,
        content_type: string(d, "content_type")?,
        bytes: uint(d, "bytes")?,
        sha256: string(d, "sha256")?,
        parent_id: opt_string(d, "parent_id")?,
        job_id: opt_string(d, "job_id")?,
        width: opt_uint(d, "width")?,
        height: opt_uint(d, "height")?,
        created_at: get_time(d, "created_at")?,
    })
}

/// The document of one attempt in a job's history.
fn attempt_to_doc(a: &Attempt) -> Document {
    let mut d = doc! { "attempt": i64::from(a.attempt), "started_at": date(a.started_at) };
    if let Some(t) = a.finished_at {
        d.insert("finished_at", date(t));
    }
    if let Some(o) = a.outcome {
        d.insert("outcome", o.as_str());
    }
    if let Some(e) = &a.error {
        d.insert("error", e);
    }
    d
}

fn attempt_from_doc(d: &Document) -> Result<Attempt, StoreError> {
    Ok(Attempt {
        attempt: uint(d, "attempt")?,
        started_at: get_time(d, "started_at")?,
        finished_at: opt_time(d, "finished_at")?,
        outcome: opt(d, "outcome")
            .map(|_| status(d, "outcome"))
            .transpose()?,
        error: opt_string(d, "error")?,
    })
}

/// The document of a job.
pub(crate) fn job_to_doc(j: &JobRecord) -> Document {
    doc! {
        "_id": &j.id,
        "owner": opt_bson(j.owner.as_deref()),
        "kind": j.kind.as_str(),
        "file_id": &j.file_id,
        "params": json_to_bson(&j.params),
        "status": j.status.as_str(),
        "attempts": i64::from(j.attempts),
        "error": opt_bson(j.error.as_deref()),
        "created_at": date(j.created_at),
        "updated_at": date(j.updated_at),
        "published": j.published,
        "history": j.history.iter().map(|a| Bson::Document(attempt_to_doc(a))).collect::<Vec<_>>(),
        "attempt_base": i64::from(j.attempt_base),
        "priority": j.priority.as_str(),
        "trace": j.trace.iter().map(|(k, v)| (k.clone(), Bson::String(v.clone()))).collect::<Document>(),
    }
}

/// A job read back.
pub(crate) fn job_from_doc(d: &Document) -> Result<JobRecord, StoreError> {
    let history = match opt(d, "history") {
        None => Vec::new(),
        Some(Bson::Array(a)) => a
            .iter()
            .map(|v| match v {
                Bson::Document(h) => attempt_from_doc(h),
                _ => Err(corrupt("history", "entry is not a document")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(corrupt("history", "not an array")),
    };
    Ok(JobRecord {
        id: string(d, "_id")?,
        owner: opt_string(d, "owner")?,
        kind: string(d, "kind")?.into(),
        file_id: string(d, "file_id")?,
        params: bson_to_json(get(d, "params")?)?,
        status: status(d, "status")?,
        attempts: uint(d, "attempts")?,
        error: opt_string(d, "error")?,
        created_at: get_time(d, "created_at")?,
        updated_at: get_time(d, "updated_at")?,
        published: boolean(d, "published")?,
        history,
        // Jobs written before these fields existed have none.
        attempt_base: match opt(d, "attempt_base") {
            None => 0,
            Some(_) => uint(d, "attempt_base")?,
        },
        priority: match opt_string(d, "priority")? {
            None => kiln_proto::Priority::Interactive,
            Some(p) => p.parse().map_err(|e: String| corrupt("priority", &e))?,
        },
        trace: match opt(d, "trace") {
            None => Default::default(),
            Some(Bson::Document(t)) => t
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect(),
            Some(_) => return Err(corrupt("trace", "not a document")),
        },
    })
}
