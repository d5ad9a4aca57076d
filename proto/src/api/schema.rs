//! OpenAPI schemas of the wire names that a derive cannot describe: job
//! kinds and history actions are strings that carry unknown values verbatim
//! (`from = "String"`), so a derived schema would show a Rust enum with a
//! catch-all variant. What clients see is a string from a known list.

use super::HistoryAction;
use crate::{JobKind, Role};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// A string schema listing `known`, with a description.
fn known_strings<'a>(known: impl Iterator<Item = &'a str>, description: &str) -> RefOr<Schema> {
    let known: Vec<String> = known.map(str::to_owned).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(known.clone()))
        .examples(known.into_iter().take(1))
        .description(Some(description))
        .into()
}

impl PartialSchema for JobKind {
    fn schema() -> RefOr<Schema> {
        known_strings(
            JobKind::KNOWN.iter().map(JobKind::as_str),
            "What a job does. A newer release may add kinds.",
        )
    }
}

impl ToSchema for JobKind {}

impl PartialSchema for Role {
    fn schema() -> RefOr<Schema> {
        known_strings(
            Role::ALL.iter().map(|r| r.as_str()),
            "A worker role: the queue of one job kind.",
        )
    }
}

impl ToSchema for Role {}

impl PartialSchema for HistoryAction {
    fn schema() -> RefOr<Schema> {
        known_strings(
            HistoryAction::KNOWN.iter().map(HistoryAction::as_str),
            "What a history entry records. A newer release may add actions.",
        )
    }
}

impl ToSchema for HistoryAction {}
