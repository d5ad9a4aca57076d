//! The library routes: `GET /v1/files` (list and search), `PATCH
//! /v1/files/{id}`, signed links, albums, shares and their public pages.

pub mod albums;
pub mod details;
pub mod links;
pub mod list;
pub mod patch;
pub mod public;
mod share_page;
pub mod shares;
mod validate;
pub(crate) mod views;
