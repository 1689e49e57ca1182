//! Sign-in through an OpenID Connect provider: a new person gets an account, an identity whose
//! address names an account is linked only once its owner follows the mailed link, every
//! refusal (state, audience, expiry, nonce, issuer, unknown key) leaves nothing behind but an
//! audit line, keys rotated by the provider are read again, a signed userinfo is read, signing
//! out leads to the provider's sign-out page, and an instance may turn password sign-in off.

mod provider;

use crate::common::{TestApp, spawn_app_with};
use provider::{Person, Provider, Twist};

fn claire() -> Person {
    Person::new("claire-sub", "claire@exemple.fr", "Claire", "Le Goff")
}

async fn app_with(engine: &'static str, provider: &Provider) -> TestApp {
    let config = provider.config("test");
    spawn_app_with(engine, |o| o.oidc = Some(config)).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// `client` signs in through the provider: the platform's start (with `query`), the provider's
/// authorization (which signs its chosen person in at once), then the platform's callback,
/// whose answer is returned.
async fn through_provider(client: &TestApp, provider: &Provider, query: &str) -> reqwest::Response {
    let r = client.get(&format!("/auth/test{query}")).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = location(&r);
    assert!(
        to.starts_with(&format!("{}/authorize?", provider.issuer)),
        "{to}"
    );
    let r = client.client.get(&to).send().await.unwrap();
    assert_eq!(r.status(), 303);
    client.client.get(location(&r)).send().await.unwrap()
}

/// Whether `client` is signed in (its account page answers).
async fn signed_in(client: &TestApp) -> bool {
    client.get("/account").await.status() == 200
}

async fn audit_lines(app: &TestApp, action: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT detail FROM audit_log WHERE action = '{action}' ORDER BY id"
    )))
    .fetch_all(app.state.db().pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_new_person_signs_in_with_a_provider_and_signs_out_there_too() {
    for engine in kernel::testing::engines() {
        let provider = Provider::start(claire()).await;
        let app = app_with(engine, &provider).await;
        // The sign-in page offers the provider, and keeps the page asked for.
        let (_, page) = app.get_text("/login?next=/spaces").await;
        assert!(
            page.contains(r#"href="/auth/test?next=/spaces""#)
                && page.contains("Se connecter avec Test Connect"),
            "{page}"
        );
        let users = app.count("users").await;
        let r = through_provider(&app, &provider, "?next=/spaces").await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        assert_eq!(location(&r), "/spaces");
        assert!(signed_in(&app).await);
        assert_eq!(app.count("users").await, users + 1);
        // The account: her name from the claims, her address confirmed by the provider, no
        // password.
        let id = app.user_id("claire@exemple.fr").await;
        let user = kernel::accounts::store::user_by_id(app.state.db(), &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.display_name, "Claire Le Goff");
        assert!(user.confirmed);
        let (_, page) = app.get_text("/account/identities").await;
        assert!(page.contains("Test Connect"), "{page}");
        // Her data download lists the identity and its claims.
        let data: serde_json::Value = app.get_json("/account/data").await;
        assert_eq!(data["identities"][0]["provider"], "test");
        assert_eq!(data["identities"][0]["subject"], "claire-sub");
        assert_eq!(data["identities"][0]["claims"]["siret"], "21220113900017");
        // A second sign-in finds the same account.
        let other = app.other_client();
        let r = through_provider(&other, &provider, "").await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.count("users").await, users + 1);
        // Signing out ends the session and leads to the provider's sign-out page, which the
        // pages' security policy lets a form's answer lead to.
        let csp = app.get("/").await.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains(&format!("form-action 'self' {};", provider.issuer)),
            "{csp}"
        );
        let r = app.post_form("/logout", &[]).await;
        assert_eq!(r.status(), 303);
        let to = location(&r);
        assert!(
            to.starts_with(&format!("{}/logout?", provider.issuer)),
            "{to}"
        );
        assert!(
            to.contains("id_token_hint=") && to.contains("post_logout_redirect_uri="),
            "{to}"
        );
        assert!(!signed_in(&app).await);
    }
}

#[tokio::test]
async fn a_signed_userinfo_is_verified_and_read() {
    for engine in kernel::testing::engines() {
        let provider = Provider::start(claire()).await;
        provider.sign_userinfo(true);
        let app = app_with(engine, &provider).await;
        let r = through_provider(&app, &provider, "").await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let data: serde_json::Value = app.get_json("/account/data").await;
        assert_eq!(data["identities"][0]["claims"]["family_name"], "Le Goff");
        assert_eq!(data["identities"][0]["claims"]["siret"], "21220113900017");
    }
}

#[tokio::test]
async fn every_refused_answer_leaves_no_account_no_session_and_an_audit_line() {
    for engine in kernel::testing::engines() {
        let provider = Provider::start(claire()).await;
        let app = app_with(engine, &provider).await;
        let users = app.count("users").await;
        for (twist, code) in [
            (Twist::OtherAudience, "auth.id_token"),
            (Twist::Expired, "auth.id_token"),
            (Twist::OtherNonce, "auth.id_token"),
            (Twist::OtherIssuer, "auth.id_token"),
            (Twist::UnpublishedKey, "auth.id_token"),
        ] {
            provider.twist(twist);
            let client = app.other_client();
            let r = through_provider(&client, &provider, "").await;
            assert_eq!(r.status(), 400, "{twist:?}");
            let page = r.text().await.unwrap();
            assert!(page.contains("La connexion n&#39;a pas abouti"), "{page}");
            assert!(!signed_in(&client).await, "{twist:?}");
            assert_eq!(app.count("users").await, users, "{twist:?}");
            let lines = audit_lines(&app, "account.sign_in_refused").await;
            assert!(
                lines.last().unwrap().starts_with(code),
                "{twist:?}: {lines:?}"
            );
        }
        provider.twist(Twist::None);
        // A `state` that is not the browser's own: a forged callback, or one replayed.
        let client = app.other_client();
        let r = client.get("/auth/test").await;
        let to = location(&r);
        let r = client.client.get(&to).send().await.unwrap();
        let back = location(&r);
        let forged = back.replace("state=", "state=x");
        let r = client.client.get(&forged).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let stranger = app.other_client();
        let r = stranger.client.get(&back).send().await.unwrap();
        assert_eq!(r.status(), 400, "another browser's callback");
        let r = client.client.get(&back).send().await.unwrap();
        assert_eq!(
            r.status(),
            400,
            "the state was given up with the forged try"
        );
        assert!(!signed_in(&client).await);
        assert_eq!(app.count("users").await, users);
        assert!(
            audit_lines(&app, "account.sign_in_refused")
                .await
                .last()
                .unwrap()
                .starts_with("auth.state")
        );
        // The person declined at the provider.
        let client = app.other_client();
        let r = client.get("/auth/test").await;
        let to = location(&r);
        let state = to
            .split("state=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap();
        let r = client
            .get(&format!(
                "/auth/test/callback?error=access_denied&state={state}"
            ))
            .await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Connexion annulée"));
        // An unknown provider is not found.
        assert_eq!(app.get("/auth/autre").await.status(), 404);
        assert_eq!(app.count("users").await, users);
    }
}

#[tokio::test]
async fn a_provider_out_of_reach_gets_a_clear_page_and_passwords_still_work() {
    let provider = Provider::start(claire()).await;
    provider.go_down(true);
    let app = app_with("sqlite", &provider).await;
    let r = app.get("/auth/test").await;
    assert_eq!(r.status(), 502);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Le service de connexion ne répond pas") && page.contains(r#"href="/login""#),
        "{page}"
    );
    app.register_and_login("anne@exemple.fr", "Anne").await;
    assert!(signed_in(&app).await);
    // Once it is back, sign-ins go through.
    provider.go_down(false);
    let r = through_provider(&app.other_client(), &provider, "").await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn keys_rotated_by_the_provider_are_read_again_once() {
    let provider = Provider::start(claire()).await;
    let app = app_with("sqlite", &provider).await;
    let r = through_provider(&app.other_client(), &provider, "").await;
    assert_eq!(r.status(), 303);
    let read = provider.discoveries();
    provider.rotate_keys();
    let r = through_provider(&app.other_client(), &provider, "").await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(provider.discoveries(), read + 1);
    // A key the provider never published is refused without reading again and again.
    provider.twist(Twist::UnpublishedKey);
    for _ in 0..3 {
        let r = through_provider(&app.other_client(), &provider, "").await;
        assert_eq!(r.status(), 400);
    }
    assert_eq!(provider.discoveries(), read + 1);
}

#[tokio::test]
async fn an_identity_naming_an_account_is_linked_only_once_its_owner_follows_the_mailed_link() {
    for engine in kernel::testing::engines() {
        let provider =
            Provider::start(Person::new("anne-sub", "anne@exemple.fr", "Anne", "B")).await;
        let app = app_with(engine, &provider).await;
        let owner = app.other_client();
        let anne = owner
            .register_and_login("anne@exemple.fr", "Anne Le Bras")
            .await;
        let users = app.count("users").await;
        let visitor = app.other_client();
        let r = through_provider(&visitor, &provider, "").await;
        assert_eq!(r.status(), 200);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Confirmez depuis votre messagerie")
        );
        assert!(!signed_in(&visitor).await, "never signed in silently");
        assert_eq!(app.count("user_identities").await, 0);
        assert_eq!(app.count("users").await, users);
        let link = app.link_in_last_mail_to("anne@exemple.fr").await;
        assert!(link.starts_with("/auth/link/"), "{link}");
        // The link's page asks to confirm; confirming links and signs in.
        let (status, page) = visitor.get_text(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Confirmer et lier"), "{page}");
        let r = visitor.post_form(&link, &[]).await;
        assert_eq!(r.status(), 303);
        assert!(signed_in(&visitor).await);
        assert_eq!(app.user_id("anne@exemple.fr").await, anne);
        assert_eq!(app.count("user_identities").await, 1);
        // Used once.
        assert_eq!(app.other_client().post_form(&link, &[]).await.status(), 410);
        // From now on the provider signs her straight in, to the same account.
        let r = through_provider(&app.other_client(), &provider, "").await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.count("users").await, users);
        // She may remove it (she has a password), but not the last way in of an account.
        let r = owner
            .post_form(
                "/account/identities/remove",
                &[("provider", "test"), ("subject", "anne-sub")],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.count("user_identities").await, 0);
        provider.sign_in_as(claire());
        let claire = app.other_client();
        through_provider(&claire, &provider, "").await;
        let r = claire
            .post_form(
                "/account/identities/remove",
                &[("provider", "test"), ("subject", "claire-sub")],
            )
            .await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("seul moyen de connexion"));
        // A signed-in person links an identity; one held by another account is refused.
        let r = through_provider(&owner, &provider, "?link=1").await;
        assert_eq!(r.status(), 409);
        provider.sign_in_as(Person::new("anne-sub", "anne@exemple.fr", "Anne", "B"));
        let r = through_provider(&owner, &provider, "?link=1").await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/account/identities");
        assert_eq!(app.count("user_identities").await, 2);
    }
}

#[tokio::test]
async fn an_instance_may_turn_password_sign_in_off() {
    let provider = Provider::start(claire()).await;
    let config = provider.config("test");
    let app = spawn_app_with("sqlite", |o| {
        o.oidc = Some(config);
        o.password_sign_in = Some(false);
    })
    .await;
    let (_, page) = app.get_text("/login").await;
    assert!(!page.contains(r#"name="password""#), "{page}");
    assert!(page.contains("Se connecter avec Test Connect"));
    let r = app
        .post_form("/login", &[("email", "a@exemple.fr"), ("password", "x")])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get("/register").await.status(), 303);
    assert_eq!(app.get("/password/forgot").await.status(), 404);
    let r = through_provider(&app, &provider, "").await;
    assert_eq!(r.status(), 303);
    assert!(signed_in(&app).await);
}
