//! Territoires en commun, the network of the actors of democratic engineering: directory actors
//! of the participation kinds join it (an owner asks, accepting the member charter; a network
//! moderator accepts or refuses), and are shown on a map and a list with the methods they
//! practise and the départements they serve, and published as open data. The methods are a
//! managed vocabulary (a table seeded by the migration). Members' owners propose resources
//! (guides, templates, tools, with a licence and PDF attachments) for their member; a network
//! moderator publishes or rejects them, and their authors' later revisions; published resources
//! are listed, filtered by kind and method, searched through the site's search and published as
//! open data. A commune's space administrator asks the network for support (methods, a
//! département, dates, a budget band); the matching members' owners are told and answer
//! privately; the requester picks an answer; the requests are published anonymised.

mod demo;
pub mod error;
pub mod model;
mod policy;
pub mod store;
mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `network_member` in the change feed, shared by its writes (and by its
/// indexer, once members are searched).
pub const MEMBER: kernel::db::Entity = kernel::db::Entity::new("network_member");

/// The kind of entity `network_resource` in the change feed, shared by its writes and its
/// indexer (and the kind of its search documents).
pub const RESOURCE: kernel::db::Entity = kernel::db::Entity::new("network_resource");

/// The kind of entity `network_request` in the change feed: a request for support and its
/// answers, shared by their writes.
pub const REQUEST: kernel::db::Entity = kernel::db::Entity::new("network_request");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "network",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![kernel::indexer!(crate::RESOURCE, None, store::resources)],
        locales: Some(LOCALES),
        workplace: kernel::hook!(web::workplace, 2),
        demo: kernel::hook!(demo::seed),
        datasets: kernel::hook!(web::datasets),
        links: &[("network.title", "/commun")],
        files: &[
            "SELECT data FROM network_resources",
            "SELECT data FROM network_resource_revisions",
        ],
        ..Component::empty("network")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables: the methods vocabulary (seeded), the members and the resources, and
/// their revisions (the shape of `kernel::review`; members do not revise their entry yet); the
/// requests for support and their answers.
pub const MIGRATIONS: &[Migration] = kernel::migrations!(
    "network",
    "0001_network",
    "0002_resources",
    "0003_support_requests"
);

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
