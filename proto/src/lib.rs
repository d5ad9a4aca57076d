//! Kiln's wire contracts.
//!
//! Everything that crosses a process boundary (a broker message, an event, an
//! API document) is defined here as plain serde types, so every producer and
//! consumer agrees on one shape. This crate does no I/O by design: adapters
//! and services depend on it, never the other way round.

pub mod api;
mod convert;
mod job;
mod kind;
mod names;
mod notify;
mod status;

pub use convert::{AudioFormat, ConvertParams, MP3_BITRATES, is_audio_or_video};
pub use job::{DecodeError, ImageFormat, JobEvent, JobMessage, ThumbnailParams};
pub use kind::{JobKind, Role};
pub use names::Names;
pub use notify::{NOTIFY_PARAM, NotifyParams};
pub use status::JobStatus;

/// Version of the message schema this build writes.
///
/// Readers accept any version: new fields are additive and unknown fields are
/// ignored, so a newer gateway can feed an older worker during a rolling
/// deploy. A breaking change would bump this and add a new routing key.
pub const SCHEMA_VERSION: u32 = 1;
