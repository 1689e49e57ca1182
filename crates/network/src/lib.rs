//! Territoires en commun, the network of the actors of democratic engineering: directory actors
//! of the participation kinds join it (an owner asks, accepting the member charter; a network
//! moderator accepts or refuses), and are shown on a map and a list with the methods they
//! practise and the départements they serve, and published as open data. The methods are a
//! managed vocabulary (a table seeded by the migration).

mod demo;
pub mod error;
pub mod model;
mod policy;
pub mod store;
mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `network_member` in the change feed, shared by its writes (and by its
/// indexer, once members are searched).
pub const MEMBER: kernel::db::Entity = kernel::db::Entity::new("network_member");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "network",
        routes: web::routes(),
        migrations: MIGRATIONS,
        locales: Some(LOCALES),
        demo: kernel::hook!(demo::seed),
        datasets: kernel::hook!(web::datasets),
        links: &[("network.title", "/commun")],
        ..Component::empty("network")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables: the methods vocabulary (seeded), the members, and their revisions
/// (the shape of `kernel::review`, for members' edits to come).
pub const MIGRATIONS: &[Migration] = kernel::migrations!("network", "0001_network");

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
