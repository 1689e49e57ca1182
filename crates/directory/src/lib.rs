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
pub mod api;
pub mod demo;
pub mod facets;
pub mod import;
pub mod model;
pub mod offers;
pub mod opening_hours;
pub mod owners;
pub mod policy;
pub mod store;
pub mod terms;
pub mod web;

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
            Indexer {
                kind: crate::ACTOR,
                layer: Some(store::MAP_LAYER),
                load_all: |db| Box::pin(store::index_entries(db)),
                load_one: |db, id| Box::pin(store::index_entry(db, id)),
            },
            // No document nor point: the applier's count of term changes keys each node's
            // taxonomy (`terms::current`).
            Indexer {
                kind: crate::DIRECTORY_TERM,
                layer: None,
                load_all: |_| Box::pin(async { Ok(Vec::new()) }),
                load_one: |_, _| Box::pin(async { Ok(None) }),
            },
            Indexer {
                kind: crate::OFFER,
                layer: None,
                load_all: |db| Box::pin(offers::index_entries(db)),
                load_one: |db, id| Box::pin(offers::index_entry(db, id)),
            },
        ],
        locales: Some((LOCALE_FR, LOCALE_EN)),
        datasets: Some(|state| Box::pin(web::datasets(state))),
        demo: Some(|db| Box::pin(demo::seed(db))),
        links: &[("directory.title", "/directory")],
        task: Some(|state| Box::pin(web::reminder_task(state))),
        files: &[
            "SELECT logo FROM actors",
            "SELECT data FROM actor_revisions",
        ],
        ..Component::empty("directory")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "directory/0001_actors",
        sql: r#"
CREATE TABLE actors (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    siret TEXT NOT NULL,
    rna TEXT NOT NULL,
    short_description TEXT NOT NULL,
    description TEXT NOT NULL,
    website TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    commune TEXT NOT NULL,
    departement TEXT NOT NULL,
    region TEXT NOT NULL,
    lat %REAL% NOT NULL,
    lon %REAL% NOT NULL,
    themes TEXT NOT NULL,
    activities TEXT NOT NULL,
    publics TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    source TEXT NOT NULL,
    trusted BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    verified_at BIGINT NOT NULL,
    reminded_at BIGINT,
    CONSTRAINT actors_slug_key UNIQUE (slug)
);
CREATE INDEX actors_state_name ON actors (state, name_key);
CREATE INDEX actors_state_id ON actors (state, id);
CREATE INDEX actors_siret ON actors (siret);
CREATE INDEX actors_name_key ON actors (name_key);
CREATE TABLE actor_terms (
    actor_id TEXT NOT NULL REFERENCES actors(id),
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (vocabulary, code, actor_id)
);
CREATE INDEX actor_terms_actor ON actor_terms (actor_id);
CREATE TABLE actor_owners (
    actor_id TEXT NOT NULL REFERENCES actors(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (actor_id, user_id)
);
CREATE TABLE actor_revisions (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL REFERENCES actors(id),
    base_revision BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
CREATE INDEX actor_revisions_state ON actor_revisions (state, created_at);
"#,
    },
    Migration {
        id: "directory/0002_offers_owners_logos",
        sql: r#"
DROP TABLE actor_terms;
ALTER TABLE actors ADD COLUMN social TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN logo TEXT NOT NULL DEFAULT '';
CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL REFERENCES actors(id),
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    themes TEXT NOT NULL,
    description TEXT NOT NULL,
    sizes TEXT NOT NULL,
    refs TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX offers_actor ON offers (actor_id, title);
CREATE TABLE directory_terms (
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_en TEXT NOT NULL,
    retired BIGINT NOT NULL,
    position BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (vocabulary, code)
);
CREATE INDEX offers_state_id ON offers (state, id);
CREATE TABLE actor_invitations (
    actor_id TEXT NOT NULL REFERENCES actors(id),
    email TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor_id, email)
);
"#,
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALE_FR, super::LOCALE_EN).unwrap();
    }
}
