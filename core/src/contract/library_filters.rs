//! The library contract, filters: each alone on one owner's files (see
//! `Files` in `library.rs`), then combined, and paged.

use super::library::{Files, check, day, ids, list, mine};
use crate::library::{FileOrder, FileQuery, Library, MediaKind, Orientation};

pub(super) async fn filters(lib: &dyn Library, f: &Files) {
    let q = || mine(&f.owner);
    // Kinds, from the sniffed type.
    let kind = |k| FileQuery {
        kind: Some(k),
        ..q()
    };
    check(lib, kind(MediaKind::Image), &[&f.square, &f.land, &f.photo]).await;
    check(lib, kind(MediaKind::Video), &[&f.long, &f.video]).await;
    check(lib, kind(MediaKind::Audio), &[&f.sound]).await;
    check(lib, kind(MediaKind::Other), &[&f.doc]).await;
    // Text: within the name, whatever the case; pattern characters are
    // themselves (`_` and `%` of SQL, `.` of regular expressions).
    let text = |t: &str| FileQuery {
        text: Some(t.into()),
        ..q()
    };
    check(lib, text("beach"), &[&f.photo]).await;
    check(lib, text("SUNSET.jpg"), &[&f.photo]).await;
    check(lib, text("100%_d"), &[&f.doc]).await;
    check(lib, text("s_n"), &[]).await;
    check(lib, text("t%"), &[]).await;
    check(lib, text("c.ip"), &[]).await;
    check(lib, text("clip.mp4"), &[&f.video]).await;
    check(lib, text(".mp4"), &[&f.long, &f.video]).await;
    // ...and within what the file says about itself: an image's title and
    // keywords, a recording's tags.
    check(lib, text("reef"), &[&f.land]).await;
    check(lib, text("LAGOON AT"), &[&f.land]).await;
    check(lib, text("birthday"), &[&f.video]).await;
    // Upload times: from inclusive, to exclusive.
    let (t1, t3) = (f.photo.created_at, f.video.created_at);
    let up = |a, b| FileQuery {
        uploaded_after: a,
        uploaded_before: b,
        ..q()
    };
    check(lib, up(Some(f.sound.created_at), None), &[&f.sound]).await;
    check(lib, up(None, Some(t3)), &[&f.land, &f.photo]).await;
    check(lib, up(Some(t1), Some(t3)), &[&f.land, &f.photo]).await;
    // Taken: from EXIF (with its offset, or as UTC) or the container.
    let taken = |a, b| FileQuery {
        taken_after: a,
        taken_before: b,
        ..q()
    };
    check(
        lib,
        taken(day("2023-01-01T00:00:00Z"), None),
        &[&f.video, &f.photo],
    )
    .await;
    check(lib, taken(None, day("2023-01-02T03:04:05Z")), &[&f.land]).await;
    check(
        lib,
        taken(day("2023-01-02T03:04:05Z"), day("2024-05-17T12:03:22Z")),
        &[&f.video],
    )
    .await;
    check(
        lib,
        taken(day("2022-08-01T10:00:00Z"), day("2022-08-01T10:00:01Z")),
        &[&f.land],
    )
    .await;
    // Cameras and lenses: whole, whatever the case.
    let cam = |m: Option<&str>, n: Option<&str>, l: Option<&str>| FileQuery {
        camera_make: m.map(Into::into),
        camera_model: n.map(Into::into),
        lens: l.map(Into::into),
        ..q()
    };
    check(lib, cam(Some("canon"), None, None), &[&f.photo]).await;
    check(lib, cam(Some(" CANON "), Some("eos r5"), None), &[&f.photo]).await;
    check(lib, cam(None, Some("EOS"), None), &[]).await;
    check(lib, cam(None, None, Some("rf 24-70")), &[&f.photo]).await;
    check(
        lib,
        cam(Some("Nikon"), Some("z 6"), Some("nikkor z 24-70MM")),
        &[&f.land],
    )
    .await;
    check(lib, cam(Some("canon"), Some("z 6"), None), &[]).await;
    // Position.
    let gps = |g| FileQuery {
        has_gps: Some(g),
        ..q()
    };
    check(lib, gps(true), &[&f.long, &f.land, &f.photo]).await;
    check(lib, gps(false), &[&f.sound, &f.square, &f.doc, &f.video]).await;
    let bbox = |b| FileQuery {
        bbox: Some(b),
        ..q()
    };
    check(lib, bbox([2.0, 48.0, 3.0, 49.0]), &[&f.photo]).await;
    check(
        lib,
        bbox([-180.0, -90.0, 180.0, 90.0]),
        &[&f.long, &f.land, &f.photo],
    )
    .await;
    check(lib, bbox([170.0, -20.0, -170.0, 20.0]), &[&f.long, &f.land]).await;
    check(lib, bbox([170.0, -20.0, 180.0, 0.0]), &[&f.land]).await;
    check(lib, bbox([179.0, -20.0, -179.0, 20.0]), &[&f.long]).await;
    check(lib, bbox([170.0, 20.0, -170.0, 30.0]), &[]).await;
    // Shape: square pictures are neither portrait nor landscape.
    let shape = |o| FileQuery {
        orientation: Some(o),
        ..q()
    };
    check(lib, shape(Orientation::Portrait), &[&f.photo]).await;
    check(
        lib,
        shape(Orientation::Landscape),
        &[&f.long, &f.video, &f.land],
    )
    .await;
    let size = |w, h| FileQuery {
        min_width: w,
        min_height: h,
        ..q()
    };
    check(lib, size(Some(2000), None), &[&f.land, &f.photo]).await;
    check(lib, size(Some(1920), None), &[&f.video, &f.land, &f.photo]).await;
    check(lib, size(None, Some(1000)), &[&f.video, &f.land, &f.photo]).await;
    check(
        lib,
        size(Some(500), Some(500)),
        &[&f.square, &f.long, &f.video, &f.land, &f.photo],
    )
    .await;
    // Duration, both ends inclusive.
    let dur = |a, b| FileQuery {
        min_duration: a,
        max_duration: b,
        ..q()
    };
    check(lib, dur(Some(10.0), None), &[&f.sound, &f.long, &f.video]).await;
    check(lib, dur(None, Some(300.0)), &[&f.sound, &f.video]).await;
    check(lib, dur(Some(12.5), Some(12.5)), &[&f.video]).await;
}

pub(super) async fn combined(lib: &dyn Library, f: &Files) {
    let q = || mine(&f.owner);
    let video = || FileQuery {
        kind: Some(MediaKind::Video),
        ..q()
    };
    check(
        lib,
        FileQuery {
            has_gps: Some(true),
            ..video()
        },
        &[&f.long],
    )
    .await;
    check(
        lib,
        FileQuery {
            text: Some("beach".into()),
            ..video()
        },
        &[],
    )
    .await;
    let landscape = || FileQuery {
        orientation: Some(Orientation::Landscape),
        ..q()
    };
    let q2 = FileQuery {
        kind: Some(MediaKind::Image),
        ..landscape()
    };
    check(lib, q2, &[&f.land]).await;
    check(
        lib,
        FileQuery {
            min_duration: Some(10.0),
            ..landscape()
        },
        &[&f.long, &f.video],
    )
    .await;
    let q2 = FileQuery {
        text: Some("BEACH".into()),
        camera_make: Some("canon".into()),
        ..q()
    };
    check(lib, q2, &[&f.photo]).await;
    let q2 = FileQuery {
        taken_after: day("2020-01-01T00:00:00Z"),
        has_gps: Some(false),
        ..q()
    };
    check(lib, q2, &[&f.video]).await;
    let q2 = FileQuery {
        bbox: Some([170.0, -20.0, -170.0, 20.0]),
        kind: Some(MediaKind::Image),
        ..q()
    };
    check(lib, q2, &[&f.land]).await;
    let q2 = FileQuery {
        bbox: Some([170.0, -20.0, -170.0, 20.0]),
        uploaded_after: Some(f.video.created_at),
        ..q()
    };
    check(lib, q2, &[&f.long]).await;
    let q2 = FileQuery {
        min_width: Some(1000),
        max_duration: Some(60.0),
        ..q()
    };
    check(lib, q2, &[&f.video]).await;
    // Filters page like the whole list.
    let images = |after: Option<&String>| FileQuery {
        kind: Some(MediaKind::Image),
        after: after.cloned(),
        limit: 2,
        ..q()
    };
    let first = list(lib, images(None)).await;
    assert_eq!(first, ids(&[&f.square, &f.land]));
    assert_eq!(list(lib, images(first.last())).await, ids(&[&f.photo]));
    let q2 = FileQuery {
        order: FileOrder::Oldest,
        ..images(Some(&f.photo.id))
    };
    assert_eq!(list(lib, q2).await, ids(&[&f.land, &f.square]));
}
