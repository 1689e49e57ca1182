//! The contributions' maps say something: cards with title, category and answer, a legend in
//! words, the list's filters followed, and the process page's map of its contributions.

use super::{category, propose, setup};
use crate::common::TestApp;
use crate::on_every_engine;

const VIEW: &str = "map.json?west=-3.6&south=48.6&east=-3.3&north=48.8&zoom=18";

async fn cards(app: &TestApp, component: &str, filters: &str) -> Vec<serde_json::Value> {
    let answer = app.get_json(&format!("{component}/{VIEW}{filters}")).await;
    answer["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["count"].is_null())
        .cloned()
        .collect()
}

on_every_engine!(
    the_contributions_maps_show_cards_follow_the_filters_and_the_process_page_maps_them,
    |app: TestApp| Box::pin(async move {
        let (process, component) = setup(&app, &[]).await;
        let idea = category(&app, &component, "Idée").await;
        let danger = category(&app, &component, "Danger").await;
        let a = app.other_client();
        a.register_and_login("anne@test.fr", "Anne Le Bras").await;
        let benches = propose(
            &a,
            &component,
            &idea,
            ("Des bancs le long du Léguer", "Il n'y a aucun banc."),
            ("48.7351", "-3.4601"),
            "0123456789abcdef0123456789abcdef",
        )
        .await;
        propose(
            &a,
            &component,
            &danger,
            ("Un carrefour dangereux", "Les voitures passent vite."),
            ("48.7300", "-3.4700"),
            "1123456789abcdef0123456789abcdef",
        )
        .await;

        // Filtered by category: that category's card only, with its title, link and answer.
        let only = cards(&app, &component, &format!("&category={idea}")).await;
        assert_eq!(only.len(), 1, "{only:?}");
        assert_eq!(only[0]["title"], "Des bancs le long du Léguer");
        assert_eq!(only[0]["category"], idea.as_str());
        assert_eq!(only[0]["status"], "none");
        assert_eq!(only[0]["url"], benches.as_str());
        // Filtered by answer: none has one yet.
        assert_eq!(cards(&app, &component, "&answer=none").await.len(), 2);
        assert!(cards(&app, &component, "&answer=accepted").await.is_empty());
        assert_eq!(
            app.get(&format!("{component}/{VIEW}&answer=perdu"))
                .await
                .status(),
            400
        );
        // Unfiltered, from the geo index, once it has them.
        let mut seen = Vec::new();
        for _ in 0..100 {
            seen = cards(&app, &component, "").await;
            if seen.len() == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(
            seen.iter()
                .all(|c| !c["title"].as_str().unwrap().is_empty())
        );

        // The list page: its map asks with the list's filters; the legend names the categories
        // (in their colours) and the answers in words; the list's items are the map's.
        let (status, page) = app
            .get_text(&format!("{component}?category={idea}&answer=none"))
            .await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!(
                r#"data-source="{component}/map.json?category={idea}&#38;answer=none""#
            )),
            "{page}"
        );
        assert!(page.contains("Légende de la carte"));
        assert!(page.contains(r##"data-colour="#1f6feb""##));
        assert!(page.contains(r#"data-legend-status="rejected" data-closed"#));
        assert_eq!(page.matches("data-map-point=").count(), 1);

        // The process page maps the process's contributions, with a legend and their list.
        let (_, page) = app.get_text(&process).await;
        assert!(page.contains("Carte des contributions"), "{page}");
        assert!(page.contains(r#"data-legend="process-map-legend""#));
        assert_eq!(page.matches("data-map-point=").count(), 2);
        assert!(page.contains(&format!(
            r#"<a href="{benches}">Des bancs le long du Léguer</a>"#
        )));
        assert!(page.contains("Les 2 contributions de la carte, en liste"));
    })
);
