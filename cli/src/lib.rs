//! The `kiln` command's library: configuration, the single-process app and
//! the HTTP client. `main.rs` only parses arguments and calls in here.

pub mod admin;
pub mod admin_jobs;
pub mod admin_ops;
pub mod app;
pub mod auth_config;
pub mod backends;
pub mod client;
pub mod commands;
pub mod config;
pub mod config_args;
pub mod download;
pub mod exit;
pub mod jobs_cmd;
pub mod library_args;
pub mod library_client;
pub mod login;
pub mod services;
pub mod telemetry;
pub mod upload;

pub use app::{App, Workers, start};
pub use backends::{Opened, Scope};
pub use config::Config;
pub use kiln_core::Backends;
