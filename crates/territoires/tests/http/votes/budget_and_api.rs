//! A participatory budget's baskets, who prepares votes, and the votes' API.

use super::*;

on_every_engine!(
    a_basket_over_budget_is_refused_and_the_results_explain_each_project,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = new_vote(
            &app,
            &process,
            &[
                ("kind", "budget"),
                ("title", "Budget participatif 2027"),
                ("eligibility", "codes"),
                ("budget", "1000"),
                ("rule", "equal_shares"),
            ],
        )
        .await;
        for (title, cost) in [
            ("Aire de jeux", "600"),
            ("Jardin partagé", "400"),
            ("Boîte à livres", "400"),
        ] {
            let r = app
                .post_form(
                    &format!("{url}/admin/projects"),
                    &[("title", title), ("cost", cost)],
                )
                .await;
            assert_eq!(r.status(), 303);
        }
        let r = app
            .post_form(
                &format!("{url}/admin/projects"),
                &[("title", "Patinoire"), ("cost", "5000")],
            )
            .await;
        assert_eq!(r.status(), 422);
        let codes = new_codes(&app, &url, 10).await;
        // A project's details: a bad place is refused and nothing is saved; then a picture (its
        // metadata dropped by re-encoding) and a place.
        let first = options(&app, &url).await[0].clone();
        let details = |lat: &str, image: Option<Vec<u8>>| {
            let mut form = reqwest::multipart::Form::new()
                .text("description", "Jeux accessibles à tous les enfants.")
                .text("lat", lat.to_string())
                .text("lon", "-3.4566");
            if let Some(bytes) = image {
                form = form.part(
                    "image",
                    reqwest::multipart::Part::bytes(bytes)
                        .file_name("aire.png")
                        .mime_str("image/png")
                        .unwrap(),
                );
            }
            form
        };
        let token = app.csrf().await;
        let target = app.url(&format!("{url}/admin/options/{first}?_csrf={token}"));
        let r = app
            .client
            .post(&target)
            .multipart(details("148.7", None))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = app
            .client
            .post(&target)
            .multipart(details("48.7326", Some(b"pas une image".to_vec())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let v = votes::store::get(app.state.db(), &vote_id(&url))
            .await
            .unwrap()
            .unwrap();
        assert!(v.questions[0].options[0].description.is_empty());
        let r = app
            .client
            .post(&target)
            .multipart(details("48.7326", Some(crate::pages::png(40, 30))))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let v = votes::store::get(app.state.db(), &vote_id(&url))
            .await
            .unwrap()
            .unwrap();
        let project = &v.questions[0].options[0];
        assert_eq!(project.description, "Jeux accessibles à tous les enfants.");
        assert!(project.image.is_some());
        assert_eq!(project.position.unwrap().lat, 48.7326);
        open_now(&app, &url).await;
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("openstreetmap.org/?mlat=48.732600"));
        let r = app
            .client
            .post(&target)
            .multipart(details("48.7", None))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        // Once open, the projects can no longer change.
        let r = app
            .post_form(
                &format!("{url}/admin/projects"),
                &[("title", "Skatepark"), ("cost", "100")],
            )
            .await;
        assert_eq!(r.status(), 409);
        let p = options(&app, &url).await;
        let voter = app.other_client();
        let r = voter
            .post_form(
                &format!("{url}/cast"),
                &[
                    ("code", &codes[0]),
                    ("q1", &p[0]),
                    ("q1", &p[1]),
                    ("q1", &p[2]),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("dépasse le budget"));
        assert_eq!(counts(&app).await, (0, 0, 0));
        // Six want the playground and the book box; four want the garden only.
        for (i, code) in codes.iter().enumerate() {
            let basket: Vec<(&str, &str)> = if i < 6 {
                vec![("code", code), ("q1", &p[0]), ("q1", &p[2])]
            } else {
                vec![("code", code), ("q1", &p[1])]
            };
            let r = voter.post_form(&format!("{url}/cast"), &basket).await;
            assert_eq!(r.status(), 200);
        }
        close_now(&app, &url).await;
        let (_, page) = voter.get_text(&url).await;
        // Each project's outcome is explained in the numbers of the case: ten shares of 100 €;
        // the playground's six supporters spend all of theirs on it, so nothing is left for the
        // book box they also chose, which the rest of the budget cannot pay for either.
        let (nbsp, thin) = ('\u{a0}', '\u{202f}');
        assert!(
            page.contains(&format!(
                "Le budget de 1{thin}000{nbsp}€ est partagé entre les 10 votants en parts égales"
            )) && page.contains(&format!("une part de 100{nbsp}€ chacun")),
            "{page}"
        );
        assert!(page.contains(&format!(
            "Par les parts égales : ses soutiens l&#39;ont payé ensemble avec leurs parts, 100{nbsp}€ chacun au plus, pour un coût de 600{nbsp}€."
        )));
        assert!(page.contains(&format!(
            "il ne leur restait que 0{nbsp}€, moins que son coût (400{nbsp}€), et le reste du budget (0{nbsp}€) ne suffisait pas non plus."
        )));
        assert_eq!(
            page.matches(r#"<span class="badge funded">Financé</span>"#)
                .count(),
            2
        );
        assert_eq!(
            page.matches(r#"<span class="badge not-funded">Non financé</span>"#)
                .count(),
            1
        );
        let json: serde_json::Value = voter
            .get(&format!("/data/votes/{}/results.json", vote_id(&url)))
            .await
            .json()
            .await
            .unwrap();
        let funded: Vec<bool> = json["questions"][0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["funded"].as_bool().unwrap())
            .collect();
        assert_eq!(funded, vec![true, true, false]);
    })
);

on_every_engine!(
    only_the_space_administrators_prepare_votes,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = new_vote(
            &app,
            &process,
            &[
                ("kind", "votation"),
                ("title", "Consultation"),
                ("eligibility", "accounts"),
            ],
        )
        .await;
        let citizen = app.other_client();
        citizen.register_and_login("jean@lannion.fr", "Jean").await;
        for path in [format!("{process}/votes/new"), format!("{url}/admin")] {
            let (status, _) = citizen.get_text(&path).await;
            assert_eq!(status, 403, "{path}");
        }
        let r = citizen
            .post_form(
                &format!("{url}/admin/questions"),
                &[
                    ("title", "Question ?"),
                    ("method", "single"),
                    ("options", "A\nB"),
                ],
            )
            .await;
        assert_eq!(r.status(), 403);
        assert_eq!(app.count("vote_questions").await, 0);
        // The process page lists the vote for everyone.
        let (_, page) = citizen.get_text(&process).await;
        assert!(page.contains("Consultation"));
    })
);

on_every_engine!(
    the_api_describes_a_vote_takes_a_ballot_and_publishes_results_after_closing,
    |app: TestApp| Box::pin(async move {
        let url = votation(&app, "Marché de Noël", "codes").await;
        add_question(
            &app,
            &url,
            &[
                ("title", "Où installer le marché ?"),
                ("method", "judgment"),
                ("options", "Place du Centre\nQuai d'Aiguillon"),
                ("grades", "Bien\nPassable\nÀ rejeter"),
            ],
        )
        .await;
        let codes = new_codes(&app, &url, 2).await;
        open_now(&app, &url).await;
        let id = vote_id(&url);
        let api = app.other_client();
        let vote: serde_json::Value = api
            .get(&format!("/api/v1/votes/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(vote["phase"], "open");
        assert_eq!(vote["eligibility"], "codes");
        assert_eq!(vote["questions"][0]["grades"][2], "À rejeter");
        let a = vote["questions"][0]["options"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let b = vote["questions"][0]["options"][1]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let post = |body: serde_json::Value| {
            let api = api.client.clone();
            let target = app.url(&format!("/api/v1/votes/{id}/ballots"));
            async move { api.post(target).json(&body).send().await.unwrap() }
        };
        // A grade missing and an unknown code: both reported, nothing stored.
        let r = post(serde_json::json!({"code": "abcd-efgh-ijkm-npqr", "answers": [{"grades": {a.clone(): 0}}]})).await;
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        let fields: Vec<&str> = body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"vote.unknown_code") && fields.contains(&"vote.grade_missing"),
            "{body}"
        );
        assert_eq!(counts(&app).await, (0, 0, 0));
        let ballot = serde_json::json!({"code": codes[0], "answers": [{"grades": {a.clone(): 0, b.clone(): 2}}]});
        let r = post(ballot.clone()).await;
        assert_eq!(r.status(), 201);
        let receipt: serde_json::Value = r.json().await.unwrap();
        assert_eq!(receipt["tracker"].as_str().unwrap().len(), 19);
        let r = post(ballot).await;
        assert_eq!(r.status(), 422);
        let r = post(serde_json::json!({"code": codes[1], "answers": [{}, {}]})).await;
        assert_eq!(r.status(), 400);
        let r = api.get(&format!("/api/v1/votes/{id}/results")).await;
        assert_eq!(r.status(), 409);
        close_now(&app, &url).await;
        let results: serde_json::Value = api
            .get(&format!("/api/v1/votes/{id}/results"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(results["ballots"], 1);
        assert_eq!(results["questions"][0]["options"][0]["rank"], 1);
        let r = post(serde_json::json!({"code": codes[1], "answers": [{"grades": {a.clone(): 0, b.clone(): 0}}]})).await;
        assert_eq!(r.status(), 409);
        let doc: serde_json::Value = api.get("/api/openapi.json").await.json().await.unwrap();
        assert!(doc["paths"]["/api/v1/votes/{id}/ballots"]["post"].is_object());
    })
);
