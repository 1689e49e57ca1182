//! The library of experience reports (recueil d'initiatives): territories tell what they did
//! (context, approach, key success factors, points of vigilance, tips, budget, results), anyone
//! confirmed submits an experience, moderators publish it, its author updates it through
//! moderated revisions, and readers find experiences by theme, tool, territory type, population
//! band and région, by text, and by likeness.

mod demo;
mod error;
pub mod model;
mod policy;
mod store;
mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `experience` in the change feed, shared by its writes and its indexer.
pub const EXPERIENCE: kernel::db::Entity = kernel::db::Entity::new("experience");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "library",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![kernel::indexer!(crate::EXPERIENCE, None, store)],
        locales: Some(LOCALES),
        workplace: kernel::hook!(web::workplace, 2),
        demo: kernel::hook!(demo::seed),
        links: &[("library.title", "/library")],
        files: &[
            "SELECT data FROM experiences",
            "SELECT data FROM experience_revisions",
        ],
        ..Component::empty("library")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables.
// The ids keep the component's former name, `knowledge/…`: the ids existing databases hold.
pub const MIGRATIONS: &[Migration] = kernel::migrations!("knowledge", "0001_experiences");

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }

    #[test]
    fn the_migration_ids_are_the_ones_existing_databases_hold() {
        let ids: Vec<&str> = super::MIGRATIONS.iter().map(|m| m.id).collect();
        assert_eq!(ids, ["knowledge/0001_experiences"]);
    }
}
