//! The directory through the pages: a confirmed citizen proposes a fablab (every bad field
//! named, nothing saved); a moderator sees its likely duplicate and publishes it; it is in the
//! list with its facets, in the search, on the map and in the open data; its owner's edit
//! waits as a field-by-field diff until approved; an edit from a stale form is refused.

use crate::common::TestApp;
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
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for text in [
            "Ce SIRET n&#39;existe pas",
            "au plus 280 caractères",
            "comme dans OpenStreetMap",
            "La latitude est comprise",
            "n&#39;existe pas dans la liste",
        ] {
            assert!(page.contains(text), "{text}: {page}");
        }
        assert_eq!(app.count("actors").await, 0);
        // A good one: pending, seen by its owner only.
        let r = anne
            .post_form(
                "/directory/propose",
                &fablab("Fablab du Trégor", "73282932000074"),
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
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
            list.contains("Fablab du Trégor") && list.contains("1 acteur(s)"),
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
        assert!(none.contains("0 acteur(s)"));
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
        let schema: serde_json::Value = app
            .get("/data/actors.schema.json")
            .await
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(header, names);
        let geo: serde_json::Value = app.get("/data/actors.geojson").await.json().await.unwrap();
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
        assert_eq!(directory::web::send_reminders(&app.state).await.unwrap(), 1);
        let reminder = app.next_mail_to("anne@test.fr").await;
        assert!(
            reminder.subject.contains("est-elle à jour"),
            "{}",
            reminder.subject
        );
        assert_eq!(
            directory::web::send_reminders(&app.state).await.unwrap(),
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

/// An API token of a signed-in client, made through the account page.
async fn token(client: &TestApp) -> String {
    let r = client
        .post_form("/account/tokens", &[("token_name", "annuaire")])
        .await;
    let page = r.text().await.unwrap();
    page.split("<code class=\"token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("a token is shown")
        .to_string()
}

on_every_engine!(
    the_api_lists_filters_proposes_and_updates_actors_with_the_same_checks,
    |app: TestApp| Box::pin(async move {
        let moderator = app.other_client();
        moderator.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let key = token(&anne).await;
        let api = reqwest::Client::new();
        let body = serde_json::json!({
            "name": "Living Lab Mobilités", "kind": "living_lab",
            "short_description": "Tester avec les habitants de nouveaux services de mobilité.",
            "commune": "35238", "lat": 48.1113, "lon": -1.68, "themes": ["mobility"],
        });
        let r = api
            .post(app.url("/api/v1/actors"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let mut bad = body.clone();
        bad["siret"] = "12345678901234".into();
        bad["themes"] = serde_json::json!(["mobility,teleportation"]);
        let r = api
            .post(app.url("/api/v1/actors"))
            .bearer_auth(&key)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let errors: serde_json::Value = r.json().await.unwrap();
        let text = errors.to_string();
        assert!(
            text.contains("siret.checksum") && text.contains("actor.unknown_term"),
            "{text}"
        );
        assert_eq!(app.count("actors").await, 0);
        let r = api
            .post(app.url("/api/v1/actors"))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let created: serde_json::Value = r.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        assert_eq!(created["state"], "pending");
        // Pending: its owner reads it, others do not, and it is not listed.
        let r = api
            .get(app.url(&format!("/api/v1/actors/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = api
            .get(app.url(&format!("/api/v1/actors/{id}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = moderator
            .post_form(
                &format!("/directory/moderation/actors/{id}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let list: serde_json::Value = api
            .get(app.url("/api/v1/actors?theme=mobility&region=53&limit=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"][0]["name"], "Living Lab Mobilités", "{list}");
        assert_eq!(list["items"][0]["departement"], "35");
        let none: serde_json::Value = api
            .get(app.url("/api/v1/actors?theme=water"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
        let r = api
            .get(app.url("/api/v1/actors?theme=teleportation"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // An update from the revision read goes to the moderators; from an older one, refused.
        let mut changed = body.clone();
        changed["short_description"] =
            "Des essais de navettes autonomes avec les habitants.".into();
        let update = serde_json::json!({"base_revision": 1, "actor": changed});
        let r = api
            .put(app.url(&format!("/api/v1/actors/{id}")))
            .bearer_auth(&key)
            .json(&update)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let out: serde_json::Value = r.json().await.unwrap();
        assert_eq!(out["published"], false);
        let stale = serde_json::json!({"base_revision": 0, "actor": changed});
        let r = api
            .put(app.url(&format!("/api/v1/actors/{id}")))
            .bearer_auth(&key)
            .json(&stale)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        let bruno = app.other_client();
        bruno.register_and_login("bruno@test.fr", "Bruno").await;
        let other = token(&bruno).await;
        let r = api
            .put(app.url(&format!("/api/v1/actors/{id}")))
            .bearer_auth(&other)
            .json(&update)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let doc: serde_json::Value = api
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["paths"]["/api/v1/actors/{id}"]["put"].is_object());
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

/// Posts a logo (or any file) to an actor's page as its owner would.
async fn post_logo(client: &TestApp, url: &str, bytes: Vec<u8>) -> reqwest::Response {
    let token = client.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "logo",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("logo.png")
            .mime_str("image/png")
            .unwrap(),
    );
    client
        .client
        .post(client.url(&format!("{url}/logo?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

on_every_engine!(
    owners_invite_a_co_owner_who_adds_offers_found_in_search_and_open_data,
    |app: TestApp| Box::pin(async move {
        let moderator = app.other_client();
        moderator.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let mut company = fablab("Lumière Intelligente", "73282932000074");
        company.push(("source", "Annuaire \"Smart city\", édition 2026"));
        for (k, v) in company.iter_mut() {
            match *k {
                "kind" => *v = "company",
                "themes" => *v = "lighting",
                _ => {}
            }
        }
        // Social links are checked like the website.
        let mut bad = company.clone();
        bad.push(("social", "https://mastodon.example/@lumiere\nnot a link"));
        let r = anne.post_form("/directory/propose", &bad).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("adresse web"));
        assert_eq!(app.count("actors").await, 0);
        // A position far from the stated commune (latitude and longitude swapped).
        let mut swapped = company.clone();
        for (k, v) in swapped.iter_mut() {
            match *k {
                "lat" => *v = "-3.4566",
                "lon" => *v = "48.7326",
                _ => {}
            }
        }
        let r = anne.post_form("/directory/propose", &swapped).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("loin de la commune"));
        assert_eq!(app.count("actors").await, 0);
        company.push(("social", "https://mastodon.example/@lumiere"));
        let r = anne.post_form("/directory/propose", &company).await;
        assert_eq!(r.status(), 303);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let id: String = sqlx::query_scalar("SELECT id FROM actors")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        // No offer before the entry is published.
        assert_eq!(anne.get_text(&format!("{url}/offers/new")).await.0, 409);
        let r = moderator
            .post_form(
                &format!("/directory/moderation/actors/{id}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("mastodon.example/@lumiere"), "{page}");

        // Anne invites Bruno, who has no account yet: the invitation waits for his address.
        let r = anne
            .post_form(&format!("{url}/owners"), &[("email", "bruno@")])
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.count("actor_invitations").await, 0);
        let r = anne
            .post_form(&format!("{url}/owners"), &[("email", "anne@test.fr")])
            .await;
        assert_eq!(r.status(), 422, "already an owner");
        let r = anne
            .post_form(&format!("{url}/owners"), &[("email", "Bruno@Test.fr")])
            .await;
        assert_eq!(r.status(), 303);
        let mail = app.next_mail_to("Bruno@test.fr").await;
        assert!(
            mail.subject.contains("Lumière Intelligente"),
            "{}",
            mail.subject
        );
        let carl = app.other_client();
        carl.register_and_login("carl@test.fr", "Carl").await;
        let (_, page) = carl.get_text(&url).await;
        assert!(!page.contains("Vous êtes invité"));
        let r = carl
            .post_form(&format!("{url}/invitation"), &[("answer", "accept")])
            .await;
        assert_eq!(r.status(), 409, "not invited");
        assert_eq!(carl.get_text(&format!("{url}/offers/new")).await.0, 403);
        let bruno = app.other_client();
        bruno.register_and_login("bruno@test.fr", "Bruno").await;
        let (_, page) = bruno.get_text(&url).await;
        assert!(page.contains("Vous êtes invité"), "{page}");
        let r = bruno
            .post_form(&format!("{url}/invitation"), &[("answer", "accept")])
            .await;
        assert_eq!(r.status(), 303);
        let r = bruno
            .post_form(&format!("{url}/invitation"), &[("answer", "accept")])
            .await;
        assert_eq!(r.status(), 409, "once");
        let (_, page) = anne.get_text(&url).await;
        assert!(page.contains("bruno@test.fr") && page.contains("Bruno"));
        let (_, page) = app.get_text(&url).await;
        assert!(!page.contains("anne@test.fr"), "owners are not public");

        // Bruno adds an offer: a territory the referential does not hold is refused.
        let offer = |references: &'static str| {
            vec![
                ("title", "Éclairage public piloté à la demande"),
                ("themes", "lighting"),
                ("themes", "energy"),
                ("sizes", "2k_10k"),
                ("description", "Des luminaires qui baissent **la nuit**."),
                ("references", references),
                ("status", "available"),
            ]
        };
        let r = bruno
            .post_form(&format!("{url}/offers/new"), &offer("Lannion\nAtlantide"))
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("référentiel"));
        assert_eq!(app.count("offers").await, 0);
        let r = bruno
            .post_form(
                &format!("{url}/offers/new"),
                &offer("Lannion\ncommune/22113\nBretagne"),
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let offer_url = r.headers()["location"].to_str().unwrap().to_string();
        let (_, page) = app.get_text(&offer_url).await;
        assert!(
            page.contains("href=\"/territories/commune/22113\"") && page.contains("Bretagne"),
            "{page}"
        );
        assert!(page.contains("<strong>la nuit</strong>"));
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains(&offer_url), "the actor lists its offers");
        let (_, list) = app.get_text("/directory/offers?theme=energy").await;
        assert!(
            list.contains("1 offre(s)") && list.contains("Éclairage public"),
            "{list}"
        );
        let (_, list) = app.get_text("/directory/offers?theme=water").await;
        assert!(list.contains("0 offre(s)"));
        assert_eq!(app.get_text("/directory/offers?size=huge").await.0, 400);
        let mut found = false;
        for _ in 0..100 {
            let (_, s) = app.get_text("/search?q=luminaires").await;
            if s.contains(&offer_url) {
                found = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(found, "the offer is searchable");
        let (_, csv) = app.get_text("/data/offers.csv").await;
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(csv.contains("Lumière Intelligente,Éclairage public piloté à la demande,lighting;energy,2k_10k,commune/22113;region/53,available"), "{csv}");
        let geo: serde_json::Value = app.get("/data/offers.geojson").await.json().await.unwrap();
        assert_eq!(geo["features"].as_array().unwrap().len(), 1);
        let (_, catalog) = app.get_text("/data/catalog.jsonld").await;
        assert!(catalog.contains("/data/offers.csv"));

        // A moderator withdraws it with a reason, mailed to both owners.
        let offer_id = offer_url.rsplit('/').next().unwrap().to_string();
        let r = moderator
            .post_form(&format!("{offer_url}/remove"), &[])
            .await;
        assert_eq!(r.status(), 422, "a moderator says why");
        let r = moderator
            .post_form(
                &format!("{offer_url}/remove"),
                &[("reason", "Offre en double")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let mail = loop {
            let m = app.next_mail_to("anne@test.fr").await;
            if m.subject.contains("retirée") {
                break m;
            }
        };
        assert!(mail.body.contains("Offre en double"));
        assert_eq!(app.get_text(&offer_url).await.0, 404);
        assert_eq!(
            bruno.get_text(&offer_url).await.0,
            200,
            "its owners still see it"
        );
        let (_, csv) = app.get_text("/data/offers.csv").await;
        assert_eq!(csv.lines().count(), 1);
        let state: String = sqlx::query_scalar("SELECT state FROM offers WHERE id = $1")
            .bind(&offer_id)
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        assert_eq!(state, "removed");

        // Trusted owners publish their edits directly; others' wait for review.
        let r = anne
            .post_form(&format!("{url}/trust"), &[("trusted", "1")])
            .await;
        assert_eq!(r.status(), 403, "moderators only");
        let r = moderator
            .post_form(&format!("{url}/trust"), &[("trusted", "1")])
            .await;
        assert_eq!(r.status(), 303);
        let mut edited = company.clone();
        for (k, v) in edited.iter_mut() {
            match *k {
                "short_description" => *v = "Des luminaires pilotés pour les communes rurales.",
                "base" => *v = "1",
                _ => {}
            }
        }
        let r = bruno.post_form(&format!("{url}/edit"), &edited).await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("communes rurales"), "published at once");
        assert_eq!(app.count("actor_revisions").await, 0);

        // The logo: an image is re-encoded and shown; anything else is a field error.
        let r = post_logo(&anne, &url, b"not an image".to_vec()).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("href=\"#logo\""));
        let r = post_logo(&anne, &url, crate::pages::png(40, 20)).await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        let logo = page
            .split("class=\"logo\" src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the logo is shown")
            .to_string();
        assert_eq!(app.get(&logo).await.status(), 200);
        let (_, csv) = app.get_text("/data/actors.csv").await;
        assert!(csv.contains(&logo) && csv.contains("https://mastodon.example/@lumiere"));
        assert!(
            csv.contains("\"Annuaire \"\"Smart city\"\", édition 2026\""),
            "{csv}"
        );
        csv_matches_json(&app).await;

        // An owner leaves; the last one stays.
        let bruno_id = app.user_id("bruno@test.fr").await;
        let anne_id = app.user_id("anne@test.fr").await;
        let r = anne
            .post_form(&format!("{url}/owners/remove"), &[("user", &bruno_id)])
            .await;
        assert_eq!(r.status(), 303);
        let r = anne
            .post_form(&format!("{url}/owners/remove"), &[("user", &anne_id)])
            .await;
        assert_eq!(r.status(), 409);
        assert_eq!(bruno.get_text(&format!("{url}/edit")).await.0, 403);
    })
);

on_every_engine!(
    moderators_add_rename_and_retire_terms_of_the_taxonomy,
    |app: TestApp| Box::pin(async move {
        let moderator = app.other_client();
        moderator.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        assert_eq!(anne.get_text("/directory/taxonomy").await.0, 403);
        let (status, page) = moderator.get_text("/directory/taxonomy").await;
        assert_eq!(status, 200);
        assert!(page.contains("Éclairage public"), "the seeded terms");
        // Bad input: every field named, nothing saved.
        let r = moderator
            .post_form(
                "/directory/taxonomy",
                &[
                    ("vocabulary", "theme"),
                    ("code", "Agri Urbaine"),
                    ("name_fr", ""),
                    ("name_en", "Urban farming"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("href=\"#code\"") && page.contains("href=\"#name_fr\""),
            "{page}"
        );
        let r = moderator
            .post_form(
                "/directory/taxonomy",
                &[
                    ("vocabulary", "theme"),
                    ("code", "lighting"),
                    ("name_fr", "Lumière"),
                    ("name_en", "Light"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "a code already there");
        assert_eq!(app.count("directory_terms").await, 0);
        let term = [
            ("vocabulary", "theme"),
            ("code", "agriculture_urbaine"),
            ("name_fr", "Agriculture urbaine"),
            ("name_en", "Urban farming"),
        ];
        let r = moderator.post_form("/directory/taxonomy", &term).await;
        assert_eq!(r.status(), 303);
        // Offered at once in the form, usable, named in the facets and on the page.
        let (_, form) = anne.get_text("/directory/propose").await;
        assert!(form.contains("value=\"agriculture_urbaine\""), "{form}");
        let mut farm = fablab("Ferme urbaine du Trégor", "");
        for (k, v) in farm.iter_mut() {
            if *k == "themes" {
                *v = "agriculture_urbaine";
            }
        }
        let r = anne.post_form("/directory/propose", &farm).await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let id: String = sqlx::query_scalar("SELECT id FROM actors")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        moderator
            .post_form(
                &format!("/directory/moderation/actors/{id}"),
                &[("decision", "approve")],
            )
            .await;
        let (_, list) = app.get_text("/directory?theme=agriculture_urbaine").await;
        assert!(
            list.contains("1 acteur(s)") && list.contains("Agriculture urbaine"),
            "{list}"
        );
        let (status, _) = app.get_text("/directory/themes/agriculture_urbaine").await;
        assert_eq!(status, 200);
        let schema: serde_json::Value = app
            .get("/data/actors.schema.json")
            .await
            .json()
            .await
            .unwrap();
        assert!(schema.to_string().contains("fablab"));
        // Renamed and retired: no longer offered, kept on the entry under its new name.
        let r = moderator
            .post_form(
                "/directory/taxonomy/theme/agriculture_urbaine",
                &[
                    ("name_fr", "Agriculture en ville"),
                    ("name_en", "City farming"),
                    ("retired", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, form) = anne.get_text("/directory/propose").await;
        assert!(!form.contains("value=\"agriculture_urbaine\""));
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("Agriculture en ville"), "{page}");
        let (_, form) = anne.get_text(&format!("{url}/edit")).await;
        assert!(
            form.contains("value=\"agriculture_urbaine\" checked"),
            "an entry keeps its retired term"
        );
        // A seeded term renamed in English only.
        let r = moderator
            .post_form(
                "/directory/taxonomy/theme/lighting",
                &[
                    ("name_fr", "Éclairage public"),
                    ("name_en", "Street lighting"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let names: (String, String) =
            sqlx::query_as("SELECT name_fr, name_en FROM directory_terms WHERE code = 'lighting'")
                .fetch_one(app.state.db().pool())
                .await
                .unwrap();
        assert_eq!(
            names,
            (String::new(), "Street lighting".to_string()),
            "a seeded name left as it is keeps following the texts"
        );
        assert_eq!(
            moderator
                .get_text("/directory/taxonomy/theme/castle")
                .await
                .0,
            404
        );
    })
);
