//! The taxonomy: moderators add, rename and retire terms.

use super::*;

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
            list.contains("1 acteur") && list.contains("Agriculture urbaine"),
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
