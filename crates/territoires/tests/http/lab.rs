//! Open-innovation challenges through the pages: a space publishes a challenge (a past
//! deadline, weights not summing to 100, an unknown evaluator refused, nothing saved); the
//! owner of a directory company answers with its offer; the answer is private (not in the
//! search, not to other readers); two evaluators grade it (a grade off the scale refused); the
//! space sees the weighted ranking, selects and publishes the outcome; the winner is public and
//! the others are told by mail; actors whose offers match are suggested and told.

use crate::common::TestApp;
use crate::on_every_engine;

/// A whole PDF of about 9 MB.
fn large(text: &str) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(9 * 1024 * 1024, b' ');
    bytes.extend(crate::library::pdf(text));
    bytes
}

/// Lannion: its INSEE code and a position there.
const LANNION: (&str, &str, &str) = ("22113", "48.7326", "-3.4566");

/// A published company owned by `owner` with one offer on lighting. Returns the actor's id.
pub(crate) async fn company(
    app: &TestApp,
    moderator: &TestApp,
    owner: &TestApp,
    name: &str,
) -> String {
    company_in(app, moderator, owner, name, LANNION, "").await
}

/// The same, in a commune (INSEE code, latitude, longitude), its offer deployed in some
/// territories (one per line).
async fn company_in(
    app: &TestApp,
    moderator: &TestApp,
    owner: &TestApp,
    name: &str,
    (commune, lat, lon): (&str, &str, &str),
    references: &str,
) -> String {
    let fields = [
        ("name", name),
        ("kind", "company"),
        (
            "short_description",
            "Des luminaires pilotés pour les communes.",
        ),
        ("commune", commune),
        ("lat", lat),
        ("lon", lon),
        ("themes", "lighting"),
        ("base", "0"),
    ];
    let r = owner.post_form("/directory/propose", &fields).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let id: String = sqlx::query_scalar("SELECT id FROM actors WHERE name = $1")
        .bind(name)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
    let r = moderator
        .post_form(
            &format!("/directory/moderation/actors/{id}"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = owner
        .post_form(
            &format!("{url}/offers/new"),
            &[
                ("title", "Éclairage public piloté"),
                ("themes", "lighting"),
                ("status", "available"),
                ("references", references),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    id
}

/// The instance administrator, signed in, with the `lannion` space created.
pub(crate) async fn lannion_space(app: &TestApp) -> TestApp {
    let admin = app.other_client();
    admin.login_as_admin().await;
    let r = crate::pages::create_space_form(
        &admin,
        &[
            ("name", "Lannion innove"),
            ("slug", "lannion"),
            ("description", "Les appels à solutions de Lannion."),
            ("territory", "commune/22113"),
            ("accent_color", "#00577a"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status(), 303);
    admin
}

on_every_engine!(
    a_space_publishes_a_challenge_answered_graded_and_decided,
    |app: TestApp| Box::pin(async move {
        let admin = lannion_space(&app).await;
        let eve = app.other_client();
        eve.register_and_login("eve@test.fr", "Ève").await;
        let yann = app.other_client();
        yann.register_and_login("yann@test.fr", "Yann").await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let bruno = app.other_client();
        bruno.register_and_login("bruno@test.fr", "Bruno").await;
        let lumiere = company(&app, &admin, &anne, "Lumière Trégor").await;
        let nuit = company(&app, &admin, &bruno, "Nuit Claire").await;
        // Bad input: every problem named, nothing saved.
        let bad = [
            ("title", "Mieux éclairer nos rues"),
            ("need", "Réduire la consommation de l'éclairage public."),
            ("themes", "lighting"),
            ("deadline", "2020-01-01T12:00"),
            ("criteria", "Pertinence ; 60\nCoût ; 30"),
            ("evaluators", "eve@test.fr\nnobody@test.fr"),
        ];
        let r = admin
            .post_multipart("/s/lannion/challenges/new", &bad, &[])
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for text in ["dans le futur", "font 100 au total", "compte confirmé"] {
            assert!(page.contains(text), "{text}: {page}");
        }
        assert_eq!(app.count("challenges").await, 0);
        assert_eq!(anne.get_text("/s/lannion/challenges/new").await.0, 403);
        let deadline = kernel::clock::form_value(kernel::ids::now_ms() + 30 * 86_400_000);
        let good = [
            ("title", "Mieux éclairer nos rues"),
            (
                "need",
                "Réduire la consommation de l'éclairage public sans nuire à la sécurité.",
            ),
            ("themes", "lighting"),
            ("budget", "50k_200k"),
            ("deadline", deadline.as_str()),
            ("criteria", "Pertinence ; 75\nCoût ; 25"),
            ("evaluators", "eve@test.fr\nyann@test.fr"),
        ];
        let r = admin
            .post_multipart("/s/lannion/challenges/new", &good, &[])
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let (_, space) = app.get_text("/s/lannion").await;
        assert!(
            space.contains("Mieux éclairer nos rues"),
            "listed on the space's page"
        );
        // The space sees the companies whose offers match, and tells them.
        let (_, answers) = admin.get_text(&format!("{url}/answers")).await;
        assert!(
            answers.contains("Lumière Trégor") && answers.contains("Nuit Claire"),
            "{answers}"
        );
        let r = admin.post_form(&format!("{url}/notify"), &[]).await;
        assert_eq!(r.status(), 303);
        let told = loop {
            let m = app.next_mail_to("anne@test.fr").await;
            if !m.subject.contains("Votre fiche est publiée") {
                break m;
            }
        };
        assert!(
            told.subject.contains("pourrait vous intéresser"),
            "{}",
            told.subject
        );
        // Anne answers for her company with its offer; a territory unknown is refused.
        let offer: String = sqlx::query_scalar("SELECT id FROM offers WHERE actor_id = $1")
            .bind(&lumiere)
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let (status, page) = anne.get_text(&format!("{url}/answer")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Lumière Trégor") && !page.contains("Nuit Claire"),
            "her own actors only"
        );
        let answer = |references: &'static str| {
            vec![
                ("actor", lumiere.clone()),
                (
                    "summary",
                    "Des luminaires qui baissent la nuit, zircon-7 compris.".to_string(),
                ),
                (
                    "description",
                    "Détection de présence et pilotage à distance.".to_string(),
                ),
                ("offer", offer.clone()),
                ("references", references.to_string()),
                ("price", "10k_50k".to_string()),
            ]
        };
        let form = answer("Atlantide");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = anne
            .post_multipart(&format!("{url}/answer"), &form, &[])
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.count("challenge_answers").await, 0);
        let form = answer("Lannion");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = anne
            .post_multipart(&format!("{url}/answer"), &form, &[])
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        // Anne sees her answer on the challenge and finds it in the form to change it.
        let (_, page) = anne.get_text(&url).await;
        assert!(
            page.contains("Vos réponses") && page.contains("Reçue"),
            "{page}"
        );
        let (_, form_page) = anne.get_text(&format!("{url}/answer")).await;
        assert!(
            form_page.contains("zircon-7 compris"),
            "the answer sent, to be changed"
        );
        // Bruno may not answer for Anne's company.
        let mut forged = form.clone();
        forged.retain(|(k, _)| *k != "offer");
        let r = bruno
            .post_multipart(&format!("{url}/answer"), &forged, &[])
            .await;
        assert_eq!(r.status(), 422);
        let answer_id: String = sqlx::query_scalar("SELECT id FROM challenge_answers")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let answer_url = format!("{url}/answers/{answer_id}");
        // Private: to its authors, the evaluators and the space only; never in the search.
        assert_eq!(anne.get_text(&answer_url).await.0, 200);
        assert_eq!(bruno.get_text(&answer_url).await.0, 404);
        assert_eq!(bruno.get_text(&format!("{url}/answers")).await.0, 403);
        for _ in 0..50 {
            let (_, s) = app.get_text("/search?q=eclairer+rues").await;
            if s.contains(&url) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        for reader in [&app, &bruno, &anne, &eve] {
            let (_, s) = reader.get_text("/search?q=zircon").await;
            assert!(!s.contains(&answer_id) && !s.contains("zircon-7"), "{s}");
        }
        let (_, s) = app.get_text("/search?q=eclairer+rues").await;
        assert!(
            s.contains(&url),
            "the challenge itself is public and searchable"
        );
        // Two evaluators grade; a grade off the scale is refused.
        let r = eve
            .post_form(
                &format!("{answer_url}/grade"),
                &[("grade_0", "11"), ("grade_1", "5")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("de 0 à 10"));
        let r = eve
            .post_form(
                &format!("{answer_url}/grade"),
                &[
                    ("grade_0", "10"),
                    ("comment_0", "Très pertinent"),
                    ("grade_1", "0"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = yann
            .post_form(
                &format!("{answer_url}/grade"),
                &[("grade_0", "0"), ("grade_1", "10")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = anne
            .post_form(
                &format!("{answer_url}/grade"),
                &[("grade_0", "10"), ("grade_1", "10")],
            )
            .await;
        assert_eq!(r.status(), 403, "authors do not grade");
        let (_, ranking) = admin.get_text(&format!("{url}/answers")).await;
        // (75 × 10 + 25 × 0) / 10 = 75 and (0 + 25 × 10) / 10 = 25: 50 on average.
        assert!(ranking.contains(">50,0</td>"), "{ranking}");
        let (_, own) = anne.get_text(&answer_url).await;
        assert!(
            !own.contains("Très pertinent"),
            "the authors do not see the grades"
        );
        // The outcome needs a winner; then the winner is public and the others told.
        let r = admin
            .post_form(&format!("{url}/decide"), &[("outcome", "Merci à tous.")])
            .await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text().await.unwrap().contains("Merci à tous."),
            "the text typed is kept"
        );
        let r = admin
            .post_form(&format!("{answer_url}/state"), &[("state", "selected")])
            .await;
        assert_eq!(r.status(), 303);
        let r = admin
            .post_form(
                &format!("{url}/decide"),
                &[("outcome", "La solution de Lumière Trégor est retenue.")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains("Résultats publiés") && page.contains("Lumière Trégor"),
            "{page}"
        );
        let won = loop {
            let m = app.next_mail_to("anne@test.fr").await;
            if m.subject.contains("retenue") {
                break m;
            }
        };
        assert!(won.subject.contains("Mieux éclairer nos rues"));
        // Closed: no more answers.
        let r = bruno
            .post_multipart(&format!("{url}/answer"), &forged, &[])
            .await;
        assert_eq!(r.status(), 409);
        let _ = nuit;
    })
);

on_every_engine!(
    a_challenge_with_an_area_suggests_actors_there_and_keeps_answer_files_private,
    |app: TestApp| Box::pin(async move {
        let admin = lannion_space(&app).await;
        let eve = app.other_client();
        eve.register_and_login("eve@test.fr", "Ève").await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let bruno = app.other_client();
        bruno.register_and_login("bruno@test.fr", "Bruno").await;
        company(&app, &admin, &anne, "Lumière Trégor").await;
        company_in(
            &app,
            &admin,
            &bruno,
            "Nuit Claire",
            ("82121", "44.0176", "1.3550"),
            "",
        )
        .await;
        // Located elsewhere, but deployed in a commune of the area.
        let chloe = app.other_client();
        chloe.register_and_login("chloe@test.fr", "Chloé").await;
        company_in(
            &app,
            &admin,
            &chloe,
            "Lueurs d'Occitanie",
            ("82121", "44.0176", "1.3550"),
            "commune/22278",
        )
        .await;
        let deadline = kernel::clock::form_value(kernel::ids::now_ms() + 30 * 86_400_000);
        let mut fields = vec![
            ("title", "Mieux éclairer nos rues"),
            (
                "need",
                "Réduire la consommation de l'éclairage public sans nuire à la sécurité.",
            ),
            ("themes", "lighting"),
            ("deadline", deadline.as_str()),
            ("criteria", "Pertinence ; 75\nCoût ; 25"),
            ("evaluators", "eve@test.fr"),
            ("area", "Atlantide"),
        ];
        let cahier = crate::library::pdf("cahier des charges");
        // An unknown area, an attachment of the wrong kind: both named, nothing saved.
        let r = admin
            .post_multipart(
                "/s/lannion/challenges/new",
                &fields,
                &[("attachment", "plan.svg", b"<svg></svg>".to_vec())],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for text in ["Ce territoire est introuvable", "Seuls les documents PDF"] {
            assert!(page.contains(text), "{text}: {page}");
        }
        assert_eq!(app.count("challenges").await, 0);
        fields.retain(|(k, _)| *k != "area");
        fields.push(("area", "departement/22"));
        let r = admin
            .post_multipart(
                "/s/lannion/challenges/new",
                &fields,
                &[
                    ("attachment", "Cahier des charges.pdf", cahier.clone()),
                    // Two large files: more in one form than other forms may send.
                    ("attachment", "Plans.pdf", large("plans")),
                    ("attachment", "Photos aériennes.pdf", large("photos")),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("Côtes-d"), "the area is shown: {page}");
        assert!(page.contains(">Photos aériennes.pdf</a>"), "{page}");
        let file = crate::common::attachment_in(&page, &url);
        let r = app.get(&format!("{url}/attachments/{file}")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.bytes().await.unwrap().as_ref(), cahier.as_slice());
        // Only the companies of the area (located or deployed there) are suggested, and told.
        let (_, answers) = admin.get_text(&format!("{url}/answers")).await;
        assert!(answers.contains("Lumière Trégor"), "{answers}");
        assert!(
            answers.contains("Lueurs d&#39;Occitanie"),
            "deployed there: {answers}"
        );
        assert!(
            !answers.contains("Nuit Claire"),
            "outside the area: {answers}"
        );
        let r = admin.post_form(&format!("{url}/notify"), &[]).await;
        assert_eq!(r.status(), 303);
        let told = loop {
            let m = app.next_mail_to("anne@test.fr").await;
            if m.body.contains(&url) {
                break m;
            }
        };
        assert!(told.subject.contains("Mieux éclairer nos rues"), "{told:?}");
        let told: String =
            sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'challenge.notify'")
                .fetch_one(app.state.db().pool())
                .await
                .unwrap();
        assert_eq!(told, "2", "Bruno's company is outside the area");
        // Anne answers with her file: it is private to her, the evaluators and the space.
        let answer = [
            ("actor", ""),
            (
                "summary",
                "Des luminaires qui s'allument au passage des piétons.",
            ),
            (
                "description",
                "Un pilotage point par point, installé en deux semaines.",
            ),
        ];
        let actor: String = sqlx::query_scalar("SELECT id FROM actors WHERE name = $1")
            .bind("Lumière Trégor")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let mut answer = answer.to_vec();
        answer[0].1 = actor.as_str();
        let r = anne
            .post_multipart(
                &format!("{url}/answer"),
                &answer,
                &[("attachment", "offre.exe", b"MZ\x90\x00".to_vec())],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.count("challenge_answers").await, 0);
        let devis = crate::library::pdf("devis confidentiel");
        let r = anne
            .post_multipart(
                &format!("{url}/answer"),
                &answer,
                &[("attachment", "Devis.pdf", devis.clone())],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let id: String = sqlx::query_scalar("SELECT id FROM challenge_answers")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let answer_url = format!("{url}/answers/{id}");
        let (_, page) = eve.get_text(&answer_url).await;
        assert!(page.contains(">Devis.pdf</a>"), "{page}");
        let file = crate::common::attachment_in(&page, &answer_url);
        let link = format!("{answer_url}/attachments/{file}");
        for reader in [&eve, &anne, &admin] {
            let r = reader.get(&link).await;
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["cache-control"], "private, no-store");
            assert_eq!(r.bytes().await.unwrap().as_ref(), devis.as_slice());
        }
        assert_eq!(bruno.get(&link).await.status(), 404);
        assert_ne!(app.other_client().get(&link).await.status(), 200);
        // The file stays out of the public pages and the search.
        let (_, public) = app.get_text(&url).await;
        assert!(!public.contains(&file));
        let (_, found) = app.get_text("/search?q=devis+confidentiel").await;
        assert!(!found.contains(&file) && !found.contains("Devis.pdf"));
        // The answer form shows the file kept; sending it again keeps it, and unticked it goes.
        let (_, form) = anne.get_text(&format!("{url}/answer")).await;
        let kept = crate::common::kept_attachment_in(&form);
        assert!(kept.ends_with("/Devis.pdf"), "{kept}");
        let mut again = answer.clone();
        again.push(("kept_attachment", kept.as_str()));
        let r = anne
            .post_multipart(&format!("{url}/answer"), &again, &[])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(eve.get(&link).await.status(), 200);
        let r = anne
            .post_multipart(&format!("{url}/answer"), &answer, &[])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(eve.get(&link).await.status(), 404, "unticked, removed");
    })
);
