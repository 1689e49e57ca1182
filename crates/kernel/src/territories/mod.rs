//! The territory referential: model, import, storage, search documents and pages.

pub mod import;
pub mod model;
pub mod store;

pub use model::{Territory, TerritoryKind, TerritoryRef, zone_bounds};
