//! A process from draft to published, its address made from its title, its settings in tabs
//! that each save their own fields, and its phases changed in place.

use crate::common::{TestApp, redirected_to};
use crate::on_every_engine;
use participation::store;

/// The process of `lannion` at this address, from the database.
async fn stored(app: &TestApp, slug: &str) -> participation::Process {
    store::get_by_slug(app.state.db(), "lannion", slug)
        .await
        .unwrap()
        .expect("the process")
}

/// Whether the search for `words` lists `url` now: the node that took a write has it in its
/// index before it answers.
async fn searched(reader: &TestApp, words: &str, url: &str) -> bool {
    let (_, page) = reader.get_text(&format!("/search?q={words}")).await;
    page.contains(url)
}

on_every_engine!(
    a_draft_process_is_seen_by_its_administrators_only_until_it_is_published,
    |app: TestApp| Box::pin(async move {
        let url = app
            .with_draft_process("quartiers", "Budget des quartiers")
            .await;
        let anonymous = app.other_client();
        let citizen = app.other_client();
        citizen
            .register_and_login("camille@test.fr", "Camille")
            .await;
        // The administrators see it, marked as a draft, with the way to publish it.
        let (status, page) = app.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("Brouillon") && page.contains(&format!("{url}/publish")));
        let (_, space) = app.get_text("/s/lannion").await;
        assert!(
            space.contains(&url) && space.contains("Brouillon"),
            "{space}"
        );
        // Everyone else: nothing at its address, its pages, its feed and its data; not in the
        // space's list nor in the search.
        for reader in [&anonymous, &citizen] {
            for path in [
                url.clone(),
                format!("{url}/feed.atom"),
                "/data/processes/lannion/quartiers/contributions.csv".to_string(),
            ] {
                assert_eq!(reader.get_text(&path).await.0, 404, "{path}");
            }
            let (_, space) = reader.get_text("/s/lannion").await;
            assert!(!space.contains(&url), "{space}");
        }
        assert!(!searched(&anonymous, "quartiers", &url).await);
        // Nor are its conversations in the API and the open data.
        let process = stored(&app, "quartiers").await;
        let pairs = [(
            "question".to_string(),
            "Quels quartiers d'abord ?".to_string(),
        )];
        let input = conversations::model::ConversationInput::parse(&pairs.as_slice()).unwrap();
        let admin = app.user_id("admin@test.fr").await;
        let conversation = conversations::store::create(
            app.state.db(),
            conversations::store::NewHome::Process(&process.id),
            &input,
            &admin,
        )
        .await
        .unwrap();
        let in_api = |listed: &str| listed.contains(&conversation);
        let conversation_paths = [
            format!("/api/v1/conversations/{conversation}"),
            format!("/data/conversations/{conversation}/summary.csv"),
        ];
        for path in &conversation_paths {
            assert_eq!(anonymous.get_text(path).await.0, 404, "{path}");
        }
        for list in [
            format!("/api/v1/conversations?process={}", process.id),
            "/api/v1/conversations".to_string(),
            "/data/catalog.jsonld".to_string(),
        ] {
            assert!(!in_api(&anonymous.get_text(&list).await.1), "{list}");
        }
        // A citizen may not publish it.
        let r = citizen.post_form(&format!("{url}/publish"), &[]).await;
        assert_eq!(r.status(), 404);
        assert!(stored(&app, "quartiers").await.publication.is_draft());
        // Published: everyone sees it, the space lists it, the search finds it.
        let r = app.post_form(&format!("{url}/publish"), &[]).await;
        assert_eq!(redirected_to(r).await, url);
        assert!(!stored(&app, "quartiers").await.publication.is_draft());
        let (status, page) = anonymous.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(!page.contains("Brouillon"), "{page}");
        assert_eq!(anonymous.get_text(&format!("{url}/feed.atom")).await.0, 200);
        let (_, space) = anonymous.get_text("/s/lannion").await;
        assert!(space.contains(&url));
        assert!(searched(&anonymous, "quartiers", &url).await);
        for path in &conversation_paths {
            assert_eq!(anonymous.get_text(path).await.0, 200, "{path}");
        }
        let (_, listed) = anonymous
            .get_text(&format!("/api/v1/conversations?process={}", process.id))
            .await;
        assert!(in_api(&listed), "{listed}");
    })
);

on_every_engine!(
    an_address_left_empty_is_made_from_the_title_and_numbered_when_taken,
    |app: TestApp| Box::pin(async move {
        app.with_process("autre", "Autre démarche").await;
        let create = |title: &'static str| {
            let app = &app;
            async move {
                let r = app
                    .post_form(
                        "/s/lannion/processes/new",
                        &[("title", title), ("slug", "")],
                    )
                    .await;
                redirected_to(r).await
            }
        };
        let first = create("Été à Lannion : les berges du Léguer !").await;
        assert_eq!(
            first,
            "/s/lannion/processes/ete-a-lannion-les-berges-du-leguer"
        );
        let second = create("Été à Lannion : les berges du Léguer !").await;
        assert_eq!(
            second,
            "/s/lannion/processes/ete-a-lannion-les-berges-du-leguer-2"
        );
        // An address typed is kept; one taken is refused with a field error, nothing created.
        let before = app.count("processes").await;
        let r = app
            .post_form(
                "/s/lannion/processes/new",
                &[("title", "Encore"), ("slug", "autre")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("déjà prise"));
        assert_eq!(app.count("processes").await, before);
        // The form says so.
        let (_, form) = app.get_text("/s/lannion/processes/new").await;
        assert!(form.contains("Laissée vide, elle est faite à partir du titre"));
        // A space's address, likewise from its name.
        let r = app
            .post_multipart(
                "/admin/spaces/new",
                &[("name", "Plouër-sur-Rance"), ("territory", "commune/22113")],
                &[],
            )
            .await;
        assert_eq!(redirected_to(r).await, "/s/plouer-sur-rance");
    })
);

on_every_engine!(
    each_settings_tab_is_its_own_page_and_saves_only_its_fields,
    |app: TestApp| Box::pin(async move {
        let url = app.with_process("onglets", "Les onglets").await;
        let r = app.get(&format!("{url}/edit")).await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("{url}/edit/general").as_str()
        );
        for tab in ["general", "perimeter", "image", "phases", "components"] {
            let (status, page) = app.get_text(&format!("{url}/edit/{tab}")).await;
            assert_eq!(status, 200, "{tab}");
            assert!(
                page.contains(&format!(
                    r#"<a href="{url}/edit/{tab}" aria-current="page">"#
                )),
                "{tab}: {page}"
            );
            assert_eq!(page.matches("aria-current=\"page\"").count(), 1, "{tab}");
        }
        let perimeter = "48.760, -3.500\n48.760, -3.420\n48.715, -3.420";
        let r = app
            .post_form(
                &format!("{url}/edit/perimeter"),
                &[("perimeter", perimeter)],
            )
            .await;
        assert_eq!(redirected_to(r).await, format!("{url}/edit/perimeter"));
        // The general tab changes the texts; the perimeter stays.
        let r = app
            .post_form(
                &format!("{url}/edit/general"),
                &[
                    ("title", "Les onglets, enfin"),
                    ("summary", "Un résumé."),
                    ("themes", "cadre de vie"),
                ],
            )
            .await;
        assert_eq!(redirected_to(r).await, format!("{url}/edit/general"));
        let p = stored(&app, "onglets").await;
        assert_eq!(p.title, "Les onglets, enfin");
        assert_eq!(p.themes, vec!["cadre de vie".to_string()]);
        assert_eq!(p.perimeter.as_ref().map(|x| x.0.len()), Some(3));
        // A refused general tab keeps what was typed and changes nothing.
        let r = app
            .post_form(
                &format!("{url}/edit/general"),
                &[("title", "x"), ("summary", "Gardé à l'écran")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Gardé à l&#39;écran"));
        assert_eq!(stored(&app, "onglets").await.summary, "Un résumé.");
        // The perimeter tab clears the perimeter; the texts stay.
        let r = app
            .post_form(&format!("{url}/edit/perimeter"), &[("perimeter", "")])
            .await;
        assert_eq!(r.status(), 303);
        let p = stored(&app, "onglets").await;
        assert!(p.perimeter.is_none());
        assert_eq!(p.title, "Les onglets, enfin");
        assert_eq!(p.summary, "Un résumé.");
    })
);

on_every_engine!(
    a_phase_is_changed_in_place_and_bad_dates_change_nothing,
    |app: TestApp| Box::pin(async move {
        let url = app.with_process("etapes", "Les étapes").await;
        let r = app
            .post_form(
                &format!("{url}/phases"),
                &[
                    ("name", "Dépôt"),
                    ("starts_on", "2027-03-01"),
                    ("ends_on", "2027-03-31"),
                ],
            )
            .await;
        assert_eq!(redirected_to(r).await, format!("{url}/edit/phases"));
        let id = stored(&app, "etapes").await.id;
        let phase = store::phases(app.state.db(), &id).await.unwrap()[0].clone();
        let edit = format!("{url}/phases/{}", phase.id);
        let r = app
            .post_form(
                &edit,
                &[
                    ("name", "Dépôt des idées"),
                    ("starts_on", "2027-04-10"),
                    ("ends_on", "2027-04-01"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("ne peut pas précéder"), "{page}");
        assert!(
            page.contains(r#"value="Dépôt des idées""#),
            "what was typed is kept"
        );
        let unchanged = store::phases(app.state.db(), &id).await.unwrap();
        assert_eq!(unchanged[0].name, "Dépôt");
        assert_eq!(unchanged[0].ends_on, phase.ends_on);
        let r = app
            .post_form(
                &edit,
                &[
                    ("name", "Dépôt des idées"),
                    ("starts_on", "2027-03-01"),
                    ("ends_on", "2027-04-15"),
                    ("description", "Chacun propose ses idées sur la carte."),
                ],
            )
            .await;
        assert_eq!(redirected_to(r).await, format!("{url}/edit/phases"));
        let changed = store::phases(app.state.db(), &id).await.unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].name, "Dépôt des idées");
        assert_eq!(changed[0].ends_on.to_string(), "2027-04-15");
        let (_, page) = app.other_client().get_text(&url).await;
        assert!(
            page.contains("Chacun propose ses idées sur la carte."),
            "{page}"
        );
        // Another process's phase is not found from this one.
        let r = app
            .post_form(
                "/s/lannion/processes/new",
                &[("title", "Une autre"), ("slug", "autre")],
            )
            .await;
        let other = redirected_to(r).await;
        let r = app
            .post_form(
                &format!("{other}/phases/{}", phase.id),
                &[
                    ("name", "Volée"),
                    ("starts_on", "2027-01-01"),
                    ("ends_on", "2027-01-02"),
                ],
            )
            .await;
        assert_eq!(r.status(), 404);
    })
);
