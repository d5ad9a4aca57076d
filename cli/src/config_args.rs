//! The flags of the commands that read Kiln's configuration (the servers
//! and the operators' tools); the client commands take none.

use crate::Config;
use std::path::PathBuf;

/// Where the configuration comes from.
#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArgs {
    /// Configuration file (TOML) [default: ./kiln.toml when present].
    #[arg(long, env = "KILN_CONFIG")]
    pub config: Option<PathBuf>,
}

impl ConfigArgs {
    /// The effective configuration: defaults, then the file, then `KILN_*`
    /// variables. An invalid one ends the process with exit code 2 and a
    /// message naming every bad key and where it came from.
    pub fn load(&self) -> Config {
        Config::load(self.config.as_deref()).unwrap_or_else(|e| {
            eprintln!("kiln: {e}");
            std::process::exit(i32::from(crate::exit::USAGE))
        })
    }
}

/// The configuration of a tool that works on the store directly.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub cfg: ConfigArgs,
    /// The embedded data directory [default: from the configuration,
    /// ./kiln-data] (ignored with KILN_STORE=mongodb).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl StoreArgs {
    /// The configuration, with `--data-dir` applied.
    pub fn load(&self) -> Config {
        let mut config = self.cfg.load();
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        config
    }
}

/// A size given on the command line: bytes (`1048576`) or with a unit,
/// decimal (`10GB` = 10^10) or binary (`512MiB`).
pub fn size(s: &str) -> Result<u64, String> {
    parse_size::parse_size(s.trim()).map_err(|e| {
        format!("{s:?} is not a size ({e}): give bytes, or a number with kB, MB, GB, TB, KiB, MiB, GiB, TiB")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_take_units() {
        assert_eq!(super::size("1048576"), Ok(1_048_576));
        assert_eq!(super::size("10GB"), Ok(10_000_000_000));
        assert_eq!(super::size("512 MiB"), Ok(512 * 1024 * 1024));
        assert!(super::size("ten gigs").is_err());
    }
}
