//! The territory referential: model, import, storage, search documents and pages.

pub mod import;
pub mod model;
pub mod store;

pub use model::{
    POPULATION_BANDS, Territory, TerritoryKind, TerritoryRef, population_band, zone_bounds,
};

/// The kind of entity `territory` in the change feed, shared by its writes and its indexer.
pub const TERRITORY: crate::db::Entity = crate::db::Entity::new("territory");
