//! Kiln's wire contracts.
//!
//! Everything that crosses a process boundary (a broker message, an event, an
//! API document) is defined here as plain serde types, so every producer and
//! consumer agrees on one shape. This crate does no I/O by design: adapters
//! and services depend on it, never the other way round.

pub mod api;
mod job;
pub mod jobs;
mod kind;
mod names;
mod priority;
mod status;

pub use job::{DecodeError, JobEvent, JobMessage};
pub use jobs::{
    AudioFormat, ConvertParams, ImageFormat, InvalidParams, Job, JobKind, JobSpec, MAX_EDGE,
    MP3_BITRATES, MetadataParams, NOTIFY_PARAM, NotifyBy, NotifyParams, Registered, Role,
    ThumbnailParams, is_audio_or_video, notify_of,
};
pub use names::Names;
pub use priority::Priority;
pub use status::JobStatus;

/// Version of the message schema this build writes.
///
/// Readers accept any version: new fields are additive and unknown fields are
/// ignored, so a newer gateway can feed an older worker during a rolling
/// deploy. A breaking change would bump this and add a new routing key.
pub const SCHEMA_VERSION: u32 = 1;
