//! Kiln's wire contracts.
//!
//! Everything that crosses a process boundary (a broker message, an event, an
//! API document) is defined here as plain serde types, so every producer and
//! consumer agrees on one shape. This crate does no I/O by design: adapters
//! and services depend on it, never the other way round.

mod job;
mod kind;
mod status;

pub use job::{DecodeError, ImageFormat, JobEvent, JobMessage, ThumbnailParams};
pub use kind::{JobKind, Role};
pub use status::JobStatus;

/// Version of the message schema this build writes.
///
/// Readers accept any version: new fields are additive and unknown fields are
/// ignored, so a newer gateway can feed an older worker during a rolling
/// deploy. A breaking change would bump this and add a new routing key.
pub const SCHEMA_VERSION: u32 = 1;

/// Name of the exchange (RabbitMQ) or topic prefix (Kafka) for jobs.
pub const JOBS_EXCHANGE: &str = "kiln.jobs";

/// Name of the exchange / topic carrying job status events.
pub const EVENTS_EXCHANGE: &str = "kiln.events";
