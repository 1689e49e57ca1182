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
use kernel::changes::Indexer;
use kernel::db::Migration;

/// The kind of entity `experience` in the change feed, shared by its writes and its indexer.
pub const EXPERIENCE: kernel::db::Entity = kernel::db::Entity::new("experience");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "knowledge",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![Indexer {
            kind: crate::EXPERIENCE,
            layer: None,
            load_all: |db| Box::pin(store::index_entries(db)),
            load_one: |db, id| Box::pin(store::index_entry(db, id)),
        }],
        locales: Some((LOCALE_FR, LOCALE_EN)),
        demo: Some(|db| Box::pin(demo::seed(db))),
        links: &[("library.title", "/library")],
        files: &[
            "SELECT data FROM experiences",
            "SELECT data FROM experience_revisions",
        ],
        ..Component::empty("knowledge")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables.
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "knowledge/0001_experiences",
    sql: r#"
CREATE TABLE experiences (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    data TEXT NOT NULL,
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    territory_name TEXT NOT NULL,
    band TEXT NOT NULL,
    region TEXT NOT NULL,
    themes TEXT NOT NULL,
    tools TEXT NOT NULL,
    author TEXT NOT NULL REFERENCES users(id),
    revision BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT experiences_slug_key UNIQUE (slug)
);
CREATE INDEX experiences_state_updated ON experiences (state, updated_at);
CREATE TABLE experience_revisions (
    id TEXT PRIMARY KEY,
    experience_id TEXT NOT NULL REFERENCES experiences(id),
    base_revision BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
CREATE INDEX experience_revisions_state ON experience_revisions (state, created_at);
"#,
}];

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALE_FR, super::LOCALE_EN).unwrap();
    }
}
