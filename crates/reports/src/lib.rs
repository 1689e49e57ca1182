//! Issue reporting (signalements) routed to service teams, and the Open311 GeoReport v2 API.
//! Today: categories routed to teams, reports, their history, client applications with keys,
//! and the Open311 API; the citizens' and agents' pages come next.

pub mod demo;
pub mod error;
pub mod model;
mod open311;
mod policy;
pub mod store;
mod web;

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
        locales: Some(LOCALES),
        space_section: kernel::hook!(web::space_section, 2),
        workplace: kernel::hook!(web::workplace, 2),
        account_section: kernel::hook!(web::account_section, 2),
        migrations: MIGRATIONS,
        demo: kernel::hook!(demo::seed),
        datasets: kernel::hook!(web::datasets),
        files: &["SELECT name FROM report_photos"],
        ..Component::empty("reports")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables. Contact details stay in `reports` and are never published.
pub const MIGRATIONS: &[Migration] = kernel::migrations!(
    "reports",
    "0001_reports",
    "0002_citizens",
    "0003_handling",
    "0004_areas",
    "0005_urgent"
);

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
