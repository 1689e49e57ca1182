//! Reports through the pages: a citizen without an account reports with a photo and confirms by
//! mail; a second citizen nearby is offered the existing report and says "me too"; an agent of
//! the road team sees only its categories, acknowledges then resolves with a public note; the
//! reporter and the follower get both mails; the public page shows the history.

use crate::common::TestApp;
use crate::on_every_engine;

pub(crate) async fn montauban(app: &TestApp) -> String {
    let space_id = app
        .with_space("montauban", "Montauban signale", "commune/82121")
        .await;
    reports::demo::seed(app.state.demo()).await.unwrap();
    space_id
}

/// Files a pothole (`VOIRIE-01`) in Montauban through the demo's Open311 client, with
/// `fields` besides its place and size; returns its id.
pub(crate) async fn file_pothole(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let mut form = vec![
        ("api_key", reports::demo::DEMO_API_KEY),
        ("jurisdiction_id", "montauban"),
        ("service_code", "VOIRIE-01"),
        ("lat", "44.0152"),
        ("long", "1.3547"),
        ("attribute[TAILLE]", "grand"),
    ];
    form.extend_from_slice(fields);
    let r = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn form(fields: &[(&str, &str)], photo: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    if let Some(bytes) = photo {
        f = f.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("trou.png")
                .mime_str("image/png")
                .unwrap(),
        );
    }
    f
}

pub(crate) async fn send(
    app: &TestApp,
    fields: &[(&str, &str)],
    photo: Option<Vec<u8>>,
) -> (u16, String) {
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url("/s/montauban/reports/new"))
        .multipart(form(fields, photo).text("_csrf", token))
        .send()
        .await
        .unwrap();
    // A report sent is answered by a redirect to a page of its own (a reload sends nothing
    // again): that page is what the sender reads.
    if r.status() == 303 {
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/s/montauban/reports/sent"), "{to}");
        return app.get_text(&to).await;
    }
    (r.status().as_u16(), r.text().await.unwrap())
}

/// `admin` adds to the space `lannion` the team `name`, reached at `email`;
/// returns the answer.
async fn add_team(admin: &TestApp, name: &str, email: &str) -> reqwest::Response {
    admin
        .post_form(
            "/s/lannion/reports/setup/teams",
            &[("name", name), ("email", email)],
        )
        .await
}

mod desk;
mod map;

on_every_engine!(
    a_report_is_confirmed_offered_to_neighbours_and_handled_by_its_team,
    |app: TestApp| Box::pin(async move {
        let space = montauban(&app).await;
        let before = app.count("reports").await;
        // Far from every demo report, so that nothing similar is offered.
        let spot = [
            ("category", "VOIRIE-01"),
            ("lat", "44.0400"),
            ("lon", "1.4000"),
        ];
        // Bad input: nothing is saved, every problem is named.
        let mut bad = spot.to_vec();
        bad[1] = ("lat", "144");
        bad.push(("description", "<b>Trou</b>"));
        bad.push(("email", "pas-une-adresse"));
        let (status, page) = send(&app, &bad, Some(b"GIF89a pas une image".to_vec())).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("Ce fichier n&#39;est pas une image PNG ou JPEG lisible."),
            "{page}"
        );
        let (status, page) = send(&app, &bad, None).await;
        assert_eq!(status, 422);
        assert!(page.contains("sans balises"));
        assert!(page.contains("Répondez aux questions obligatoires"));
        let mut far = spot.to_vec();
        far[1] = ("lat", "48.7326");
        far[2] = ("lon", "-3.4566");
        far.push(("attribute[TAILLE]", "grand"));
        far.push(("email", "paul@exemple.fr"));
        let (status, page) = send(&app, &far, None).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("hors du territoire de l&#39;espace"),
            "{page}"
        );
        assert!(!page.contains("Répondez aux questions obligatoires"));
        assert_eq!(app.count("reports").await, before);

        let mut good = spot.to_vec();
        good.push(("description", "Trou profond devant la boulangerie"));
        good.push(("attribute[TAILLE]", "grand"));
        good.push(("email", "paul@exemple.fr"));
        let (status, page) = send(&app, &good, Some(crate::pages::png(64, 48))).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("suivez le lien"));
        // Not public until confirmed.
        let list: serde_json::Value = app
            .get("/open311/v2/requests.json?service_code=VOIRIE-01")
            .await
            .json()
            .await
            .unwrap();
        assert!(!list.to_string().contains("boulangerie"));
        let (_, found) = app.get_text("/search?q=boulangerie&kind=report").await;
        assert!(!found.contains("/reports/"), "not in the search either");
        let link = app.link_in_last_mail_to("paul@exemple.fr").await;
        let r = app.get(&link).await;
        assert_eq!(r.status(), 303);
        let report_url = r.headers()["location"].to_str().unwrap().to_string();
        let (_, shown) = app.get_text(&report_url).await;
        assert!(shown.contains("Trou profond devant la boulangerie"));
        assert!(
            shown.contains("Quelle est la taille du trou ?") && shown.contains("Plus de 50 cm")
        );
        assert!(shown.contains("/uploads/"));
        assert!(!shown.contains("paul@exemple.fr"));
        // Published: in the platform's search by its words, its category and its région (at
        // once: the node that confirmed it has it in its index), the sender never.
        let (_, found) = app
            .get_text("/search?q=boulangerie+trou&kind=report&region=76")
            .await;
        assert!(found.contains(&report_url), "{found}");
        assert!(
            found.contains("Nid-de-poule") && !found.contains("paul@"),
            "{found}"
        );
        // The result says in which space and on which day it was sent.
        let now = kernel::ids::now_ms();
        let today = kernel::clock::local_date(now);
        let words = kernel::i18n::Tr(kernel::i18n::Lang::Fr).date(now);
        assert!(
            found.contains("Montauban signale")
                && found.contains(&format!("<time datetime=\"{today}\">{words}</time>")),
            "{found}"
        );
        let (_, found) = app.get_text("/search?q=paul+exemple").await;
        assert!(!found.contains(&report_url));
        // The link works once.
        assert_eq!(app.get(&link).await.status(), 410);
        let team_mail = app.next_mail_to("voirie@demo.montauban.fr").await;
        assert!(team_mail.subject.contains("Nid-de-poule"));

        // A neighbour, 20 m away, is offered the existing report and says "me too".
        let neighbour = app.other_client();
        neighbour.register_and_login("lea@exemple.fr", "Léa").await;
        let near = [
            ("category", "VOIRIE-01"),
            ("lat", "44.0401"),
            ("lon", "1.4002"),
            ("description", "Gros trou"),
            ("attribute[TAILLE]", "moyen"),
        ];
        let (status, page) = send(&neighbour, &near, None).await;
        assert_eq!(status, 200);
        assert!(page.contains("Déjà signalé ?"));
        assert!(page.contains(&report_url));
        let r = neighbour
            .post_form(&format!("{report_url}/follow"), &[("support", "1")])
            .await;
        assert_eq!(r.status(), 303);
        let (_, shown) = neighbour.get_text(&report_url).await;
        assert!(shown.contains("1 personne concernée"));
        // Her account lists the report she follows, with where it stands.
        let (_, account) = neighbour.get_text("/account").await;
        assert!(
            account.contains("Mes signalements")
                && account.contains(&format!(r#"<a href="{report_url}">Nid-de-poule"#))
                && account.contains("Nouveau · suivi"),
            "{account}"
        );
        assert_eq!(app.count("reports").await, before + 1);

        // The road agent sees the road categories only, and handles the report.
        let (agent, agent_id) = app
            .signed_in(
                "agent@montauban.fr",
                "Agent",
                kernel::accounts::Role::Agent,
                &space,
            )
            .await;
        let (status, _) = agent.get_text("/s/montauban/reports/desk").await;
        assert_eq!(status, 200);
        let teams = reports::store::teams(app.state.db(), &space).await.unwrap();
        let voirie = teams.iter().find(|t| t.name == "Service voirie").unwrap();
        let (_, desk) = agent.get_text("/s/montauban/reports/desk").await;
        assert!(desk.contains("aucune équipe"));
        reports::store::add_member(app.state.db(), &voirie.id, &agent_id)
            .await
            .unwrap();
        let (_, desk) = agent.get_text("/s/montauban/reports/desk?status=new").await;
        assert!(
            desk.contains("Nid-de-poule") && !desk.contains("Dépôt sauvage"),
            "{desk}"
        );
        let id = report_url.rsplit('/').next().unwrap().to_string();
        // A report of another team cannot be touched.
        let other: String = sqlx::query_scalar(
            "SELECT r.id FROM reports r JOIN report_categories c ON c.id = r.category_id WHERE c.code = 'PROPRETE-01' LIMIT 1",
        )
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[
                    ("report", &id),
                    ("report", &other),
                    ("status", "acknowledged"),
                ],
            )
            .await;
        assert_eq!(r.status(), 403);
        let (status, _) = agent
            .get_text(&format!("/s/montauban/reports/{other}/handle"))
            .await;
        assert_eq!(status, 403);
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[
                    ("report", &id),
                    ("status", "acknowledged"),
                    ("public_note", "Vu, intervention prévue."),
                    ("internal_note", "Équipe B jeudi"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let r = agent
            .post_form(
                "/s/montauban/reports/desk/status",
                &[
                    ("report", &id),
                    ("status", "resolved"),
                    ("public_note", "Rebouché ce matin."),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        for who in ["paul@exemple.fr", "lea@exemple.fr"] {
            let first = app.next_mail_to(who).await;
            if who == "paul@exemple.fr" {
                // Paul's first mail was the confirmation link, already taken above.
                assert!(
                    first.body.contains("Vu, intervention prévue."),
                    "{}",
                    first.body
                );
            } else {
                assert!(first.body.contains("Vu, intervention prévue."));
            }
            let second = app.next_mail_to(who).await;
            assert!(second.body.contains("Rebouché ce matin."));
        }
        let (_, shown) = app.get_text(&report_url).await;
        assert!(
            shown.contains("Résolu")
                && shown.contains("Pris en compte")
                && shown.contains("Rebouché ce matin.")
        );
        // Internal notes stay internal.
        assert!(!shown.contains("Équipe B jeudi"));
        let (_, handling) = agent
            .get_text(&format!("/s/montauban/reports/{id}/handle"))
            .await;
        assert!(handling.contains("Équipe B jeudi"));
        let open311: serde_json::Value = app
            .get(&format!("/open311/v2/requests/{id}.json"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(open311[0]["status"], "closed");
        assert_eq!(open311[0]["status_notes"], "Rebouché ce matin.");
        // A citizen has no desk.
        let (status, _) = neighbour.get_text("/s/montauban/reports/desk").await;
        assert_eq!(status, 403);
    })
);

on_every_engine!(
    reports_are_open_data_without_personal_data,
    |app: TestApp| Box::pin(async move {
        montauban(&app).await;
        let (status, csv) = app.get_text("/data/reports/montauban.csv").await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "id,service_code,service_name,status,requested_datetime,updated_datetime,lat,long,status_notes"
        );
        assert_eq!(lines.len(), 61);
        // Positions are rounded to four decimals, and no contact detail is there.
        let lat = lines[1].split(',').nth(6).unwrap();
        assert!(lat.split('.').nth(1).unwrap().len() <= 4, "{lat}");
        assert!(!csv.contains('@'));
        let geo: serde_json::Value = app
            .get("/data/reports/montauban.geojson")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(geo["type"], "FeatureCollection");
        assert_eq!(geo["features"].as_array().unwrap().len(), 60);
        assert_eq!(geo["features"][0]["geometry"]["type"], "Point");
        let json: serde_json::Value = app
            .get("/data/reports/montauban.json")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(json.as_array().unwrap().len(), 60);
        let schema: serde_json::Value = app
            .get("/data/reports/montauban.schema.json")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(schema["fields"].as_array().unwrap().len(), 9);
        let (status, feed) = app
            .get_text("/s/montauban/reports/feed.atom?category=VOIRIE-01")
            .await;
        assert_eq!(status, 200);
        assert!(feed.starts_with(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">"#
        ));
        assert!(feed.contains("Nid-de-poule") && !feed.contains("Dépôt sauvage"));
        let (status, stats) = app.get_text("/s/montauban/reports/stats").await;
        assert_eq!(status, 200);
        assert!(
            stats.contains("Délai médian de résolution") && stats.contains("Lampadaire en panne")
        );
        assert_eq!(app.get("/data/reports/inconnu.csv").await.status(), 404);
        // The DCAT catalogue lists the data set with its three files and the CSV's schema.
        let catalog: serde_json::Value =
            app.get("/data/catalog.jsonld").await.json().await.unwrap();
        assert_eq!(catalog["@type"], "dcat:Catalog");
        let set = catalog["dcat:dataset"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["dct:identifier"] == "reports-montauban")
            .expect("the reports of Montauban are catalogued");
        assert_eq!(set["dcat:distribution"].as_array().unwrap().len(), 3);
        assert!(
            set["dcat:distribution"][0]["dct:conformsTo"]
                .as_str()
                .unwrap()
                .ends_with("/data/reports/montauban.schema.json")
        );
        let (status, page) = app.get_text("/data/").await;
        assert_eq!(status, 200);
        assert!(page.contains("Signalements — Montauban signale"));
        // The map viewport answers from the geo index: every report once, in points and clusters.
        let total = |v: serde_json::Value| -> u64 {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["count"].as_u64().unwrap_or(1))
                .sum()
        };
        let view = "/s/montauban/reports/map.json?west=1.2&south=43.9&east=1.5&north=44.1";
        let wide: serde_json::Value = app
            .get(&format!("{view}&zoom=11"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(total(wide.clone()), 60);
        assert!(
            wide["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["count"].as_u64().is_some_and(|c| c > 1))
        );
        let close: serde_json::Value = app
            .get(&format!("{view}&zoom=20"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(total(close), 60);
        assert_eq!(app.get(&format!("{view}&zoom=99")).await.status(), 400);
        assert_eq!(
            app.get("/s/montauban/reports/map.json?west=x")
                .await
                .status(),
            400
        );
    })
);

on_every_engine!(
    space_administrators_set_up_teams_categories_and_keys,
    |app: TestApp| Box::pin(async move {
        app.with_space("lannion", "Lannion", "commune/22113").await;
        app.login_as_admin().await;
        let (_, space) = app.get_text("/s/lannion").await;
        assert!(space.contains("/s/lannion/reports/setup"));
        let r = add_team(&app, "Voirie", "pas une adresse").await;
        assert_eq!(r.status(), 422);
        let r = add_team(&app, "Voirie", "voirie@lannion.bzh").await;
        assert_eq!(r.status(), 303);
        let team = reports::store::teams(app.state.db(), &{
            kernel::spaces::store::get_by_slug(app.state.db(), "lannion")
                .await
                .unwrap()
                .unwrap()
                .id
        })
        .await
        .unwrap()[0]
            .id
            .clone();
        // A bad question line is named, and nothing is saved.
        let bad = [
            ("code", "VOIRIE-01"),
            ("name", "Nid-de-poule"),
            ("team", team.as_str()),
            (
                "attributes",
                "TAILLE | singlevaluelist | oui | Quelle taille ? | petit=Petit\nCOULEUR | couleur | non | ?",
            ),
        ];
        let r = app
            .post_form("/s/lannion/reports/setup/categories", &bad)
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Ligne 2 des questions."));
        assert_eq!(app.count("report_categories").await, 0);
        let mut good = bad;
        good[3] = (
            "attributes",
            "TAILLE | singlevaluelist | oui | Quelle taille ? | petit=Petit; grand=Grand",
        );
        assert_eq!(
            app.post_form("/s/lannion/reports/setup/categories", &good)
                .await
                .status(),
            303
        );
        let r = app
            .post_form("/s/lannion/reports/setup/categories", &good)
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Ce code est déjà utilisé"));
        // The area: a bad box is refused; a good one refuses reports outside it.
        let r = app
            .post_form(
                "/s/lannion/reports/setup/area",
                &[
                    ("west", "-3.40"),
                    ("south", "48.70"),
                    ("east", "-3.54"),
                    ("north", "48.79"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let r = app
            .post_form(
                "/s/lannion/reports/setup/area",
                &[
                    ("west", "-3.54"),
                    ("south", "48.70"),
                    ("east", "-3.40"),
                    ("north", "48.79"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        // A key for an application, shown once, working at once, and revoked.
        let r = app
            .post_form(
                "/s/lannion/reports/setup/clients",
                &[("name", "Appli Lannion")],
            )
            .await;
        let page = r.text().await.unwrap();
        let key = page
            .split("<code class=\"token\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let def: serde_json::Value = app
            .get("/open311/v2/services/VOIRIE-01.json?jurisdiction_id=lannion")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(def["attributes"][0]["values"][1]["key"], "grand");
        let post = |key: String| {
            let client = app.client.clone();
            let url = app.url("/open311/v2/requests.json");
            async move {
                client
                    .post(url)
                    .form(&[
                        ("jurisdiction_id", "lannion"),
                        ("api_key", key.as_str()),
                        ("service_code", "VOIRIE-01"),
                        ("lat", "48.7326"),
                        ("long", "-3.4566"),
                        ("attribute[TAILLE]", "petit"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(post(key.clone()).await, 201);
        let clients: Vec<String> = sqlx::query_scalar("SELECT id FROM report_clients")
            .fetch_all(app.state.db().pool())
            .await
            .unwrap();
        app.post_form(
            "/s/lannion/reports/setup/clients/revoke",
            &[("client", clients[0].as_str())],
        )
        .await;
        assert_eq!(post(key).await, 403);
        // Citizens cannot set anything up.
        let citizen = app.other_client();
        citizen.register_and_login("jean@lannion.bzh", "Jean").await;
        assert_eq!(citizen.get_text("/s/lannion/reports/setup").await.0, 403);
    })
);
