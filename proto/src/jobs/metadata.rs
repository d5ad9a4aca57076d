//! The `metadata` job: format, dimensions and EXIF of images; container,
//! duration, codecs and tags of audio and video.

use super::{InvalidParams, JobSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Parameters of a metadata job: none yet; what is extracted depends on
/// the file's type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataParams {}

impl JobSpec for MetadataParams {
    const NAME: &'static str = "metadata";
    const TIME_LIMIT: Duration = Duration::from_secs(300);
    const NOUN: &'static str = "metadata";

    fn validate(&self) -> Result<(), InvalidParams> {
        Ok(())
    }
}
