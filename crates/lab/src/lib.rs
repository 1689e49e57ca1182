//! Open-innovation challenges (appels à solutions): a space publishes a need with weighted
//! criteria and evaluators; members of directory actors answer before the deadline, privately;
//! evaluators grade; the space ranks, shortlists, selects and publishes the outcome. Actors
//! whose offers match the challenge's themes (and area, where set) are suggested and can be
//! told.

pub mod demo;
pub mod model;
pub mod policy;
pub mod store;
pub mod web;

use kernel::Component;
use kernel::changes::Indexer;
use kernel::db::Migration;

/// The kind of entity `challenge` in the change feed, shared by its writes and its indexer.
pub const CHALLENGE: kernel::db::Entity = kernel::db::Entity::new("challenge");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "lab",
        routes: web::routes(),
        migrations: MIGRATIONS,
        indexers: vec![Indexer {
            kind: crate::CHALLENGE,
            layer: None,
            load_all: |db| Box::pin(store::index_entries(db)),
            load_one: |db, id| Box::pin(store::index_entry(db, id)),
        }],
        locales: Some((LOCALE_FR, LOCALE_EN)),
        space_section: Some(|state, of| Box::pin(web::space_section(state, of))),
        demo: Some(|db| Box::pin(demo::seed(db))),
        files: &[
            "SELECT attachments FROM challenges",
            "SELECT attachments FROM challenge_answers",
        ],
        ..Component::empty("lab")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "lab/0001_challenges",
        sql: r#"
CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    need TEXT NOT NULL,
    context TEXT NOT NULL,
    themes TEXT NOT NULL,
    expected TEXT NOT NULL,
    budget TEXT NOT NULL,
    deadline BIGINT NOT NULL,
    criteria TEXT NOT NULL,
    evaluators TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT challenges_slug_key UNIQUE (space_id, slug)
);
CREATE TABLE challenge_answers (
    id TEXT PRIMARY KEY,
    challenge_id TEXT NOT NULL REFERENCES challenges(id),
    actor_id TEXT NOT NULL REFERENCES actors(id),
    state TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    refs TEXT NOT NULL,
    price TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT challenge_answers_actor_key UNIQUE (challenge_id, actor_id)
);
CREATE TABLE challenge_grades (
    answer_id TEXT NOT NULL REFERENCES challenge_answers(id),
    evaluator_id TEXT NOT NULL REFERENCES users(id),
    criterion BIGINT NOT NULL,
    grade BIGINT NOT NULL,
    comment TEXT NOT NULL,
    graded_at BIGINT NOT NULL,
    PRIMARY KEY (answer_id, evaluator_id, criterion)
);
"#,
    },
    Migration {
        id: "lab/0002_area_attachments",
        // The area where solutions are wanted (`kind/code`, or empty), and the attachments of
        // challenges and answers (a JSON list).
        sql: r#"
ALTER TABLE challenges ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE challenges ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE challenge_answers ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
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
