//! Votes over HTTP: census eligibility with a minimum age, one ballot per voter under
//! concurrency, receipts found among the published trackers, the secrecy of the tables, a
//! participatory budget refusing a basket over budget, and ballots that never cross the closing
//! of their vote.

use crate::common::TestApp;
use crate::on_every_engine;
use sqlx::Row;
use std::collections::HashMap;

/// An administrator's client with a space `lannion` and a process `avenir`; returns the
/// process's URL.
async fn process(app: &TestApp) -> String {
    app.with_process("avenir", "L'avenir du centre-ville").await
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
    let r = app.post_form(&format!("{admin}/publish"), &[]).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    admin.trim_end_matches("/admin").to_string()
}

/// A votation titled `title`, open to `eligibility` (`codes`, `accounts`…), in a new process
/// (see [`process`]); returns its URL.
async fn votation(app: &TestApp, title: &str, eligibility: &str) -> String {
    let process = process(app).await;
    new_vote(
        app,
        &process,
        &[
            ("kind", "votation"),
            ("title", title),
            ("eligibility", eligibility),
        ],
    )
    .await
}

/// Adds a question to the vote at `url` (its title, method, options one a line and any further
/// field); checks that it is taken.
async fn add_question(app: &TestApp, url: &str, fields: &[(&str, &str)]) {
    let r = app
        .post_form(&format!("{url}/admin/questions"), fields)
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
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
        add_question(
            &app,
            &url,
            &[
                ("title", "Que pensez-vous de chaque scénario ?"),
                ("method", "judgment"),
                ("options", "Piéton toute l'année\nPiéton l'été\nStatu quo"),
            ],
        )
        .await;
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
        // The options left without a grade are marked, the graded one is not.
        let page = r.text().await.unwrap();
        assert!(page.contains("Donnez une mention à chaque option"));
        assert_eq!(
            page.matches("Choisissez une mention pour cette option.")
                .count(),
            grades.len() - 1,
            "{page}"
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
        assert!(
            results.contains(
                "Contrôle : 1 votant émargé, 1 bulletin dans l&#39;urne, 1 numéro de suivi publié."
            ),
            "{results}"
        );
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
    let url = votation(app, "Nom de la médiathèque", "codes").await;
    add_question(
        app,
        &url,
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

mod budget_and_api;
mod closing;
mod edits;
mod results_once;
mod secrecy;
