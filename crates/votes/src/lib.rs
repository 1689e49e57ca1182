//! Citizen votes (votations) and participatory budgets of a process: eligibility (accounts, a
//! census list, invitation codes), secret ballots with receipts, and results counted with the
//! `decide` algorithms (majority judgment, greedy, Method of Equal Shares).

mod api;
pub mod ballot;
mod count;
mod demo;
pub mod error;
pub mod model;
mod policy;
pub mod store;
mod svg;
pub mod testing;
mod web;
mod writer;

pub use web::parse_census;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `votation` in the change feed, shared by its writes and its indexer.
pub const VOTATION: kernel::db::Entity = kernel::db::Entity::new("votation");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "votes",
        routes: web::routes().merge(api::routes()),
        openapi: Some(<api::VotesApi as utoipa::OpenApi>::openapi()),
        migrations: MIGRATIONS,
        locales: Some(LOCALES),
        process_section: kernel::hook!(web::process_section, 2),
        workplace: kernel::hook!(web::workplace, 2),
        demo: kernel::hook!(demo::seed),
        datasets: kernel::hook!(web::datasets),
        task: kernel::hook!(web::count_task),
        files: &["SELECT image FROM vote_options WHERE image IS NOT NULL"],
        ..Component::empty("votes")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables. The roll, the ballot box and the receipts are keyed by values that
/// carry no order (see [`store`]); `0004_vote_results` holds each closed vote's results, counted
/// once.
pub const MIGRATIONS: &[Migration] = kernel::migrations!(
    "votes",
    "0001_votations",
    "0002_option_details",
    "0003_vote_drafts",
    "0004_vote_results"
);

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
