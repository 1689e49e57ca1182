//! Citizen votes (votations) and participatory budgets of a process: eligibility (accounts, a
//! census list, invitation codes), secret ballots with receipts, and results counted with the
//! `decide` algorithms (majority judgment, greedy, Method of Equal Shares).

pub mod api;
pub mod ballot;
pub mod count;
pub mod demo;
pub mod model;
pub mod policy;
pub mod store;
pub mod svg;
pub mod testing;
pub mod web;
pub mod writer;

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
        locales: Some((LOCALE_FR, LOCALE_EN)),
        process_section: Some(|state, of| Box::pin(web::process_section(state, of))),
        demo: Some(|db| Box::pin(demo::seed(db))),
        datasets: Some(|state| Box::pin(web::datasets(state))),
        files: &["SELECT image FROM vote_options WHERE image IS NOT NULL"],
        ..Component::empty("votes")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables. The roll, the ballot box and the receipts are keyed by values that
/// carry no order (see [`store`]).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "votes/0001_votations",
        sql: r#"
CREATE TABLE votations (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    closed_at BIGINT,
    eligibility TEXT NOT NULL,
    min_age BIGINT,
    salt TEXT NOT NULL,
    budget BIGINT,
    basket_max BIGINT,
    rule TEXT,
    by_cost BIGINT,
    created_at BIGINT NOT NULL,
    sealed_at BIGINT
);
CREATE INDEX votations_process ON votations (process_id, opens_at);
CREATE TABLE vote_questions (
    id TEXT PRIMARY KEY,
    votation_id TEXT NOT NULL REFERENCES votations(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    method TEXT NOT NULL,
    min_choices BIGINT,
    max_choices BIGINT,
    grades TEXT NOT NULL
);
CREATE INDEX vote_questions_votation ON vote_questions (votation_id, position);
CREATE TABLE vote_options (
    id TEXT PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES vote_questions(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    cost BIGINT NOT NULL,
    area TEXT NOT NULL
);
CREATE INDEX vote_options_question ON vote_options (question_id, position);
CREATE TABLE vote_census (
    votation_id TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    PRIMARY KEY (votation_id, entry_hash)
)%KEYED%;
CREATE TABLE vote_codes (
    votation_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (votation_id, code_hash)
)%KEYED%;
CREATE TABLE vote_roll (
    votation_id TEXT NOT NULL,
    voter_key TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (votation_id, voter_key)
)%KEYED%;
CREATE TABLE vote_ballots (
    votation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (votation_id, id)
)%KEYED%;
CREATE TABLE vote_trackers (
    votation_id TEXT NOT NULL,
    tracker TEXT NOT NULL,
    PRIMARY KEY (votation_id, tracker)
)%KEYED%;
"#,
    },
    Migration {
        id: "votes/0002_option_details",
        sql: r#"
ALTER TABLE vote_options ADD COLUMN image TEXT;
ALTER TABLE vote_options ADD COLUMN lat %REAL%;
ALTER TABLE vote_options ADD COLUMN lon %REAL%;
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
