//! The API shell over HTTP: errors, pagination, tokens, OpenAPI, operations endpoints.

use crate::common::TestApp;
use crate::on_every_engine;
use serde_json::Value;

async fn json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// The status and the error code of an answer.
async fn code(r: reqwest::Response) -> (u16, Option<String>) {
    let (status, v) = json(r).await;
    (status, v["error"]["code"].as_str().map(String::from))
}

/// Posts a raw JSON body.
async fn post_raw(app: &TestApp, path: &str, body: &'static str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

on_every_engine!(api_errors_have_stable_codes, |app: TestApp| Box::pin(
    async move {
        assert_eq!(
            code(app.get("/api/v1/nope").await).await,
            (404, Some("not_found".into()))
        );
        assert_eq!(
            code(app.get("/api/v1/territories?q=lannion&limit=500").await).await,
            (400, Some("limit.range".into()))
        );
        assert_eq!(
            code(app.get("/api/v1/territories?q=lannion&cursor=abc").await).await,
            (400, Some("cursor.invalid".into()))
        );
        assert_eq!(
            code(app.get("/api/v1/territories").await).await,
            (400, Some("query.invalid".into()))
        );
        // A write that needs an account is refused before its body is read.
        assert_eq!(
            code(post_raw(&app, "/api/v1/spaces", "{\"slug\": ").await).await,
            (401, Some("unauthorized".into()))
        );
        assert_eq!(
            code(post_raw(&app, "/api/v1/votes/unknown/ballots", "{\"answers\": ").await).await,
            (400, Some("json.malformed".into()))
        );
        let r = app
            .client
            .delete(app.url("/api/v1/spaces"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
        assert!(r.headers().contains_key("allow"));
        let (_, v) = json(r).await;
        assert_eq!(v["error"]["code"], "method_not_allowed");
    }
));

on_every_engine!(
    spaces_are_created_through_the_api_with_an_admin_token,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        // The API's documentation is a page: it knows who reads it.
        let (_, docs) = app.get_text("/api/docs").await;
        assert!(
            docs.contains(">Admin</a>"),
            "the signed-in header on /api/docs"
        );
        let r = app
            .post_form("/account/tokens", &[("token_name", "intégration")])
            .await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let token = page
            .split("<code class=\"token\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let api = reqwest::Client::new();
        let body = serde_json::json!({"slug": "brest", "name": "Brest en commun", "territory": "commune/29019", "description": "", "accent_color": "#005f4b"});
        // No token, then a wrong one.
        let r = api
            .post(app.url("/api/v1/spaces"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = api
            .post(app.url("/api/v1/spaces"))
            .bearer_auth("tt_faux")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = api
            .post(app.url("/api/v1/spaces"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", app.engine);
        assert_eq!(r.headers()["location"], "/api/v1/spaces/brest");
        let (_, v) = json(r).await;
        assert_eq!(v["territory_name"], "Brest");
        let r = api
            .post(app.url("/api/v1/spaces"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (s, v) = json(r).await;
        assert_eq!(s, 422);
        assert_eq!(v["error"]["fields"][0]["code"], "slug.taken");
        let (s, v) = json(
            api.get(app.url("/api/v1/spaces/brest"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, v["name"].as_str()), (200, Some("Brest en commun")));
        let (s, v) = json(
            api.get(app.url("/api/v1/me"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(v["roles"][0], "admin");
        // A citizen's token may not create spaces.
        let c = app.other_client();
        c.register_and_login("c@exemple.fr", "C").await;
        let page = c
            .post_form("/account/tokens", &[("token_name", "t")])
            .await
            .text()
            .await
            .unwrap();
        let citizen_token = page
            .split("<code class=\"token\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let body =
            serde_json::json!({"slug": "autre", "name": "Autre", "territory": "commune/29019"});
        let r = api
            .post(app.url("/api/v1/spaces"))
            .bearer_auth(&citizen_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(app.count("spaces").await, 1);
    })
);

on_every_engine!(lists_are_paged_with_cursors, |app: TestApp| Box::pin(
    async move {
        let (s, v) = json(app.get("/api/v1/territories?q=saint&limit=5").await).await;
        assert_eq!(s, 200);
        assert_eq!(v["items"].as_array().unwrap().len(), 5);
        let cursor = v["next_cursor"].as_str().unwrap().to_string();
        let (_, v2) = json(
            app.get(&format!(
                "/api/v1/territories?q=saint&limit=5&cursor={cursor}"
            ))
            .await,
        )
        .await;
        assert_ne!(v["items"][0]["code"], v2["items"][0]["code"]);
        let (_, v) = json(app.get("/api/v1/search?q=chateaulin").await).await;
        assert_eq!(v["items"][0]["title"], "Châteaulin");
        assert_eq!(
            code(app.get("/api/v1/search?q=x&kind=planete").await).await,
            (400, Some("kind.unknown".into()))
        );
    }
));

on_every_engine!(
    openapi_health_readiness_and_metrics_answer,
    |app: TestApp| Box::pin(async move {
        let (s, v) = json(app.get("/api/openapi.json").await).await;
        assert_eq!(s, 200);
        assert_eq!(v["openapi"], "3.1.0");
        assert!(v["paths"]["/api/v1/spaces"]["post"].is_object());
        let (s, page) = app.get_text("/api/docs").await;
        assert_eq!(s, 200);
        assert!(page.contains("POST /api/v1/spaces"));
        assert_eq!(app.get_text("/healthz").await, (200, "ok".to_string()));
        let (s, v) = json(app.get("/readyz").await).await;
        assert_eq!((s, v["status"].as_str()), (200, Some("ready")));
        let (s, text) = app.get_text("/metrics").await;
        assert_eq!(s, 200);
        assert!(text.contains("territoires_http_requests_total{class=\"2xx\"}"));
        assert!(text.contains("territoires_search_documents"));
    })
);

on_every_engine!(
    api_tokens_are_listed_revoked_and_die_with_a_password_reset,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let c = app.other_client();
        c.register_and_login("t@exemple.fr", "T").await;
        let token_of = |page: String| {
            page.split("<code class=\"token\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string()
        };
        let first = token_of(
            c.post_form("/account/tokens", &[("token_name", "premier")])
                .await
                .text()
                .await
                .unwrap(),
        );
        let second = token_of(
            c.post_form("/account/tokens", &[("token_name", "second")])
                .await
                .text()
                .await
                .unwrap(),
        );
        let api = reqwest::Client::new();
        let me = |t: String| {
            let api = api.clone();
            let url = app.url("/api/v1/me");
            async move {
                api.get(url)
                    .bearer_auth(t)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(me(first.clone()).await, 200);
        // Revoke the first from the account page.
        let (_, page) = c.get_text("/account").await;
        assert!(page.contains("premier") && page.contains("second"));
        let id = page
            .split("name=\"id\" value=\"")
            .nth(2)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = c.post_form("/account/tokens/revoke", &[("id", &id)]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            me(first).await,
            401,
            "the listing is newest first: the second id is the first token"
        );
        assert_eq!(me(second.clone()).await, 200);
        // Another user cannot revoke it, nor can a malformed id.
        let r = app
            .post_form("/account/tokens/revoke", &[("id", &id)])
            .await;
        assert_eq!(r.status(), 404);
        let r = c
            .post_form("/account/tokens/revoke", &[("id", "%00")])
            .await;
        assert_eq!(r.status(), 404);
        // A password reset ends every way in, tokens included.
        c.post_form("/password/forgot", &[("email", "t@exemple.fr")])
            .await;
        let link = c.link_in_last_mail_to("t@exemple.fr").await;
        assert_eq!(
            c.post_form(&link, &[("password", "Autre-mot-2026")])
                .await
                .status(),
            303
        );
        assert_eq!(me(second).await, 401);
    })
);

on_every_engine!(
    odd_characters_in_paths_are_not_found_not_server_errors,
    |app: TestApp| Box::pin(async move {
        for path in [
            "/s/a%00b",
            "/s/a%00b/theme.css",
            "/territories/commune/%00",
            "/api/v1/spaces/%00",
            "/api/v1/territories/commune/%00",
            "/api/v1/territories/commune/22113%27",
        ] {
            assert_eq!(app.get(path).await.status(), 404, "{path}");
        }
        // No redirect leaves the site, even through characters browsers drop.
        for back in [
            "%2F%09%2Fevil.example",
            "%2F%0A",
            "https%3A%2F%2Fevil.example",
            "%2F%2Fevil.example",
        ] {
            let r = app.get(&format!("/lang/en?back={back}")).await;
            assert_eq!(r.status(), 303, "{back}");
            assert_eq!(r.headers()["location"], "/", "{back}");
        }
    })
);
