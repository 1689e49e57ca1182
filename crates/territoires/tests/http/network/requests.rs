//! Requests for support through their pages: a space administrator describes a need (a bad
//! form names every problem and stores nothing; a citizen is refused), the owners of the
//! members that match are told by mail and the others not; owners answer privately, the
//! requester reads the answers and picks one (the members are told), and the open data holds
//! neither texts nor names.

use super::{member_of, network_mail, published_actor};
use crate::common::{TestApp, redirected_to};
use crate::on_every_engine;
use kernel::accounts::Role;

/// `owner`'s actor `name` joins with `methods` in `territories`, accepted by `admin`; returns
/// the member's id.
async fn member(
    app: &TestApp,
    owner: &TestApp,
    admin: &TestApp,
    name: &str,
    methods: &[&str],
    territories: &str,
) -> String {
    let actor = published_actor(owner, admin, name, "participation_consultancy").await;
    let mut form = vec![
        ("actor", actor.as_str()),
        ("charter", "on"),
        ("territories", territories),
        ("references", "Démarches accompagnées en Bretagne."),
    ];
    form.extend(methods.iter().map(|m| ("methods", *m)));
    redirected_to(owner.post_form("/commun/join", &form).await).await;
    let (member, _, _) = member_of(app, &actor).await;
    let r = admin
        .post_form(
            &format!("/commun/moderation/members/{member}"),
            &[("decision", "approve")],
        )
        .await;
    redirected_to(r).await;
    member
}

/// A good request for support from `space`.
fn request(space: &str) -> Vec<(&str, &str)> {
    vec![
        ("space", space),
        (
            "title",
            "Accompagner une assemblée citoyenne sur les mobilités",
        ),
        ("need", "Quarante habitants tirés au sort, six séances."),
        ("methods", "assemblee-citoyenne"),
        ("departement", "Côtes-d'Armor"),
        ("starts_on", "2027-02-01"),
        ("ends_on", "2027-06-30"),
        ("budget_band", "20k_50k"),
    ]
}

async fn request_state(app: &TestApp) -> (String, String) {
    sqlx::query_as("SELECT id, state FROM network_requests")
        .fetch_one(app.state.db().pool())
        .await
        .unwrap()
}

async fn answer_of(app: &TestApp, member: &str) -> String {
    sqlx::query_scalar("SELECT id FROM network_request_answers WHERE member_id = $1")
        .bind(member)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap()
}

on_every_engine!(
    a_space_administrator_asks_matching_members_answer_privately_and_one_is_chosen,
    |app: TestApp| Box::pin(async move {
        let admin = app.other_client();
        admin.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let carla = app.other_client();
        carla.register_and_login("carla@test.fr", "Carla").await;
        let bob = app.other_client();
        bob.register_and_login("bob@test.fr", "Bob").await;
        let anne_member = member(
            &app,
            &anne,
            &admin,
            "Concertation Trégor",
            &["assemblee-citoyenne", "conversation"],
            "22",
        )
        .await;
        let carla_member = member(
            &app,
            &carla,
            &admin,
            "Assemblées d'Armor",
            &["assemblee-citoyenne"],
            "22, 29",
        )
        .await;
        member(
            &app,
            &bob,
            &admin,
            "Débats du Finistère",
            &["debat-public"],
            "29",
        )
        .await;
        let space = app
            .with_space("lannion", "Lannion participe", "commune/22113")
            .await;
        let (yann, _) = app
            .signed_in("yann@test.fr", "Yann", Role::SpaceAdmin, &space)
            .await;
        // A citizen administers no space: refused.
        let dana = app.other_client();
        dana.register_and_login("dana@test.fr", "Dana").await;
        assert_eq!(dana.get_text("/commun/requests/new").await.0, 403);
        let r = dana
            .post_form("/commun/requests/new", &request(&space))
            .await;
        assert_eq!(r.status(), 403);
        assert_eq!(app.get("/commun/requests").await.status(), 303);
        // A bad form: every problem named, nothing stored.
        let (status, page) = yann.get_text("/commun/requests/new").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Lannion participe") && page.contains("20 000"),
            "{page}"
        );
        let r = yann
            .post_form(
                "/commun/requests/new",
                &[
                    ("space", space.as_str()),
                    ("title", "Aide"),
                    ("methods", "tirage-au-sort"),
                    ("departement", "Atlantide"),
                    ("starts_on", "2027-06-30"),
                    ("ends_on", "2027-01-01"),
                    ("budget_band", "1M"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for problem in [
            "error-summary",
            "href=\"#title\"",
            "href=\"#need\"",
            "Cette méthode n&#39;existe pas dans la liste.",
            "href=\"#departement\"",
            "La fin ne peut pas précéder le début.",
            "Cette tranche de budget n&#39;est pas dans la liste.",
        ] {
            assert!(page.contains(problem), "{problem}: {page}");
        }
        assert_eq!(app.count("network_requests").await, 0);
        // A good one: the owners of the matching members are told, the others not.
        let to = redirected_to(
            yann.post_form("/commun/requests/new", &request(&space))
                .await,
        )
        .await;
        let (id, state) = request_state(&app).await;
        assert_eq!(
            (to.as_str(), state.as_str()),
            (format!("/commun/requests/{id}").as_str(), "open")
        );
        for owner in ["anne@test.fr", "carla@test.fr"] {
            let mail = network_mail(&app, owner, "Une demande d'accompagnement").await;
            assert!(mail.body.contains(&to), "{}", mail.body);
        }
        assert!(
            !app.mails()
                .await
                .iter()
                .any(|m| m.to == "bob@test.fr" && m.subject.contains("accompagnement")),
            "a member that does not match is not told"
        );
        let (status, page) = yann.get_text(&to).await;
        assert_eq!(status, 200);
        for suggested in [
            "Concertation Trégor",
            "Assemblées d&#39;Armor",
            "1 méthode en commun",
            "intervient dans le département",
        ] {
            assert!(page.contains(suggested), "{suggested}: {page}");
        }
        assert!(!page.contains("Débats du Finistère"), "{page}");
        let (_, list) = anne.get_text("/commun/requests").await;
        assert!(
            list.contains("Accompagner une assemblée citoyenne"),
            "{list}"
        );
        let (_, list) = bob.get_text("/commun/requests").await;
        assert!(
            !list.contains("Accompagner une assemblée citoyenne"),
            "{list}"
        );
        // Owners answer privately.
        let (status, page) = anne.get_text(&to).await;
        assert_eq!(status, 200);
        assert!(page.contains("name=\"estimate\""), "{page}");
        let r = anne
            .post_form(
                &format!("{to}/answers"),
                &[("member", anne_member.as_str()), ("text", "")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.count("network_request_answers").await, 0);
        let r = anne
            .post_form(
                &format!("{to}/answers"),
                &[
                    ("member", anne_member.as_str()),
                    ("text", "Nous avons animé trois assemblées tirées au sort."),
                    ("estimate", "850 € HT par jour"),
                ],
            )
            .await;
        assert_eq!(redirected_to(r).await, to);
        let r = anne
            .post_form(
                &format!("{to}/answers"),
                &[("member", carla_member.as_str()), ("text", "Pas le mien.")],
            )
            .await;
        assert_eq!(
            r.status(),
            403,
            "nobody answers for a member they do not own"
        );
        let r = carla
            .post_form(
                &format!("{to}/answers"),
                &[
                    ("member", carla_member.as_str()),
                    ("text", "Nous outillons les séances en ligne."),
                ],
            )
            .await;
        assert_eq!(redirected_to(r).await, to);
        let (_, page) = carla.get_text(&to).await;
        assert!(page.contains("Nous outillons les séances en ligne."));
        assert!(
            !page.contains("trois assemblées") && !page.contains("850 €"),
            "{page}"
        );
        let (_, page) = bob.get_text(&to).await;
        assert!(
            !page.contains("trois assemblées") && !page.contains("outillons"),
            "{page}"
        );
        assert_eq!(dana.get_text(&to).await.0, 404);
        // The requester reads both and picks one.
        let (_, page) = yann.get_text(&to).await;
        assert!(page.contains("trois assemblées") && page.contains("850 € HT par jour"));
        assert!(page.contains("outillons"), "{page}");
        let chosen = answer_of(&app, &anne_member).await;
        let r = carla
            .post_form(&format!("{to}/answers/{chosen}/choose"), &[])
            .await;
        assert_eq!(r.status(), 403);
        let r = yann
            .post_form(&format!("{to}/answers/{chosen}/choose"), &[])
            .await;
        assert_eq!(redirected_to(r).await, to);
        assert_eq!(request_state(&app).await.1, "answered");
        // The outcome can become a library report: the requester's form, filled in.
        let (_, page) = yann.get_text(&to).await;
        let start = page
            .find("/library/propose?")
            .expect("a link to the library");
        let link = page[start..page[start..].find('"').unwrap() + start]
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(!anne.get_text(&to).await.1.contains("/library/propose?"));
        let (status, form) = yann.get_text(&link).await;
        assert_eq!(status, 200);
        assert!(form.contains("Quarante"), "the need is the context: {form}");
        assert!(
            form.contains("commune/22113"),
            "the space's territory: {form}"
        );
        assert!(
            form.contains("/directory/actors/"),
            "the chosen member: {form}"
        );
        assert_eq!(
            app.count("experiences").await,
            0,
            "nothing stored before it is sent"
        );
        network_mail(&app, "anne@test.fr", "Votre réponse est retenue").await;
        network_mail(&app, "carla@test.fr", "n'a pas été retenue").await;
        let r = carla
            .post_form(
                &format!("{to}/answers"),
                &[("member", carla_member.as_str()), ("text", "Encore.")],
            )
            .await;
        assert_eq!(r.status(), 403, "an answered request takes no more answers");
        // The open data: no text, no name.
        let (status, csv) = app.get_text("/data/network/requests.csv").await;
        assert_eq!(status, 200);
        assert_eq!(
            csv.lines().next(),
            Some("methods,departement,budget_band,state,month")
        );
        let line = csv.lines().nth(1).unwrap();
        assert!(
            line.starts_with("assemblee-citoyenne,22,20k_50k,answered,20"),
            "{line}"
        );
        for private in [
            "assemblée",
            "Quarante",
            "Lannion",
            "Concertation",
            "Yann",
            "850",
        ] {
            assert!(!csv.contains(private), "{private}: {csv}");
        }
        assert_eq!(
            app.schema_fields("/data/network/requests.schema.json")
                .await,
            ["methods", "departement", "budget_band", "state", "month"]
        );
        let catalog = app.get_text("/data/catalog.jsonld").await.1;
        assert!(catalog.contains("/data/network/requests.csv"));
        assert!(catalog.contains("/data/network/requests.json"));
        let items = super::json_matches_csv(&app, "/data/network/requests").await;
        assert_eq!(items.len(), csv.lines().count() - 1);
        assert_eq!(
            items[0],
            serde_json::json!({
                "methods": "assemblee-citoyenne", "departement": "22", "budget_band": "20k_50k",
                "state": "answered", "month": items[0]["month"],
            }),
            "no id, no text, no name"
        );
        let json = app.get_text("/data/network/requests.json").await.1;
        for private in [
            "assemblée",
            "Quarante",
            "Lannion",
            "Concertation",
            "Yann",
            "850",
        ] {
            assert!(!json.contains(private), "{private}: {json}");
        }
        // The requester closes it.
        let r = yann.post_form(&format!("{to}/close"), &[]).await;
        assert_eq!(redirected_to(r).await, to);
        assert_eq!(request_state(&app).await.1, "closed");
    })
);
