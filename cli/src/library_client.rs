//! `kiln ls`, `rm`, `mv`, `album …`, `share …`, `link` and `download`: the
//! library from the command line. Each prints a short table for people, or
//! with `--json` the server's own document for scripts.

use crate::client::{client, document};
use crate::library_args::{AlbumAction, ShareAction};
use anyhow::{Context, bail};
use kiln_proto::api::{
    AlbumFiles, AlbumFilesAdded, AlbumList, AlbumUpdate, AlbumView, FileList, FileListQuery,
    FileUpdate, FileView, NewAlbum, NewLink, NewShare, ShareCreated, ShareList, SignedLink,
};
use serde::Serialize;

/// Where the gateway is and how to sign in.
#[derive(Debug, Clone)]
pub struct Remote {
    /// Gateway base URL, without a trailing `/`.
    pub server: String,
    /// Access token or API key.
    pub token: Option<String>,
}

impl Remote {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }

    pub(crate) fn http(&self) -> anyhow::Result<reqwest::Client> {
        client(self.token.as_deref())
    }

    pub(crate) async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> anyhow::Result<reqwest::Response> {
        req.send()
            .await
            .with_context(|| format!("cannot reach {}", self.server))
    }
}

pub(crate) fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// 1536 → `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn file_line(f: &FileView) -> String {
    let shape = match (f.width, f.height, f.duration_secs) {
        (_, _, Some(d)) => format!("{d:.1}s"),
        (Some(w), Some(h), None) => format!("{w}x{h}"),
        _ => "-".into(),
    };
    let when = f.taken_at.unwrap_or(f.created_at).format("%Y-%m-%d %H:%M");
    let tags = if f.tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", f.tags.join(", "))
    };
    format!(
        "{}  {:<5}  {:>10}  {:>9}  {}  {}{tags}",
        f.id,
        f.kind,
        human_bytes(f.bytes),
        shape,
        when,
        f.filename.as_deref().unwrap_or("(no name)")
    )
}

/// `kiln ls`: one page, or with `all` every page.
pub async fn ls(r: &Remote, query: FileListQuery, all: bool, json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    let mut query = query;
    let mut files = Vec::new();
    loop {
        let resp = r.send(http.get(r.url("/v1/files")).query(&query)).await?;
        let page: FileList = document(resp).await?;
        let next = page.next_cursor.clone();
        if json && !all {
            return print_json(&page);
        }
        if !json {
            for f in &page.files {
                println!("{}", file_line(f));
            }
        }
        files.extend(page.files);
        match next {
            Some(c) if all => query.cursor = Some(c),
            Some(c) => {
                eprintln!("(more: --cursor {c}, or --all)");
                break;
            }
            None => break,
        }
    }
    if json {
        print_json(&files)?;
    } else if files.is_empty() {
        eprintln!("no files");
    }
    Ok(())
}

/// `kiln rm ID…`: deletes each; fails if any could not be deleted.
pub async fn rm(r: &Remote, ids: &[String], json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    let mut failed = 0;
    let mut deleted = Vec::new();
    for id in ids {
        let resp = r
            .send(http.delete(r.url(&format!("/v1/files/{id}"))))
            .await?;
        match crate::client::empty(resp).await {
            Ok(()) => {
                if !json {
                    println!("deleted {id}");
                }
                deleted.push(id.clone());
            }
            Err(e) => {
                eprintln!("kiln: {id}: {e:#}");
                failed += 1;
            }
        }
    }
    if json {
        print_json(&serde_json::json!({ "deleted": deleted }))?;
    }
    if failed > 0 {
        bail!("{failed} file(s) not deleted");
    }
    Ok(())
}

/// `kiln mv ID NAME` (and tags, description): `PATCH /v1/files/{id}`.
pub async fn update(r: &Remote, id: &str, change: FileUpdate, json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    let resp = r
        .send(http.patch(r.url(&format!("/v1/files/{id}"))).json(&change))
        .await?;
    let f: FileView = document(resp).await?;
    if json {
        return print_json(&f);
    }
    println!("{}", file_line(&f));
    Ok(())
}

/// `kiln link ID`: a signed URL that downloads without credentials.
pub async fn link(r: &Remote, id: &str, secs: Option<u64>, json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    let body = NewLink {
        expires_in_secs: secs,
    };
    let resp = r
        .send(
            http.post(r.url(&format!("/v1/files/{id}/links")))
                .json(&body),
        )
        .await?;
    let l: SignedLink = document(resp).await?;
    if json {
        return print_json(&l);
    }
    println!(
        "{}  (until {})",
        r.url(&l.url),
        l.expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    Ok(())
}

fn album_line(a: &AlbumView) -> String {
    format!("{}  {:>5} files  {}", a.id, a.file_count, a.name)
}

/// `kiln album …`.
pub async fn album(r: &Remote, action: AlbumAction, json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    let one = |a: AlbumView| -> anyhow::Result<()> {
        if json {
            print_json(&a)
        } else {
            println!("{}", album_line(&a));
            Ok(())
        }
    };
    match action {
        AlbumAction::Create { name, description } => {
            let body = NewAlbum { name, description };
            let resp = r.send(http.post(r.url("/v1/albums")).json(&body)).await?;
            one(document(resp).await?)
        }
        AlbumAction::List => {
            let resp = r.send(http.get(r.url("/v1/albums"))).await?;
            let list: AlbumList = document(resp).await?;
            if json {
                return print_json(&list);
            }
            for a in &list.albums {
                println!("{}", album_line(a));
            }
            Ok(())
        }
        AlbumAction::Show { id } => {
            let resp = r.send(http.get(r.url(&format!("/v1/albums/{id}")))).await?;
            let a: AlbumView = document(resp).await?;
            if json {
                return print_json(&a);
            }
            println!("{}", album_line(&a));
            if let Some(d) = &a.description {
                println!("  {d}");
            }
            let query = FileListQuery {
                album: Some(id),
                ..FileListQuery::default()
            };
            ls(r, query, true, false).await
        }
        AlbumAction::Add { id, files } => {
            let body = AlbumFiles { file_ids: files };
            let resp = r
                .send(
                    http.post(r.url(&format!("/v1/albums/{id}/files")))
                        .json(&body),
                )
                .await?;
            let added: AlbumFilesAdded = document(resp).await?;
            if json {
                return print_json(&added);
            }
            println!("added {}: {}", added.added, album_line(&added.album));
            Ok(())
        }
        AlbumAction::Remove { id, files } => {
            for f in files {
                let resp = r
                    .send(http.delete(r.url(&format!("/v1/albums/{id}/files/{f}"))))
                    .await?;
                crate::client::empty(resp)
                    .await
                    .with_context(|| format!("removing {f}"))?;
                if !json {
                    println!("removed {f}");
                }
            }
            Ok(())
        }
        AlbumAction::Rename { id, name } => {
            let body = AlbumUpdate {
                name: Some(name),
                ..AlbumUpdate::default()
            };
            let resp = r
                .send(http.patch(r.url(&format!("/v1/albums/{id}"))).json(&body))
                .await?;
            one(document(resp).await?)
        }
        AlbumAction::Delete { id } => {
            let resp = r
                .send(http.delete(r.url(&format!("/v1/albums/{id}"))))
                .await?;
            crate::client::empty(resp).await?;
            if !json {
                println!("deleted album {id} (its files are kept)");
            }
            Ok(())
        }
    }
}

/// `kiln share …`.
pub async fn share(r: &Remote, action: ShareAction, json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    match action {
        ShareAction::Create {
            file,
            album,
            expires,
            download,
        } => {
            let body = NewShare {
                file_id: file,
                album_id: album,
                expires_in_secs: expires,
                download,
            };
            let resp = r.send(http.post(r.url("/v1/shares")).json(&body)).await?;
            let c: ShareCreated = document(resp).await?;
            if json {
                return print_json(&c);
            }
            let until = c
                .share
                .expires_at
                .map(|t| format!("until {}", t.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_else(|| "until revoked".into());
            let what = if c.share.download {
                "view and download"
            } else {
                "view"
            };
            println!("{}  ({what}, {until}; share id {})", r.url(&c.url), c.id);
            Ok(())
        }
        ShareAction::List => {
            let resp = r.send(http.get(r.url("/v1/shares"))).await?;
            let list: ShareList = document(resp).await?;
            if json {
                return print_json(&list);
            }
            for s in &list.shares {
                let state = if s.expired { "expired" } else { "active" };
                println!(
                    "{}  {:<5} {}  {}{}",
                    s.id,
                    s.kind,
                    s.target_id,
                    state,
                    if s.download { ", downloads" } else { "" }
                );
            }
            Ok(())
        }
        ShareAction::Revoke { id } => {
            let resp = r
                .send(http.delete(r.url(&format!("/v1/shares/{id}"))))
                .await?;
            crate::client::empty(resp).await?;
            if !json {
                println!("revoked {id}");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
