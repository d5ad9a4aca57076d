//! The library contract, albums and shares: their records, an album's
//! files in its own order and with filters, and what deleting a file or an
//! album takes with it.

use super::accounts::now;
use super::library::{Files, ids, list, mine};
use crate::library::{Album, FileOrder, FileQuery, Library, MediaKind, Share, ShareTarget};
use crate::store::MetaStore;
use chrono::TimeDelta;

fn album(owner: &str, name: &str) -> Album {
    let at = now();
    Album {
        id: crate::new_id(),
        owner: Some(owner.to_owned()),
        name: name.to_owned(),
        description: None,
        cover_file_id: None,
        file_count: 0,
        created_at: at,
        updated_at: at,
    }
}

fn share(owner: &str, target: ShareTarget, download: bool) -> Share {
    let id = crate::new_id();
    Share {
        token_hash: format!("{:0>64}", id.replace('-', "")),
        id,
        owner: Some(owner.to_owned()),
        target,
        download,
        expires_at: download.then(|| now() + TimeDelta::days(1)),
        created_at: now(),
    }
}

/// The album's files in its order (ids and positions).
async fn in_order(lib: &dyn Library, q: FileQuery) -> (Vec<String>, Vec<i64>) {
    let files = lib.list_files(&q).await.unwrap();
    let positions = files.iter().map(|f| f.album_position.unwrap()).collect();
    (files.into_iter().map(|f| f.file.id).collect(), positions)
}

pub(super) async fn albums(lib: &dyn Library, f: &Files, other: &Files) {
    let x = album(&f.owner, "Trip");
    let y = album(&f.owner, "Pets");
    let z = album(&other.owner, "Theirs");
    for a in [&x, &y, &z] {
        lib.create_album(a).await.unwrap();
    }
    assert_eq!(lib.get_album(&x.id).await.unwrap().as_ref(), Some(&x));
    assert_eq!(lib.get_album("no-such-album").await.unwrap(), None);
    let names = |v: Vec<Album>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let owner = Some(f.owner.as_str());
    let all = lib.list_albums(owner, None, 10).await.unwrap();
    assert_eq!(names(all), [y.id.as_str(), x.id.as_str()]);
    assert_eq!(
        names(lib.list_albums(owner, None, 1).await.unwrap()),
        [y.id.as_str()]
    );
    let after = lib.list_albums(owner, Some(&y.id), 10).await.unwrap();
    assert_eq!(names(after), [x.id.as_str()]);
    let theirs = lib.list_albums(Some(&other.owner), None, 10).await.unwrap();
    assert_eq!(names(theirs), [z.id.as_str()]);
    let unowned = names(lib.list_albums(None, None, 100).await.unwrap());
    assert!(
        unowned
            .iter()
            .all(|id| ![&x.id, &y.id, &z.id].contains(&id))
    );

    // Adding appends in the order given, each file once.
    let add = [
        f.photo.id.clone(),
        f.land.id.clone(),
        f.video.id.clone(),
        f.photo.id.clone(),
    ];
    assert_eq!(lib.add_to_album(&x.id, &add).await.unwrap(), 3);
    let more = [f.land.id.clone(), f.doc.id.clone()];
    assert_eq!(lib.add_to_album(&x.id, &more).await.unwrap(), 1);
    let read = lib.get_album(&x.id).await.unwrap().unwrap();
    assert_eq!(read.file_count, 4);
    assert!(read.updated_at >= x.updated_at);
    let counts = lib.list_albums(owner, None, 10).await.unwrap();
    assert_eq!(
        counts.iter().map(|a| a.file_count).collect::<Vec<_>>(),
        [0, 4]
    );
    assert!(lib.album_contains(&x.id, &f.doc.id).await.unwrap());
    assert!(!lib.album_contains(&x.id, &f.square.id).await.unwrap());
    assert!(!lib.album_contains(&y.id, &f.doc.id).await.unwrap());

    // Album order, paged by position; the other orders and filters apply
    // within the album.
    let in_x = |order, after: Option<String>, limit| FileQuery {
        album: Some(x.id.clone()),
        order,
        after,
        limit,
        ..mine(&f.owner)
    };
    let (all, positions) = in_order(lib, in_x(FileOrder::Album, None, 10)).await;
    assert_eq!(all, ids(&[&f.photo, &f.land, &f.video, &f.doc]));
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let (first, pos) = in_order(lib, in_x(FileOrder::Album, None, 2)).await;
    assert_eq!(first, all[..2]);
    let cursor = pos.last().map(|p| p.to_string());
    let (rest, _) = in_order(lib, in_x(FileOrder::Album, cursor, 2)).await;
    assert_eq!(rest, all[2..]);
    let (newest, _) = in_order(lib, in_x(FileOrder::Newest, None, 10)).await;
    assert_eq!(newest, ids(&[&f.doc, &f.video, &f.land, &f.photo]));
    let oldest = in_x(FileOrder::Oldest, Some(f.land.id.clone()), 10);
    assert_eq!(list(lib, oldest).await, ids(&[&f.video, &f.doc]));
    let images = FileQuery {
        kind: Some(MediaKind::Image),
        ..in_x(FileOrder::Album, None, 10)
    };
    assert_eq!(list(lib, images).await, ids(&[&f.photo, &f.land]));
    let text = FileQuery {
        text: Some("CLIP".into()),
        ..in_x(FileOrder::Album, None, 10)
    };
    assert_eq!(list(lib, text).await, ids(&[&f.video]));
    let gps = FileQuery {
        has_gps: Some(true),
        ..in_x(FileOrder::Album, None, 1)
    };
    let (one, pos) = in_order(lib, gps.clone()).await;
    assert_eq!(one, ids(&[&f.photo]));
    let next = FileQuery {
        after: Some(pos[0].to_string()),
        ..gps
    };
    assert_eq!(list(lib, next).await, ids(&[&f.land]));
    let theirs = FileQuery {
        album: Some(x.id.clone()),
        ..mine(&other.owner)
    };
    assert!(
        list(lib, theirs).await.is_empty(),
        "another owner's files only"
    );
    let empty = FileQuery {
        album: Some(y.id.clone()),
        ..mine(&f.owner)
    };
    assert!(list(lib, empty).await.is_empty());
    assert!(
        lib.list_files(&FileQuery {
            order: FileOrder::Album,
            ..mine(&f.owner)
        })
        .await
        .is_err()
    );
    let bad = in_x(FileOrder::Album, Some("not-a-position".into()), 10);
    assert!(lib.list_files(&bad).await.is_err());

    // Reordering puts the given files first; the rest keep their order.
    let first = [f.doc.id.clone(), f.video.id.clone(), f.square.id.clone()];
    lib.reorder_album(&x.id, &first).await.unwrap();
    let (order, pos) = in_order(lib, in_x(FileOrder::Album, None, 3)).await;
    assert_eq!(order, ids(&[&f.doc, &f.video, &f.photo]));
    let after = pos.last().map(|p| p.to_string());
    assert_eq!(
        list(lib, in_x(FileOrder::Album, after, 3)).await,
        ids(&[&f.land])
    );
    // Added after a reorder: still last.
    assert_eq!(
        lib.add_to_album(&x.id, std::slice::from_ref(&f.sound.id))
            .await
            .unwrap(),
        1
    );
    let (order, _) = in_order(lib, in_x(FileOrder::Album, None, 10)).await;
    assert_eq!(order, ids(&[&f.doc, &f.video, &f.photo, &f.land, &f.sound]));
    assert!(lib.remove_from_album(&x.id, &f.sound.id).await.unwrap());

    // Name, description, cover; a cover taken out of the album is unset.
    let mut changed = x.clone();
    changed.name = "Trip 2024".into();
    changed.description = Some("Summer".into());
    changed.cover_file_id = Some(f.land.id.clone());
    assert!(lib.update_album(&changed).await.unwrap());
    let read = lib.get_album(&x.id).await.unwrap().unwrap();
    assert_eq!(
        (read.name.as_str(), read.description.as_deref()),
        ("Trip 2024", Some("Summer"))
    );
    assert_eq!(
        (read.cover_file_id.as_ref(), read.created_at),
        (Some(&f.land.id), x.created_at)
    );
    assert!(lib.remove_from_album(&x.id, &f.land.id).await.unwrap());
    assert!(!lib.remove_from_album(&x.id, &f.land.id).await.unwrap());
    let read = lib.get_album(&x.id).await.unwrap().unwrap();
    assert_eq!((read.cover_file_id, read.file_count), (None, 3));
    assert!(!lib.album_contains(&x.id, &f.land.id).await.unwrap());
    assert!(
        lib.library_file(&f.land.id).await.unwrap().is_some(),
        "only out of the album"
    );
    let gone = album(&f.owner, "never stored");
    assert!(!lib.update_album(&gone).await.unwrap());
    // Y keeps one file for the deletes.
    assert_eq!(
        lib.add_to_album(&y.id, std::slice::from_ref(&f.square.id))
            .await
            .unwrap(),
        1
    );
}

pub(super) async fn shares(lib: &dyn Library, f: &Files, other: &Files) {
    let owner = Some(f.owner.as_str());
    let albums = lib.list_albums(owner, None, 10).await.unwrap();
    let (y, x) = (&albums[0], &albums[1]);
    let s1 = share(&f.owner, ShareTarget::File(f.photo.id.clone()), true);
    let s2 = share(&f.owner, ShareTarget::Album(x.id.clone()), false);
    let s3 = share(
        &other.owner,
        ShareTarget::File(other.photo.id.clone()),
        true,
    );
    let s4 = share(&f.owner, ShareTarget::Album(y.id.clone()), false);
    for s in [&s1, &s2, &s3, &s4] {
        lib.create_share(s).await.unwrap();
    }
    assert_eq!(lib.get_share(&s1.id).await.unwrap().as_ref(), Some(&s1));
    assert_eq!(lib.get_share(&s2.id).await.unwrap().as_ref(), Some(&s2));
    assert_eq!(lib.get_share("no-such-share").await.unwrap(), None);
    let by_hash = lib.share_by_token_hash(&s2.token_hash).await.unwrap();
    assert_eq!(by_hash.as_ref(), Some(&s2));
    assert_eq!(
        lib.share_by_token_hash(&"f".repeat(64)).await.unwrap(),
        None
    );
    // A token hash is unique.
    let mut twin = share(&f.owner, ShareTarget::File(f.doc.id.clone()), false);
    twin.token_hash = s1.token_hash.clone();
    assert!(lib.create_share(&twin).await.is_err());

    let ids = |v: Vec<Share>| v.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let mine = lib.list_shares(owner, None, 10).await.unwrap();
    assert_eq!(ids(mine), [s4.id.as_str(), s2.id.as_str(), s1.id.as_str()]);
    assert_eq!(
        ids(lib.list_shares(owner, None, 1).await.unwrap()),
        [s4.id.as_str()]
    );
    let after = lib.list_shares(owner, Some(&s2.id), 10).await.unwrap();
    assert_eq!(ids(after), [s1.id.as_str()]);
    let theirs = lib.list_shares(Some(&other.owner), None, 10).await.unwrap();
    assert_eq!(ids(theirs), [s3.id.as_str()]);
    let unowned = ids(lib.list_shares(None, None, 100).await.unwrap());
    assert!(!unowned.contains(&s1.id) && !unowned.contains(&s3.id));
    assert!(lib.delete_share(&s3.id).await.unwrap());
    assert!(!lib.delete_share(&s3.id).await.unwrap());
    assert_eq!(lib.get_share(&s3.id).await.unwrap(), None);

    // Deleting an album takes its entries and share links, never its files.
    assert!(lib.delete_album(&y.id).await.unwrap());
    assert!(!lib.delete_album(&y.id).await.unwrap());
    assert_eq!(lib.get_album(&y.id).await.unwrap(), None);
    assert_eq!(lib.get_share(&s4.id).await.unwrap(), None);
    assert!(!lib.album_contains(&y.id, &f.square.id).await.unwrap());
    assert!(lib.library_file(&f.square.id).await.unwrap().is_some());
    assert!(lib.get_share(&s1.id).await.unwrap().is_some());
}

/// Deleting an original takes it out of albums, unsets it as a cover and
/// removes its share links; other albums and shares stay.
pub(super) async fn deletes(meta: &dyn MetaStore, lib: &dyn Library, f: &Files) {
    let owner = Some(f.owner.as_str());
    let x = lib.list_albums(owner, None, 10).await.unwrap().remove(0);
    let shares = lib.list_shares(owner, None, 10).await.unwrap();
    assert_eq!(shares.len(), 2);
    let file_share = shares
        .iter()
        .find(|s| matches!(s.target, ShareTarget::File(_)))
        .unwrap();
    let album_share = shares
        .iter()
        .find(|s| matches!(s.target, ShareTarget::Album(_)))
        .unwrap();
    assert_eq!(file_share.target, ShareTarget::File(f.photo.id.clone()));
    let mut covered = x.clone();
    covered.cover_file_id = Some(f.video.id.clone());
    assert!(lib.update_album(&covered).await.unwrap());
    let before = x.file_count;

    assert!(meta.delete_file(&f.photo.id).await.unwrap().is_some());
    assert!(!lib.album_contains(&x.id, &f.photo.id).await.unwrap());
    assert_eq!(
        lib.get_album(&x.id).await.unwrap().unwrap().file_count,
        before - 1
    );
    assert_eq!(lib.get_share(&file_share.id).await.unwrap(), None);
    assert!(lib.get_share(&album_share.id).await.unwrap().is_some());
    assert!(
        lib.jobs_of_files(std::slice::from_ref(&f.photo.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        lib.outputs_of_files(std::slice::from_ref(&f.photo.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        lib.get_album(&x.id)
            .await
            .unwrap()
            .unwrap()
            .cover_file_id
            .as_ref(),
        Some(&f.video.id)
    );

    assert!(meta.delete_file(&f.video.id).await.unwrap().is_some());
    let read = lib.get_album(&x.id).await.unwrap().unwrap();
    assert_eq!((read.cover_file_id, read.file_count), (None, before - 2));
    let q = FileQuery {
        album: Some(x.id.clone()),
        order: FileOrder::Album,
        ..mine(&f.owner)
    };
    assert_eq!(list(lib, q).await, ids(&[&f.doc]));
    assert!(
        list(lib, mine(&f.owner))
            .await
            .iter()
            .all(|id| *id != f.photo.id && *id != f.video.id)
    );
}
