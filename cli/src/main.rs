//! `kiln`: one binary for every Kiln deployable and its client.

use anyhow::Context;
use clap::{Parser, Subcommand};
use kiln::config_args::{ConfigArgs, StoreArgs};
use kiln::library_args::{AlbumAction, LsFilters, RemoteArgs, ShareAction};
use kiln::{Workers, library_client as lib};
use kiln_proto::api::FileUpdate;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "kiln", version, about = "Kiln: an event-driven media pipeline")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of its largest variant (`ls` and its
// filters) costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Gateway and every worker in one process, on embedded backends.
    Serve {
        /// Listen address [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Data directory [default: ./kiln-data].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(flatten)]
        cfg: ConfigArgs,
    },
    /// The HTTP gateway and outbox relay alone (store and broker from the
    /// configuration: KILN_STORE=mongodb, KILN_BROKER=rabbitmq, ...).
    Gateway {
        /// Listen address [default: from config, 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[command(flatten)]
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
        cfg: ConfigArgs,
    },
    /// Print the effective configuration (defaults, file, environment) as
    /// TOML, secrets as `***`; fail on an invalid one.
    Config {
        #[command(flatten)]
        cfg: ConfigArgs,
    },
    /// Operators' tools, on the store and broker directly (`kiln admin jobs
    /// list`, `kiln admin jobs retry --all`, `kiln admin grant EMAIL`,
    /// `kiln admin dead-letters ROLE`).
    Admin {
        /// What to work on.
        #[command(subcommand)]
        what: kiln::admin_jobs::AdminWhat,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Back up the embedded data directory into DIR (empty or new), while
    /// `kiln serve` runs (MongoDB: see docs/operations.md).
    Backup {
        /// Where the backup goes.
        dir: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Restore a backup made by `kiln backup` into the data directory,
    /// which must be empty or new (stop `kiln serve` first).
    Restore {
        /// The backup.
        dir: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set (or, without values, clear) one account's quota overrides.
    /// Example: `kiln quota ada@example.com --storage 10GB --monthly-transfer 50GiB`.
    Quota {
        /// The account's email.
        email: String,
        /// Bytes of uploads and outputs it may keep: a number of bytes or
        /// a size such as `10GB`, `512MiB`.
        #[arg(long, visible_alias = "storage-bytes", value_parser = kiln::config_args::size)]
        storage: Option<u64>,
        /// Bytes it may upload plus download per calendar month (`50GB`).
        #[arg(long, visible_alias = "monthly-transfer-bytes", value_parser = kiln::config_args::size)]
        monthly_transfer: Option<u64>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Upload files, directories (-r) and globs, several at once, and
    /// follow their jobs.
    Upload(kiln::upload::UploadArgs),
    /// List and search your files (newest first).
    Ls {
        #[command(flatten)]
        filters: LsFilters,
        /// Every page, not just the first.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete files (with their jobs and outputs).
    Rm {
        /// File ids.
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
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
        remote: RemoteArgs,
    },
    /// Albums: create, ls, show, add, remove, rename, delete.
    Album {
        #[command(subcommand)]
        action: AlbumAction,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Share links (no account needed to open them): create, ls, revoke.
    Share {
        #[command(subcommand)]
        action: ShareAction,
        #[command(flatten)]
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
        remote: RemoteArgs,
    },
    /// Print a job's state, attempts and outputs (`--json`: the server's
    /// document).
    Status {
        /// Job id.
        job_id: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Give a dead job of yours another attempt (a fresh retry budget).
    Retry {
        /// Job id.
        job_id: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Sign in: asks for the password (no echo) and stores an API key for
    /// the server in your config directory (0600), so later commands need
    /// no --token. Example: `kiln login --server https://kiln.example --email ada@example.com`.
    Login(kiln::login::LoginArgs),
    /// Revoke the key `kiln login` stored for the server, and forget it.
    Logout(kiln::login::ServerArgs),
    /// Who you are signed in as on the server.
    Whoami {
        #[command(flatten)]
        args: kiln::login::ServerArgs,
        /// A token or API key to ask about instead of the stored one.
        #[arg(long, env = "KILN_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Print a shell completion script: `kiln completions bash >
    /// ~/.local/share/bash-completion/completions/kiln` (also zsh, fish,
    /// elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    kiln::telemetry::init_service(cli.command.service().as_deref());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            return kiln::exit::report(
                &anyhow::Error::new(e).context("starting the async runtime"),
            );
        }
    };
    let result = runtime.block_on(run(cli));
    // Work on blocking threads was told to stop and checks between steps;
    // one stuck inside a single step must not keep the process alive past
    // its shutdown grace (dropping the runtime would wait for it).
    runtime.shutdown_timeout(Duration::from_secs(1));
    kiln::telemetry::shutdown();
    result.unwrap_or_else(|e| kiln::exit::report(&e))
}

impl Command {
    /// The name a serving process's spans are exported under; `None` for
    /// the commands that do not serve (they export none).
    fn service(&self) -> Option<String> {
        match self {
            Command::Serve { .. } => Some("kiln-serve".into()),
            Command::Gateway { .. } => Some("kiln-gateway".into()),
            Command::Worker { role, .. } => Some(format!("kiln-worker-{role}")),
            _ => None,
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config { cfg } => print!(
            "{}",
            cfg.load().to_toml().context("printing the configuration")?
        ),
        Command::Serve {
            listen,
            data_dir,
            cfg,
        } => {
            let mut config = cfg.load();
            config.listen = listen.unwrap_or(config.listen);
            config.data_dir = data_dir.unwrap_or(config.data_dir);
            let app = kiln::start(&config, Workers::Background).await?;
            kiln::telemetry::announce(&format!(
                "kiln listening on http://{} (data in {})",
                app.addr,
                config.data_dir.display()
            ));
            shutdown_signal().await;
            kiln::telemetry::announce("shutting down: finishing jobs in flight");
            app.shutdown().await;
        }
        Command::Gateway { listen, cfg } => {
            let mut config = cfg.load();
            config.listen = listen.unwrap_or(config.listen);
            let backends = kiln::Opened::open(&config, kiln::Scope::Service)
                .await?
                .backends;
            let shutdown = CancellationToken::new();
            let (addr, tasks) = kiln::services::spawn_gateway(
                &config,
                &backends,
                kiln::auth_config::GatewayMode::Replica,
                shutdown.clone(),
            )
            .await?;
            kiln::telemetry::announce(&format!("kiln gateway listening on http://{addr}"));
            shutdown_signal().await;
            kiln::telemetry::announce("shutting down: finishing open requests");
            shutdown.cancel();
            for t in tasks {
                let _ = t.await;
            }
            backends.broker.close().await;
        }
        Command::Worker {
            role,
            concurrency,
            health_listen,
            cfg,
        } => {
            let config = cfg.load();
            let concurrency = concurrency.unwrap_or_else(|| config.concurrency(role));
            let backends = kiln::Opened::open(&config, kiln::Scope::Service)
                .await?
                .backends;
            let shutdown = CancellationToken::new();
            let worker = kiln::services::build_worker(&config, &backends, role, concurrency)?;
            let (probe, probes) = kiln::services::spawn_probes(
                health_listen.unwrap_or(config.health_listen),
                &backends,
                config.gateway.min_free_bytes,
                worker.clone(),
                shutdown.clone(),
            )
            .await?;
            let run = tokio::spawn(worker.run(shutdown.clone()));
            kiln::telemetry::announce(&format!(
                "kiln worker {role} (concurrency {concurrency}) probes on http://{probe}"
            ));
            shutdown_signal().await;
            kiln::telemetry::announce("shutting down: finishing jobs in flight");
            shutdown.cancel();
            let _ = run.await;
            backends.broker.close().await;
            let _ = probes.await;
        }
        Command::Upload(args) => return kiln::upload::run(&args).await,
        Command::Admin { what, store } => kiln::admin_ops::run(&store.load(), what).await?,
        Command::Backup { dir, store } => kiln::admin::backup(&store.load(), &dir)?,
        Command::Restore { dir, store } => kiln::admin::restore(&store.load(), &dir)?,
        Command::Quota {
            email,
            storage,
            monthly_transfer,
            store,
        } => {
            let quota = kiln_adapters::QuotaOverride {
                storage_bytes: storage,
                monthly_transfer_bytes: monthly_transfer,
            };
            kiln::admin::set_quota(&store.load(), &email, quota).await?
        }
        Command::Ls {
            filters,
            all,
            remote,
        } => lib::ls(&remote.remote(), filters.query(), all, remote.json).await?,
        Command::Rm { ids, remote } => lib::rm(&remote.remote(), &ids, remote.json).await?,
        Command::Mv {
            id,
            name,
            tags,
            description,
            remote,
        } => {
            let change = FileUpdate {
                filename: name,
                tags: tags.map(|t| {
                    t.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect()
                }),
                description: description.map(|d| Some(d).filter(|d| !d.is_empty())),
            };
            lib::update(&remote.remote(), &id, change, remote.json).await?
        }
        Command::Album { action, remote } => {
            lib::album(&remote.remote(), action, remote.json).await?
        }
        Command::Share { action, remote } => {
            lib::share(&remote.remote(), action, remote.json).await?
        }
        Command::Link {
            id,
            expires,
            remote,
        } => lib::link(&remote.remote(), &id, expires, remote.json).await?,
        Command::Download {
            what,
            output,
            force,
            remote,
        } => kiln::download::download(&remote.remote(), &what, output, force, remote.json).await?,
        Command::Status { job_id, remote } => {
            kiln::jobs_cmd::status(&remote.remote(), &job_id, remote.json).await?
        }
        Command::Retry { job_id, remote } => {
            kiln::jobs_cmd::retry(&remote.remote(), &job_id, remote.json).await?
        }
        Command::Login(args) => kiln::login::login(&args).await?,
        Command::Logout(args) => kiln::login::logout(&args).await?,
        Command::Whoami { args, token } => kiln::login::whoami(&args, token).await?,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "kiln", &mut std::io::stdout());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
