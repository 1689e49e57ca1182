//! The reports' map says something: cards with a title, a category, a status and a photo; a
//! legend in words; the map follows the list's filters.

use super::{montauban, send};
use crate::common::TestApp;
use crate::on_every_engine;

const VIEW: &str = "/s/montauban/reports/map.json?west=1.2&south=43.9&east=1.5&north=44.1&zoom=20";

/// How many published reports of Montauban a condition keeps.
async fn published(app: &TestApp, condition: &str) -> u64 {
    use sqlx::Row;
    let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM reports r JOIN report_categories c ON c.id = r.category_id \
         WHERE r.published_at IS NOT NULL AND {condition}"
    )))
    .fetch_one(app.state.db().pool())
    .await
    .unwrap()
    .get(0);
    n as u64
}

async fn items(app: &TestApp, path: &str) -> Vec<serde_json::Value> {
    let answer = app.get_json(path).await;
    answer["items"].as_array().expect("items").clone()
}

/// The single points of an answer (not its clusters).
fn cards(items: &[serde_json::Value]) -> impl Iterator<Item = &serde_json::Value> {
    items.iter().filter(|i| i["count"].is_null())
}

fn total(items: &[serde_json::Value]) -> u64 {
    items.iter().map(|i| i["count"].as_u64().unwrap_or(1)).sum()
}

on_every_engine!(
    the_reports_map_shows_cards_and_follows_the_lists_filters,
    |app: TestApp| Box::pin(async move {
        montauban(&app).await;
        // Every report is counted; each single one is a card: title, link, category, status.
        // The unfiltered map reads the node's map index, which follows the writes a moment
        // later: it counts them all once it has caught up.
        let mut all = items(&app, VIEW).await;
        for _ in 0..250 {
            if total(&all) == 60 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            all = items(&app, VIEW).await;
        }
        assert_eq!(total(&all), 60);
        assert!(cards(&all).count() > 10);
        for card in cards(&all) {
            assert!(!card["title"].as_str().unwrap().is_empty());
            assert!(
                card["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("/s/montauban/reports/")
            );
            assert!(card["category"].as_str().unwrap().contains('-'));
            assert!(
                ["new", "acknowledged", "in_progress", "resolved"]
                    .contains(&card["status"].as_str().unwrap()),
                "{card}"
            );
        }
        // The category filter of the list: only that category's reports, all of them.
        let roads = items(&app, &format!("{VIEW}&category=VOIRIE-01")).await;
        let expected = published(&app, "c.code = 'VOIRIE-01'").await;
        assert!(expected > 0 && expected < 60);
        assert_eq!(total(&roads), expected);
        assert!(cards(&roads).count() > 0);
        assert!(cards(&roads).all(|c| c["category"] == "VOIRIE-01"));
        // The status filter, and both at once.
        let resolved = items(&app, &format!("{VIEW}&status=resolved")).await;
        assert_eq!(
            total(&resolved),
            published(&app, "r.status = 'resolved'").await
        );
        assert!(cards(&resolved).count() > 0);
        assert!(cards(&resolved).all(|c| c["status"] == "resolved"));
        let both = items(&app, &format!("{VIEW}&category=VOIRIE-01&status=resolved")).await;
        assert_eq!(
            total(&both),
            published(&app, "c.code = 'VOIRIE-01' AND r.status = 'resolved'").await
        );
        // Filtered and seen from afar: clusters of the kept reports only.
        let far = items(
            &app,
            "/s/montauban/reports/map.json?west=1.2&south=43.9&east=1.5&north=44.1&zoom=11&category=VOIRIE-01",
        )
        .await;
        assert_eq!(total(&far), expected);
        assert!(
            far.iter()
                .any(|i| i["count"].as_u64().is_some_and(|c| c > 1))
        );
        assert_eq!(app.get(&format!("{VIEW}&status=perdu")).await.status(), 400);
        // An unknown category keeps nothing, as in the list.
        assert!(
            items(&app, &format!("{VIEW}&category=INCONNU"))
                .await
                .is_empty()
        );

        // The list page: its map asks with the list's filters, a legend names every colour and
        // fill in words, and the list's items are the map's.
        let (status, page) = app
            .get_text("/s/montauban/reports?category=VOIRIE-01&status=resolved")
            .await;
        assert_eq!(status, 200);
        assert!(
            page.contains(
                r#"data-source="/s/montauban/reports/map.json?category=VOIRIE-01&#38;status=resolved""#
            ),
            "{page}"
        );
        assert!(page.contains(r#"data-legend="map-legend""#));
        assert!(page.contains("Légende de la carte"));
        assert!(page.contains(r#"data-legend-category="VOIRIE-01""#));
        assert!(page.contains(r#"data-legend-status="resolved" data-closed"#));
        assert!(page.contains(r#"data-legend-status="new">"#));
        assert!(page.contains(r##"href="#report-list""##));
        assert_eq!(page.matches("data-map-point=").count() as u64, total(&both));

        // A report's photo is its card's thumbnail.
        let (status, _) = send(
            &app,
            &[
                ("category", "VOIRIE-01"),
                ("lat", "44.0450"),
                ("lon", "1.4100"),
                ("description", "Trou <i>devant</i> la poste"),
                ("attribute[TAILLE]", "grand"),
                ("email", "lea@exemple.fr"),
            ],
            Some(crate::pages::png(64, 48)),
        )
        .await;
        assert_eq!(status, 422, "markup is refused, never stored");
        let (status, page) = send(
            &app,
            &[
                ("category", "VOIRIE-01"),
                ("lat", "44.0450"),
                ("lon", "1.4100"),
                ("description", "Trou devant la poste"),
                ("attribute[TAILLE]", "grand"),
                ("email", "lea@exemple.fr"),
            ],
            Some(crate::pages::png(64, 48)),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let link = app.link_in_last_mail_to("lea@exemple.fr").await;
        assert_eq!(app.get(&link).await.status(), 303);
        let mine = items(
            &app,
            "/s/montauban/reports/map.json?west=1.40&south=44.04&east=1.42&north=44.05&zoom=20&status=new",
        )
        .await;
        let card = mine
            .iter()
            .find(|c| c["title"] == "Trou devant la poste")
            .expect("the new report is on the map of new reports");
        assert!(card["photo"].as_str().unwrap().starts_with("/uploads/"));
        assert_eq!(app.get(card["photo"].as_str().unwrap()).await.status(), 200);
    })
);
