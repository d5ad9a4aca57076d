//! Kiln's workers: the shared runtime that consumes a role's queue, and the
//! handlers that do the work.
//!
//! The runtime owns everything about delivery (decode, attempt bookkeeping,
//! ack/retry/dead-letter, panic containment, shutdown). A handler only turns a
//! job into stored outputs, or says why it cannot: [`JobError::Retry`] for a
//! failure that may pass (I/O, a server away) or [`JobError::Abort`] for one
//! that will not (corrupt input, over a limit).

mod budget;
mod error;
mod input;
mod media;
mod metadata;
mod notify;
mod raise_on_drop;
mod retry;
mod runtime;
mod thumbnail;

pub use budget::{OutputMeter, WorkBudget};
pub use error::JobError;
pub use media::{BlobReader, ConvertHandler, MediaSettings};
pub use metadata::MetadataHandler;
#[doc(hidden)] // for the fuzz target: the metadata document of image bytes
pub use metadata::extract as extract_metadata;
pub use notify::{Mailer, NotifyHandler, NotifySettings};
pub use retry::RetryPolicy;
pub use runtime::{
    AnyHandler, Handler, JobContext, Outcome, SETTLE_GRACE, STOP_WAIT, Stuck, Worker, WorkerConfig,
};
pub use thumbnail::ThumbnailHandler;
