//! Two-step verification: set up from a known secret (a wrong code refused, the first code
//! turns it on and gives ten recovery codes once), then asked after the password: a code is
//! taken once, a recovery code works once, five wrong codes end the waiting sign-in, a trusted
//! browser is not asked again for 30 days, and turning it off asks for a code.

use crate::common::TestApp;
use crate::on_every_engine;
use kernel::accounts::second_factor::code_at;

fn now_secs() -> u64 {
    (kernel::ids::now_ms() / 1000) as u64
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The text between `start` and the next `end` in `page`.
fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    page.split(start).nth(1).unwrap().split(end).next().unwrap()
}

async fn password_login(client: &TestApp, email: &str) -> reqwest::Response {
    client
        .post_form("/login", &[("email", email), ("password", "Lannion-2026")])
        .await
}

on_every_engine!(
    two_step_verification_from_setup_to_recovery,
    |app: TestApp| Box::pin(async move {
        let anne = app.other_client();
        anne.register_and_login("anne@exemple.fr", "Anne").await;
        let (_, page) = anne.get_text("/account/security").await;
        assert!(page.contains("Mettre en place"), "{page}");
        assert_eq!(
            anne.post_form("/account/security/totp", &[]).await.status(),
            303
        );
        let (_, page) = anne.get_text("/account/security").await;
        let secret = between(&page, r#"<code class="secret">"#, "</code>").to_string();
        assert!(page.contains("data:image/png;base64,"), "a QR code");
        assert!(page.contains("otpauth://totp/"), "{page}");
        // A wrong code is refused, nothing turned on.
        let r = anne
            .post_form("/account/security/totp/confirm", &[("code", "000000")])
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("pas le bon"));
        let now = now_secs();
        let first = code_at(&secret, now).unwrap();
        let r = anne
            .post_form("/account/security/totp/confirm", &[("code", &first)])
            .await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let codes: Vec<String> = page
            .split("<li><code>")
            .skip(1)
            .map(|s| s.split("</code>").next().unwrap().to_string())
            .collect();
        assert_eq!(codes.len(), 10, "{page}");
        assert!(page.contains("10 codes de secours restants"), "{page}");

        // A password alone no longer opens a session.
        let visitor = app.other_client();
        let r = password_login(&visitor, "anne@exemple.fr").await;
        assert_eq!(location(&r), "/login/code");
        assert_eq!(visitor.get("/account").await.status(), 303);
        // The code of the setup was taken already; a wrong one is refused.
        for code in [first.as_str(), "123456"] {
            let r = visitor.post_form("/login/code", &[("code", code)]).await;
            assert_eq!(r.status(), 422, "{code}");
        }
        let next = code_at(&secret, now + 30).unwrap();
        let r = visitor.post_form("/login/code", &[("code", &next)]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(visitor.get("/account").await.status(), 200);

        // A recovery code works once.
        let other = app.other_client();
        password_login(&other, "anne@exemple.fr").await;
        let r = other.post_form("/login/code", &[("code", &codes[0])]).await;
        assert_eq!(r.status(), 303);
        let again = app.other_client();
        password_login(&again, "anne@exemple.fr").await;
        let r = again.post_form("/login/code", &[("code", &codes[0])]).await;
        assert_eq!(r.status(), 422);
        // Five wrong codes end the waiting sign-in.
        for _ in 0..4 {
            again.post_form("/login/code", &[("code", "654321")]).await;
        }
        let r = again.post_form("/login/code", &[("code", &codes[1])]).await;
        assert_eq!(r.status(), 410);
        assert_eq!(again.get("/account").await.status(), 303);

        // A browser trusted once is not asked again.
        let phone = app.other_client();
        password_login(&phone, "anne@exemple.fr").await;
        let r = phone
            .post_form("/login/code", &[("code", &codes[2]), ("trust", "yes")])
            .await;
        assert_eq!(r.status(), 303);
        phone.post_form("/logout", &[]).await;
        let r = password_login(&phone, "anne@exemple.fr").await;
        assert_ne!(location(&r), "/login/code");
        assert_eq!(phone.get("/account").await.status(), 200);

        // Turning it off asks for a code.
        let r = anne
            .post_form("/account/security/totp/off", &[("off_code", "000000")])
            .await;
        assert_eq!(r.status(), 422);
        let r = anne
            .post_form("/account/security/totp/off", &[("off_code", &codes[3])])
            .await;
        assert_eq!(r.status(), 303);
        let r = password_login(&app.other_client(), "anne@exemple.fr").await;
        assert_ne!(location(&r), "/login/code");
        assert_eq!(app.count("user_recovery_codes").await, 0);
    })
);

on_every_engine!(
    a_space_may_ask_its_staff_to_set_up_a_second_factor_before_their_session,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let space = app.with_space("lannion", "Lannion", "commune/22113").await;
        let (agent, _) = app
            .signed_in(
                "agent@exemple.fr",
                "Agent",
                kernel::accounts::Role::Agent,
                &space,
            )
            .await;
        agent.post_form("/logout", &[]).await;
        let r = app
            .post_form("/s/lannion/admin/second-factor", &[("required", "yes")])
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text("/s/lannion/admin").await;
        assert!(
            page.contains(r#"name="required" value="yes" checked"#),
            "{page}"
        );
        // The agent's password leads to setting up an app, then the recovery codes, signed in.
        let r = password_login(&agent, "agent@exemple.fr").await;
        assert_eq!(location(&r), "/login/code");
        let (status, page) = agent.get_text("/login/code").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Votre rôle sur la plateforme demande"),
            "{page}"
        );
        let secret = between(&page, r#"<code class="secret">"#, "</code>").to_string();
        // Reloading keeps the same key.
        let (_, again) = agent.get_text("/login/code").await;
        assert!(again.contains(&secret));
        let r = agent.post_form("/login/code", &[("code", "000000")]).await;
        assert_eq!(r.status(), 422);
        assert_eq!(agent.get("/account").await.status(), 303);
        let code = code_at(&secret, now_secs()).unwrap();
        let r = agent.post_form("/login/code", &[("code", &code)]).await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert_eq!(page.matches("<li><code>").count(), 10, "{page}");
        assert_eq!(agent.get("/account").await.status(), 200);
        // It cannot be turned off while the role asks for it.
        let codes: Vec<&str> = page
            .split("<li><code>")
            .skip(1)
            .map(|s| s.split("</code>").next().unwrap())
            .collect();
        let r = agent
            .post_form("/account/security/totp/off", &[("off_code", codes[0])])
            .await;
        assert_eq!(r.status(), 422);
        // Once the space no longer asks, a person without an app signs in with a password.
        let (other, _) = app
            .signed_in(
                "moderatrice@exemple.fr",
                "Modératrice",
                kernel::accounts::Role::Moderator,
                &space,
            )
            .await;
        assert_eq!(other.get("/account").await.status(), 200);
        app.post_form("/s/lannion/admin/second-factor", &[]).await;
        other.post_form("/logout", &[]).await;
        let r = password_login(&other, "moderatrice@exemple.fr").await;
        assert_ne!(location(&r), "/login/code");
    })
);
