//! The experience library through the pages: a confirmed citizen submits a report (every bad
//! field named, nothing saved); a moderator publishes it; it is in the library with its facets,
//! in the search, with similar experiences; the contact is shown only with consent; the
//! author's update waits as a diff until approved.

use crate::common::{TestApp, assert_refused_naming, redirected_to};
use crate::on_every_engine;

pub(crate) fn report<'a>(title: &'a str, tools: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("territory", "Lannion"),
        ("themes", "participation"),
        ("themes", "education"),
        ("tools", tools),
        ("context", "Les élèves voulaient être **écoutés**."),
        ("approach", "Chaque école a reçu 5 000 € à décider."),
        (
            "success_factors",
            "Des enseignants volontaires\nUn calendrier court",
        ),
        ("vigilance", "Les délais des marchés publics"),
        ("tips", "Montrer vite les réalisations"),
        ("budget", "10k_50k"),
        ("duration_months", "9"),
        ("results", "Douze projets réalisés."),
        ("contact_name", "Service jeunesse de Lannion"),
        ("base", "0"),
    ]
}

/// A moderator and a confirmed citizen (Anne), each signed in.
pub(crate) async fn moderator_and_anne(app: &TestApp) -> (TestApp, TestApp) {
    let moderator = app.other_client();
    moderator.login_as_admin().await;
    let anne = app.other_client();
    anne.register_and_login("anne@test.fr", "Anne").await;
    (moderator, anne)
}

/// A moderator approves an author's pending revision.
async fn approve_revision(moderator: &TestApp, id: &str) {
    let r = moderator
        .post_form(
            &format!("/library/moderation/revisions/{id}"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
}

/// A moderator publishes a pending report.
async fn approve(moderator: &TestApp, id: &str) {
    let r = moderator
        .post_form(
            &format!("/library/moderation/experiences/{id}"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
}

on_every_engine!(
    a_report_is_submitted_moderated_found_and_updated_through_a_reviewed_revision,
    |app: TestApp| Box::pin(async move {
        let (moderator, anne) = moderator_and_anne(&app).await;
        // Bad input: every problem named, nothing saved.
        let mut bad = report("Un budget participatif dans les écoles", "crystal_ball");
        for (k, v) in bad.iter_mut() {
            match *k {
                "territory" => *v = "Atlantide",
                "duration_months" => *v = "300",
                "budget" => *v = "huge",
                _ => {}
            }
        }
        bad.push(("actors", "/directory/actors/nobody"));
        let r = anne.post_multipart("/library/propose", &bad, &[]).await;
        assert_refused_naming(
            r,
            &[
                "pas dans le référentiel",
                "n&#39;existe pas dans la liste",
                "de 1 à 120",
                "tranche de budget",
                "fiche publiée de l&#39;annuaire",
            ],
        )
        .await;
        assert_eq!(app.count("experiences").await, 0);
        // A good one: pending, seen by its author only.
        let good = report(
            "Un budget participatif dans les écoles",
            "participatory_budget",
        );
        let url = redirected_to(anne.post_multipart("/library/propose", &good, &[]).await).await;
        let (status, page) = anne.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("attend la relecture"));
        assert_eq!(app.other_client().get_text(&url).await.0, 404);
        let id: String = sqlx::query_scalar("SELECT id FROM experiences")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        assert_eq!(anne.get_text("/library/moderation").await.0, 403);
        let r = moderator
            .post_form(
                &format!("/library/moderation/experiences/{id}"),
                &[("decision", "reject")],
            )
            .await;
        assert_eq!(r.status(), 422, "a refusal needs a reason");
        assert!(r.text().await.unwrap().contains("id=\"reason\""));
        approve(&moderator, &id).await;
        let mail = app.next_mail_to("anne@test.fr").await;
        let mail = if mail.subject.contains("publié") {
            mail
        } else {
            app.next_mail_to("anne@test.fr").await
        };
        assert!(
            mail.subject
                .contains("Votre retour d'expérience est publié"),
            "{}",
            mail.subject
        );
        // Published: the page with its ordered lists; the contact hidden without consent.
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains(
                "<ol><li>Des enseignants volontaires</li><li>Un calendrier court</li></ol>"
            ),
            "{page}"
        );
        assert!(page.contains("<strong>écoutés</strong>"));
        assert!(page.contains("Lannion") && page.contains("10 000 à 50 000 habitants"));
        assert!(
            !page.contains("Service jeunesse de Lannion"),
            "no consent, no contact"
        );
        // In the library with its facets; unknown values are a bad address.
        let (_, list) = app
            .get_text("/library?tool=participatory_budget&band=10k_50k")
            .await;
        assert!(
            list.contains("1 expérience") && list.contains("Un budget participatif"),
            "{list}"
        );
        assert!(
            list.contains("Budget participatif") && list.contains("Bretagne"),
            "facets named"
        );
        let (_, none) = app.get_text("/library?tool=citizen_vote").await;
        assert!(none.contains("0 expérience"));
        assert_eq!(app.get_text("/library?tool=crystal_ball").await.0, 400);
        let mut found = false;
        for _ in 0..100 {
            let (_, a) = app.get_text("/library?q=ecoles+realisations").await;
            let (_, b) = app.get_text("/search?q=budget+participatif+ecoles").await;
            if a.contains(&url) && b.contains(&url) {
                found = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            found,
            "searchable in the library and in the platform's search"
        );
        // The platform's search: by kind and région, with the matches marked, and in the API.
        let (_, page) = app
            .get_text("/search?q=ecoles&kind=experience&region=53")
            .await;
        assert!(page.contains(&url) && page.contains("<mark>"), "{page}");
        assert!(page.contains("Bretagne (1)"), "the région facet");
        let (_, page) = app
            .get_text("/search?q=ecoles&kind=experience&region=76")
            .await;
        assert!(!page.contains(&url));
        let (_, page) = app.get_text("/search?q=realisatoins").await;
        assert!(page.contains(&url), "a typo on a longer word is forgiven");
        // Found by its themes' names, in either language, though its text never says them.
        for q in ["éducation", "education"] {
            let (_, page) = app
                .get_text(&format!("/search?q={q}&kind=experience"))
                .await;
            assert!(page.contains(&url), "by its theme: {q}");
        }
        let api: serde_json::Value = app
            .get("/api/v1/search?q=eleves&kind=experience")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(api["total"], 1, "{api}");
        assert_eq!(api["items"][0]["region"], "53");
        assert!(
            api["items"][0]["excerpt_html"]
                .as_str()
                .unwrap()
                .contains("<mark>"),
            "{api}"
        );
        assert_eq!(
            app.get("/api/v1/search?q=x&kind=planete").await.status(),
            400
        );
        // A second report with the same tool and consent: similar, contact shown.
        let mut second = report(
            "Un budget participatif pour la jeunesse",
            "participatory_budget",
        );
        second.push(("contact_consent", "1"));
        let r = anne.post_multipart("/library/propose", &second, &[]).await;
        assert_eq!(r.status(), 303);
        let second_url = r.headers()["location"].to_str().unwrap().to_string();
        let second_id: String = sqlx::query_scalar("SELECT id FROM experiences WHERE id <> $1")
            .bind(&id)
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        approve(&moderator, &second_id).await;
        let (_, page) = app.get_text(&second_url).await;
        assert!(
            page.contains("Service jeunesse de Lannion"),
            "consent given"
        );
        assert!(
            page.contains("Expériences semblables") && page.contains(&url),
            "{page}"
        );
        // The author updates: the change waits as a diff, then is approved.
        let mut changed = report(
            "Un budget participatif dans les écoles",
            "participatory_budget",
        );
        for (k, v) in changed.iter_mut() {
            match *k {
                "tips" => *v = "Montrer vite les réalisations\nAssocier les parents",
                "base" => *v = "1",
                _ => {}
            }
        }
        let r = anne
            .post_multipart(&format!("{url}/edit"), &changed, &[])
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let (_, page) = app.get_text(&url).await;
        assert!(!page.contains("Associer les parents"), "not yet published");
        let (_, queue) = moderator.get_text("/library/moderation").await;
        assert!(
            queue.contains("<ins>Montrer vite les réalisations\nAssocier les parents</ins>"),
            "{queue}"
        );
        let rev: String = sqlx::query_scalar("SELECT id FROM experience_revisions")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        approve_revision(&moderator, &rev).await;
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("<li>Associer les parents</li>"));
        let r = anne
            .post_multipart(&format!("{url}/edit"), &changed, &[])
            .await;
        assert_eq!(
            r.status(),
            422,
            "a form opened before the approval is stale"
        );
        assert!(r.text().await.unwrap().contains("modifié entre-temps"));
        assert_eq!(
            app.other_client().get_text(&format!("{url}/edit")).await.0,
            303,
            "sign in first"
        );
    })
);

/// A small whole PDF document.
pub fn pdf(text: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

crate::on_every_file_place!(
    a_report_carries_pdf_and_image_attachments_and_refuses_other_files_whole,
    |app: TestApp| Box::pin(async move {
        let (moderator, anne) = moderator_and_anne(&app).await;
        let fields = report("Des cours d'école végétalisées", "workshop");
        // Not a PDF nor an image, a file over 10 MB, a PDF cut short, seven files: each refused
        // with its message, no report saved.
        let zip = b"PK\x03\x04 a word document".to_vec();
        let mut big = pdf("big");
        big.resize(10 * 1024 * 1024 + 1, b' ');
        let mut cut = pdf("cut");
        cut.truncate(20);
        for (files, text) in [
            (
                vec![("attachment", "bilan.docx", zip)],
                "Seuls les documents PDF",
            ),
            (vec![("attachment", "bilan.pdf", big)], "trop volumineux"),
            (
                vec![("attachment", "bilan.pdf", cut)],
                "Seuls les documents PDF",
            ),
            (
                (0..7)
                    .map(|i| ("attachment", "page.pdf", pdf(&format!("page {i}"))))
                    .collect(),
                "Six fichiers au plus",
            ),
        ] {
            let r = anne
                .post_multipart("/library/propose", &fields, &files)
                .await;
            assert_eq!(r.status(), 422, "{text}");
            let page = r.text().await.unwrap();
            assert!(page.contains(text), "{text}: {page}");
            assert_eq!(app.count("experiences").await, 0);
        }
        // A bad field with a good file: the form comes back asking for the file again; nothing
        // is saved, the file neither.
        let mut untitled = fields.clone();
        untitled[0].1 = "";
        let r = anne
            .post_multipart(
                "/library/propose",
                &untitled,
                &[("attachment", "Bilan 2025.pdf", pdf("bilan"))],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("choisissez-les de nouveau"), "{page}");
        assert!(!page.contains("name=\"kept_attachment\""));
        assert_eq!(app.count("experiences").await, 0);
        assert_eq!(crate::common::stored_files(&app).await, 0);
        // Sent again with the file and a photo: saved with both.
        let r = anne
            .post_multipart(
                "/library/propose",
                &fields,
                &[
                    ("attachment", "Bilan 2025.pdf", pdf("bilan")),
                    ("attachment", "cour.jpg", crate::pages::png(40, 30)),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let (_, page) = anne.get_text(&url).await;
        assert!(page.contains(">Bilan 2025.pdf</a>"), "{page}");
        assert!(page.contains(">cour.png</a>"), "{page}");
        let file = crate::common::attachment_in(&page, &url);
        let link = format!("{url}/attachments/{file}");
        // Pending: its files are its author's and the moderators' only.
        assert_eq!(anne.get(&link).await.status(), 200);
        assert_eq!(app.other_client().get(&link).await.status(), 404);
        let id: String = sqlx::query_scalar("SELECT id FROM experiences")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        approve(&moderator, &id).await;
        let r = app.other_client().get(&link).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let disposition = r.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment;") && disposition.contains("Bilan%202025.pdf"),
            "a PDF is downloaded under its name: {disposition}"
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), pdf("bilan").as_slice());
        assert_eq!(
            app.get(&format!("{url}/attachments/{}", "0".repeat(32) + ".pdf"))
                .await
                .status(),
            404,
            "a file not attached to this report"
        );
        // The author removes the photo and adds a file in an update: a revision whose diff
        // names the files and whose new file the moderator opens before deciding.
        let (_, form) = anne.get_text(&format!("{url}/edit")).await;
        assert!(form.contains("name=\"kept_attachment\""), "{form}");
        let kept = crate::common::kept_attachment_in(&form);
        assert!(kept.ends_with("/Bilan 2025.pdf"), "{kept}");
        let photo = format!("{url}/attachments/{}", {
            let (_, page) = app.get_text(&url).await;
            page.split(&format!("{url}/attachments/"))
                .find(|s| s.contains("cour.png"))
                .and_then(|s| s.split('"').next())
                .unwrap()
                .to_string()
        });
        let mut update = fields.clone();
        update.retain(|(k, _)| *k != "base");
        update.push(("base", "1"));
        update.push(("kept_attachment", kept.as_str()));
        let r = anne
            .post_multipart(
                &format!("{url}/edit"),
                &update,
                &[("attachment", "Bilan 2026.pdf", pdf("bilan 2026"))],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let (_, queue) = moderator.get_text("/library/moderation").await;
        assert!(queue.contains("Pièces jointes"), "{queue}");
        assert!(
            queue.contains("<del>Bilan 2025.pdf, cour.png</del>")
                && queue.contains("<ins>Bilan 2025.pdf, Bilan 2026.pdf</ins>"),
            "{queue}"
        );
        let rev: String = sqlx::query_scalar("SELECT id FROM experience_revisions")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let new_file = queue
            .split(">Bilan 2026.pdf</a>")
            .next()
            .and_then(|before| before.rsplit("/attachments/").next())
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let proposed = format!("/library/moderation/revisions/{rev}/attachments/{new_file}");
        let r = moderator.get(&proposed).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            pdf("bilan 2026").as_slice()
        );
        assert_eq!(anne.get(&proposed).await.status(), 404, "moderators only");
        assert_eq!(
            app.get(&format!("{url}/attachments/{new_file}"))
                .await
                .status(),
            404,
            "not public before the decision"
        );
        approve_revision(&moderator, &rev).await;
        assert_eq!(
            app.get(&format!("{url}/attachments/{new_file}"))
                .await
                .status(),
            200
        );
        assert_eq!(app.get(&photo).await.status(), 404, "the photo is gone");
    })
);
