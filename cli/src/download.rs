//! `kiln download`: a file by id, or what a share link or a signed link
//! opens, saved under the name the server gives (never a path it chooses),
//! written to a temporary name and renamed when whole.

use crate::client::{client, document};
use crate::library_client::{Remote, human_bytes, print_json};
use anyhow::{Context, bail};
use kiln_proto::api::SharedPage;
use std::path::{Path, PathBuf};

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
    if let ["s", _token] = segments[..] {
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
    fn names_are_decoded() {
        assert_eq!(percent_decode("caf%C3%A9.bin").as_deref(), Some("café.bin"));
        assert_eq!(percent_decode("a%2").as_deref(), Some("a%2"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
