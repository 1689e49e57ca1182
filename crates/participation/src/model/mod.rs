//! Processes: domain types.

use kernel::geo::Position;
use kernel::spaces::Slug;
use kernel::{FieldError, FieldErrors, clock, text};
use time::Date;

mod process;
pub use process::*;
mod component;
pub use component::*;
mod contribution;
pub use contribution::*;
#[cfg(test)]
mod tests;
