//! The directory through the pages: a confirmed citizen proposes a fablab (every bad field
//! named, nothing saved); a moderator sees its likely duplicate and publishes it; it is in the
//! list with its facets, in the search, on the map and in the open data; its owner's edit
//! waits as a field-by-field diff until approved; an edit from a stale form is refused.

use crate::common::{TestApp, assert_refused_naming, redirected_to};
use crate::on_every_engine;

fn fablab<'a>(name: &'a str, siret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("kind", "fablab"),
        ("siret", siret),
        (
            "short_description",
            "Un atelier de fabrication numérique ouvert à tous.",
        ),
        (
            "description",
            "Imprimantes 3D, découpe laser, **ateliers** le samedi.",
        ),
        ("website", "fablab-tregor.example.fr"),
        ("phone", "02 96 00 00 00"),
        ("address", "1 rue de la Poste"),
        ("postcode", "22300"),
        ("commune", "22113"),
        ("lat", "48.7326"),
        ("lon", "-3.4566"),
        ("themes", "education"),
        ("themes", "data_iot"),
        ("activities", "training"),
        ("publics", "citizens"),
        ("opening_hours", "Mo-Fr 09:00-18:00; Sa 10:00-12:00"),
        ("base", "0"),
    ]
}

mod api;
mod owners;
mod taxonomy;

on_every_engine!(
    a_fablab_is_proposed_moderated_found_and_edited_through_a_reviewed_revision,
    |app: TestApp| Box::pin(async move {
        let moderator = app.other_client();
        moderator.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne Le Bras")
            .await;
        // Bad input: every problem named, nothing saved.
        let long = "x".repeat(281);
        let mut bad = fablab("Fablab du Trégor", "73282932000075");
        for (k, v) in bad.iter_mut() {
            match *k {
                "opening_hours" => *v = "lundi matin",
                "lat" => *v = "148",
                "themes" => *v = "teleportation",
                "short_description" => *v = long.as_str(),
                _ => {}
            }
        }
        let r = anne.post_form("/directory/propose", &bad).await;
        assert_refused_naming(
            r,
            &[
                "Ce SIRET n&#39;existe pas",
                "au plus 280 caractères",
                "comme dans OpenStreetMap",
                "La latitude est comprise",
                "n&#39;existe pas dans la liste",
            ],
        )
        .await;
        assert_eq!(app.count("actors").await, 0);
        // A good one: pending, seen by its owner only.
        let good = fablab("Fablab du Trégor", "73282932000074");
        let url = redirected_to(anne.post_form("/directory/propose", &good).await).await;
        let (status, page) = anne.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("attend la relecture"));
        let (status, _) = app.other_client().get_text(&url).await;
        assert_eq!(status, 404);
        // A second proposal with the same SIRET is flagged as a likely duplicate.
        let bruno = app.other_client();
        bruno.register_and_login("bruno@test.fr", "Bruno").await;
        let r = bruno
            .post_form(
                "/directory/propose",
                &fablab("FabLab Trégor (Lannion)", "73282932000074"),
            )
            .await;
        assert_eq!(r.status(), 303);
        let (status, _) = anne.get_text("/directory/moderation").await;
        assert_eq!(status, 403);
        let (_, queue) = moderator.get_text("/directory/moderation").await;
        assert!(queue.contains("Doublons possibles"), "{queue}");
        let id = |name: &str| {
            let db = app.state.db().clone();
            let name = name.to_string();
            async move {
                sqlx::query_scalar::<_, String>("SELECT id FROM actors WHERE name = $1")
                    .bind(name)
                    .fetch_one(db.pool())
                    .await
                    .unwrap()
            }
        };
        let first = id("Fablab du Trégor").await;
        let second = id("FabLab Trégor (Lannion)").await;
        let r = moderator
            .post_form(
                &format!("/directory/moderation/actors/{second}"),
                &[("decision", "reject")],
            )
            .await;
        assert_eq!(r.status(), 422, "a rejection needs a reason");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("href=\"#reason\"") && page.contains("id=\"reason\""),
            "the error leads to the item's field"
        );
        let r = moderator
            .post_form(
                &format!("/directory/moderation/actors/{second}"),
                &[
                    ("decision", "reject"),
                    ("reason", "Doublon de la fiche existante"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = moderator
            .post_form(
                &format!("/directory/moderation/actors/{first}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let mail = app.next_mail_to("anne@test.fr").await;
        let mail = if mail.subject.contains("publiée") {
            mail
        } else {
            app.next_mail_to("anne@test.fr").await
        };
        assert!(
            mail.subject.contains("Votre fiche est publiée"),
            "{}",
            mail.subject
        );
        let refused = loop {
            let m = app.next_mail_to("bruno@test.fr").await;
            if m.subject.contains("retenue") {
                break m;
            }
        };
        assert!(refused.body.contains("Doublon de la fiche existante"));
        // Published: in the list with its facets, in the search, on the map, in the data.
        let (_, list) = app.get_text("/directory?theme=education&kind=fablab").await;
        assert!(
            list.contains("Fablab du Trégor") && list.contains("1 acteur"),
            "{list}"
        );
        assert!(list.contains("Bretagne"), "the région facet is named");
        // The pages of a theme and of a région, and the embeddable map for partners' sites.
        let (status, theme) = app.get_text("/directory/themes/education").await;
        assert_eq!(status, 200);
        assert!(theme.contains("<h1>Éducation</h1>") && theme.contains("Fablab du Trégor"));
        let (status, region) = app.get_text("/directory/territories/region/53").await;
        assert_eq!(status, 200);
        assert!(region.contains("<h1>Bretagne</h1>") && region.contains("Fablab du Trégor"));
        assert_eq!(app.get_text("/directory/themes/fire").await.0, 404);
        assert_eq!(
            app.get_text("/directory/territories/commune/22113").await.0,
            404
        );
        let r = app.get("/embed/directory?kind=fablab").await;
        assert_eq!(r.status(), 200);
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("frame-ancestors *"), "{csp}");
        let embed = r.text().await.unwrap();
        assert!(embed.contains("target=\"_top\"") && embed.contains("Fablab du Trégor"));
        assert!(!embed.contains("site-header"), "no navigation chrome");
        let (_, none) = app.get_text("/directory?theme=water").await;
        assert!(none.contains("0 acteur"));
        let (status, _) = app.get_text("/directory?theme=teleportation").await;
        assert_eq!(status, 400);
        let mut found = false;
        for _ in 0..100 {
            let (_, s) = app.get_text("/directory?q=fabrication+numerique").await;
            let (_, m) = app
                .get_text("/directory/map.json?west=-3.6&south=48.6&east=-3.3&north=48.8&zoom=14")
                .await;
            if s.contains("Fablab du Trégor") && m.contains(&first) {
                found = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(found, "searchable (accents folded) and on the map");
        // A point's link leads to the actor's page.
        let (_, m) = app
            .get_text("/directory/map.json?west=-3.6&south=48.6&east=-3.3&north=48.8&zoom=14")
            .await;
        let link = m
            .split("\"url\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a point with its link")
            .to_string();
        let (status, page) = app.get_text(&link).await;
        assert_eq!(status, 200, "{link}");
        assert!(page.contains("Fablab du Trégor"));
        // The live map follows the directory's filters.
        let view = "/directory/map.json?west=-3.6&south=48.6&east=-3.3&north=48.8&zoom=14";
        let (_, m) = app
            .get_text(&format!("{view}&theme=education&kind=fablab"))
            .await;
        assert!(m.contains(&first), "{m}");
        let (_, m) = app.get_text(&format!("{view}&theme=water")).await;
        assert!(!m.contains(&first), "{m}");
        let (_, m) = app.get_text(&format!("{view}&q=fabrication")).await;
        assert!(m.contains(&first), "{m}");
        assert_eq!(app.get_text(&format!("{view}&theme=fire")).await.0, 400);
        let (_, list) = app.get_text("/directory?theme=education").await;
        assert!(list.contains("data-source=\"/directory/map.json?theme=education\""));
        let (_, csv) = app.get_text("/data/actors.csv").await;
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(
            csv.contains("Fablab du Trégor,fablab,73282932000074"),
            "{csv}"
        );
        assert!(!csv.contains("anne@test.fr"), "no personal data of owners");
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        assert_eq!(header, app.schema_fields("/data/actors.schema.json").await);
        let geo = app.get_json("/data/actors.geojson").await;
        assert_eq!(geo["features"].as_array().unwrap().len(), 1);
        let (_, catalog) = app.get_text("/data/catalog.jsonld").await;
        assert!(catalog.contains("/data/actors.csv"));
        csv_matches_json(&app).await;

        // A year without verification: marked to be checked, its owner reminded once.
        sqlx::query("UPDATE actors SET verified_at = $1")
            .bind(kernel::ids::now_ms() - 400 * 86_400_000)
            .execute(app.state.db().pool())
            .await
            .unwrap();
        assert_eq!(directory::send_reminders(&app.state).await.unwrap(), 1);
        let reminder = app.next_mail_to("anne@test.fr").await;
        assert!(
            reminder.subject.contains("est-elle à jour"),
            "{}",
            reminder.subject
        );
        assert_eq!(
            directory::send_reminders(&app.state).await.unwrap(),
            0,
            "once"
        );
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("À vérifier"));
        let r = bruno.post_form(&format!("{url}/verify"), &[]).await;
        assert_eq!(r.status(), 403);
        let r = anne.post_form(&format!("{url}/verify"), &[]).await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        assert!(!page.contains("À vérifier"));

        // The owner edits: the change waits as a diff; only the owner may edit.
        let (status, _) = bruno.get_text(&format!("{url}/edit")).await;
        assert_eq!(status, 403);
        let mut changed = fablab("Fablab du Trégor", "73282932000074");
        for (k, v) in changed.iter_mut() {
            match *k {
                "short_description" => *v = "Un atelier ouvert, désormais aussi le dimanche.",
                "base" => *v = "1",
                _ => {}
            }
        }
        let r = anne.post_form(&format!("{url}/edit"), &changed).await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains("Un atelier de fabrication numérique"),
            "not yet published"
        );
        let (_, queue) = moderator.get_text("/directory/moderation").await;
        assert!(
            queue.contains("<del>Un atelier de fabrication numérique ouvert à tous.</del>"),
            "{queue}"
        );
        assert!(queue.contains("<ins>Un atelier ouvert, désormais aussi le dimanche.</ins>"));
        // A second edit from the same stale form is refused, not silently merged.
        let r = anne.post_form(&format!("{url}/edit"), &changed).await;
        assert_eq!(
            r.status(),
            303,
            "the actor has not changed yet: a second revision waits"
        );
        let revisions: Vec<String> =
            sqlx::query_scalar("SELECT id FROM actor_revisions ORDER BY created_at")
                .fetch_all(app.state.db().pool())
                .await
                .unwrap();
        assert_eq!(revisions.len(), 2);
        let r = moderator
            .post_form(
                &format!("/directory/moderation/revisions/{}", revisions[0]),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("désormais aussi le dimanche"));
        let r = moderator
            .post_form(
                &format!("/directory/moderation/revisions/{}", revisions[1]),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("modifiée entre-temps"));
        let r = anne.post_form(&format!("{url}/edit"), &changed).await;
        assert_eq!(
            r.status(),
            422,
            "a form opened before the approval is stale"
        );
        assert!(r.text().await.unwrap().contains("modifiée entre-temps"));
    })
);

/// The CSV export (written by the database) says what the JSON export (written by the
/// application) says, value for value: quoting, lists, dates and rounded positions.
async fn csv_matches_json(app: &TestApp) {
    let (_, csv) = app.get_text("/data/actors.csv").await;
    let records = kernel::opendata::csv_records(&csv);
    let header = &records[0].1;
    let items: Vec<serde_json::Value> = app.get("/data/actors.json").await.json().await.unwrap();
    assert_eq!(records.len() - 1, items.len());
    for ((_, record), item) in records[1..].iter().zip(&items) {
        for (name, value) in header.iter().zip(record) {
            let expected = match &item[name.as_str()] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(if name == "social" { " " } else { ";" }),
                other => panic!("{name}: {other}"),
            };
            if name == "lat" || name == "long" {
                let (a, b): (f64, f64) = (value.parse().unwrap(), expected.parse().unwrap());
                assert!((a - b).abs() < 1e-9, "{name}: {value} ≠ {expected}");
            } else {
                assert_eq!(value, &expected, "{name}");
            }
        }
    }
}
