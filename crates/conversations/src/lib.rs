//! Conversations of a process, as in Polis: people answer a question with short statements and
//! vote agree, disagree or pass on the statements of others, one at a time; the opinion map
//! (`decide::polis`) groups people who vote alike and shows what each group thinks and what all
//! share.

mod act;
mod api;
mod demo;
pub mod error;
mod map;
pub mod model;
mod policy;
pub mod store;
mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `conversation` in the change feed, shared by its writes and its indexer.
pub const CONVERSATION: kernel::db::Entity = kernel::db::Entity::new("conversation");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "conversations",
        routes: web::routes().merge(api::routes()),
        openapi: Some(<api::ConversationsApi as utoipa::OpenApi>::openapi()),
        migrations: MIGRATIONS,
        indexers: vec![kernel::indexer!(CONVERSATION, None, store)],
        locales: Some(LOCALES),
        process_section: kernel::hook!(web::process_section, 2),
        network_section: kernel::hook!(web::network_section, 2),
        workplace: kernel::hook!(web::workplace, 2),
        demo: kernel::hook!(demo::seed),
        datasets: kernel::hook!(web::datasets),
        ..Component::empty("conversations")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables. Votes and participants are stored in the order of their keys.
pub const MIGRATIONS: &[Migration] = kernel::migrations!(
    "conversations",
    "0001_conversations",
    "0002_network_conversations"
);

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
