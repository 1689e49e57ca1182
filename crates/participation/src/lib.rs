//! Citizen participation: processes ("démarches") of a space, with phases and components
//! (idea boxes, participatory maps; the votes component adds votes and budgets), contributions
//! with photos, supports, threaded comments, the space's official answers, following by mail
//! or daily digest, moderation, and open data.

pub mod demo;
pub mod model;
pub mod policy;
pub mod store;
pub mod web;

use kernel::Component;
use kernel::changes::Indexer;
use kernel::db::Migration;

pub use model::{Process, ProcessFields};

/// The kind of entity `process` in the change feed, shared by its writes and its indexer.
pub const PROCESS: kernel::db::Entity = kernel::db::Entity::new("process");

/// The kind of entity `contribution` in the change feed, shared by its writes and its indexer.
pub const CONTRIBUTION: kernel::db::Entity = kernel::db::Entity::new("contribution");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "participation",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![
            Indexer {
                kind: crate::PROCESS,
                layer: None,
                load_all: |db| Box::pin(store::index_entries(db)),
                load_one: |db, id| Box::pin(store::index_entry(db, id)),
            },
            Indexer {
                kind: crate::CONTRIBUTION,
                layer: Some(store::contributions::MAP_LAYER),
                load_all: |db| Box::pin(store::contributions::index_entries(db)),
                load_one: |db, id| Box::pin(store::contributions::index_entry(db, id)),
            },
        ],
        locales: Some((LOCALE_FR, LOCALE_EN)),
        space_section: Some(|state, of| Box::pin(web::space_section(state, of))),
        datasets: Some(|state| Box::pin(web::datasets(state))),
        task: Some(|state| Box::pin(web::digest_task(state))),
        demo: Some(|db| Box::pin(demo::seed(db))),
        files: &[
            "SELECT image FROM processes",
            "SELECT name FROM contribution_photos",
        ],
        ..Component::empty("participation")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "participation/0001_processes",
        sql: r#"
CREATE TABLE processes (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Named so that both engines report it the same way (see kernel::error::is_unique_violation).
    CONSTRAINT processes_slug_key UNIQUE (space_id, slug)
);
"#,
    },
    Migration {
        id: "participation/0002_contributions",
        sql: r#"
ALTER TABLE processes ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN themes TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN perimeter TEXT NOT NULL DEFAULT '';
CREATE TABLE process_phases (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX process_phases_process ON process_phases (process_id, starts_on);
CREATE TABLE process_components (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    phases TEXT NOT NULL,
    contributions_open BIGINT NOT NULL,
    supports_open BIGINT NOT NULL,
    supports_limit BIGINT NOT NULL,
    anonymous_allowed BIGINT NOT NULL,
    moderated_before BIGINT NOT NULL,
    flag_threshold BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX process_components_process ON process_components (process_id, created_at);
CREATE TABLE contribution_categories (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES process_components(id),
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    icon TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE contributions (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES process_components(id),
    process_id TEXT NOT NULL REFERENCES processes(id),
    space_id TEXT NOT NULL REFERENCES spaces(id),
    category_id TEXT REFERENCES contribution_categories(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    lat %REAL%,
    lon %REAL%,
    author_id TEXT NOT NULL REFERENCES users(id),
    anonymous BIGINT NOT NULL,
    state TEXT NOT NULL,
    moderation_note TEXT NOT NULL,
    supports BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    answer_state TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    answer_progress BIGINT NOT NULL,
    answered_at BIGINT,
    form_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT contributions_form_key_key UNIQUE (author_id, form_key)
);
-- One index per filter and order of the lists, so that a page and its count read index ranges.
CREATE INDEX contributions_component_created ON contributions (component_id, state, created_at);
CREATE INDEX contributions_component_supports ON contributions (component_id, state, supports, created_at);
CREATE INDEX contributions_component_category ON contributions (component_id, state, category_id, created_at);
CREATE INDEX contributions_component_category_supports ON contributions (component_id, state, category_id, supports, created_at);
CREATE INDEX contributions_component_answer ON contributions (component_id, state, answer_state, created_at);
CREATE INDEX contributions_component_answer_category ON contributions (component_id, state, answer_state, category_id);
CREATE INDEX contributions_process ON contributions (process_id, state, created_at);
CREATE TABLE contribution_photos (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (contribution_id, position)
);
CREATE TABLE contribution_supports (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    component_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Named so that both engines report a second support the same way.
    CONSTRAINT contribution_supports_user_id_key PRIMARY KEY (contribution_id, user_id)
);
CREATE INDEX contribution_supports_user ON contribution_supports (component_id, user_id);
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    root_id TEXT NOT NULL,
    parent_id TEXT REFERENCES comments(id),
    depth BIGINT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    moderation_note TEXT NOT NULL,
    up BIGINT NOT NULL,
    down BIGINT NOT NULL,
    form_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    CONSTRAINT comments_form_key_key UNIQUE (author_id, form_key)
);
CREATE INDEX comments_roots ON comments (contribution_id, depth, created_at);
CREATE INDEX comments_thread ON comments (root_id, created_at);
CREATE TABLE comment_votes (
    comment_id TEXT NOT NULL REFERENCES comments(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    value BIGINT NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
CREATE TABLE participation_follows (
    target_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    digest BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (target_id, user_id)
);
CREATE TABLE participation_digest (
    id %SERIAL%,
    user_id TEXT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX participation_digest_user ON participation_digest (user_id, id);
CREATE TABLE participation_flags (
    target_id TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    CONSTRAINT participation_flags_user_id_key PRIMARY KEY (target_id, user_id)
);
CREATE INDEX participation_flags_open ON participation_flags (space_id, resolved_at);
CREATE TABLE participation_bans (
    space_id TEXT NOT NULL REFERENCES spaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    until BIGINT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (space_id, user_id)
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
