//! Uploaded files, behind one interface ([`FileStore`]): the data directory, the database or
//! S3-compatible object storage, as the `files` setting says; each file named by the hash of
//! its content. Images are decoded and re-encoded, which drops their metadata (EXIF, and with it
//! any GPS position).
//!
//! A file is checked whole (type, size, dimensions) before anything is written, and written only
//! once the form it came with is accepted. A form shown again (refused, or a step before the
//! last) keeps the files it already holds through [`Keeper`]: a reference signed for one
//! account (or one browser) and one form, valid a day, never the bare stored name.

use crate::error::{Error, FieldError};
use crate::ids::sha256_hex;
use bytes::Bytes;
use futures_util::StreamExt;
use std::io::Cursor;
use std::sync::Arc;

/// Largest image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// Largest bitmap an image may decode to, in bytes (width × height × bytes per pixel), so that a
/// small file cannot expand into a huge one.
pub const MAX_DECODED_BYTES: u64 = 100 * 1024 * 1024;
/// How long a form keeps the files it holds, in seconds.
const KEPT_SECS: i64 = 86_400;

/// Largest attachment accepted, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Most attachments of one item (a report, a challenge, an answer).
pub const MAX_ATTACHMENTS: usize = 6;
/// Largest body of a form with attachments: every file at its largest, and the form's text.
pub const ATTACHED_FORM_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 4 * 1024 * 1024;

/// The body limit of a route whose form carries attachments (the platform's default is
/// smaller).
pub fn attached_form_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(ATTACHED_FORM_LIMIT)
}

mod files;
pub use files::*;
mod storage;
pub use storage::*;
mod store;
pub use store::*;
#[cfg(test)]
mod tests;
