//! The web app: its pages in a real browser (`browser.rs`), and the API
//! it added, over plain HTTP (`session.rs`, `jobs.rs`).

#![allow(clippy::unwrap_used)]

mod browser;
mod jobs;
mod session;
