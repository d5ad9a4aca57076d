//! The library contract, changes: renaming, tagging and describing a
//! file, new metadata, duplicates, and the jobs and outputs of files.

use super::accounts::now;
use super::library::{Files, ids, list, mine, record, upload};
use crate::library::{FileChange, FileQuery, Library};
use crate::store::{JobQuery, MetaStore};
use serde_json::json;

pub(super) async fn changes(meta: &dyn MetaStore, lib: &dyn Library, f: &Files, other: &Files) {
    let text = |t: &str| FileQuery {
        text: Some(t.into()),
        ..mine(&f.owner)
    };
    // Renaming, tagging, describing: each searchable, each alone.
    let change = FileChange {
        filename: Some("Alps.png".into()),
        tags: Some(vec!["Holiday".into(), "Family".into()]),
        description: Some(Some("Our trip to Normandy".into())),
    };
    let changed = lib.update_file(&f.land.id, &change).await.unwrap().unwrap();
    assert_eq!(changed.file.filename.as_deref(), Some("Alps.png"));
    assert_eq!(changed.tags, ["Holiday", "Family"]);
    assert_eq!(changed.description.as_deref(), Some("Our trip to Normandy"));
    assert_eq!(changed.search.camera_make.as_deref(), Some("NIKON"));
    let read = lib.library_file(&f.land.id).await.unwrap().unwrap();
    assert_eq!(
        (&read.file.filename, &read.tags, &read.description),
        (&changed.file.filename, &changed.tags, &changed.description)
    );
    assert_eq!(
        meta.get_file(&f.land.id)
            .await
            .unwrap()
            .unwrap()
            .filename
            .as_deref(),
        Some("Alps.png")
    );
    for t in ["alps", "HOLIDAY", "family", "normandy", "trip to"] {
        assert_eq!(list(lib, text(t)).await, ids(&[&f.land]), "{t}");
    }
    assert!(list(lib, text("mountain")).await.is_empty());
    // Only what is given changes; `Some(None)` clears the description.
    let tags_only = FileChange {
        tags: Some(vec!["Alpine".into()]),
        ..Default::default()
    };
    let read = lib
        .update_file(&f.land.id, &tags_only)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (read.file.filename.as_deref(), read.tags.as_slice()),
        (Some("Alps.png"), &["Alpine".to_owned()][..])
    );
    assert_eq!(read.description.as_deref(), Some("Our trip to Normandy"));
    assert!(list(lib, text("holiday")).await.is_empty());
    let clear = FileChange {
        description: Some(None),
        ..Default::default()
    };
    let read = lib.update_file(&f.land.id, &clear).await.unwrap().unwrap();
    assert_eq!(
        (read.description, read.tags),
        (None, vec!["Alpine".to_owned()])
    );
    assert!(list(lib, text("normandy")).await.is_empty());
    assert_eq!(list(lib, text("alpine")).await, ids(&[&f.land]));
    let same = lib
        .update_file(&f.land.id, &FileChange::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.file.filename.as_deref(), Some("Alps.png"));
    // Outputs and unknown ids are not library files.
    assert!(
        lib.update_file(&f.output.id, &change)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        lib.update_file("no-such-file", &change)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        meta.get_file(&f.output.id)
            .await
            .unwrap()
            .unwrap()
            .filename
            .as_deref(),
        Some("thumb.webp")
    );

    // New metadata replaces the searchable facts.
    let leica = json!({"width": 500, "height": 500, "exif": {"make": "Leica"}});
    meta.put_metadata(&f.square.id, &leica).await.unwrap();
    let make = |m: &str| FileQuery {
        camera_make: Some(m.into()),
        ..mine(&f.owner)
    };
    assert_eq!(list(lib, make("leica")).await, ids(&[&f.square]));
    meta.put_metadata(&f.square.id, &json!({"width": 500, "height": 500}))
        .await
        .unwrap();
    assert!(list(lib, make("leica")).await.is_empty());

    // Duplicates: the owner's oldest original with those bytes.
    let sha = &f.photo.sha256;
    let again = record(Some(&f.owner), "copy.jpg", "image/jpeg", sha, now());
    upload(meta, &again, &[], None).await;
    let dup = lib.find_duplicate(Some(&f.owner), sha).await.unwrap();
    assert_eq!(dup.map(|d| d.id), Some(f.photo.id.clone()));
    assert_eq!(
        lib.find_duplicate(Some(&other.owner), sha).await.unwrap(),
        None
    );
    let out_sha = &f.output.sha256;
    assert_eq!(
        lib.find_duplicate(Some(&f.owner), out_sha).await.unwrap(),
        None,
        "an output"
    );
    assert_eq!(
        lib.find_duplicate(Some(&f.owner), "nothing").await.unwrap(),
        None
    );
    meta.delete_file(&again.id).await.unwrap();

    // Jobs and outputs of files, in one call each.
    let both = [f.photo.id.clone(), f.land.id.clone(), f.doc.id.clone()];
    let jobs = lib.jobs_of_files(&both).await.unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(jobs.iter().any(|j| j.id == f.job.id));
    assert!(
        jobs.iter()
            .all(|j| j.file_id == f.photo.id || j.file_id == f.land.id)
    );
    assert!(lib.jobs_of_files(&[]).await.unwrap().is_empty());
    let outputs = lib.outputs_of_files(&both).await.unwrap();
    assert_eq!(
        outputs.iter().map(|o| &o.id).collect::<Vec<_>>(),
        [&f.output.id]
    );
    assert!(lib.outputs_of_files(&[]).await.unwrap().is_empty());
    let q = JobQuery {
        file_id: Some(f.photo.id.clone()),
        limit: 10,
        ..Default::default()
    };
    let listed = meta.list_jobs(&q).await.unwrap();
    assert_eq!(
        listed.iter().map(|j| &j.id).collect::<Vec<_>>(),
        [&f.job.id]
    );
    let q = JobQuery {
        file_id: Some(f.doc.id.clone()),
        ..q
    };
    assert!(meta.list_jobs(&q).await.unwrap().is_empty());
}
