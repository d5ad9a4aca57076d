//! Schema, row mapping and query building for the library side of
//! [`super::SqliteStore`] (`sqlite_library.rs`).
//!
//! Searchable facts live in plain indexed columns of `files`, written when
//! the metadata worker stores its document, so a search never parses JSON.

use super::sqlite_rows::{FILE_COLS, file_from_row, parse_ts, ts};
use crate::store::StoreError;
use kiln_core::library::fold;
use kiln_core::{
    Album, FileOrder, FileQuery, LibraryFile, Orientation, SearchFields, Share, ShareTarget,
};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Row};

/// Columns added to `files`, with their definitions, for databases made
/// before the library.
const FILE_COLUMNS: &[(&str, &str)] = &[
    ("tags", "TEXT NOT NULL DEFAULT '[]'"),
    ("description", "TEXT"),
    ("search_text", "TEXT NOT NULL DEFAULT ''"),
    (
        "media_kind",
        "TEXT GENERATED ALWAYS AS (CASE \
           WHEN content_type LIKE 'image/%' THEN 'image' \
           WHEN content_type LIKE 'video/%' THEN 'video' \
           WHEN content_type LIKE 'audio/%' OR content_type = 'application/ogg' THEN 'audio' \
           ELSE 'other' END) VIRTUAL",
    ),
    ("camera_make", "TEXT"),
    ("camera_model", "TEXT"),
    ("lens", "TEXT"),
    ("make_key", "TEXT"),
    ("model_key", "TEXT"),
    ("lens_key", "TEXT"),
    ("taken_at", "TEXT"),
    ("gps_lat", "REAL"),
    ("gps_lon", "REAL"),
    ("dwidth", "INTEGER"),
    ("dheight", "INTEGER"),
    ("duration", "REAL"),
    // The file's own title, caption, keywords (folded), from its metadata.
    ("meta_text", "TEXT NOT NULL DEFAULT ''"),
];

/// Tables and indexes of the library; applied after [`FILE_COLUMNS`].
/// Every file index is partial on originals and leads with the owner, the
/// first condition of every list.
///
/// The indexes carry what their filters test and the sort key `id`, so
/// SQLite tests a row on the index alone and reads only the rows that
/// match: `lib_owner_texts` lets a text search scan names and embedded
/// words without the rows;
/// a range (taken, place, length) reads and sorts only its matches.
/// `kiln-search` (benches/), 100,000 files, p50: a Europe bbox 77 to 6.6 ms,
/// videos of 1-5 minutes 37 to 3.3 ms, a text matching nothing 75 to 16 ms.
/// The narrower indexes they replace are dropped.
const LIBRARY_SCHEMA: &str = r#"
DROP INDEX IF EXISTS lib_owner_id;
DROP INDEX IF EXISTS lib_taken;
DROP INDEX IF EXISTS lib_gps;
DROP INDEX IF EXISTS lib_duration;
DROP INDEX IF EXISTS lib_owner_text;
CREATE INDEX IF NOT EXISTS lib_owner_texts ON files(owner, id, search_text, meta_text) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_kind ON files(owner, media_kind, id) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_sha ON files(owner, sha256) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_make ON files(owner, make_key, model_key, id) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_model ON files(owner, model_key, id) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_lens ON files(owner, lens_key, id) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_taken_id ON files(owner, taken_at, id) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_gps_id ON files(owner, gps_lat, gps_lon, id) WHERE job_id IS NULL;
CREATE INDEX IF NOT EXISTS lib_duration_id ON files(owner, duration, media_kind, id) WHERE job_id IS NULL;

CREATE TABLE IF NOT EXISTS albums (
    id            TEXT PRIMARY KEY,
    owner         TEXT,
    name          TEXT NOT NULL,
    description   TEXT,
    cover_file_id TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS albums_owner ON albums(owner, id);

CREATE TABLE IF NOT EXISTS album_files (
    album_id TEXT NOT NULL,
    file_id  TEXT NOT NULL,
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (album_id, file_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS album_files_order ON album_files(album_id, position);
CREATE INDEX IF NOT EXISTS album_files_file ON album_files(file_id);

CREATE TABLE IF NOT EXISTS shares (
    id          TEXT PRIMARY KEY,
    owner       TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    download    INTEGER NOT NULL,
    expires_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shares_owner ON shares(owner, id);
CREATE INDEX IF NOT EXISTS shares_target ON shares(target_id);
"#;

/// Adds what the library needs to a database of any earlier version.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let mut added = Vec::new();
    for (name, def) in FILE_COLUMNS {
        let exists = conn
            .prepare("SELECT 1 FROM pragma_table_xinfo('files') WHERE name = ?1")?
            .exists([name])?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE files ADD COLUMN {name} {def}"))?;
            added.push(*name);
        }
    }
    conn.execute_batch(LIBRARY_SCHEMA)?;
    // Files stored before the library: make them findable once.
    if added.contains(&"search_text") {
        let names: Vec<(String, String)> = conn
            .prepare(
                "SELECT id, filename FROM files WHERE filename IS NOT NULL AND job_id IS NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, name) in names {
            conn.execute(
                "UPDATE files SET search_text = ?2 WHERE id = ?1",
                rusqlite::params![id, search_text(Some(&name), &[], None)],
            )?;
        }
    }
    // Files with metadata from before the search fields, or before their
    // embedded words were kept: fill them in once.
    if added.contains(&"camera_make") || added.contains(&"meta_text") {
        let docs: Vec<(String, String)> = conn
            .prepare("SELECT file_id, doc FROM metadata")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, doc) in docs {
            if let Ok(doc) = serde_json::from_str(&doc) {
                set_search(conn, &id, &SearchFields::from_metadata(&doc))?;
            }
        }
    }
    Ok(())
}

/// The columns of a [`LibraryFile`], `files` aliased as `f`.
pub(crate) fn library_cols() -> String {
    let base: Vec<String> = FILE_COLS.split(", ").map(|c| format!("f.{c}")).collect();
    format!(
        "{}, f.tags, f.description, f.camera_make, f.camera_model, f.lens, f.taken_at, \
         f.gps_lat, f.gps_lon, f.dwidth, f.dheight, f.duration",
        base.join(", ")
    )
}

fn opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => parse_ts(row, idx).map(Some),
    }
}

/// A row of [`library_cols`], optionally followed by an album position.
pub(crate) fn library_from_row(row: &Row<'_>) -> rusqlite::Result<LibraryFile> {
    let file = file_from_row(row)?;
    let tags: String = row.get(11)?;
    let entry = LibraryFile {
        file,
        tags: serde_json::from_str(&tags)
            .map_err(|e| super::sqlite_rows::conversion(11, e.to_string()))?,
        description: row.get(12)?,
        search: SearchFields {
            camera_make: row.get(13)?,
            camera_model: row.get(14)?,
            lens: row.get(15)?,
            taken_at: opt_ts(row, 16)?,
            latitude: row.get(17)?,
            longitude: row.get(18)?,
            width: row.get(19)?,
            height: row.get(20)?,
            duration_secs: row.get(21)?,
            // Searched in place, never shown: not read back.
            text: None,
        },
        album_position: row.get(22)?,
    };
    Ok(entry)
}

pub(crate) use kiln_core::library::search_text;

/// `%text%` for `LIKE … ESCAPE '\'`, with the pattern characters escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in fold(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The `SELECT` of a file list and its arguments.
pub(crate) fn list_query(q: &FileQuery) -> Result<(String, Vec<Sql>), StoreError> {
    let mut sql = format!("SELECT {}", library_cols());
    let mut args: Vec<Sql> = Vec::new();
    let mut arg = |v: Sql| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(album) = &q.album {
        // An album's list starts from its entries (CROSS JOIN keeps that
        // order) and reads each file by rowid: its cost follows the
        // album's size, never the library's. Left to itself, SQLite (no
        // statistics) walked all of the owner's files and probed the album
        // for each: 143 ms (p50) for the first page of a 1,000-file album
        // among 100,000 files, 0.4 ms this way; newest first, which sorts
        // the whole album, 14 to 3.7 ms. The rowid comes from the unique
        // id, so no filter's index can stand in for the lookup (with
        // `a.file_id = f.id`, a range such as `gps_lat IS NOT NULL` could,
        // and took seconds).
        let a = arg(Sql::Text(album.clone()));
        sql.push_str(&format!(
            ", a.position FROM album_files a CROSS JOIN files f \
             ON f.rowid = (SELECT x.rowid FROM files x WHERE x.id = a.file_id) \
             AND a.album_id = {a}"
        ));
    } else {
        sql.push_str(", NULL FROM files f");
    }
    let owner = arg(q.owner.clone().map_or(Sql::Null, Sql::Text));
    let mut conds = vec!["f.job_id IS NULL".to_owned(), format!("f.owner IS {owner}")];
    let text = |s: &str| Sql::Text(s.to_owned());
    let time = |t: &chrono::DateTime<chrono::Utc>| Sql::Text(ts(*t));
    if let Some(k) = q.kind {
        conds.push(format!("f.media_kind = {}", arg(text(k.as_str()))));
    }
    if let Some(t) = &q.text {
        let p = arg(Sql::Text(like_pattern(t)));
        conds.push(format!(
            "(f.search_text LIKE {p} ESCAPE '\\' OR f.meta_text LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(t) = &q.uploaded_after {
        conds.push(format!("f.created_at >= {}", arg(time(t))));
    }
    if let Some(t) = &q.uploaded_before {
        conds.push(format!("f.created_at < {}", arg(time(t))));
    }
    if let Some(m) = &q.camera_make {
        conds.push(format!("f.make_key = {}", arg(Sql::Text(fold(m)))));
    }
    if let Some(m) = &q.camera_model {
        conds.push(format!("f.model_key = {}", arg(Sql::Text(fold(m)))));
    }
    if let Some(l) = &q.lens {
        conds.push(format!("f.lens_key = {}", arg(Sql::Text(fold(l)))));
    }
    if let Some(t) = &q.taken_after {
        conds.push(format!("f.taken_at >= {}", arg(time(t))));
    }
    if let Some(t) = &q.taken_before {
        conds.push(format!("f.taken_at < {}", arg(time(t))));
    }
    match q.has_gps {
        Some(true) => conds.push("f.gps_lat IS NOT NULL".into()),
        Some(false) => conds.push("f.gps_lat IS NULL".into()),
        None => {}
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = q.bbox {
        let (a, b) = (arg(Sql::Real(min_lat)), arg(Sql::Real(max_lat)));
        conds.push(format!("f.gps_lat BETWEEN {a} AND {b}"));
        let (c, d) = (arg(Sql::Real(min_lon)), arg(Sql::Real(max_lon)));
        conds.push(if min_lon <= max_lon {
            format!("f.gps_lon BETWEEN {c} AND {d}")
        } else {
            format!("(f.gps_lon >= {c} OR f.gps_lon <= {d})")
        });
    }
    match q.orientation {
        Some(Orientation::Portrait) => conds.push("f.dheight > f.dwidth".into()),
        Some(Orientation::Landscape) => conds.push("f.dwidth > f.dheight".into()),
        None => {}
    }
    if let Some(w) = q.min_width {
        conds.push(format!("f.dwidth >= {}", arg(Sql::Integer(w.into()))));
    }
    if let Some(h) = q.min_height {
        conds.push(format!("f.dheight >= {}", arg(Sql::Integer(h.into()))));
    }
    if let Some(d) = q.min_duration {
        conds.push(format!("f.duration >= {}", arg(Sql::Real(d))));
    }
    if let Some(d) = q.max_duration {
        conds.push(format!("f.duration <= {}", arg(Sql::Real(d))));
    }
    let order = match q.order {
        FileOrder::Newest => {
            if let Some(a) = &q.after {
                conds.push(format!("f.id < {}", arg(text(a))));
            }
            "f.id DESC"
        }
        FileOrder::Oldest => {
            if let Some(a) = &q.after {
                conds.push(format!("f.id > {}", arg(text(a))));
            }
            "f.id ASC"
        }
        FileOrder::Album => {
            if q.album.is_none() {
                return Err(StoreError::Unavailable("album order needs an album".into()));
            }
            if let Some(a) = &q.after {
                let pos: i64 = a.parse().map_err(|_| {
                    StoreError::Unavailable("album cursor is not a position".into())
                })?;
                conds.push(format!("a.position > {}", arg(Sql::Integer(pos))));
            }
            "a.position ASC"
        }
    };
    sql.push_str(&format!(
        " WHERE {} ORDER BY {order} LIMIT {}",
        conds.join(" AND "),
        q.limit.max(1)
    ));
    Ok((sql, args))
}

/// Writes the searchable facts of a file's metadata into its row.
pub(crate) fn set_search(
    conn: &Connection,
    file_id: &str,
    s: &SearchFields,
) -> rusqlite::Result<()> {
    let key = |v: &Option<String>| v.as_deref().map(fold);
    conn.execute(
        "UPDATE files SET camera_make = ?2, camera_model = ?3, lens = ?4, make_key = ?5,
            model_key = ?6, lens_key = ?7, taken_at = ?8, gps_lat = ?9, gps_lon = ?10,
            dwidth = ?11, dheight = ?12, duration = ?13, meta_text = ?14
         WHERE id = ?1",
        rusqlite::params![
            file_id,
            s.camera_make,
            s.camera_model,
            s.lens,
            key(&s.camera_make),
            key(&s.camera_model),
            key(&s.lens),
            s.taken_at.map(ts),
            s.latitude,
            s.longitude,
            s.width,
            s.height,
            s.duration_secs,
            s.text.as_deref().unwrap_or_default(),
        ],
    )?;
    Ok(())
}

pub(crate) const ALBUM_COLS: &str = "a.id, a.owner, a.name, a.description, a.cover_file_id, a.created_at, a.updated_at, (SELECT COUNT(*) FROM album_files x WHERE x.album_id = a.id)";

pub(crate) fn album_from_row(row: &Row<'_>) -> rusqlite::Result<Album> {
    Ok(Album {
        id: row.get(0)?,
        owner: row.get(1)?,
        name: row.get(2)?,
        description: row.get(3)?,
        cover_file_id: row.get(4)?,
        created_at: parse_ts(row, 5)?,
        updated_at: parse_ts(row, 6)?,
        file_count: row.get::<_, i64>(7)? as u64,
    })
}

pub(crate) const SHARE_COLS: &str =
    "id, owner, token_hash, target_type, target_id, download, expires_at, created_at";

pub(crate) fn share_from_row(row: &Row<'_>) -> rusqlite::Result<Share> {
    let kind: String = row.get(3)?;
    let target_id: String = row.get(4)?;
    Ok(Share {
        id: row.get(0)?,
        owner: row.get(1)?,
        token_hash: row.get(2)?,
        target: match kind.as_str() {
            "album" => ShareTarget::Album(target_id),
            _ => ShareTarget::File(target_id),
        },
        download: row.get(5)?,
        expires_at: opt_ts(row, 6)?,
        created_at: parse_ts(row, 7)?,
    })
}

/// The target's stored type and id.
pub(crate) fn target_parts(t: &ShareTarget) -> (&'static str, &str) {
    match t {
        ShareTarget::File(id) => ("file", id),
        ShareTarget::Album(id) => ("album", id),
    }
}
