//! The library contract, files side: lists in every order with every
//! filter, alone and combined, paging, changes to a file, duplicates, and
//! the jobs and outputs of files. The filters: `library_filters.rs`;
//! changes, duplicates, jobs and outputs: `library_changes.rs`; albums and
//! shares: `library_albums.rs`.
//!
//! Owners are fresh ids, so the suite also holds on a database other runs
//! share; what unowned files it makes it only checks by inclusion.

use super::accounts::now;
use super::library_albums::{albums, deletes, shares};
use super::library_changes::changes;
use super::library_filters::{combined, filters};
use crate::library::{FileOrder, FileQuery, Library};
use crate::store::{Completion, FileRecord, JobRecord, MetaStore, StartOutcome};
use chrono::{DateTime, TimeDelta, Utc};
use kiln_proto::JobKind;
use serde_json::{Value, json};

/// The files of one owner, oldest upload first.
pub(super) struct Files {
    pub(super) owner: String,
    pub(super) photo: FileRecord,
    pub(super) land: FileRecord,
    pub(super) video: FileRecord,
    pub(super) long: FileRecord,
    pub(super) doc: FileRecord,
    pub(super) square: FileRecord,
    pub(super) sound: FileRecord,
    /// The photo's thumbnail job and its output.
    pub(super) job: JobRecord,
    pub(super) output: FileRecord,
}

pub(super) fn record(
    owner: Option<&str>,
    name: &str,
    mime: &str,
    sha: &str,
    at: DateTime<Utc>,
) -> FileRecord {
    FileRecord {
        id: crate::new_id(),
        owner: owner.map(str::to_owned),
        filename: Some(name.to_owned()),
        content_type: mime.to_owned(),
        bytes: 1000,
        sha256: sha.to_owned(),
        parent_id: None,
        job_id: None,
        width: None,
        height: None,
        created_at: at,
    }
}

/// Stores an original with its extracted metadata, if any.
pub(super) async fn upload(
    meta: &dyn MetaStore,
    f: &FileRecord,
    jobs: &[JobRecord],
    metadata: Option<Value>,
) {
    meta.insert_upload(f, jobs).await.unwrap();
    if let Some(m) = metadata {
        meta.put_metadata(&f.id, &m).await.unwrap();
    }
}

fn photo_metadata() -> Value {
    json!({"format": "jpeg", "width": 4000, "height": 3000,
        "display_width": 3000, "display_height": 4000,
        "exif": {"make": "Canon", "model": "EOS R5", "lens_model": "RF 24-70",
                 "datetime_original": "2024-05-17T14:03:22+02:00",
                 "gps": {"latitude": 48.85, "longitude": 2.29}}})
}

async fn make_files(meta: &dyn MetaStore, owner: &str, t0: DateTime<Utc>) -> Files {
    let at = |m: i64| t0 + TimeDelta::minutes(m);
    let o = Some(owner);
    let sha = format!("dup-{owner}");
    let photo = record(o, "Beach Sunset.JPG", "image/jpeg", &sha, at(1));
    let job = JobRecord::queued(o.map(Into::into), JobKind::Thumbnail, &photo.id, json!({}));
    upload(
        meta,
        &photo,
        std::slice::from_ref(&job),
        Some(photo_metadata()),
    )
    .await;
    let land = record(o, "mountain.png", "image/png", "l", at(2));
    let land_meta = json!({"format": "png", "width": 6000, "height": 4000,
        "title": "Lagoon at dawn", "keywords": ["Fiji", "Reef"],
        "exif": {"make": "NIKON", "model": "Z 6", "lens_model": "NIKKOR Z 24-70mm",
                 "datetime_original": "2022-08-01T10:00:00",
                 "gps": {"latitude": -17.7, "longitude": 178.0}}});
    let land_job = JobRecord::queued(o.map(Into::into), JobKind::Metadata, &land.id, json!({}));
    upload(meta, &land, &[land_job], Some(land_meta)).await;
    let video = record(o, "clip.mp4", "video/mp4", "v", at(3));
    let clip = json!({"container": "mp4", "duration_secs": 12.5,
        "tags": {"title": "Birthday", "artist": "Grandpa"},
        "creation_time": "2023-01-02T03:04:05Z",
        "tracks": [{"kind": "audio"}, {"kind": "video", "width": 1920, "height": 1080}]});
    upload(meta, &video, &[], Some(clip)).await;
    let long = record(o, "talk.mp4", "video/mp4", "t", at(4));
    let talk = json!({"container": "mp4", "duration_secs": 3600.0,
        "tracks": [{"kind": "video", "width": 1280, "height": 720}],
        "exif": {"gps": {"latitude": 10.0, "longitude": -179.5}}});
    upload(meta, &long, &[], Some(talk)).await;
    let doc = record(o, "notes 100%_done.txt", "text/plain", "d", at(5));
    upload(meta, &doc, &[], None).await;
    let square = record(o, "sq.gif", "image/gif", "s", at(6));
    let sq = json!({"format": "gif", "width": 500, "height": 500});
    upload(meta, &square, &[], Some(sq)).await;
    let sound = record(o, "song.ogg", "application/ogg", "o", at(7));
    upload(meta, &sound, &[], Some(json!({"duration_secs": 200}))).await;

    // The photo's thumbnail: an output, never a library file.
    let StartOutcome::Started(_) = meta.start_attempt(&job.id).await.unwrap() else {
        panic!("start")
    };
    let mut output = record(
        o,
        "thumb.webp",
        "image/webp",
        &format!("out-{owner}"),
        at(8),
    );
    output.parent_id = Some(photo.id.clone());
    output.job_id = Some(job.id.clone());
    let done = meta.complete_job(&job.id, 1, std::slice::from_ref(&output));
    assert!(matches!(done.await.unwrap(), Completion::Recorded { .. }));
    let owner = owner.to_owned();
    Files {
        owner,
        photo,
        land,
        video,
        long,
        doc,
        square,
        sound,
        job,
        output,
    }
}

/// A query for the owner's files, 100 at a time, newest first.
pub(super) fn mine(owner: &str) -> FileQuery {
    FileQuery {
        owner: Some(owner.to_owned()),
        limit: 100,
        ..Default::default()
    }
}

/// The ids of a list.
pub(super) async fn list(lib: &dyn Library, q: FileQuery) -> Vec<String> {
    let files = lib.list_files(&q).await.unwrap();
    files.into_iter().map(|f| f.file.id).collect()
}

pub(super) fn ids(files: &[&FileRecord]) -> Vec<String> {
    files.iter().map(|f| f.id.clone()).collect()
}

/// Checks that the list `q` is `want`, in that order.
pub(super) async fn check(lib: &dyn Library, q: FileQuery, want: &[&FileRecord]) {
    assert_eq!(list(lib, q.clone()).await, ids(want), "{q:?}");
}

pub(super) fn day(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

/// Library contract. `meta` and `lib` are the same store.
pub async fn library(meta: &dyn MetaStore, lib: &dyn Library) {
    let t0 = now() - TimeDelta::days(1);
    let f = make_files(meta, &crate::new_id(), t0).await;
    let other = make_files(meta, &crate::new_id(), t0).await;
    owners_and_orders(meta, lib, &f, &other, t0).await;
    filters(lib, &f).await;
    combined(lib, &f).await;
    changes(meta, lib, &f, &other).await;
    albums(lib, &f, &other).await;
    shares(lib, &f, &other).await;
    deletes(meta, lib, &f).await;
}

async fn owners_and_orders(
    meta: &dyn MetaStore,
    lib: &dyn Library,
    f: &Files,
    other: &Files,
    t0: DateTime<Utc>,
) {
    let all = [
        &f.photo, &f.land, &f.video, &f.long, &f.doc, &f.square, &f.sound,
    ];
    let oldest = ids(&all);
    let newest: Vec<String> = oldest.iter().rev().cloned().collect();
    assert_eq!(
        list(lib, mine(&f.owner)).await,
        newest,
        "no outputs, no other owner's"
    );
    let q = FileQuery {
        order: FileOrder::Oldest,
        ..mine(&f.owner)
    };
    assert_eq!(list(lib, q).await, oldest);
    let theirs = list(lib, mine(&other.owner)).await;
    assert_eq!(theirs.len(), 7);
    assert!(theirs.iter().all(|id| !oldest.contains(id)));
    // Unowned files (single-user mode) are apart from every owner's.
    let single = record(None, "Beach alone.jpg", "image/jpeg", "single", t0);
    upload(meta, &single, &[], Some(photo_metadata())).await;
    let unowned = list(
        lib,
        FileQuery {
            owner: None,
            ..mine("")
        },
    )
    .await;
    assert!(unowned.contains(&single.id));
    assert!(
        unowned
            .iter()
            .all(|id| !oldest.contains(id) && !theirs.contains(id))
    );
    assert!(!list(lib, mine(&f.owner)).await.contains(&single.id));
    let found = lib.find_duplicate(None, "single").await.unwrap();
    assert_eq!(found.map(|d| d.id), Some(single.id.clone()));
    assert_eq!(
        lib.find_duplicate(Some(&f.owner), "single").await.unwrap(),
        None
    );

    // Paging is stable while files are added: pages continue after the
    // cursor, and the new file only shows on a new first page.
    let page = |after: Option<&String>, order| FileQuery {
        after: after.cloned(),
        order,
        limit: 3,
        ..mine(&f.owner)
    };
    let first = list(lib, page(None, FileOrder::Newest)).await;
    assert_eq!(first, newest[..3]);
    let late = record(Some(&f.owner), "late.jpg", "image/jpeg", "late", now());
    upload(meta, &late, &[], None).await;
    let second = list(lib, page(first.last(), FileOrder::Newest)).await;
    assert_eq!(second, newest[3..6]);
    let third = list(lib, page(second.last(), FileOrder::Newest)).await;
    assert_eq!(third, newest[6..]);
    assert!(
        list(lib, page(third.last(), FileOrder::Newest))
            .await
            .is_empty()
    );
    let first = list(lib, page(None, FileOrder::Oldest)).await;
    assert_eq!(first, oldest[..3]);
    let rest = list(
        lib,
        FileQuery {
            limit: 10,
            ..page(first.last(), FileOrder::Oldest)
        },
    )
    .await;
    assert_eq!(rest[..4], oldest[3..]);
    assert_eq!(rest[4..], [late.id.as_str()]);
    assert_eq!(list(lib, page(None, FileOrder::Newest)).await[0], late.id);
    meta.delete_file(&late.id).await.unwrap();
    assert_eq!(list(lib, mine(&f.owner)).await, newest);

    // What a file reads back as: its record, no tags yet, its facts.
    let photo = lib.library_file(&f.photo.id).await.unwrap().unwrap();
    assert_eq!(photo.file.filename.as_deref(), Some("Beach Sunset.JPG"));
    assert_eq!((photo.tags.len(), photo.description.as_deref()), (0, None));
    let s = &photo.search;
    assert_eq!(
        (
            s.camera_make.as_deref(),
            s.camera_model.as_deref(),
            s.lens.as_deref()
        ),
        (Some("Canon"), Some("EOS R5"), Some("RF 24-70"))
    );
    assert_eq!(s.taken_at, day("2024-05-17T12:03:22Z"));
    assert_eq!((s.latitude, s.longitude), (Some(48.85), Some(2.29)));
    assert_eq!(
        (s.width, s.height, s.duration_secs),
        (Some(3000), Some(4000), None)
    );
    assert_eq!(photo.album_position, None);
    let video = lib.library_file(&f.video.id).await.unwrap().unwrap().search;
    assert_eq!((video.width, video.height), (Some(1920), Some(1080)));
    assert_eq!((video.duration_secs, video.latitude), (Some(12.5), None));
    assert_eq!(video.taken_at, day("2023-01-02T03:04:05Z"));
    let doc = lib.library_file(&f.doc.id).await.unwrap().unwrap();
    assert_eq!(doc.search, Default::default());
    assert_eq!(
        lib.library_file(&f.output.id).await.unwrap(),
        None,
        "an output"
    );
    assert_eq!(lib.library_file("no-such-file").await.unwrap(), None);
}
