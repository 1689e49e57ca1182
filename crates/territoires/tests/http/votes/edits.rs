//! A vote from draft to published, and changed until it opens: its settings, questions and
//! projects; once open, every change is a 409 and nothing of it is written.

use super::{add_question, in_hours, open_now, process, vote_id};
use crate::common::{TestApp, redirected_to};
use crate::on_every_engine;

async fn stored(app: &TestApp, url: &str) -> votes::model::Votation {
    votes::store::get(app.state.db(), &vote_id(url))
        .await
        .unwrap()
        .expect("the vote")
}

/// Creates a vote through its form and leaves it a draft; returns its URL.
async fn draft_vote(app: &TestApp, process: &str, kind: &str, extra: &[(&str, &str)]) -> String {
    let (opens, closes) = (in_hours(2), in_hours(48));
    let mut fields = vec![
        ("kind", kind),
        ("title", "Horaires de la piscine"),
        ("eligibility", "accounts"),
        ("opens_at", opens.as_str()),
        ("closes_at", closes.as_str()),
    ];
    fields.extend_from_slice(extra);
    let r = app
        .post_form(&format!("{process}/votes/new"), &fields)
        .await;
    redirected_to(r)
        .await
        .trim_end_matches("/admin")
        .to_string()
}

on_every_engine!(
    a_draft_vote_is_hidden_and_closed_to_ballots_until_published,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = draft_vote(&app, &process, "votation", &[]).await;
        add_question(
            &app,
            &url,
            &[
                ("title", "Quels horaires ?"),
                ("method", "single"),
                ("options", "Matin\nSoir"),
            ],
        )
        .await;
        let id = vote_id(&url);
        let anonymous = app.other_client();
        let citizen = app.other_client();
        citizen
            .register_and_login("camille@test.fr", "Camille")
            .await;
        for reader in [&anonymous, &citizen] {
            assert_eq!(reader.get_text(&url).await.0, 404);
            assert_eq!(reader.get_text(&format!("/api/v1/votes/{id}")).await.0, 404);
            let (_, page) = reader.get_text(&process).await;
            assert!(!page.contains(&url), "{page}");
        }
        let (status, page) = app.get_text(&url).await;
        assert_eq!(status, 200);
        let (_, admin) = app.get_text(&format!("{url}/admin")).await;
        assert!(admin.contains("Brouillon") && admin.contains(&format!("{url}/admin/publish")));
        assert!(
            !admin.contains("/admin/open"),
            "no opening before publishing: {admin}"
        );
        let (_, page_of_process) = app.get_text(&process).await;
        assert!(page_of_process.contains(&url) && page.contains("Horaires de la piscine"));
        // Not opened, not voted, even by its preparers.
        let r = app.post_form(&format!("{url}/admin/open"), &[]).await;
        assert_eq!(r.status(), 409);
        assert!(stored(&app, &url).await.opens_at > kernel::ids::now_ms());
        open_now(&app, &url).await;
        let option = stored(&app, &url).await.questions[0].options[0].id.clone();
        let r = app
            .post_form(&format!("{url}/cast"), &[("q0", option.as_str())])
            .await;
        assert_eq!(r.status(), 409);
        assert_eq!(app.count("vote_ballots").await, 0);
        // Published: everyone sees it.
        let r = app.post_form(&format!("{url}/admin/publish"), &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(anonymous.get_text(&url).await.0, 200);
        assert_eq!(
            anonymous.get_text(&format!("/api/v1/votes/{id}")).await.0,
            200
        );
        // Open now: no way back to draft.
        let r = app.post_form(&format!("{url}/admin/unpublish"), &[]).await;
        assert_eq!(r.status(), 409);
        assert!(!stored(&app, &url).await.publication.is_draft());
    })
);

on_every_engine!(
    a_vote_is_changed_until_it_opens_then_every_change_is_refused_whole,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = draft_vote(&app, &process, "votation", &[]).await;
        add_question(
            &app,
            &url,
            &[
                ("title", "Quels horaires ?"),
                ("method", "single"),
                ("options", "Matin\nMidi\nSoir"),
            ],
        )
        .await;
        add_question(
            &app,
            &url,
            &[
                ("title", "Quel bassin ?"),
                ("method", "single"),
                ("options", "Grand\nPetit"),
            ],
        )
        .await;
        // Its settings, each question and project: pages of their own.
        let (status, page) = app.get_text(&format!("{url}/admin/settings")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Horaires de la piscine"));
        let first = stored(&app, &url).await.questions[0].id.clone();
        let (status, page) = app
            .get_text(&format!("{url}/admin/questions/{first}"))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("Matin\nMidi\nSoir"), "{page}");
        // Its settings: title, dates, eligibility with a minimum age.
        let (opens, closes) = (in_hours(5), in_hours(72));
        let settings = [
            ("title", "Horaires d'été de la piscine"),
            ("description", "Deux questions."),
            ("opens_at", opens.as_str()),
            ("closes_at", closes.as_str()),
            ("eligibility", "census"),
            ("min_age", "16"),
        ];
        let r = app
            .post_form(&format!("{url}/admin/settings"), &settings)
            .await;
        assert_eq!(redirected_to(r).await, format!("{url}/admin"));
        let v = stored(&app, &url).await;
        assert_eq!(v.title, "Horaires d'été de la piscine");
        assert_eq!(v.eligibility, votes::model::Eligibility::Census);
        assert_eq!(v.min_age, Some(16));
        assert_eq!(kernel::clock::form_value(v.opens_at), opens);
        // Bad settings: every problem named, nothing written.
        let past = in_hours(-1);
        let r = app
            .post_form(
                &format!("{url}/admin/settings"),
                &[
                    ("title", "x"),
                    ("opens_at", past.as_str()),
                    ("closes_at", opens.as_str()),
                    ("eligibility", "accounts"),
                    ("min_age", "16"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for problem in ["ouverture doit être dans le futur", "liste"] {
            assert!(page.contains(problem), "{problem}: {page}");
        }
        assert_eq!(stored(&app, &url).await.title, v.title);
        // A question changed: an option renamed, one kept with its id, one gone.
        let q = v.questions[0].clone();
        let kept = q.options[2].id.clone();
        let r = app
            .post_form(
                &format!("{url}/admin/questions/{}", q.id),
                &[
                    ("title", "Quels horaires préférez-vous ?"),
                    ("method", "approval"),
                    ("options", "Soir\nTôt le matin"),
                    ("max_choices", "2"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let v = stored(&app, &url).await;
        let titles: Vec<&str> = v.questions[0]
            .options
            .iter()
            .map(|o| o.title.as_str())
            .collect();
        assert_eq!(titles, ["Soir", "Tôt le matin"]);
        assert_eq!(v.questions[0].options[0].id, kept);
        assert_eq!(
            v.questions[0].method,
            votes::model::Method::Approval { min: 1, max: 2 }
        );
        // A question with one option is refused, nothing changed.
        let r = app
            .post_form(
                &format!("{url}/admin/questions/{}", q.id),
                &[
                    ("title", "Une seule ?"),
                    ("method", "single"),
                    ("options", "Seule"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(stored(&app, &url).await.questions[0].options.len(), 2);
        // The second question removed.
        let second = v.questions[1].id.clone();
        let r = app
            .post_form(&format!("{url}/admin/questions/{second}/remove"), &[])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(stored(&app, &url).await.questions.len(), 1);
        // Once open, every change is a 409 with its reason, and nothing is written.
        open_now(&app, &url).await;
        let before = stored(&app, &url).await;
        assert_eq!(app.get_text(&format!("{url}/admin/settings")).await.0, 409);
        assert_eq!(
            app.get_text(&format!("{url}/admin/questions/{}", q.id))
                .await
                .0,
            409
        );
        let r = app
            .post_form(&format!("{url}/admin/settings"), &settings)
            .await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("Le vote est ouvert"));
        let r = app
            .post_form(
                &format!("{url}/admin/questions/{}", q.id),
                &[
                    ("title", "Trop tard"),
                    ("method", "single"),
                    ("options", "A\nB"),
                ],
            )
            .await;
        assert_eq!(r.status(), 409);
        let r = app
            .post_form(&format!("{url}/admin/questions/{}/remove", q.id), &[])
            .await;
        assert_eq!(r.status(), 409);
        let after = stored(&app, &url).await;
        assert_eq!(after.title, before.title);
        assert_eq!(after.questions.len(), 1);
        assert_eq!(after.questions[0].title, "Quels horaires préférez-vous ?");
        assert_eq!(after.questions[0].options.len(), 2);
    })
);

on_every_engine!(
    a_budget_s_projects_are_changed_and_removed_before_it_opens,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = draft_vote(&app, &process, "budget", &[("budget", "100000")]).await;
        for (title, cost) in [("Abri vélos", "20000"), ("Fresque", "30000")] {
            let r = app
                .post_form(
                    &format!("{url}/admin/projects"),
                    &[("title", title), ("cost", cost)],
                )
                .await;
            assert_eq!(r.status(), 303);
        }
        let v = stored(&app, &url).await;
        let (bikes, fresco) = (
            v.questions[0].options[0].id.clone(),
            v.questions[0].options[1].id.clone(),
        );
        // Over the budget: refused, unchanged.
        let r = app
            .post_form(
                &format!("{url}/admin/projects/{bikes}"),
                &[("title", "Abri vélos couvert"), ("cost", "150000")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(stored(&app, &url).await.questions[0].options[0].cost, 20000);
        let r = app
            .post_form(
                &format!("{url}/admin/projects/{bikes}"),
                &[
                    ("title", "Abri vélos couvert"),
                    ("cost", "25000"),
                    ("area", "Centre"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = app
            .post_form(&format!("{url}/admin/projects/{fresco}/remove"), &[])
            .await;
        assert_eq!(r.status(), 303);
        let v = stored(&app, &url).await;
        assert_eq!(v.questions[0].options.len(), 1);
        let o = &v.questions[0].options[0];
        assert_eq!(
            (o.title.as_str(), o.cost, o.area.as_str()),
            ("Abri vélos couvert", 25000, "Centre")
        );
        // A budget below a project's cost is refused.
        let (opens, closes) = (in_hours(2), in_hours(48));
        let r = app
            .post_form(
                &format!("{url}/admin/settings"),
                &[
                    ("title", "Budget des quartiers"),
                    ("opens_at", opens.as_str()),
                    ("closes_at", closes.as_str()),
                    ("eligibility", "accounts"),
                    ("budget", "10000"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(stored(&app, &url).await.budget.unwrap().total, 100000);
    })
);
