//! Citizen participation: processes ("démarches") of a space, with phases and components
//! (idea boxes, participatory maps; the votes component adds votes and budgets), contributions
//! with photos, supports, threaded comments, the space's official answers, following by mail
//! or daily digest, moderation, and open data.

pub mod demo;
pub mod error;
pub mod model;
mod policy;
pub mod store;
mod web;

pub use web::{send_digests, visible_process};

use kernel::Component;
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
            kernel::indexer!(crate::PROCESS, None, store),
            kernel::indexer!(
                crate::CONTRIBUTION,
                Some(store::contributions::MAP_LAYER),
                store::contributions
            ),
        ],
        locales: Some(LOCALES),
        space_section: kernel::hook!(web::space_section, 2),
        workplace: kernel::hook!(web::workplace, 2),
        account_section: kernel::hook!(web::account_section, 2),
        datasets: kernel::hook!(web::datasets),
        task: kernel::hook!(web::digest_task),
        demo: kernel::hook!(demo::seed),
        files: &[
            "SELECT image FROM processes",
            "SELECT name FROM contribution_photos",
        ],
        ..Component::empty("participation")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables.
pub const MIGRATIONS: &[Migration] = kernel::migrations!(
    "participation",
    "0001_processes",
    "0002_contributions",
    "0003_contribution_addresses",
    "0004_process_drafts"
);

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
