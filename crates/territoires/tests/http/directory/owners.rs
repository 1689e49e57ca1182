//! Owners: a co-owner invited, offers added and found in the search and the open data, the
//! logo.

use super::*;

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
            list.contains("1 offre") && list.contains("Éclairage public"),
            "{list}"
        );
        let (_, list) = app.get_text("/directory/offers?theme=water").await;
        assert!(list.contains("0 offre"));
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
