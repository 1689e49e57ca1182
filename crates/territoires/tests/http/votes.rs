//! Votes over HTTP: census eligibility with a minimum age, one ballot per voter under
//! concurrency, receipts found among the published trackers, the secrecy of the tables, and a
//! participatory budget refusing a basket over budget.

use crate::common::TestApp;
use crate::on_every_engine;
use sqlx::Row;
use std::collections::HashMap;

/// An administrator's client with a space `lannion` and a process `avenir`; returns the
/// process's URL.
async fn process(app: &TestApp) -> String {
    app.login_as_admin().await;
    let input = kernel::spaces::model::SpaceFields {
        slug: "lannion".into(),
        name: "Lannion participe".into(),
        territory: "commune/22113".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    kernel::spaces::store::create(app.state.db(), &input, None, None)
        .await
        .unwrap();
    let r = app
        .post_form(
            "/s/lannion/processes/new",
            &[("title", "L'avenir du centre-ville"), ("slug", "avenir")],
        )
        .await;
    assert_eq!(r.status(), 303);
    "/s/lannion/processes/avenir".to_string()
}

fn in_hours(h: i64) -> String {
    kernel::clock::form_value(kernel::ids::now_ms() + h * 3_600_000)
}

/// Creates a vote and returns its URL.
async fn new_vote(app: &TestApp, process: &str, fields: &[(&str, &str)]) -> String {
    let opens = in_hours(1);
    let closes = in_hours(48);
    let mut all = vec![("opens_at", opens.as_str()), ("closes_at", closes.as_str())];
    all.extend_from_slice(fields);
    let r = app.post_form(&format!("{process}/votes/new"), &all).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let admin = r.headers()["location"].to_str().unwrap().to_string();
    admin.trim_end_matches("/admin").to_string()
}

fn vote_id(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

/// Opens a vote now (its opening was set an hour ahead so that it could be prepared).
async fn open_now(app: &TestApp, url: &str) {
    sqlx::query("UPDATE votations SET opens_at = $1 WHERE id = $2")
        .bind(kernel::ids::now_ms() - 1000)
        .bind(vote_id(url))
        .execute(app.state.db().pool())
        .await
        .unwrap();
}

async fn close_now(app: &TestApp, url: &str) {
    let r = app.post_form(&format!("{url}/admin/close"), &[]).await;
    assert_eq!(r.status(), 303);
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("vote_roll").await,
        app.count("vote_ballots").await,
        app.count("vote_trackers").await,
    )
}

/// The option ids of a vote's first question, from the database, in order.
async fn options(app: &TestApp, url: &str) -> Vec<String> {
    let v = votes::store::get(app.state.db(), &vote_id(url))
        .await
        .unwrap()
        .unwrap();
    v.questions[0]
        .options
        .iter()
        .map(|o| o.id.clone())
        .collect()
}

async fn upload_census(app: &TestApp, url: &str, csv: &str) -> reqwest::Response {
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new().part(
        "census_file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
            .file_name("liste.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    app.client
        .post(app.url(&format!("{url}/admin/census?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn tracker_of(receipt: &str) -> String {
    let start = receipt.find("id=\"tracker\">").expect("a tracker") + "id=\"tracker\">".len();
    receipt[start..start + 19].to_string()
}

on_every_engine!(
    a_resident_on_the_census_votes_once_and_finds_the_tracker_after_closing,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = new_vote(
            &app,
            &process,
            &[
                ("kind", "votation"),
                ("title", "Piétonnisation du centre"),
                ("eligibility", "census"),
                ("min_age", "16"),
            ],
        )
        .await;
        let r = app
            .post_form(
                &format!("{url}/admin/questions"),
                &[
                    ("title", "Que pensez-vous de chaque scénario ?"),
                    ("method", "judgment"),
                    ("options", "Piéton toute l'année\nPiéton l'été\nStatu quo"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        // A bad line is named, and nothing of the file is kept.
        let r = app
            .client
            .post(app.url(&format!("{url}/admin/census?_csrf={}", app.csrf().await)))
            .multipart(
                reqwest::multipart::Form::new().part(
                    "census_file",
                    reqwest::multipart::Part::bytes(
                        b"AB-1;1980-02-03\n\xff\xfe;1990-01-01\n".to_vec(),
                    )
                    .file_name("liste.csv"),
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Le fichier doit être en UTF-8.")
        );
        assert_eq!(app.count("vote_census").await, 0);
        let r = upload_census(&app, &url, "AB-1;1980-02-03\nCD-2;hier\n").await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("Ligne 2"));
        assert_eq!(app.count("vote_census").await, 0);
        let young = kernel::clock::form_value(kernel::ids::now_ms() - 10 * 365 * 86_400_000);
        let csv = format!(
            "identifiant;naissance\nAB-1;1980-02-03\nCD-2;04/05/1999\nEF-3;{}\n",
            &young[..10]
        );
        assert_eq!(upload_census(&app, &url, &csv).await.status(), 303);
        assert_eq!(app.count("vote_census").await, 3);
        let opts = options(&app, &url).await;

        // Before opening: refused, nothing stored.
        let voter = app.other_client();
        let grades: Vec<(String, String)> = opts
            .iter()
            .enumerate()
            .map(|(i, o)| (format!("q1-{o}"), i.to_string()))
            .collect();
        let mut ballot: Vec<(&str, &str)> = grades
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        ballot.push(("identifier", "ab 1"));
        ballot.push(("birth_date", "1980-02-03"));
        let r = voter.post_form(&format!("{url}/cast"), &ballot).await;
        assert_eq!(r.status(), 409);
        assert_eq!(counts(&app).await, (0, 0, 0));

        open_now(&app, &url).await;
        let (status, page) = voter.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("Piéton l&#39;été"), "{page}");
        // The confirmation step stores nothing.
        let r = voter.post_form(&format!("{url}/review"), &ballot).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Confirmer mon vote"));
        assert_eq!(counts(&app).await, (0, 0, 0));
        let r = voter.post_form(&format!("{url}/cast"), &ballot).await;
        assert_eq!(r.status(), 200);
        let tracker = tracker_of(&r.text().await.unwrap());
        assert_eq!(counts(&app).await, (1, 1, 1));

        // The same resident again, someone not on the list, someone too young, a missing
        // grade: a clear message each time, and nothing stored.
        let r = voter.post_form(&format!("{url}/cast"), &ballot).await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Cette personne a déjà voté.")
        );
        let mut stranger = ballot.clone();
        stranger.retain(|(k, _)| *k != "identifier");
        stranger.push(("identifier", "ZZ-9"));
        let r = voter.post_form(&format!("{url}/cast"), &stranger).await;
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("ne figurent pas sur la liste")
        );
        let mut child = ballot.clone();
        child.retain(|(k, _)| *k != "identifier" && *k != "birth_date");
        child.push(("identifier", "EF-3"));
        child.push(("birth_date", &young[..10]));
        let r = voter.post_form(&format!("{url}/cast"), &child).await;
        assert!(r.text().await.unwrap().contains("âge minimum"));
        let partial = [
            (grades[0].0.as_str(), "0"),
            ("identifier", "CD-2"),
            ("birth_date", "1999-05-04"),
        ];
        let r = voter.post_form(&format!("{url}/cast"), &partial).await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Donnez une mention à chaque option.")
        );
        assert_eq!(counts(&app).await, (1, 1, 1));

        // Results are not public before closing.
        let (status, _) = voter
            .get_text(&format!("/data/votes/{}/results.json", vote_id(&url)))
            .await;
        assert_eq!(status, 409);
        close_now(&app, &url).await;
        let r = voter.post_form(&format!("{url}/cast"), &partial).await;
        assert_eq!(r.status(), 409);
        let (_, list) = voter.get_text(&format!("{url}/trackers")).await;
        assert!(list.contains(&tracker));
        let (_, check) = voter
            .get_text(&format!("{url}/trackers?tracker={tracker}"))
            .await;
        assert!(check.contains("Ce numéro est dans la liste"));
        let (_, results) = voter.get_text(&url).await;
        assert!(results.contains("<svg"));
        assert!(results.contains("Contrôle : 1 votant(s) émargé(s), 1 bulletin(s) dans l&#39;urne, 1 numéro(s) de suivi publié(s)."), "{results}");
        assert!(results.contains("participation 33,3\u{a0}%"));
        let json: serde_json::Value = voter
            .get(&format!("/data/votes/{}/results.json", vote_id(&url)))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(json["ballots"], 1);
        assert_eq!(json["roll"], 1);
        // "Piéton toute l'année" got the best grade (position 0 = Excellent).
        assert_eq!(json["questions"][0]["options"][0]["rank"], 1);
        assert_eq!(
            json["questions"][0]["options"][0]["tally_worst_first"][6],
            1
        );
        let (_, csv) = voter
            .get_text(&format!("/data/votes/{}/ballots.csv", vote_id(&url)))
            .await;
        assert_eq!(csv, "q1\n6,5,4\n");
        let catalog: serde_json::Value = voter
            .get("/data/catalog.jsonld")
            .await
            .json()
            .await
            .unwrap();
        assert!(
            catalog
                .to_string()
                .contains(&format!("vote-{}", vote_id(&url)))
        );
    })
);

/// `count` new invitation codes of a vote, as its administrator downloads them (CSV).
async fn new_codes(app: &TestApp, url: &str, count: usize) -> Vec<String> {
    let r = app
        .post_form(
            &format!("{url}/admin/codes"),
            &[("count", &count.to_string()), ("format", "csv")],
        )
        .await;
    assert_eq!(r.status(), 200);
    r.text()
        .await
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// A vote of one approval question among five names, open to holders of `count` invitation codes,
/// opened now; returns its URL, the codes and the option ids.
async fn codes_vote(app: &TestApp, count: usize) -> (String, Vec<String>, Vec<String>) {
    let process = process(app).await;
    let url = new_vote(
        app,
        &process,
        &[
            ("kind", "votation"),
            ("title", "Nom de la médiathèque"),
            ("eligibility", "codes"),
        ],
    )
    .await;
    app.post_form(
        &format!("{url}/admin/questions"),
        &[
            ("title", "Quels noms retenez-vous ?"),
            ("method", "approval"),
            (
                "options",
                "Anatole Le Braz\nLes Ajoncs\nLa Marée\nL'Estran\nLe Phare",
            ),
            ("min_choices", "1"),
        ],
    )
    .await;
    let codes = new_codes(app, &url, count).await;
    assert_eq!(codes.len(), count);
    assert_eq!(app.count("vote_codes").await, count as i64);
    // No code is stored as such.
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM vote_codes")
        .fetch_all(app.state.db().pool())
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|h| h.len() == 64 && !codes.iter().any(|c| c.replace('-', "") == *h))
    );
    open_now(app, &url).await;
    let opts = options(app, &url).await;
    (url, codes, opts)
}

on_every_engine!(
    the_roll_the_box_and_the_receipts_share_no_link,
    |app: TestApp| Box::pin(async move {
        let (url, codes, opts) = codes_vote(&app, 20).await;
        let voter = app.other_client();
        // Voter i approves the options of the bits of i + 1: twenty distinct ballots, cast in
        // a known order.
        let mut cast_order = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            let mut ballot: Vec<(&str, &str)> = vec![("code", code)];
            for (b, o) in opts.iter().enumerate() {
                if (i + 1) >> b & 1 == 1 {
                    ballot.push(("q1", o));
                }
            }
            let r = voter.post_form(&format!("{url}/cast"), &ballot).await;
            assert_eq!(r.status(), 200);
            let bits: Vec<String> = (0..5)
                .filter(|b| (i + 1) >> b & 1 == 1)
                .map(|b| b.to_string())
                .collect();
            cast_order.push(bits.join(","));
        }
        // A used code is refused.
        let r = voter
            .post_form(
                &format!("{url}/cast"),
                &[("code", &codes[0]), ("q1", &opts[0])],
            )
            .await;
        assert!(r.text().await.unwrap().contains("a déjà servi"));
        assert_eq!(counts(&app).await, (20, 20, 20));
        // Once closed (and sealed), the tables are read as they are stored.
        close_now(&app, &url).await;
        let db = app.state.db().pool();
        // The columns: the roll and the box share only the vote's id.
        let roll = sqlx::query("SELECT * FROM vote_roll")
            .fetch_all(db)
            .await
            .unwrap();
        let boxed = sqlx::query("SELECT * FROM vote_ballots")
            .fetch_all(db)
            .await
            .unwrap();
        let receipts = sqlx::query("SELECT * FROM vote_trackers")
            .fetch_all(db)
            .await
            .unwrap();
        let names = |rows: &[sqlx::any::AnyRow]| -> Vec<String> {
            use sqlx::Column;
            rows[0]
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect()
        };
        assert_eq!(names(&roll), vec!["votation_id", "voter_key", "day"]);
        assert_eq!(names(&boxed), vec!["votation_id", "id", "content"]);
        assert_eq!(names(&receipts), vec!["votation_id", "tracker"]);
        // The day only, no finer time.
        for r in &roll {
            let day: String = r.get("day");
            assert_eq!(day.len(), 10);
        }
        // No order: the box, read as it is stored and by its key, is not in the casting order
        // (twenty distinct ballots: the chance that a random order matches is 1 in 20!).
        let stored: Vec<String> = boxed.iter().map(|r| r.get("content")).collect();
        assert_ne!(stored, cast_order);
        let mut sorted_cast = cast_order.clone();
        sorted_cast.sort();
        let mut sorted_stored = stored.clone();
        sorted_stored.sort();
        assert_eq!(sorted_stored, sorted_cast, "every ballot is in the box");
        // No key: nothing of a code, a voter key or a tracker appears in the box.
        for r in &roll {
            let key: String = r.get("voter_key");
            assert!(stored.iter().all(|c| !c.contains(&key)));
        }
    })
);

on_every_engine!(
    sixty_four_concurrent_attempts_by_one_voter_store_one_ballot,
    |app: TestApp| Box::pin(async move {
        let process = process(&app).await;
        let url = new_vote(
            &app,
            &process,
            &[
                ("kind", "votation"),
                ("title", "Horaires de la piscine"),
                ("eligibility", "accounts"),
            ],
        )
        .await;
        app.post_form(
            &format!("{url}/admin/questions"),
            &[
                ("title", "Quel horaire préférez-vous ?"),
                ("method", "single"),
                ("options", "Matin\nSoir"),
            ],
        )
        .await;
        open_now(&app, &url).await;
        let opts = options(&app, &url).await;
        let voter = app.other_client();
        voter.register_and_login("marie@lannion.fr", "Marie").await;
        let token = voter.csrf().await;
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let client = voter.client.clone();
            let target = voter.url(&format!("{url}/cast"));
            let form = vec![
                ("q1".to_string(), opts[1].clone()),
                ("_csrf".to_string(), token.clone()),
            ];
            tasks.push(tokio::spawn(async move {
                client
                    .post(target)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                200 => ok += 1,
                409 => {}
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(counts(&app).await, (1, 1, 1));
        let (_, page) = voter.get_text(&url).await;
        assert!(page.contains("Vous avez déjà voté"));
    })
);

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
        assert!(
            page.contains("Financé par les parts égales de ceux qui l&#39;ont choisi."),
            "{page}"
        );
        assert!(page.contains("ne suffisaient pas"));
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
        let process = process(&app).await;
        let url = new_vote(
            &app,
            &process,
            &[
                ("kind", "votation"),
                ("title", "Marché de Noël"),
                ("eligibility", "codes"),
            ],
        )
        .await;
        app.post_form(
            &format!("{url}/admin/questions"),
            &[
                ("title", "Où installer le marché ?"),
                ("method", "judgment"),
                ("options", "Place du Centre\nQuai d'Aiguillon"),
                ("grades", "Bien\nPassable\nÀ rejeter"),
            ],
        )
        .await;
        let r = app
            .post_form(
                &format!("{url}/admin/codes"),
                &[("count", "2"), ("format", "csv")],
            )
            .await;
        let codes: Vec<String> = r
            .text()
            .await
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect();
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

/// Reads a SQLite variable-length integer at `at`: its value and its length.
fn varint(bytes: &[u8], at: usize) -> (u64, usize) {
    let mut value = 0u64;
    for i in 0..9 {
        let b = bytes[at + i];
        if i == 8 {
            return ((value << 8) | b as u64, 9);
        }
        value = (value << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    unreachable!()
}

/// The roll's live cells in the raw SQLite file, read as its format documents it (page size at
/// byte 16; a table kept in key order is a b-tree of pages of type 0x0A (leaves: cell count at
/// +3, cell pointers from +8) and 0x02 (interior: the same from +12, each cell after a 4-byte
/// child page number), both holding rows; a cell is its payload's size then a record whose
/// second column is the voter key): for each voter key, its page and its offset inside the page.
fn roll_cells(file: &[u8]) -> HashMap<String, (usize, usize)> {
    let page_size = match u16::from_be_bytes([file[16], file[17]]) {
        1 => 65_536,
        n => n as usize,
    };
    let mut cells = HashMap::new();
    for page in 0..file.len() / page_size {
        let start = page * page_size;
        let header = if page == 0 { 100 } else { start };
        let (pointers, child) = match file[header] {
            0x0A => (header + 8, 0),
            0x02 => (header + 12, 4),
            _ => continue,
        };
        let count = u16::from_be_bytes([file[header + 3], file[header + 4]]) as usize;
        for i in 0..count {
            let p = pointers + 2 * i;
            let offset = u16::from_be_bytes([file[p], file[p + 1]]) as usize;
            let cell = start + offset + child;
            let (_, n) = varint(file, cell);
            let record = cell + n;
            let (header_size, mut at) = varint(file, record);
            let mut types = Vec::new();
            while at < header_size as usize {
                let (t, n) = varint(file, record + at);
                types.push(t);
                at += n;
            }
            // The roll's records: three texts (odd serial types from 13).
            if types.len() != 3 || types.iter().any(|t| *t < 13 || t % 2 == 0) {
                continue;
            }
            let lengths: Vec<usize> = types.iter().map(|t| ((t - 13) / 2) as usize).collect();
            let key_at = record + header_size as usize + lengths[0];
            if let Ok(key) = std::str::from_utf8(&file[key_at..key_at + lengths[1]]) {
                cells.insert(key.to_string(), (page, offset));
            }
        }
    }
    cells
}

/// Spearman's rank correlation between casting order (0, 1, …) and the given positions.
fn rank_correlation(positions: &[usize]) -> f64 {
    let n = positions.len() as f64;
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut rank = vec![0.0; positions.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as f64;
    }
    let d2: f64 = rank
        .iter()
        .enumerate()
        .map(|(i, r)| (i as f64 - r).powi(2))
        .sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test]
async fn on_sqlite_the_closing_leaves_no_trace_of_the_casting_order_in_the_file() {
    let app = crate::common::spawn_app("sqlite").await;
    // 400 ballots rather than 200: for a random order, |ρ| > 0.2 happens once in 200 runs with
    // 200 ballots, once in 15,000 with 400.
    let (url, codes, opts) = codes_vote(&app, 400).await;
    let db = app.state.db().pool();
    let file = app.data_dir.join("territoires.db");
    let voter = app.other_client();
    // The rank correlation between casting order and where each voter's row sits in its page,
    // in a copy of the file.
    let correlation = |keys: &[String]| {
        let cells = roll_cells(&std::fs::read(&file).unwrap());
        rank_correlation(&keys.iter().map(|k| cells[k].1).collect::<Vec<_>>())
    };
    // Ballots in a known order; the roll's new key after each is the voter's.
    let mut keys: Vec<String> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let r = voter
            .post_form(
                &format!("{url}/cast"),
                &[("code", code), ("q1", &opts[i % opts.len()])],
            )
            .await;
        assert_eq!(r.status(), 200);
        let roll: Vec<String> = sqlx::query_scalar("SELECT voter_key FROM vote_roll")
            .fetch_all(db)
            .await
            .unwrap();
        let new: Vec<String> = roll.into_iter().filter(|k| !keys.contains(k)).collect();
        assert_eq!(new.len(), 1);
        keys.extend(new);
        if keys.len() == 30 {
            // While the vote is open, the first thirty rows share a page, each written below
            // the one before: a copy of the file tells their order.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(db)
                .await
                .unwrap();
            let before = correlation(&keys);
            assert!(
                before < -0.9,
                "the order shows while the vote is open: {before}"
            );
        }
    }
    close_now(&app, &url).await;
    // Once sealed: the log is empty, each key, ballot and receipt is once in the file (no old
    // copy left in free space), and where the rows sit says nothing of their order.
    let wal = app.data_dir.join("territoires.db-wal");
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    let bytes = std::fs::read(&file).unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM vote_ballots")
        .fetch_all(db)
        .await
        .unwrap();
    let trackers: Vec<String> = sqlx::query_scalar("SELECT tracker FROM vote_trackers")
        .fetch_all(db)
        .await
        .unwrap();
    assert_eq!((ids.len(), trackers.len()), (400, 400));
    for value in keys.iter().chain(&ids).chain(&trackers) {
        assert_eq!(
            memchr::memmem::find_iter(&bytes, value.as_bytes()).count(),
            1,
            "{value}"
        );
    }
    let after = correlation(&keys);
    assert!(after.abs() < 0.2, "no order after sealing: {after}");
    assert_eq!(app.count("vote_roll").await, 400);
}

/// A new vote and `n` ballots put in its box in a known order: the vote and its voters' keys in
/// that order.
async fn cast_in_order(db: &kernel::db::Db, n: usize) -> (votes::testing::OpenVote, Vec<String>) {
    let vote = votes::testing::open_vote_with_codes(db, 1).await.unwrap();
    let keys: Vec<String> = (0..n)
        .map(|i| kernel::ids::sha256_hex(format!("votant {i}").as_bytes()))
        .collect();
    for key in &keys {
        votes::store::cast(db, &vote.id, key, "{}").await.unwrap();
    }
    (vote, keys)
}

/// A vote small enough for its roll to fit in one page shows its casting order in a copy of the
/// file until it is sealed (each row written below the one before), and not after.
#[tokio::test]
async fn on_sqlite_a_small_vote_loses_its_order_at_closing() {
    let app = crate::common::spawn_app("sqlite").await;
    let db = app.state.db();
    let (vote, keys) = cast_in_order(db, 30).await;
    let file = app.data_dir.join("territoires.db");
    let correlation = || async {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(db.pool())
            .await
            .unwrap();
        let cells = roll_cells(&std::fs::read(&file).unwrap());
        rank_correlation(&keys.iter().map(|k| cells[k].1).collect::<Vec<_>>())
    };
    let before = correlation().await;
    assert!(
        before < -0.9,
        "the order shows while the vote is open: {before}"
    );
    let v = votes::store::get(db, &vote.id).await.unwrap().unwrap();
    votes::store::seal(db, &v).await.unwrap();
    // Thirty values in a random order fall below −0.7 once in 14,000 runs.
    let after = correlation().await;
    assert!(after > -0.7, "the order is gone: {after}");
    let bytes = std::fs::read(&file).unwrap();
    for key in &keys {
        assert_eq!(memchr::memmem::find_iter(&bytes, key.as_bytes()).count(), 1);
    }
}

/// PostgreSQL's side of the same guarantee, read in the server's own files (the test needs to
/// read the data directory of a local server, as CI's is).
#[tokio::test]
async fn on_postgresql_the_closing_leaves_no_trace_of_the_casting_order_in_the_files() {
    for engine in kernel::testing::engines() {
        if engine != "postgres" {
            continue;
        }
        let app = crate::common::spawn_app(engine).await;
        let db = app.state.db();
        let (vote, keys) = cast_in_order(db, 400).await;
        let files = || async {
            sqlx::query("CHECKPOINT").execute(db.pool()).await.unwrap();
            let dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')")
                .fetch_one(db.pool())
                .await
                .unwrap();
            let mut bytes = Vec::new();
            for relation in ["vote_roll", "vote_roll_pkey"] {
                let path: String = sqlx::query_scalar("SELECT pg_relation_filepath($1)")
                    .bind(relation)
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
                let file = std::path::Path::new(&dir).join(path);
                bytes.push(std::fs::read(&file).unwrap_or_else(|e| {
                    panic!("this test reads {} of a local server: {e}", file.display())
                }));
            }
            bytes
        };
        // The order in which each key's row was placed in the table's file, in casting order:
        // pages fill one after another, each from its end towards its start (8 KiB pages).
        let positions = |heap: &[u8]| -> Vec<usize> {
            keys.iter()
                .map(|k| memchr::memmem::find(heap, k.as_bytes()).expect("the key is there"))
                .map(|at| at / 8192 * 8192 + (8191 - at % 8192))
                .collect()
        };
        let before = files().await;
        let rho = rank_correlation(&positions(&before[0]));
        // (For a random order of 400, ρ > 0.4 happens less than once in 10^15.)
        assert!(rho > 0.4, "the order shows while the vote is open: {rho}");
        let v = votes::store::get(db, &vote.id).await.unwrap().unwrap();
        votes::store::seal(db, &v).await.unwrap();
        let after = files().await;
        // One copy of each key in the table (the old versions went with the old file); the
        // index, rebuilt from the sorted keys, holds each at least once (its inner pages repeat
        // some as bounds).
        for key in &keys {
            assert_eq!(
                memchr::memmem::find_iter(&after[0], key.as_bytes()).count(),
                1
            );
            assert!(memchr::memmem::find_iter(&after[1], key.as_bytes()).count() >= 1);
        }
        let rho = rank_correlation(&positions(&after[0]));
        assert!(rho.abs() < 0.2, "no order after sealing: {rho}");
    }
}
