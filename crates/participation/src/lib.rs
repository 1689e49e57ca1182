//! Citizen participation: processes ("démarches") of a space. A process holds the components
//! citizens take part through; today the votes and budgets of the votes component. Phases, idea
//! boxes, participatory maps, comments and supports arrive with the participation issue.

pub mod model;
pub mod store;
pub mod web;

use kernel::Component;
use kernel::changes::Indexer;
use kernel::db::Migration;

pub use model::{Process, ProcessFields};

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "participation",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![Indexer {
            kind: "process",
            layer: None,
            load_all: |db| Box::pin(store::index_entries(db)),
            load_one: |db, id| Box::pin(store::index_entry(db, id)),
        }],
        locales: Some((LOCALE_FR, LOCALE_EN)),
        space_section: Some(|state, of| Box::pin(web::space_section(state, of))),
        ..Component::empty("participation")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables.
pub const MIGRATIONS: &[Migration] = &[Migration {
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
}];

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALE_FR, super::LOCALE_EN).unwrap();
    }
}
