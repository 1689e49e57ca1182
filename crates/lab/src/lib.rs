//! Open-innovation challenges (appels à solutions): a space publishes a need with weighted
//! criteria and evaluators; members of directory actors respond before the deadline, privately;
//! evaluators grade; the space ranks, shortlists, selects and publishes the outcome. Actors
//! whose offers match the challenge's themes (and area, where set) are suggested and can be
//! told.

mod demo;
mod error;
mod model;
mod policy;
mod store;
mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `challenge` in the change feed, shared by its writes and its indexer.
pub const CHALLENGE: kernel::db::Entity = kernel::db::Entity::new("challenge");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "lab",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![kernel::indexer!(crate::CHALLENGE, None, store)],
        locales: Some(LOCALES),
        space_section: kernel::hook!(web::space_section, 2),
        workplace: kernel::hook!(web::workplace, 2),
        demo: kernel::hook!(demo::seed),
        files: &[
            "SELECT attachments FROM challenges",
            "SELECT attachments FROM challenge_answers",
        ],
        ..Component::empty("lab")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables.
/// `0002_area_attachments` adds the area where solutions are wanted (`kind/code`, or empty),
/// and the attachments of challenges and responses (a JSON list).
pub const MIGRATIONS: &[Migration] =
    kernel::migrations!("lab", "0001_challenges", "0002_area_attachments");

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
