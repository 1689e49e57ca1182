//! The network's resources through their pages: an owner of a member proposes one (a bad form
//! names every problem, stores nothing and keeps no file; a file that is neither a PDF nor an
//! image is refused), the administrator publishes it and it is listed, filtered, on its page
//! with its attachment, in the open data and the catalogue, and found by the search; a
//! rejection is mailed with its reason; nobody proposes for a member they do not own.

use super::{member_of, network_mail, published_actor, request};
use crate::common::{TestApp, redirected_to, stored_files};
use crate::library::pdf;
use crate::on_every_engine;

const TITLE: &str = "Guide du budget participatif des écoles";

/// A good resource of `member`.
fn resource(member: &str) -> Vec<(&str, &str)> {
    vec![
        ("member", member),
        ("title", TITLE),
        (
            "summary",
            "Les étapes d'un budget participatif conduit avec les élèves.",
        ),
        ("body", "Le **règlement** se vote en conseil d'école."),
        ("kind", "guide"),
        ("methods", "budget-participatif"),
        ("licence", "cc_by_sa_4"),
    ]
}

/// An administrator and Anne, the owner of an accepted member; returns them and the member's
/// id.
pub(super) async fn admin_and_member(app: &TestApp) -> (TestApp, TestApp, String) {
    let admin = app.other_client();
    admin.login_as_admin().await;
    let anne = app.other_client();
    anne.register_and_login("anne@test.fr", "Anne").await;
    let actor = published_actor(
        &anne,
        &admin,
        "Concertation Trégor",
        "participation_consultancy",
    )
    .await;
    redirected_to(anne.post_form("/commun/join", &request(&actor)).await).await;
    let (member, _, _) = member_of(app, &actor).await;
    let r = admin
        .post_form(
            &format!("/commun/moderation/members/{member}"),
            &[("decision", "approve")],
        )
        .await;
    redirected_to(r).await;
    (admin, anne, member)
}

async fn resource_state(app: &TestApp) -> (String, String) {
    sqlx::query_as("SELECT id, state FROM network_resources")
        .fetch_one(app.state.db().pool())
        .await
        .unwrap()
}

on_every_engine!(
    an_owner_of_a_member_proposes_a_resource_the_administrator_publishes_and_anyone_finds,
    |app: TestApp| Box::pin(async move {
        let (admin, anne, member) = admin_and_member(&app).await;
        let (status, page) = anne.get_text("/commun/resources/new").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Concertation Trégor") && page.contains("name=\"licence\""),
            "{page}"
        );
        // A bad form with a good file: every problem named, nothing stored, the file neither.
        let r = anne
            .post_multipart(
                "/commun/resources/new",
                &[
                    ("member", member.as_str()),
                    ("title", "Abc"),
                    ("kind", "affiche"),
                    ("licence", "other"),
                ],
                &[("attachment", "Guide.pdf", pdf("guide"))],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for problem in [
            "error-summary",
            "Ce type de ressource n&#39;existe pas.",
            "Cochez au moins une méthode.",
            "choisissez-les de nouveau",
        ] {
            assert!(page.contains(problem), "{problem}: {page}");
        }
        assert!(!page.contains("name=\"kept_attachment\""));
        assert_eq!(app.count("network_resources").await, 0);
        assert_eq!(stored_files(&app).await, 0);
        // A file that is neither a PDF nor an image is refused with the whole form.
        let r = anne
            .post_multipart(
                "/commun/resources/new",
                &resource(&member),
                &[(
                    "attachment",
                    "guide.docx",
                    b"PK\x03\x04 a document".to_vec(),
                )],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("Seuls les documents PDF"), "{page}");
        assert_eq!(app.count("network_resources").await, 0);
        assert_eq!(stored_files(&app).await, 0);
        // A good one waits for a moderator: seen by its author only.
        let r = anne
            .post_multipart(
                "/commun/resources/new",
                &resource(&member),
                &[("attachment", "Guide.pdf", pdf("guide"))],
            )
            .await;
        let url = redirected_to(r).await;
        let (id, state) = resource_state(&app).await;
        assert_eq!(
            (url.as_str(), state.as_str()),
            (format!("/commun/resources/{id}").as_str(), "pending")
        );
        let (status, page) = anne.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("attend la relecture"), "{page}");
        assert_eq!(app.get_text(&url).await.0, 404);
        assert!(!app.get_text("/commun/resources").await.1.contains(TITLE));
        // Only a network moderator sees the queue and decides.
        assert_eq!(anne.get_text("/commun/moderation/resources").await.0, 403);
        let (status, queue) = admin.get_text("/commun/moderation/resources").await;
        assert_eq!(status, 200);
        assert!(
            queue.contains(TITLE) && queue.contains("Guide.pdf"),
            "{queue}"
        );
        let path = format!("/commun/moderation/resources/{id}");
        assert_eq!(
            anne.post_form(&path, &[("decision", "approve")])
                .await
                .status(),
            403
        );
        let r = admin.post_form(&path, &[("decision", "approve")]).await;
        assert_eq!(redirected_to(r).await, "/commun/moderation/resources");
        assert_eq!(resource_state(&app).await.1, "published");
        let mail = network_mail(&app, "anne@test.fr", "Votre ressource est publiée").await;
        assert!(
            mail.body.contains(TITLE) && mail.body.contains(&url),
            "{}",
            mail.body
        );
        // Listed, filtered, on the network's page, on its own with its attachment.
        let (status, list) = app.get_text("/commun/resources").await;
        assert_eq!(status, 200);
        assert!(
            list.contains(TITLE) && list.contains("1 ressource"),
            "{list}"
        );
        assert!(list.contains("CC BY-SA 4.0") && list.contains("Budget participatif"));
        let listed = |path: &'static str| {
            let app = &app;
            async move { app.get_text(path).await.1.contains(TITLE) }
        };
        assert!(listed("/commun/resources?kind=guide&method=budget-participatif").await);
        assert!(!listed("/commun/resources?kind=tool").await);
        assert!(!listed("/commun/resources?method=conversation").await);
        assert!(
            listed("/commun/resources?kind=inconnu").await,
            "an unknown value narrows nothing"
        );
        assert!(listed("/commun").await);
        let (status, page) = app.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("<strong>règlement</strong>"), "{page}");
        assert!(page.contains(">Guide.pdf</a>") && page.contains("Concertation Trégor"));
        let file = crate::common::attachment_in(&page, &url);
        let r = app.get(&format!("{url}/attachments/{file}")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        // The open data: no personal data.
        let (status, csv) = app.get_text("/data/network/resources.csv").await;
        assert_eq!(status, 200);
        let line = csv.lines().nth(1).unwrap();
        assert!(
            line.contains(TITLE) && line.contains(",guide,budget-participatif,cc_by_sa_4,"),
            "{csv}"
        );
        assert!(!csv.contains("anne") && !csv.contains("Anne"));
        assert_eq!(
            app.schema_fields("/data/network/resources.schema.json")
                .await
                .len(),
            csv.lines().next().unwrap().split(',').count()
        );
        let catalog = app.get_text("/data/catalog.jsonld").await.1;
        assert!(catalog.contains("/data/network/resources.csv"), "{catalog}");
        assert!(
            catalog.contains("/data/network/resources.json"),
            "{catalog}"
        );
        let items = super::json_matches_csv(&app, "/data/network/resources").await;
        assert_eq!(items.len(), csv.lines().count() - 1);
        assert_eq!(items[0]["title"], TITLE);
        assert_eq!(items[0]["attachments"], 1, "a count");
        let json = app.get_text("/data/network/resources.json").await.1;
        assert!(!json.contains("anne") && !json.contains("Anne"));
        // The site's search, once the index has it.
        let mut found = serde_json::Value::Null;
        for _ in 0..100 {
            found = app
                .get_json("/api/v1/search?q=budget+participatif+ecoles&kind=network_resource")
                .await;
            if found["total"] == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(found["total"], 1, "{found}");
        assert_eq!(found["items"][0]["url"], url.as_str());
        assert_eq!(found["items"][0]["subtitle"], "Concertation Trégor");
        let (_, page) = app.get_text("/search?q=budget+participatif+ecoles").await;
        assert!(page.contains(&url) && page.contains("Ressource"), "{page}");
    })
);

on_every_engine!(
    a_rejected_resource_is_mailed_with_its_reason_and_stays_hidden,
    |app: TestApp| Box::pin(async move {
        let (admin, anne, member) = admin_and_member(&app).await;
        let url = redirected_to(
            anne.post_multipart("/commun/resources/new", &resource(&member), &[])
                .await,
        )
        .await;
        let (id, _) = resource_state(&app).await;
        let path = format!("/commun/moderation/resources/{id}");
        // A rejection needs its reason.
        let r = admin.post_form(&path, &[("decision", "reject")]).await;
        assert_eq!(r.status(), 422);
        assert_eq!(resource_state(&app).await.1, "pending");
        let r = admin
            .post_form(
                &path,
                &[("decision", "reject"), ("reason", "Licence à préciser")],
            )
            .await;
        assert_eq!(redirected_to(r).await, "/commun/moderation/resources");
        assert_eq!(resource_state(&app).await.1, "rejected");
        let mail = network_mail(&app, "anne@test.fr", "Votre ressource n'a pas été publiée").await;
        assert!(mail.body.contains("Licence à préciser"), "{}", mail.body);
        // Decided once only; hidden from everyone but its author and the moderators.
        assert_eq!(
            admin
                .post_form(&path, &[("decision", "approve")])
                .await
                .status(),
            409
        );
        assert_eq!(app.get_text(&url).await.0, 404);
        assert_eq!(anne.get_text(&url).await.0, 200);
        assert!(!app.get_text("/commun/resources").await.1.contains(TITLE));
        assert!(
            !app.get_text("/data/network/resources.csv")
                .await
                .1
                .contains(TITLE)
        );
    })
);

on_every_engine!(
    nobody_proposes_a_resource_for_a_member_they_do_not_own,
    |app: TestApp| Box::pin(async move {
        let (admin, _anne, member) = admin_and_member(&app).await;
        // Bob owns an actor that is not a member: the page says why, the form is refused.
        let bob = app.other_client();
        bob.register_and_login("bob@test.fr", "Bob").await;
        published_actor(&bob, &admin, "Civic Bob", "civic_tech").await;
        let (status, page) = bob.get_text("/commun/resources/new").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Seuls les responsables d&#39;un acteur membre"),
            "{page}"
        );
        assert!(!page.contains("name=\"title\""));
        let r = bob
            .post_multipart("/commun/resources/new", &resource(&member), &[])
            .await;
        assert_eq!(r.status(), 403);
        // Nor does the administrator, who owns no member.
        let r = admin
            .post_multipart("/commun/resources/new", &resource(&member), &[])
            .await;
        assert_eq!(r.status(), 403);
        // Carole owns a member, but not Anne's.
        let carole = app.other_client();
        carole.register_and_login("carole@test.fr", "Carole").await;
        let actor = published_actor(&carole, &admin, "Asso Parole Commune", "association").await;
        redirected_to(carole.post_form("/commun/join", &request(&actor)).await).await;
        let (hers, _, _) = member_of(&app, &actor).await;
        let r = admin
            .post_form(
                &format!("/commun/moderation/members/{hers}"),
                &[("decision", "approve")],
            )
            .await;
        redirected_to(r).await;
        let r = carole
            .post_multipart("/commun/resources/new", &resource(&member), &[])
            .await;
        assert_eq!(r.status(), 403);
        assert_eq!(app.count("network_resources").await, 0);
        // Anonymous readers see the resources, and are sent to sign in to propose one.
        assert_eq!(app.get_text("/commun/resources").await.0, 200);
        assert_eq!(app.get("/commun/resources/new").await.status(), 303);
    })
);

on_every_engine!(
    an_author_revises_a_published_resource_through_a_reviewed_revision,
    |app: TestApp| Box::pin(async move {
        let (admin, anne, member) = admin_and_member(&app).await;
        let url = redirected_to(
            anne.post_multipart("/commun/resources/new", &resource(&member), &[])
                .await,
        )
        .await;
        let edit = format!("{url}/edit");
        // While it waits, its author's change applies at once.
        let (status, form) = anne.get_text(&edit).await;
        assert_eq!(status, 200);
        assert!(form.contains("name=\"base\" value=\"1\""), "{form}");
        let mut changed = resource(&member);
        changed[1].1 = "Guide du budget participatif des collèges";
        changed.push(("base", "1"));
        assert_eq!(
            redirected_to(anne.post_multipart(&edit, &changed, &[]).await).await,
            url
        );
        assert!(anne.get_text(&url).await.1.contains("des collèges"));
        let (id, _) = resource_state(&app).await;
        let r = admin
            .post_form(
                &format!("/commun/moderation/resources/{id}"),
                &[("decision", "approve")],
            )
            .await;
        redirected_to(r).await;
        // Published, a change waits for a moderator, shown as a diff with its new file.
        let mut revised = resource(&member);
        revised[1].1 = "Guide du budget participatif des collèges";
        for (k, v) in revised.iter_mut() {
            if *k == "licence" {
                *v = "etalab_2";
            }
        }
        revised.push(("base", "2"));
        let r = anne
            .post_multipart(
                &edit,
                &revised,
                &[("attachment", "Annexe.pdf", pdf("annexe"))],
            )
            .await;
        assert_eq!(redirected_to(r).await, url);
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains("CC BY-SA 4.0") && !page.contains("Annexe.pdf"),
            "not yet published"
        );
        let (_, queue) = admin.get_text("/commun/moderation/resources").await;
        assert!(queue.contains("<ins>etalab_2</ins>"), "{queue}");
        assert!(queue.contains(">Annexe.pdf</a>"), "{queue}");
        let rev: String = sqlx::query_scalar("SELECT id FROM network_resource_revisions")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let base = format!("/commun/moderation/resources/revisions/{rev}");
        let file = crate::common::attachment_in(&queue, &base);
        let link = format!("{base}/attachments/{file}");
        assert_eq!(admin.get(&link).await.status(), 200);
        assert_eq!(anne.get(&link).await.status(), 404);
        // Only its author changes it.
        let bob = app.other_client();
        bob.register_and_login("bob@test.fr", "Bob").await;
        assert_eq!(bob.get_text(&edit).await.0, 403);
        assert_eq!(admin.get_text(&edit).await.0, 403);
        // Approved: published, the author told.
        let r = admin.post_form(&base, &[("decision", "approve")]).await;
        assert_eq!(redirected_to(r).await, "/commun/moderation/resources");
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains("Licence Ouverte 2.0") && page.contains(">Annexe.pdf</a>"),
            "{page}"
        );
        let mail = network_mail(&app, "anne@test.fr", "Votre modification est publiée").await;
        assert!(mail.body.contains("des collèges"), "{}", mail.body);
        // A change started from an older version is refused, nothing changed.
        let r = anne.post_multipart(&edit, &revised, &[]).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("modifiée entre-temps"));
        assert_eq!(app.count("network_resource_revisions").await, 1);
    })
);
