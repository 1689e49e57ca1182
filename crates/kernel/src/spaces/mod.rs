//! Spaces: the participation spaces of territories, with their admins and branding.

pub mod model;
pub mod store;
pub mod web;

pub use model::{AccentColor, Slug, Space, SpaceInput};
