//! The `metadata` job: format, dimensions and EXIF of images; container,
//! duration, codecs and tags of audio and video.

use super::{InvalidParams, JobSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Parameters of a metadata job; what is extracted depends on the file's
/// type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataParams {
    /// Record the camera body's serial number (the owner's opt-in: a serial
    /// ties every photo to one device). Absent in older messages: off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serial_number: bool,
}

impl JobSpec for MetadataParams {
    const NAME: &'static str = "metadata";
    const TIME_LIMIT: Duration = Duration::from_secs(300);
    const NOUN: &'static str = "metadata";

    fn validate(&self) -> Result<(), InvalidParams> {
        Ok(())
    }
}
