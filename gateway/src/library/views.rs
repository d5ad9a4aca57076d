//! Library records as the API shows them.

use kiln_core::{FileRecord, JobRecord, LibraryFile, MediaKind};
use kiln_proto::api::{Camera, FileJob, FileView, Location, Thumbnail, file_url, job_url};
use std::collections::HashMap;

/// A thumbnail entry for an output, with its URL made by `url`.
pub fn thumbnail(f: &FileRecord, url: impl Fn(&str) -> String) -> Thumbnail {
    Thumbnail {
        url: url(&f.id),
        file_id: f.id.clone(),
        content_type: f.content_type.clone(),
        width: f.width,
        height: f.height,
        bytes: f.bytes,
    }
}

/// Whether an output is a thumbnail (an image made from the original).
pub fn is_thumbnail(f: &FileRecord) -> bool {
    f.content_type.starts_with("image/") && f.width.is_some()
}

/// Groups outputs by their original, thumbnails only, smallest first.
pub fn thumbnails_by_parent(outputs: Vec<FileRecord>) -> HashMap<String, Vec<FileRecord>> {
    let mut by: HashMap<String, Vec<FileRecord>> = HashMap::new();
    for o in outputs.into_iter().filter(is_thumbnail) {
        if let Some(p) = o.parent_id.clone() {
            by.entry(p).or_default().push(o);
        }
    }
    for v in by.values_mut() {
        v.sort_by(|a, b| (a.width, &a.content_type).cmp(&(b.width, &b.content_type)));
    }
    by
}

/// A library file as its owner sees it.
pub fn file(entry: LibraryFile, outputs: &[FileRecord], jobs: &[JobRecord]) -> FileView {
    let LibraryFile {
        file: f,
        tags,
        description,
        search: s,
        album_position: _,
    } = entry;
    let recorded = s.camera_make.is_some() || s.camera_model.is_some() || s.lens.is_some();
    let camera = recorded.then_some(Camera {
        make: s.camera_make,
        model: s.camera_model,
        lens: s.lens,
    });
    let location = match (s.latitude, s.longitude) {
        (Some(latitude), Some(longitude)) => Some(Location {
            latitude,
            longitude,
        }),
        _ => None,
    };
    FileView {
        url: file_url(&f.id),
        kind: MediaKind::of(&f.content_type).as_str().to_owned(),
        thumbnails: outputs.iter().map(|o| thumbnail(o, file_url)).collect(),
        jobs: jobs
            .iter()
            .map(|j| FileJob {
                id: j.id.clone(),
                kind: j.kind.clone(),
                status: j.status,
                url: job_url(&j.id),
            })
            .collect(),
        id: f.id,
        filename: f.filename,
        content_type: f.content_type,
        bytes: f.bytes,
        sha256: f.sha256,
        created_at: f.created_at,
        width: s.width,
        height: s.height,
        duration_secs: s.duration_secs,
        tags,
        description,
        taken_at: s.taken_at,
        camera,
        location,
    }
}

/// Views of several library files, with their thumbnails and jobs read in
/// two queries.
pub async fn files(
    s: &crate::AppState,
    entries: Vec<LibraryFile>,
) -> Result<Vec<FileView>, crate::ApiError> {
    let ids: Vec<String> = entries.iter().map(|e| e.file.id.clone()).collect();
    let mut outputs = thumbnails_by_parent(s.backends.library.outputs_of_files(&ids).await?);
    let mut jobs: HashMap<String, Vec<JobRecord>> = HashMap::new();
    for j in s.backends.library.jobs_of_files(&ids).await? {
        jobs.entry(j.file_id.clone()).or_default().push(j);
    }
    Ok(entries
        .into_iter()
        .map(|e| {
            let outs = outputs.remove(&e.file.id).unwrap_or_default();
            let js = jobs.remove(&e.file.id).unwrap_or_default();
            file(e, &outs, &js)
        })
        .collect())
}
