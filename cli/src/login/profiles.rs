//! Where `kiln login` keeps what it was given: per server, the account and
//! an API key, in `<config dir>/kiln/credentials.toml` (Linux:
//! `$XDG_CONFIG_HOME` or `~/.config`), readable by its owner only.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The server a command talks to when neither `--server` nor
/// `KILN_SERVER` names one and nobody has signed in.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The credentials file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    /// The server of the last `kiln login`: commands use it when no
    /// server is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_server: Option<String>,
    /// What was stored per server (its URL, without a trailing `/`).
    #[serde(default)]
    pub servers: BTreeMap<String, Profile>,
}

/// One server's sign-in.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The account's address.
    pub email: String,
    /// The API key `kiln login` made (`kiln_…`).
    pub key: String,
    /// Its id, to revoke it at `kiln logout`.
    pub key_id: String,
}

// The key never reaches a log line or an error message.
impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("email", &self.email)
            .field("key", &"<redacted>")
            .field("key_id", &self.key_id)
            .finish()
    }
}

/// The credentials file's path.
pub fn path() -> anyhow::Result<PathBuf> {
    let dir = dirs::config_dir().context("no configuration directory (set HOME)")?;
    Ok(dir.join("kiln").join("credentials.toml"))
}

impl Profiles {
    /// Reads the file; none yet is an empty set.
    pub fn load() -> anyhow::Result<Profiles> {
        let path = path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the file whole (a temporary file renamed over it), created
    /// readable and writable by its owner only, in a directory only they
    /// can enter.
    pub fn save(&self) -> anyhow::Result<PathBuf> {
        let path = path()?;
        let dir = path.parent().context("credentials path has no folder")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let text = format!(
            "# Written by `kiln login`; holds API keys: keep it private.\n{}",
            toml::to_string(self)?
        );
        let tmp = path.with_extension("toml.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        {
            use std::io::Write;
            let mut f = options
                .open(&tmp)
                .with_context(|| format!("writing {}", tmp.display()))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// The server to use: the one named, else the last signed in to, else
    /// the local default.
    pub fn server(&self, named: Option<&str>) -> String {
        named
            .or(self.default_server.as_deref())
            .unwrap_or(DEFAULT_SERVER)
            .trim_end_matches('/')
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_never_shows_the_key() {
        let mut p = Profiles::default();
        assert_eq!(p.server(None), DEFAULT_SERVER);
        p.default_server = Some("https://kiln.example".into());
        p.servers.insert(
            "https://kiln.example".into(),
            Profile {
                email: "ada@example.com".into(),
                key: "kiln_secret".into(),
                key_id: "k1".into(),
            },
        );
        let text = toml::to_string(&p).unwrap_or_default();
        let back: Profiles = toml::from_str(&text).unwrap_or_default();
        assert_eq!(back.server(None), "https://kiln.example");
        assert_eq!(back.server(Some("http://other/")), "http://other");
        assert_eq!(back.servers["https://kiln.example"].key, "kiln_secret");
        assert!(!format!("{back:?}").contains("kiln_secret"));
    }
}
