//! The Territoires en commun network through its pages: an owner asks for their actor to join
//! (a bad form names every problem and stores nothing), the administrator accepts or refuses
//! with a reason and the owner is told by mail; members are listed, filtered, mapped and
//! published as open data; nobody asks for an actor they do not own.

use crate::common::{TestApp, redirected_to};
use crate::on_every_engine;

mod conversations;
mod requests;
mod resources;

/// The JSON file of the data set at `stem` (its `.json`) says what its CSV says, item for row
/// and value for value, each value typed as the Table Schema (`.schema.json`) says; returns
/// the items.
async fn json_matches_csv(app: &TestApp, stem: &str) -> Vec<serde_json::Value> {
    let (status, csv) = app.get_text(&format!("{stem}.csv")).await;
    assert_eq!(status, 200);
    let records = kernel::opendata::csv_records(&csv);
    let header = &records[0].1;
    let r = app.get(&format!("{stem}.json")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let items: Vec<serde_json::Value> = r.json().await.unwrap();
    assert_eq!(records.len() - 1, items.len(), "{csv}");
    let schema = app.get_json(&format!("{stem}.schema.json")).await;
    let types: Vec<&str> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), header.len());
    for ((_, record), item) in records[1..].iter().zip(&items) {
        assert_eq!(
            item.as_object().unwrap().len(),
            header.len(),
            "the CSV's fields and no other: {item}"
        );
        for ((name, value), kind) in header.iter().zip(record).zip(&types) {
            let field = &item[name.as_str()];
            match *kind {
                "integer" => assert_eq!(field.as_i64(), value.parse().ok(), "{name}"),
                "number" => {
                    let (a, b): (f64, f64) = (value.parse().unwrap(), field.as_f64().unwrap());
                    assert!((a - b).abs() < 1e-9, "{name}: {value} ≠ {field}");
                }
                _ => assert_eq!(field.as_str(), Some(value.as_str()), "{name}"),
            }
        }
    }
    items
}

/// An actor of `kind` named `name`, proposed by `owner` and published by `moderator` (an
/// instance administrator); returns its id.
async fn published_actor(owner: &TestApp, moderator: &TestApp, name: &str, kind: &str) -> String {
    let r = owner
        .post_form(
            "/directory/propose",
            &[
                ("name", name),
                ("kind", kind),
                (
                    "short_description",
                    "Nous accompagnons les communes dans leurs démarches de participation.",
                ),
                ("address", "1 rue de la Poste"),
                ("postcode", "22300"),
                ("commune", "22113"),
                ("lat", "48.7326"),
                ("lon", "-3.4566"),
                ("themes", "participation"),
            ],
        )
        .await;
    redirected_to(r).await;
    let id: String = sqlx::query_scalar("SELECT id FROM actors WHERE name = $1")
        .bind(name)
        .fetch_one(owner.state.db().pool())
        .await
        .unwrap();
    let r = moderator
        .post_form(
            &format!("/directory/moderation/actors/{id}"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), 303);
    id
}

/// A good request for `actor` to join.
fn request(actor: &str) -> Vec<(&str, &str)> {
    vec![
        ("actor", actor),
        ("charter", "on"),
        ("methods", "budget-participatif"),
        ("methods", "conversation"),
        ("territories", "22, Finistère"),
        ("references", "Budget participatif de Lannion, 2025."),
    ]
}

/// The network's mail to `to` whose subject holds `subject` (mail leaves in the background:
/// waits for it, up to five seconds).
async fn network_mail(app: &TestApp, to: &str, subject: &str) -> kernel::mail::OutboxMail {
    for _ in 0..250 {
        if let Some(m) = app
            .mails()
            .await
            .into_iter()
            .find(|m| m.to == to && m.subject.contains(subject))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no mail to {to} about {subject}");
}

async fn member_of(app: &TestApp, actor: &str) -> (String, String, i64) {
    sqlx::query_as("SELECT id, state, charter_accepted_at FROM network_members WHERE actor_id = $1")
        .bind(actor)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap()
}

on_every_engine!(
    an_owner_asks_to_join_and_once_accepted_the_member_is_listed_mapped_and_published,
    |app: TestApp| Box::pin(async move {
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
        let (status, page) = anne.get_text("/commun/join").await;
        assert_eq!(status, 200);
        assert!(page.contains("Concertation Trégor") && page.contains("La charte des membres"));
        // A bad form: every problem named, nothing stored.
        let r = anne
            .post_form(
                "/commun/join",
                &[
                    ("actor", actor.as_str()),
                    ("methods", "tirage-au-sort"),
                    ("territories", "22, Atlantide"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for problem in [
            "Acceptez la charte des membres",
            "Cette méthode n&#39;existe pas dans la liste.",
            "Un de ces départements est inconnu",
            "error-summary",
            "aria-describedby=\"territories-error territories-hint\"",
        ] {
            assert!(page.contains(problem), "{problem}: {page}");
        }
        let r = anne
            .post_form(
                "/commun/join",
                &[("actor", actor.as_str()), ("charter", "on")],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("Cochez au moins une méthode."));
        assert!(page.contains("Indiquez au moins un département."));
        assert_eq!(app.count("network_members").await, 0);
        // A good one waits for a moderator.
        let to = redirected_to(anne.post_form("/commun/join", &request(&actor)).await).await;
        assert_eq!(to, "/commun/join");
        let (member, state, charter) = member_of(&app, &actor).await;
        assert_eq!(state, "pending");
        assert!(charter > 0);
        let (_, page) = anne.get_text("/commun/join").await;
        assert!(page.contains("Demande en attente de validation"), "{page}");
        let (_, page) = app.get_text("/commun").await;
        assert!(!page.contains("Concertation Trégor"));
        // Only a network moderator sees the queue.
        assert_eq!(anne.get_text("/commun/moderation").await.0, 403);
        assert_eq!(app.get("/commun/moderation").await.status(), 303);
        let (status, page) = admin.get_text("/commun/moderation").await;
        assert_eq!(status, 200);
        assert!(page.contains("Concertation Trégor") && page.contains("Budget participatif"));
        let r = anne
            .post_form(
                &format!("/commun/moderation/members/{member}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 403);
        let r = admin
            .post_form(
                &format!("/commun/moderation/members/{member}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(redirected_to(r).await, "/commun/moderation");
        assert_eq!(member_of(&app, &actor).await.1, "published");
        let mail = network_mail(&app, "anne@test.fr", "Bienvenue").await;
        assert!(mail.body.contains("Concertation Trégor") && mail.body.contains("/commun"));
        // Listed with its methods and départements, in French and in English.
        let (status, page) = app.get_text("/commun").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Concertation Trégor") && page.contains("1 membre"),
            "{page}"
        );
        assert!(page.contains("<dd>Budget participatif, Conversation à la Polis</dd>"));
        assert!(
            page.contains("<dd>Côtes-d&#39;Armor (22), Finistère (29)</dd>"),
            "{page}"
        );
        assert!(page.contains("/directory/actors/concertation-tregor"));
        let r = app
            .client
            .get(app.url("/commun"))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains("Territories in common") && page.contains("Participatory budget"));
        // The open data.
        let (status, csv) = app.get_text("/data/network/members.csv").await;
        assert_eq!(status, 200);
        let line = csv.lines().nth(1).unwrap();
        assert!(line.contains("Concertation Trégor"), "{csv}");
        assert!(
            line.contains("\"budget-participatif,conversation\",\"22,29\""),
            "{line}"
        );
        let catalog = app.get_text("/data/catalog.jsonld").await.1;
        for file in ["members.csv", "members.geojson", "members.json"] {
            assert!(catalog.contains(&format!("/data/network/{file}")), "{file}");
        }
        assert_eq!(
            app.schema_fields("/data/network/members.schema.json")
                .await
                .len(),
            csv.lines().next().unwrap().split(',').count()
        );
        // The JSON and the GeoJSON say what the CSV says; the point is the actor's position.
        let items = json_matches_csv(&app, "/data/network/members").await;
        assert_eq!(items.len(), 1);
        let geo = app.get_json("/data/network/members.geojson").await;
        assert_eq!(geo["type"], "FeatureCollection");
        let features = geo["features"].as_array().unwrap();
        assert_eq!(features.len(), items.len());
        let actors: Vec<serde_json::Value> =
            app.get("/data/actors.json").await.json().await.unwrap();
        for (feature, item) in features.iter().zip(&items) {
            let mut properties = item.clone();
            let position = properties
                .as_object_mut()
                .map(|o| (o.remove("lat"), o.remove("long")));
            assert_eq!(feature["properties"], properties);
            let actor = actors.iter().find(|a| a["id"] == item["actor_id"]).unwrap();
            assert_eq!(
                position,
                Some((Some(actor["lat"].clone()), Some(actor["long"].clone())))
            );
            assert_eq!(feature["geometry"]["type"], "Point");
            assert_eq!(
                feature["geometry"]["coordinates"],
                serde_json::json!([actor["long"], actor["lat"]])
            );
        }
        assert_eq!(
            features[0]["geometry"]["coordinates"],
            serde_json::json!([-3.4566, 48.7326]),
            "[lon, lat]"
        );
        // The map's sources.
        let geo = app.get_json("/commun/members.json").await;
        assert_eq!(
            geo["features"][0]["properties"]["name"],
            "Concertation Trégor"
        );
        let view = app
            .get_json("/commun/members.json?method=conversation&west=-10&south=40&east=10&north=52&zoom=6")
            .await;
        assert_eq!(view["items"].as_array().unwrap().len(), 1);
        assert_eq!(view["items"][0]["title"], "Concertation Trégor");
        // Leaving.
        let r = anne
            .post_form(&format!("/commun/members/{member}/leave"), &[])
            .await;
        assert_eq!(redirected_to(r).await, "/commun/join");
        let (_, page) = app.get_text("/commun").await;
        assert!(!page.contains("Concertation Trégor"));
        assert_eq!(member_of(&app, &actor).await.1, "left");
    })
);

on_every_engine!(
    members_are_filtered_by_method_and_departement,
    |app: TestApp| Box::pin(async move {
        let admin = app.other_client();
        admin.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        for (name, methods, territories) in [
            ("Atelier Civique", "conversation", "22"),
            ("Débats Publics Conseil", "debat-public", "82, 31"),
        ] {
            let actor = published_actor(&anne, &admin, name, "civic_tech").await;
            let r = anne
                .post_form(
                    "/commun/join",
                    &[
                        ("actor", actor.as_str()),
                        ("charter", "on"),
                        ("methods", methods),
                        ("territories", territories),
                    ],
                )
                .await;
            redirected_to(r).await;
            let (member, _, _) = member_of(&app, &actor).await;
            let r = admin
                .post_form(
                    &format!("/commun/moderation/members/{member}"),
                    &[("decision", "approve")],
                )
                .await;
            redirected_to(r).await;
        }
        let listed = |path: &'static str| {
            let app = &app;
            async move {
                let (status, page) = app.get_text(path).await;
                assert_eq!(status, 200);
                (
                    page.contains(">Atelier Civique</a>"),
                    page.contains(">Débats Publics Conseil</a>"),
                )
            }
        };
        assert_eq!(listed("/commun").await, (true, true));
        assert_eq!(listed("/commun?method=conversation").await, (true, false));
        assert_eq!(listed("/commun?method=debat-public").await, (false, true));
        assert_eq!(listed("/commun?departement=31").await, (false, true));
        assert_eq!(
            listed("/commun?departement=22&method=conversation").await,
            (true, false)
        );
        assert_eq!(listed("/commun?departement=29").await, (false, false));
        // An unknown value narrows nothing.
        assert_eq!(listed("/commun?method=inconnue").await, (true, true));
        let geo = app.get_json("/commun/members.json?departement=82").await;
        assert_eq!(geo["features"].as_array().unwrap().len(), 1);
    })
);

on_every_engine!(
    a_refusal_gives_its_reason_by_mail_and_the_owner_may_ask_again,
    |app: TestApp| Box::pin(async move {
        let admin = app.other_client();
        admin.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let actor = published_actor(&anne, &admin, "Asso Parole Commune", "association").await;
        redirected_to(anne.post_form("/commun/join", &request(&actor)).await).await;
        let (member, _, _) = member_of(&app, &actor).await;
        let path = format!("/commun/moderation/members/{member}");
        // A refusal needs its reason.
        let r = admin.post_form(&path, &[("decision", "reject")]).await;
        assert_eq!(r.status(), 422);
        assert_eq!(member_of(&app, &actor).await.1, "pending");
        let r = admin
            .post_form(
                &path,
                &[("decision", "reject"), ("reason", "Références à préciser")],
            )
            .await;
        redirected_to(r).await;
        assert_eq!(member_of(&app, &actor).await.1, "rejected");
        let mail = network_mail(&app, "anne@test.fr", "demande d'adhésion").await;
        assert!(mail.body.contains("Références à préciser"), "{}", mail.body);
        // Decided once only.
        let r = admin.post_form(&path, &[("decision", "approve")]).await;
        assert_eq!(r.status(), 409);
        let (_, page) = app.get_text("/commun").await;
        assert!(!page.contains("Asso Parole Commune"));
        // Asking again.
        let (_, page) = anne.get_text("/commun/join").await;
        assert!(page.contains("name=\"actor\" value=\""), "{page}");
        redirected_to(anne.post_form("/commun/join", &request(&actor)).await).await;
        let (again, state, _) = member_of(&app, &actor).await;
        assert_eq!((again, state.as_str()), (member, "pending"));
    })
);

on_every_engine!(nobody_asks_for_an_actor_they_do_not_own, |app: TestApp| {
    Box::pin(async move {
        let admin = app.other_client();
        admin.login_as_admin().await;
        let anne = app.other_client();
        anne.register_and_login("anne@test.fr", "Anne").await;
        let bob = app.other_client();
        bob.register_and_login("bob@test.fr", "Bob").await;
        let annes = published_actor(
            &anne,
            &admin,
            "Concertation Trégor",
            "participation_consultancy",
        )
        .await;
        published_actor(&bob, &admin, "Civic Bob", "civic_tech").await;
        // Bob owns an actor that may join, but not Anne's.
        let r = bob.post_form("/commun/join", &request(&annes)).await;
        assert_eq!(r.status(), 403);
        assert_eq!(app.count("network_members").await, 0);
        // Carole owns nothing: the page says why, the form is refused.
        let carole = app.other_client();
        carole.register_and_login("carole@test.fr", "Carole").await;
        let (status, page) = carole.get_text("/commun/join").await;
        assert_eq!(status, 200);
        assert!(page.contains("Seuls les responsables"), "{page}");
        assert!(!page.contains("name=\"charter\""));
        assert_eq!(
            carole
                .post_form("/commun/join", &request(&annes))
                .await
                .status(),
            403
        );
        // Nor does the owner of a fablab, which is not an actor of participation.
        published_actor(&carole, &admin, "Fablab Carole", "fablab").await;
        let (_, page) = carole.get_text("/commun/join").await;
        assert!(
            page.contains("ce type d&#39;acteur ne fait pas partie du réseau"),
            "{page}"
        );
        assert_eq!(
            carole
                .post_form("/commun/join", &request(&annes))
                .await
                .status(),
            403
        );
        // Nobody but an owner makes a member leave.
        redirected_to(anne.post_form("/commun/join", &request(&annes)).await).await;
        let (member, _, _) = member_of(&app, &annes).await;
        let leave = format!("/commun/members/{member}/leave");
        assert_eq!(bob.post_form(&leave, &[]).await.status(), 403);
        assert_eq!(admin.post_form(&leave, &[]).await.status(), 403);
        assert_eq!(app.post_form(&leave, &[]).await.status(), 303);
        assert_eq!(member_of(&app, &annes).await.1, "pending");
        // Anonymous readers see the network, and are sent to sign in to join.
        assert_eq!(app.get_text("/commun").await.0, 200);
        assert_eq!(app.get("/commun/join").await.status(), 303);
    })
});
