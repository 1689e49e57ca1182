//! The library of experience reports (recueil d'initiatives): territories tell what they did
//! (context, approach, key success factors, points of vigilance, tips, budget, results), anyone
//! confirmed submits a report, moderators publish it, its author updates it through moderated
//! revisions, and readers find reports by theme, tool, territory type, population band and
//! région, by text, and by likeness.

pub mod demo;
pub mod model;
pub mod policy;
pub mod store;
pub mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `experience` in the change feed, shared by its writes and its indexer.
pub const EXPERIENCE: kernel::db::Entity = kernel::db::Entity::new("experience");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "knowledge",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![kernel::indexer!(crate::EXPERIENCE, None, store)],
        locales: Some(LOCALES),
        demo: kernel::hook!(demo::seed),
        links: &[("library.title", "/library")],
        files: &[
            "SELECT data FROM experiences",
            "SELECT data FROM experience_revisions",
        ],
        ..Component::empty("knowledge")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables.
pub const MIGRATIONS: &[Migration] = kernel::migrations!("knowledge", "0001_experiences");

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
