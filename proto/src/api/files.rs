//! `GET /v1/files/{id}/metadata`. (`GET /v1/files/{id}` answers the bytes
//! themselves and `DELETE` answers `204`: neither has a JSON body.)

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the metadata worker extracted, as it stored it: an object that is
/// open-ended by design (EXIF fields and media tags vary by file).
///
/// Images: `format`, `width`, `height`, `display_width`/`display_height`
/// (when an EXIF orientation rotates them), `exif`. Audio and video:
/// `container`, `duration_secs`, `bit_rate`, `tags`, and `tracks` (`kind`,
/// `codec`, `default`, audio `sample_rate`/`channels`/`bits_per_sample`,
/// video `width`/`height`/`frame_rate`). Both: `content_type`, `bytes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct FileMetadata(pub serde_json::Value);
