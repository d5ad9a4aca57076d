//! The `kiln` command line: every command and its flags (`main.rs` runs
//! them).

use crate::config_args::{ConfigArgs, StoreArgs};
use crate::library_args::{AlbumAction, LsFilters, RemoteArgs, ShareAction};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The command line.
#[derive(Parser)]
#[command(name = "kiln", version, about = "Kiln: an event-driven media pipeline")]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
// Parsed once per run: the size of its largest variant (`ls` and its
// filters) costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Gateway and every worker in one process, on embedded backends.
    Serve {
        /// Listen address [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Data directory [default: ./kiln-data].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        cfg: ConfigArgs,
    },
    /// The HTTP gateway and outbox relay alone (store and broker from the
    /// configuration: KILN_STORE=mongodb, KILN_BROKER=rabbitmq, ...).
    Gateway {
        /// Listen address [default: from config, 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[command(flatten)]
        #[allow(missing_docs)]
        cfg: ConfigArgs,
    },
    /// One worker role alone; run as many replicas as the queue needs.
    Worker {
        /// thumbnail, metadata, convert or notify.
        #[arg(long)]
        role: kiln_proto::Role,
        /// Jobs processed at once (the broker prefetch) [default: from config].
        #[arg(long)]
        concurrency: Option<usize>,
        /// Where /healthz and /readyz are served [default: 127.0.0.1:9090].
        #[arg(long)]
        health_listen: Option<SocketAddr>,
        #[command(flatten)]
        #[allow(missing_docs)]
        cfg: ConfigArgs,
    },
    /// Print the effective configuration (defaults, file, environment) as
    /// TOML, secrets as `***`; fail on an invalid one.
    Config {
        #[command(flatten)]
        #[allow(missing_docs)]
        cfg: ConfigArgs,
    },
    /// Operators' tools, on the store and broker directly (`kiln admin jobs
    /// list`, `kiln admin jobs retry --all`, `kiln admin grant EMAIL`,
    /// `kiln admin dead-letters ROLE`).
    Admin {
        /// What to work on.
        #[command(subcommand)]
        what: crate::admin_jobs::AdminWhat,
        #[command(flatten)]
        #[allow(missing_docs)]
        store: StoreArgs,
    },
    /// Back up the embedded data directory into DIR (empty or new), while
    /// `kiln serve` runs (MongoDB: see docs/operations.md).
    Backup {
        /// Where the backup goes.
        dir: PathBuf,
        #[command(flatten)]
        #[allow(missing_docs)]
        store: StoreArgs,
    },
    /// Restore a backup made by `kiln backup` into the data directory,
    /// which must be empty or new (stop `kiln serve` first).
    Restore {
        /// The backup.
        dir: PathBuf,
        #[command(flatten)]
        #[allow(missing_docs)]
        store: StoreArgs,
    },
    /// Set (or, without values, clear) one account's quota overrides.
    ///
    /// Example: `kiln quota ada@example.com --storage 10GB --monthly-transfer 50GiB`.
    Quota {
        /// The account's email.
        email: String,
        /// Bytes of uploads and outputs it may keep: a number of bytes or
        /// a size such as `10GB`, `512MiB`.
        #[arg(long, visible_alias = "storage-bytes", value_parser = crate::config_args::size)]
        storage: Option<u64>,
        /// Bytes it may upload plus download per calendar month (`50GB`).
        #[arg(long, visible_alias = "monthly-transfer-bytes", value_parser = crate::config_args::size)]
        monthly_transfer: Option<u64>,
        #[command(flatten)]
        #[allow(missing_docs)]
        store: StoreArgs,
    },
    /// Upload files, directories (-r) and globs, several at once, and
    /// follow their jobs.
    Upload(crate::upload::UploadArgs),
    /// List and search your files (newest first).
    Ls {
        #[command(flatten)]
        #[allow(missing_docs)]
        filters: LsFilters,
        /// Every page, not just the first.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Delete files (with their jobs and outputs).
    Rm {
        /// File ids.
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Rename a file; also set its tags or description.
    Mv {
        /// File id.
        id: String,
        /// New name.
        name: Option<String>,
        /// Tags, comma-separated (replacing the old ones; "" for none).
        #[arg(long)]
        tags: Option<String>,
        /// Description ("" removes it).
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Albums: create, ls, show, add, remove, rename, delete.
    Album {
        #[command(subcommand)]
        #[allow(missing_docs)]
        action: AlbumAction,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Share links (no account needed to open them): create, ls, revoke.
    Share {
        #[command(subcommand)]
        #[allow(missing_docs)]
        action: ShareAction,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// A signed URL that downloads one file without credentials.
    Link {
        /// File id (an upload or an output).
        id: String,
        /// Seconds it works [server default: 3600].
        #[arg(long)]
        expires: Option<u64>,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Download a file by id, or what a share link or signed link opens.
    Download {
        /// File id, share link (`…/s/TOKEN`) or signed link (`…/d/ID?…`).
        what: String,
        /// Where to save (a file, or a directory for a share link).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Print a job's state, attempts and outputs (`--json`: the server's
    /// document).
    Status {
        /// Job id.
        job_id: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Give a dead job of yours another attempt (a fresh retry budget).
    Retry {
        /// Job id.
        job_id: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        remote: RemoteArgs,
    },
    /// Sign in, and keep an API key for the server.
    ///
    /// Asks for the password (no echo; `--password-stdin` for scripts) and
    /// stores an API key for the server in your config directory (0600), so
    /// later commands need no --token. Example: `kiln login --server https://kiln.example --email ada@example.com`.
    Login(crate::login::LoginArgs),
    /// Revoke the key `kiln login` stored for the server, and forget it.
    Logout(crate::login::ServerArgs),
    /// Who you are signed in as on the server.
    Whoami {
        #[command(flatten)]
        #[allow(missing_docs)]
        args: crate::login::ServerArgs,
        /// A token or API key to ask about instead of the stored one.
        #[arg(long, env = "KILN_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Print a shell completion script.
    ///
    /// Example: `kiln completions bash >
    /// ~/.local/share/bash-completion/completions/kiln` (also zsh, fish,
    /// elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The name a serving process's spans are exported under; `None` for
    /// the commands that do not serve (they export none).
    pub fn service(&self) -> Option<String> {
        match self {
            Command::Serve { .. } => Some("kiln-serve".into()),
            Command::Gateway { .. } => Some("kiln-gateway".into()),
            Command::Worker { role, .. } => Some(format!("kiln-worker-{role}")),
            _ => None,
        }
    }
}
