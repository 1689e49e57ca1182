//! The ecosystem directory: actors, offers, innovation structures and tiers-lieux,
//! self-registration, moderation and open data.
//!
//! What has landed: the domain types of actors (`model`, `opening_hours`), each built only by
//! parsing. Pages, tables and indexed documents come next (see the directory issue).

pub mod model;
pub mod opening_hours;

use kernel::Component;

/// The component's manifest.
pub fn component() -> Component {
    Component::empty("directory")
}
