//! The library through the `kiln` client: `ls`, `mv`, `album`, `share`,
//! `link`, `download` and `rm`, each as a person and a script use them.

use super::{As, run};
use crate::common::{self, accounts};
use kiln_proto::Role;
use serde_json::Value;
use std::process::Command;

/// Runs `kiln ARGS` against the app; asserts success; stdout.
fn kiln(base: &str, token: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
    cmd.args(args)
        .env("KILN_SERVER", base)
        .env_remove("KILN_TOKEN");
    if let Some(t) = token {
        cmd.env("KILN_TOKEN", t);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "kiln {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_lists_organises_shares_and_downloads() {
    let t = accounts::app_with(|_| {}).await;
    let token = accounts::signup(&t, "ada@example.com").await;
    let a = As {
        t: &t,
        token: Some(token.clone()),
    };
    let photo = common::plain_jpeg(64, 48);
    let up = a
        .upload(
            photo.clone(),
            "IMG_0001.JPG",
            "thumbnails=32&metadata=false",
        )
        .await;
    a.upload(
        common::plain_jpeg(48, 64),
        "IMG_0002.JPG",
        "thumbnails=none&metadata=false",
    )
    .await;
    run(&t, Role::Thumbnail, 1).await;
    let id = up["file_id"].as_str().unwrap().to_owned();
    let base = t.base.clone();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap().to_owned();

    tokio::task::spawn_blocking(move || {
        let tok = Some(token.as_str());
        // A table for people, JSON for scripts; filters as in the API.
        let table = kiln(&base, tok, &["ls"]);
        assert!(
            table.contains("IMG_0001.JPG") && table.contains("IMG_0002.JPG"),
            "{table}"
        );
        let listed = json(&kiln(&base, tok, &["ls", "--json", "-q", "0001"]));
        assert_eq!(super::ids_of(&listed["files"]), vec![id.clone()]);
        // Renamed and tagged.
        let moved = json(&kiln(
            &base,
            tok,
            &["mv", &id, "Beach.jpg", "--tags", "summer,family", "--json"],
        ));
        assert_eq!(
            (moved["filename"].as_str(), moved["tags"].clone()),
            (Some("Beach.jpg"), serde_json::json!(["summer", "family"]))
        );
        assert!(kiln(&base, tok, &["ls", "-q", "summer"]).contains("Beach.jpg"));
        // An album, a download link to it, opened without the token.
        let album = json(&kiln(&base, tok, &["album", "create", "Holiday", "--json"]));
        let aid = album["id"].as_str().unwrap().to_owned();
        let added = json(&kiln(&base, tok, &["album", "add", &aid, &id, "--json"]));
        assert_eq!(added["added"], 1);
        assert!(kiln(&base, tok, &["album", "show", &aid]).contains("Beach.jpg"));
        let share = json(&kiln(
            &base,
            tok,
            &["share", "create", "--album", &aid, "--download", "--json"],
        ));
        let link = format!("{base}{}", share["url"].as_str().unwrap());
        let got = kiln(&base, None, &["download", &link, "-o", &out_dir]);
        assert!(got.contains("Beach.jpg"), "{got}");
        let saved = std::fs::read(std::path::Path::new(&out_dir).join("Beach.jpg")).unwrap();
        assert_eq!(saved, photo, "the original, byte for byte");
        // A signed link, downloaded by a client without credentials.
        let signed = kiln(&base, tok, &["link", &id]);
        let url = signed.split_whitespace().next().unwrap().to_owned();
        let to = std::path::Path::new(&out_dir).join("signed.jpg");
        let got = json(&kiln(
            &base,
            None,
            &["download", &url, "-o", to.to_str().unwrap(), "--json"],
        ));
        assert_eq!(got["saved"][0]["bytes"], photo.len());
        assert_eq!(std::fs::read(&to).unwrap(), photo);
        // Revoked, the share link fails; the file downloads by id with the token.
        kiln(
            &base,
            tok,
            &["share", "revoke", share["id"].as_str().unwrap()],
        );
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiln"));
        let out = cmd
            .args(["download", &link, "-o", &out_dir, "--force"])
            .env_remove("KILN_TOKEN")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("404"),
            "{out:?}"
        );
        let by_id = std::path::Path::new(&out_dir).join("by-id.jpg");
        kiln(
            &base,
            tok,
            &["download", &id, "-o", by_id.to_str().unwrap()],
        );
        assert_eq!(std::fs::read(&by_id).unwrap(), photo);
        // Deleted: gone from the list, the album kept.
        assert!(kiln(&base, tok, &["rm", &id]).contains(&format!("deleted {id}")));
        let rest = json(&kiln(&base, tok, &["ls", "--json"]));
        assert_eq!(rest["files"].as_array().unwrap().len(), 1);
        let albums = json(&kiln(&base, tok, &["album", "ls", "--json"]));
        assert_eq!(albums["albums"][0]["file_count"], 0);
    })
    .await
    .unwrap();
}
