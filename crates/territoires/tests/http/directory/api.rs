//! The directory's API: listing, filtering, proposing and updating actors with the same checks
//! as the pages.

use super::*;

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
