//! `kiln`: one binary for every Kiln deployable and its client.

use anyhow::Context;
use clap::Parser;
use kiln::commands::{Cli, Command};
use kiln::{Workers, library_client as lib};
use kiln_proto::api::FileUpdate;
use std::process::ExitCode;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
