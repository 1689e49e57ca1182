//! The ecosystem directory: actors (companies, innovation structures, tiers-lieux, actors of
//! participation) on a live map, proposed by anyone confirmed and published by a moderator,
//! edited by their owners through moderated revisions, and published as open data.
//!
//! Landed: actors, their taxonomy, proposal and moderation (with likely duplicates), owners'
//! revisions with a field-by-field diff, the directory with facets (a per-node index) and text
//! search, pages per theme and territory, the embed, actor pages, the map layer, open data, the
//! CSV import, the JSON API, demo actors, yearly reminders to verify, offers (pages, search,
//! open data), co-owners invited by address, moderators' trust, logos and social links.

pub mod actor;
mod api;
mod columns;
pub mod demo;
pub mod error;
mod facets;
pub mod import;
pub mod model;
pub mod offers;
mod opening_hours;
pub mod owners;
mod policy;
pub mod store;
pub mod terms;
mod web;

pub use web::send_reminders;

use kernel::Component;
use kernel::changes::Indexer;
use kernel::db::Migration;

/// The kind of entity `actor` in the change feed, shared by its writes and its indexer.
pub const ACTOR: kernel::db::Entity = kernel::db::Entity::new("actor");

/// The kind of entity `directory_term` in the change feed, shared by its writes and its indexer.
pub const DIRECTORY_TERM: kernel::db::Entity = kernel::db::Entity::new("directory_term");

/// The kind of entity `offer` in the change feed, shared by its writes and its indexer.
pub const OFFER: kernel::db::Entity = kernel::db::Entity::new("offer");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "directory",
        routes: web::routes().merge(api::routes()),
        openapi: Some(<api::DirectoryApi as utoipa::OpenApi>::openapi()),
        migrations: MIGRATIONS,
        indexers: vec![
            kernel::indexer!(crate::ACTOR, Some(store::MAP_LAYER), store),
            // No document nor point: the applier's count of term changes keys each node's
            // taxonomy (`terms::current`).
            Indexer {
                kind: crate::DIRECTORY_TERM,
                layer: None,
                load_all: |_| Box::pin(async { Ok(Vec::new()) }),
                load_one: |_, _| Box::pin(async { Ok(None) }),
            },
            kernel::indexer!(crate::OFFER, None, offers),
        ],
        locales: Some(LOCALES),
        workplace: kernel::hook!(web::workplace, 2),
        datasets: kernel::hook!(web::datasets),
        demo: kernel::hook!(demo::seed),
        links: &[("directory.title", "/directory")],
        task: kernel::hook!(web::reminder_task),
        files: &[
            "SELECT logo FROM actors",
            "SELECT data FROM actor_revisions",
        ],
        ..Component::empty("directory")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables.
pub const MIGRATIONS: &[Migration] =
    kernel::migrations!("directory", "0001_actors", "0002_offers_owners_logos");

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
