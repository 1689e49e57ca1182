//! Spaces: the participation spaces of territories, with their admins and branding.

pub mod model;
pub mod store;
pub mod web;

pub use model::{AccentColor, Slug, Space, SpaceInput};

/// The kind of entity `space` in the change feed, shared by its writes and its indexer.
pub const SPACE: crate::db::Entity = crate::db::Entity::new("space");

/// The `data-area` attribute of the maps that belong to no space (the directory's, the
/// network's): the instance's area, else empty (the map then shows France).
pub async fn instance_map_area(db: &crate::db::Db) -> Result<String, crate::Error> {
    Ok(crate::geo::area_attribute(
        store::instance_area(db).await?.as_ref(),
    ))
}

/// The `data-area` attribute of a space's maps, the area they open on when nothing else frames
/// them: the space's area, else the instance's, else empty (the map then shows France).
pub async fn map_area(db: &crate::db::Db, space_id: &str) -> Result<String, crate::Error> {
    let area = match store::area(db, space_id).await? {
        Some(a) => Some(a),
        None => store::instance_area(db).await?,
    };
    Ok(crate::geo::area_attribute(area.as_ref()))
}
