//! Open311 GeoReport v2 over HTTP: services, definitions and requests in JSON and XML, a
//! submission exactly as the specification shows it (form-encoded with an API key), its errors
//! (403 bad key, 404 unknown, 400 naming the field), the jurisdiction rule, and idempotent
//! retries.

use crate::common::TestApp;
use crate::on_every_engine;

/// The `montauban` space with the demo's teams, categories, client and reports.
async fn montauban(app: &TestApp) {
    app.with_space("montauban", "Montauban signale", "commune/82121")
        .await;
    reports::demo::seed(app.state.demo()).await.unwrap();
}

async fn post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    key: Option<&str>,
) -> reqwest::Response {
    let mut r = app.client.post(app.url(path)).form(form);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    r.send().await.unwrap()
}

on_every_engine!(
    services_and_requests_read_in_json_and_xml,
    |app: TestApp| Box::pin(async move {
        montauban(&app).await;
        // One space on the instance: the jurisdiction may be left out.
        let services: serde_json::Value = app
            .get("/open311/v2/services.json")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(services.as_array().unwrap().len(), 5);
        assert_eq!(services[0]["service_code"], "ECLAIRAGE-01");
        let r = app
            .get("/open311/v2/services.xml?jurisdiction_id=montauban")
            .await;
        assert_eq!(r.headers()["content-type"], "text/xml; charset=utf-8");
        let xml = r.text().await.unwrap();
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="utf-8"?><services><service><service_code>ECLAIRAGE-01</service_code>"#));
        let def: serde_json::Value = app
            .get("/open311/v2/services/VOIRIE-01.json")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(def["attributes"][0]["code"], "TAILLE");
        assert_eq!(def["attributes"][0]["datatype"], "singlevaluelist");
        assert_eq!(def["attributes"][0]["values"][2]["key"], "grand");
        let requests: serde_json::Value = app
            .get("/open311/v2/requests.json")
            .await
            .json()
            .await
            .unwrap();
        let list = requests.as_array().unwrap();
        assert_eq!(list.len(), 60);
        assert!(
            list.iter()
                .all(|r| r["requested_datetime"].as_str().unwrap().ends_with('Z'))
        );
        let open: serde_json::Value = app
            .get("/open311/v2/requests.json?status=open&service_code=VOIRIE-01")
            .await
            .json()
            .await
            .unwrap();
        assert!(
            open.as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "open" && r["service_code"] == "VOIRIE-01")
        );
        let id = list[0]["service_request_id"].as_str().unwrap();
        let one: serde_json::Value = app
            .get(&format!("/open311/v2/requests/{id}.json"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(one[0]["service_request_id"], id);
        // Contact details are never published.
        let text = app
            .get("/open311/v2/requests.json")
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains("email") && !text.contains("reporter"));
        let r = app.get("/open311/v2/requests/inconnu.xml").await;
        assert_eq!(r.status(), 404);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("<errors><error><code>404</code>")
        );
        let r = app.get("/open311/v2/requests.json?start_date=hier").await;
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body[0]["code"], 400);
        assert!(
            body[0]["description"]
                .as_str()
                .unwrap()
                .starts_with("start_date:")
        );
    })
);

on_every_engine!(
    a_submission_is_checked_stored_once_and_readable,
    |app: TestApp| Box::pin(async move {
        montauban(&app).await;
        let key = reports::demo::DEMO_API_KEY;
        let base = [
            ("jurisdiction_id", "montauban"),
            ("service_code", "VOIRIE-01"),
            ("lat", "44.0152"),
            ("long", "1.3547"),
            ("description", "Nid-de-poule devant la médiathèque"),
            ("email", "anne@exemple.fr"),
            ("first_name", "Anne"),
        ];
        let before = app.count("reports").await;
        // A bad key: 403. A missing required attribute: 400 naming it. Unknown service: 400.
        let mut bad_key = base.to_vec();
        bad_key.push(("api_key", "nope"));
        bad_key.push(("attribute[TAILLE]", "grand"));
        let r = post(&app, "/open311/v2/requests.json", &bad_key, None).await;
        assert_eq!(r.status(), 403);
        let mut no_size = base.to_vec();
        no_size.push(("api_key", key));
        let r = post(&app, "/open311/v2/requests.xml", &no_size, None).await;
        assert_eq!(r.status(), 400);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("<description>attribute[TAILLE]: required</description>")
        );
        let mut unknown = no_size.clone();
        unknown[1] = ("service_code", "PISCINE-01");
        let r = post(&app, "/open311/v2/requests.json", &unknown, None).await;
        assert_eq!(r.status(), 400);
        // Outside Montauban's area: refused, naming the position.
        let mut far = no_size.clone();
        far.push(("attribute[TAILLE]", "grand"));
        far[2] = ("lat", "48.7326");
        far[3] = ("long", "-3.4566");
        let r = post(&app, "/open311/v2/requests.json", &far, None).await;
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            body[0]["description"],
            "lat, long: outside the territory of montauban"
        );
        let mut html = no_size.clone();
        html.push(("attribute[TAILLE]", "grand"));
        html[4] = ("description", "<script>alert(1)</script>");
        html[2] = ("lat", "144");
        let r = post(&app, "/open311/v2/requests.json", &html, None).await;
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        let all: Vec<&str> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["description"].as_str().unwrap())
            .collect();
        assert!(
            all.contains(&"lat, long: out of range")
                && all.contains(&"description: plain text only, no HTML"),
            "{all:?}"
        );
        assert_eq!(app.count("reports").await, before);

        // As the specification shows it; retried with the same idempotency key: one report.
        let mut good = no_size.clone();
        good.push(("attribute[TAILLE]", "grand"));
        let r = post(&app, "/open311/v2/requests.json", &good, Some("essai-1")).await;
        assert_eq!(r.status(), 201);
        let created: serde_json::Value = r.json().await.unwrap();
        let id = created[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = post(&app, "/open311/v2/requests.json", &good, Some("essai-1")).await;
        assert_eq!(r.status(), 201);
        let again: serde_json::Value = r.json().await.unwrap();
        assert_eq!(again[0]["service_request_id"], id.as_str());
        assert_eq!(app.count("reports").await, before + 1);
        let one: serde_json::Value = app
            .get(&format!(
                "/open311/v2/requests/{id}.json?jurisdiction_id=montauban"
            ))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(one[0]["status"], "open");
        assert_eq!(one[0]["agency_responsible"], "Service voirie");
        assert!(!one.to_string().contains("anne@exemple.fr"));
        let token: serde_json::Value = app
            .get(&format!("/open311/v2/tokens/{id}.json"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(token[0]["service_request_id"], id.as_str());
    })
);

on_every_engine!(
    several_spaces_need_a_jurisdiction_and_are_listed,
    |app: TestApp| Box::pin(async move {
        montauban(&app).await;
        app.with_space("lannion", "Lannion", "commune/22113").await;
        let r = app.get("/open311/v2/services.json").await;
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            body[0]["description"],
            "jurisdiction_id: required on this instance; valid ids: montauban"
        );
        let r = app
            .get("/open311/v2/services.json?jurisdiction_id=brest")
            .await;
        assert_eq!(r.status(), 404);
        let (status, discovery) = app.get_text("/open311/v2/discovery.xml").await;
        assert_eq!(status, 200);
        assert!(
            discovery
                .contains("<specification>http://wiki.open311.org/GeoReport_v2</specification>")
        );
    })
);
