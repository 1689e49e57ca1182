//! Issue reporting (signalements) routed to service teams, and the Open311 GeoReport v2 API.
//! Today: categories routed to teams, reports, their history, client applications with keys,
//! and the Open311 API; the citizens' and agents' pages come next.

pub mod demo;
pub mod model;
pub mod open311;
pub mod policy;
pub mod store;
pub mod web;

use kernel::Component;
use kernel::db::Migration;

/// The kind of entity `report` in the change feed, shared by its writes and its indexer.
pub const REPORT: kernel::db::Entity = kernel::db::Entity::new("report");

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "reports",
        routes: web::routes(),
        indexers: vec![kernel::changes::Indexer {
            kind: crate::REPORT,
            layer: Some(web::MAP_LAYER),
            load_all: |db| Box::pin(store::map_entries(db)),
            load_one: |db, id| Box::pin(store::map_entry_of(db, id)),
        }],
        locales: Some((LOCALE_FR, LOCALE_EN)),
        space_section: Some(|state, of| Box::pin(web::space_section(state, of))),
        migrations: MIGRATIONS,
        demo: Some(|db| Box::pin(demo::seed(db))),
        datasets: Some(|state| Box::pin(web::datasets(state))),
        files: &["SELECT name FROM report_photos"],
        ..Component::empty("reports")
    }
}

const LOCALE_FR: &str = include_str!("../locales/fr.toml");
const LOCALE_EN: &str = include_str!("../locales/en.toml");

/// The component's tables. Contact details stay in `reports` and are never published.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "reports/0001_reports",
        sql: r#"
CREATE TABLE report_teams (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE report_categories (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    grp TEXT NOT NULL,
    keywords TEXT NOT NULL,
    description TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES report_teams(id),
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT report_categories_code_key UNIQUE (space_id, code)
);
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    category_id TEXT NOT NULL REFERENCES report_categories(id),
    status TEXT NOT NULL,
    status_notes TEXT NOT NULL,
    description TEXT NOT NULL,
    lat %REAL% NOT NULL,
    lon %REAL% NOT NULL,
    address TEXT NOT NULL,
    attributes TEXT NOT NULL,
    reporter_id TEXT,
    reporter_email TEXT,
    reporter_name TEXT NOT NULL,
    client_id TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reports_space_created ON reports (space_id, created_at);
CREATE TABLE report_events (
    id %SERIAL%,
    report_id TEXT NOT NULL REFERENCES reports(id),
    at BIGINT NOT NULL,
    status TEXT NOT NULL,
    public_note TEXT NOT NULL,
    internal_note TEXT NOT NULL,
    by_user TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, at);
CREATE TABLE report_clients (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE report_submissions (
    client_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);
"#,
    },
    Migration {
        id: "reports/0002_citizens",
        sql: r#"
CREATE TABLE report_photos (
    report_id TEXT NOT NULL REFERENCES reports(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE TABLE report_links (
    token_hash TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE report_followers (
    report_id TEXT NOT NULL REFERENCES reports(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    supports BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, user_id)
);
CREATE TABLE report_team_members (
    team_id TEXT NOT NULL REFERENCES report_teams(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX reports_category_created ON reports (category_id, created_at);
"#,
    },
    Migration {
        id: "reports/0003_handling",
        sql: r#"
ALTER TABLE reports ADD COLUMN assigned_to TEXT REFERENCES users(id);
ALTER TABLE reports ADD COLUMN duplicate_of TEXT REFERENCES reports(id);
CREATE INDEX reports_duplicate_of ON reports (duplicate_of);
"#,
    },
    Migration {
        id: "reports/0004_areas",
        sql: r#"
CREATE TABLE report_areas (
    space_id TEXT PRIMARY KEY REFERENCES spaces(id),
    west %REAL% NOT NULL,
    south %REAL% NOT NULL,
    east %REAL% NOT NULL,
    north %REAL% NOT NULL
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
