//! Address search and reverse geocoding through the configured geocoder: a small HTTP server
//! started here answers like addok (the third party's API, not our code); the instance's routes
//! are checked against it, against a geocoder that is down, slow or answers garbage, and with
//! none set. A report sent with the address the map found shows it; without one, its page shows
//! the commune and the position in words.

use crate::common::{TestApp, spawn_app_with};
use axum::extract::Query;
use axum::routing::get;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The queries the geocoder received, as (path, parameters).
type Seen = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

fn feature(label: &str, name: &str, lon: f64, lat: f64) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [lon, lat] },
        "properties": {
            "label": label, "name": name, "postcode": "22300", "citycode": "22113",
            "city": "Lannion", "type": "housenumber", "score": 0.93
        }
    })
}

/// Starts an addok-like geocoder on a free port; `mode` is `ok`, `slow` (answers after 10 s) or
/// `garbage` (an HTML page). Returns its base URL and what it saw.
async fn addok(mode: &'static str) -> (String, Seen) {
    let seen: Seen = Default::default();
    let answer = move |path: &'static str, seen: Seen| {
        move |Query(q): Query<HashMap<String, String>>| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push((path.to_string(), q.clone()));
                match mode {
                    "slow" => tokio::time::sleep(Duration::from_secs(10)).await,
                    "garbage" => {
                        return axum::response::Html("<h1>502 Bad Gateway</h1>").into_response();
                    }
                    _ => {}
                }
                let features = if path == "/search/" {
                    vec![
                        feature(
                            "23 Rue de la République 22300 Lannion",
                            "23 Rue de la République",
                            -3.456,
                            48.733,
                        ),
                        feature(
                            "Rue de la République 22300 Lannion",
                            "Rue de la République",
                            -3.4558,
                            48.7332,
                        ),
                    ]
                } else {
                    vec![feature(
                        "Place du Général Leclerc 22300 Lannion",
                        "Place du Général Leclerc",
                        -3.4598,
                        48.7320,
                    )]
                };
                axum::Json(serde_json::json!({ "type": "FeatureCollection", "features": features }))
                    .into_response()
            }
        }
    };
    use axum::response::IntoResponse;
    let router = axum::Router::new()
        .route("/search/", get(answer("/search/", seen.clone())))
        .route("/reverse/", get(answer("/reverse/", seen.clone())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}"), seen)
}

async fn app_with_geocoder(engine: &'static str, url: &str) -> TestApp {
    let url = url.to_string();
    spawn_app_with(engine, move |o| o.geocoder_url = Some(url)).await
}

async fn error_code(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn a_typed_address_finds_its_places_near_the_map_and_a_point_gets_its_address() {
    let (url, seen) = addok("ok").await;
    for engine in kernel::testing::engines() {
        let app = app_with_geocoder(engine, &url).await;
        let found = app
            .get_json("/geocoder/search?q=23%20rue%20de%20la%20r%C3%A9publique%20lannion&lat=48.73&lon=-3.46")
            .await;
        let places = found["places"].as_array().unwrap();
        assert_eq!(places.len(), 2, "{found}");
        assert_eq!(places[0]["label"], "23 Rue de la République 22300 Lannion");
        assert_eq!(places[0]["name"], "23 Rue de la République");
        assert_eq!(places[0]["citycode"], "22113");
        assert_eq!(
            (places[0]["lat"].as_f64(), places[0]["lon"].as_f64()),
            (Some(48.733), Some(-3.456))
        );
        let (path, q) = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!(path, "/search/");
        assert_eq!(q["q"], "23 rue de la république lannion");
        assert_eq!(
            (q["lat"].as_str(), q["lon"].as_str()),
            ("48.73000", "-3.46000")
        );

        let at = app
            .get_json("/geocoder/reverse?lat=48.7320&lon=-3.4598")
            .await;
        assert_eq!(
            at["place"]["label"],
            "Place du Général Leclerc 22300 Lannion"
        );
        let (path, q) = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!(path, "/reverse/");
        assert_eq!(
            (q["lat"].as_str(), q["lon"].as_str()),
            ("48.732000", "-3.459800")
        );

        // The report form offers the search when a geocoder is set.
        crate::reports::montauban(&app).await;
        let (_, page) = app
            .get_text("/s/montauban/reports/new?category=VOIRIE-01")
            .await;
        assert!(page.contains("data-place-search"), "{page}");
        assert!(
            page.contains("data-area=\"1.24,43.93,1.47,44.1\""),
            "{page}"
        );
    }
}

#[tokio::test]
async fn bad_searches_are_refused_before_the_geocoder_is_asked() {
    let (url, seen) = addok("ok").await;
    for engine in kernel::testing::engines() {
        let app = app_with_geocoder(engine, &url).await;
        let before = seen.lock().unwrap().len();
        let long = "a".repeat(201);
        for path in [
            "/geocoder/search?q=ab".to_string(),
            "/geocoder/search".to_string(),
            format!("/geocoder/search?q={long}"),
            "/geocoder/search?q=rue%0Ade".to_string(),
        ] {
            assert_eq!(
                error_code(&app, &path).await,
                (400, "geocoder.query".into()),
                "{path}"
            );
        }
        for path in [
            "/geocoder/search?q=rue%20de%20brest&lat=91&lon=0",
            "/geocoder/reverse?lat=48.7&lon=abc",
            "/geocoder/reverse",
        ] {
            assert_eq!(
                error_code(&app, path).await,
                (400, "geocoder.position".into()),
                "{path}"
            );
        }
        assert_eq!(seen.lock().unwrap().len(), before);
    }
}

#[tokio::test]
async fn without_a_geocoder_or_with_one_down_the_answer_says_so_quickly() {
    for engine in kernel::testing::engines() {
        let none = crate::common::spawn_app(engine).await;
        assert_eq!(
            error_code(&none, "/geocoder/search?q=rue%20de%20brest").await,
            (503, "geocoder.not_set".into())
        );
        assert_eq!(
            error_code(&none, "/geocoder/reverse?lat=48.73&lon=-3.46").await,
            (503, "geocoder.not_set".into())
        );
        // The form then offers the map alone.
        crate::reports::montauban(&none).await;
        let (_, page) = none
            .get_text("/s/montauban/reports/new?category=VOIRIE-01")
            .await;
        assert!(!page.contains("data-place-search"));
        assert!(page.contains("data-pick-lat"));

        // Nothing listens at this address.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", l.local_addr().unwrap())
        };
        let down = app_with_geocoder(engine, &closed).await;
        assert_eq!(
            error_code(&down, "/geocoder/search?q=rue%20de%20brest").await,
            (503, "geocoder.down".into())
        );
        let (garbage, _) = addok("garbage").await;
        let app = app_with_geocoder(engine, &garbage).await;
        assert_eq!(
            error_code(&app, "/geocoder/reverse?lat=48.73&lon=-3.46").await,
            (503, "geocoder.down".into())
        );
        let (slow, _) = addok("slow").await;
        let app = app_with_geocoder(engine, &slow).await;
        let started = Instant::now();
        assert_eq!(
            error_code(&app, "/geocoder/search?q=rue%20de%20brest").await,
            (503, "geocoder.down".into())
        );
        let waited = started.elapsed();
        assert!(
            waited >= kernel::geocoder::TIMEOUT && waited < Duration::from_secs(6),
            "{waited:?}"
        );
    }
}

#[tokio::test]
async fn anonymous_searches_are_rate_limited() {
    let (url, _) = addok("ok").await;
    let app = app_with_geocoder("sqlite", &url).await;
    let mut last = 0;
    for _ in 0..=kernel::geocoder::ANONYMOUS.max {
        last = app
            .get("/geocoder/reverse?lat=48.73&lon=-3.46")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn a_report_shows_the_address_the_map_found_else_its_commune_and_position_in_words() {
    for engine in kernel::testing::engines() {
        let app = crate::common::spawn_app(engine).await;
        let space = crate::reports::montauban(&app).await;
        let (citizen, _) = app
            .signed_in(
                "lea@exemple.fr",
                "Léa",
                kernel::accounts::Role::Agent,
                &space,
            )
            .await;
        let spot = [
            ("category", "VOIRIE-01"),
            ("lat", "44.0400"),
            ("lon", "1.4000"),
            ("description", "Trou profond"),
            ("attribute[TAILLE]", "grand"),
        ];
        let mut with_address = spot.to_vec();
        with_address.push(("address", "12 Rue <b>Léon</b> Cladel\n82000 Montauban"));
        let (status, page) = crate::reports::send(&citizen, &with_address, None).await;
        assert_eq!(status, 200, "{page}");
        let id = newest_report(&app).await;
        let (_, page) = app.get_text(&format!("/s/montauban/reports/{id}")).await;
        assert!(
            page.contains("Lieu : 12 Rue &#60;b&#62;Léon&#60;/b&#62; Cladel 82000 Montauban"),
            "{page}"
        );
        assert!(!page.contains("Latitude"));

        let mut far = spot.to_vec();
        far[1] = ("lat", "44.0600");
        let (status, page) = crate::reports::send(&citizen, &far, None).await;
        assert_eq!(status, 200, "{page}");
        let id = newest_report(&app).await;
        let (_, page) = app.get_text(&format!("/s/montauban/reports/{id}")).await;
        assert!(
            page.contains("Lieu : Montauban (44,0600° N ; 1,4000° E)"),
            "{page}"
        );
    }
}

async fn newest_report(app: &TestApp) -> String {
    use sqlx::Row;
    sqlx::query("SELECT id FROM reports ORDER BY created_at DESC, id DESC LIMIT 1")
        .fetch_one(app.state.db().pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}
