//! Reports: SQL, by concern: a space's setup, the API's requests, citizens' reports, the
//! agents' desk and the map layer.

use crate::error::StoreError;
use crate::model::*;
use crate::open311::{Attribute, Submission};
use kernel::db::{Db, Op};
use kernel::ids::{hash_secret, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

mod setup;
pub use setup::*;
mod requests;
pub use requests::*;
mod desk;
pub use desk::*;
mod citizen;
pub use citizen::*;
mod map;
pub use map::*;

/// A value as the JSON text of a column.
fn json(v: &(impl serde::Serialize + ?Sized)) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}
