//! `kiln ls`, `rm`, `mv`, `album …`, `share …`, `link` and `download`: the
//! library from the command line. Each prints a short table for people, or
//! with `--json` the server's own document for scripts.

use crate::client::{client, document};
use anyhow::{Context, bail};
use kiln_proto::api::{
    AlbumFiles, AlbumFilesAdded, AlbumList, AlbumUpdate, AlbumView, FileList, FileListQuery,
    FileUpdate, FileView, NewAlbum, NewLink, NewShare, ShareCreated, ShareList, SharedPage,
    SignedLink,
};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where the gateway is and how to sign in.
#[derive(Debug, Clone)]
pub struct Remote {
    /// Gateway base URL, without a trailing `/`.
    pub server: String,
    /// Access token or API key.
    pub token: Option<String>,
}

impl Remote {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }

    fn http(&self) -> anyhow::Result<reqwest::Client> {
        client(self.token.as_deref())
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        req.send()
            .await
            .with_context(|| format!("cannot reach {}", self.server))
    }
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
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

/// What `kiln album` does.
#[derive(Debug, Clone)]
pub enum AlbumAction {
    /// Make one.
    Create {
        /// Its name.
        name: String,
        /// Its description.
        description: Option<String>,
    },
    /// List them.
    List,
    /// One album and its files.
    Show {
        /// Album id.
        id: String,
    },
    /// Add files.
    Add {
        /// Album id.
        id: String,
        /// File ids.
        files: Vec<String>,
    },
    /// Take files out.
    Remove {
        /// Album id.
        id: String,
        /// File ids.
        files: Vec<String>,
    },
    /// Rename.
    Rename {
        /// Album id.
        id: String,
        /// New name.
        name: String,
    },
    /// Delete (never its files).
    Delete {
        /// Album id.
        id: String,
    },
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

/// What `kiln share` does.
#[derive(Debug, Clone)]
pub enum ShareAction {
    /// Make a link.
    Create(NewShare),
    /// List links.
    List,
    /// Revoke one.
    Revoke {
        /// Share id.
        id: String,
    },
}

/// `kiln share …`.
pub async fn share(r: &Remote, action: ShareAction, json: bool) -> anyhow::Result<()> {
    let http = r.http()?;
    match action {
        ShareAction::Create(body) => {
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

/// The name a download is saved under: `Content-Disposition`'s, else `fallback`.
fn saved_name(resp: &reqwest::Response, fallback: &str) -> String {
    let cd = resp
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // RFC 6266: the UTF-8 `filename*` wins over the ASCII `filename`.
    let extended = cd
        .split(';')
        .find_map(|p| p.trim().strip_prefix("filename*=UTF-8''"))
        .and_then(percent_decode);
    let name = extended.or_else(|| {
        cd.split(';')
            .find_map(|p| p.trim().strip_prefix("filename="))
            .map(|n| n.trim_matches('"').to_owned())
    });
    // Only the last component, never a path the server could choose.
    name.as_deref()
        .and_then(|n| Path::new(n).file_name())
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or(fallback)
        .to_owned()
}

/// `caf%C3%A9.bin` → `café.bin`; `None` if not valid UTF-8 once decoded.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn save(resp: reqwest::Response, to: &Path, force: bool) -> anyhow::Result<u64> {
    use tokio::io::AsyncWriteExt;
    if to.exists() && !force {
        bail!("{} exists (use --force to overwrite)", to.display());
    }
    let tmp = to.with_extension("kiln-partial");
    let mut out = tokio::fs::File::create(&tmp)
        .await
        .with_context(|| format!("creating {}", tmp.display()))?;
    let mut resp = resp;
    let mut n = 0u64;
    while let Some(chunk) = resp.chunk().await? {
        out.write_all(&chunk).await?;
        n += chunk.len() as u64;
    }
    out.sync_all().await?;
    tokio::fs::rename(&tmp, to).await?;
    Ok(n)
}

/// `kiln download ID|URL`: a file by id (signed in), or anything a share
/// link or signed link opens (no credentials needed). A share page
/// downloads every file it allows into `out` (a directory).
pub async fn download(
    r: &Remote,
    what: &str,
    out: Option<PathBuf>,
    force: bool,
    json: bool,
) -> anyhow::Result<()> {
    let mut saved: Vec<serde_json::Value> = Vec::new();
    let mut report = |to: &Path, n: u64| {
        if json {
            saved.push(serde_json::json!({ "path": to, "bytes": n }));
        } else {
            println!("{} ({})", to.display(), human_bytes(n));
        }
    };
    let http = r.http()?;
    let (url, public) = if what.starts_with("http://") || what.starts_with("https://") {
        (what.to_owned(), true)
    } else if what.starts_with("/s/") || what.starts_with("/d/") {
        (r.url(what), true)
    } else {
        (r.url(&format!("/v1/files/{what}")), false)
    };
    // Public links carry their own credential: send no token with them.
    let http = if public { client(None)? } else { http };
    let path = reqwest::Url::parse(&url)
        .context("not a URL")?
        .path()
        .to_owned();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let ["s", token] = segments[..] {
        let resp = r
            .send(http.get(&url).header("accept", "application/json"))
            .await?;
        let page: SharedPage = document(resp).await?;
        if !page.download {
            bail!("this share link allows viewing only, not downloads");
        }
        let dir = out.unwrap_or_else(|| PathBuf::from("."));
        tokio::fs::create_dir_all(&dir).await?;
        let base = url.split("/s/").next().unwrap_or(&r.server).to_owned();
        for f in page.files {
            let Some(u) = f.url else { continue };
            let resp = r.send(http.get(format!("{base}{u}"))).await?;
            let resp = crate::client::ok(resp).await?;
            let name = saved_name(&resp, &f.id);
            let to = dir.join(&name);
            let n = save(resp, &to, force).await?;
            report(&to, n);
        }
        let _ = token;
        return if json {
            print_json(&serde_json::json!({ "saved": saved }))
        } else {
            Ok(())
        };
    }
    let resp = r.send(http.get(&url)).await?;
    let resp = crate::client::ok(resp).await?;
    let fallback = segments.last().copied().unwrap_or("download").to_owned();
    let name = saved_name(&resp, &fallback);
    let to = match out {
        Some(p) if p.is_dir() => p.join(name),
        Some(p) => p,
        None => PathBuf::from(name),
    };
    let n = save(resp, &to, force).await?;
    report(&to, n);
    if json {
        print_json(&serde_json::json!({ "saved": saved }))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_decoded_and_sizes_read_well() {
        assert_eq!(percent_decode("caf%C3%A9.bin").as_deref(), Some("café.bin"));
        assert_eq!(percent_decode("a%2").as_deref(), Some("a%2"));
        assert_eq!(percent_decode("%FF"), None);
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
