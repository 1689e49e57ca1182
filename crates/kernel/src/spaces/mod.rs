//! Spaces: the participation spaces of territories, with their admins and branding.

pub mod model;
pub mod store;
pub mod web;

pub use model::{AccentColor, Slug, Space, SpaceInput};

/// The kind of entity `space` in the change feed, shared by its writes and its indexer.
pub const SPACE: crate::db::Entity = crate::db::Entity::new("space");
