//! The `kiln` crate's integration tests, in one binary so the whole backend
//! stack is linked once: one module per area. `alone.rs` holds the tests
//! that need the process, and the shared servers, to themselves.

mod common;

mod accounts;
mod admin;
mod admin_api;
mod api;
mod cli_account;
mod cli_upload;
mod convert;
mod delivery;
mod distributed;
mod hardening;
mod lanes;
mod library;
mod logs;
mod media_backends;
mod metadata;
mod metrics;
mod notify;
mod openapi;
mod pipeline;
mod poison;
mod process;
mod quotas;
mod recipe;
mod replicas;
mod traces;
mod web;
