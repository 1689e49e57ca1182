//! Accounts over HTTP: first run, registration, confirmation, login, reset, deletion.

use crate::common::TestApp;
use crate::on_every_engine;

on_every_engine!(
    a_fresh_instance_asks_for_its_first_administrator_once,
    |app: TestApp| Box::pin(async move {
        let r = app.get("/").await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/setup");
        let (status, page) = app.get_text("/setup").await;
        assert_eq!(status, 200);
        assert!(page.contains("Bienvenue"));
        // Bad input comes back with field errors and the values kept, nothing stored.
        let r = app
            .post_form(
                "/setup",
                &[
                    ("display_name", "Maire"),
                    ("email", "maire@lannion"),
                    ("password", "court"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("value=\"maire@lannion\""));
        assert!(page.contains("aria-invalid=\"true\""));
        assert_eq!(app.count("users").await, 0);
        let r = app
            .post_form(
                "/setup",
                &[
                    ("display_name", "Maire"),
                    ("email", "maire@lannion.bzh"),
                    ("password", "Lannion-2026"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/admin");
        let (status, page) = app.get_text("/admin").await;
        assert_eq!(status, 200, "{}", app.engine);
        assert!(page.contains("Administration"));
        // Once an administrator exists, the page is gone for everyone.
        assert_eq!(app.other_client().get("/setup").await.status(), 404);
        let r = app
            .other_client()
            .post_form(
                "/setup",
                &[
                    ("display_name", "Intrus"),
                    ("email", "x@y.fr"),
                    ("password", "Lannion-2026"),
                ],
            )
            .await;
        assert_eq!(r.status(), 404);
        assert_eq!(app.count("users").await, 1);
    })
);

on_every_engine!(
    registration_is_confirmed_by_mail_then_login_and_logout_work,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let citizen = app.other_client();
        let r = citizen
            .post_form(
                "/register",
                &[
                    ("display_name", "Anne Le Bihan"),
                    ("email", "anne@exemple.fr"),
                    ("password", "Lannion-2026"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        let answer_new = r.text().await.unwrap();
        let link = citizen.link_in_last_mail_to("anne@exemple.fr").await;
        assert!(link.starts_with("/confirm/"), "{link}");
        // Not confirmed yet: no session, and a new link is sent.
        let r = citizen
            .post_form(
                "/login",
                &[("email", "anne@exemple.fr"), ("password", "Lannion-2026")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("pas encore confirmée"));
        assert_eq!(citizen.get("/account").await.status(), 303);
        let second = citizen.link_in_last_mail_to("anne@exemple.fr").await;
        assert_ne!(second, link);
        let (status, page) = citizen.get_text(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Adresse confirmée"));
        citizen.login("anne@exemple.fr", "Lannion-2026").await;
        let (_, page) = citizen.get_text("/account").await;
        assert!(!page.contains("pas encore confirmée"));
        // A reused link: a clear page, nothing changes.
        let (status, page) = citizen.get_text(&link).await;
        assert_eq!(status, 410);
        assert!(page.contains("déjà utilisé"));
        // Registering a known address answers exactly the same, and tells the owner by mail.
        let stranger = app.other_client();
        let r = stranger
            .post_form(
                "/register",
                &[
                    ("display_name", "Autre"),
                    ("email", "anne@exemple.fr"),
                    ("password", "Autre-mot-2026"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        let answer_known = r.text().await.unwrap();
        assert_eq!(strip_csrf(&answer_new), strip_csrf(&answer_known));
        let mail = app.next_mail_to("anne@exemple.fr").await;
        assert!(mail.subject.contains("existe déjà"), "{}", mail.subject);
        assert_eq!(app.count("users").await, 2);
        // Logout ends the session.
        let r = citizen.post_form("/logout", &[]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(citizen.get("/account").await.status(), 303);
    })
);

fn strip_csrf(page: &str) -> String {
    page.lines()
        .filter(|l| !l.contains("_csrf"))
        .collect::<Vec<_>>()
        .join("\n")
}

on_every_engine!(
    invalid_registrations_keep_the_values_and_store_nothing,
    |app: TestApp| Box::pin(async move {
        for (name, email, password, field) in [
            ("Anne", "pas-une-adresse", "Lannion-2026", "email.format"),
            ("Anne", "anne@exemple.fr", "azertyuiop", "password.weak"),
            ("Anne", "anne@exemple.fr", "court", "password.too_short"),
            (
                "",
                "anne@exemple.fr",
                "Lannion-2026",
                "display_name.required",
            ),
        ] {
            let r = app
                .post_form(
                    "/register",
                    &[
                        ("display_name", name),
                        ("email", email),
                        ("password", password),
                        ("terms", "yes"),
                    ],
                )
                .await;
            assert_eq!(r.status(), 422, "{field}");
            let page = r.text().await.unwrap();
            assert!(page.contains("class=\"error-summary\""), "{field}");
            assert!(
                page.contains(&format!("value=\"{email}\"")),
                "{field}: the value is kept"
            );
            assert!(
                !page.contains(password) || password.is_empty(),
                "{field}: the password is not sent back"
            );
            let text = kernel::i18n::tr(kernel::i18n::Lang::Fr, &format!("field.{field}"));
            let escaped = text.replace('\'', "&#39;");
            assert!(page.contains(&escaped), "{field}: {text}");
        }
        assert_eq!(app.count("users").await, 0);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(app.mails().await.is_empty());
    })
);

on_every_engine!(
    a_forgotten_password_is_reset_once_by_mail,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let c = app.other_client();
        c.register_and_login("yann@exemple.fr", "Yann").await;
        // Unknown address: the same answer, no mail.
        let before = app.mails().await.len();
        let r = c
            .post_form("/password/forgot", &[("email", "personne@exemple.fr")])
            .await;
        assert_eq!(r.status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(app.mails().await.len(), before);
        let r = c
            .post_form("/password/forgot", &[("email", "yann@exemple.fr")])
            .await;
        assert_eq!(r.status(), 200);
        let link = c.link_in_last_mail_to("yann@exemple.fr").await;
        assert!(link.starts_with("/password/reset/"));
        // A weak new password: field error, the link still works.
        let r = c.post_form(&link, &[("password", "1234")]).await;
        assert_eq!(r.status(), 422);
        let r = c
            .post_form(&link, &[("password", "Nouveau-mot-2026")])
            .await;
        assert_eq!(r.status(), 303);
        // Every session was closed.
        assert_eq!(c.get("/account").await.status(), 303);
        let (status, _) = c.get_text(&link).await;
        assert_eq!(status, 410);
        let r = c
            .post_form(&link, &[("password", "Encore-autre-2026")])
            .await;
        assert_eq!(r.status(), 410);
        let r = c
            .post_form(
                "/login",
                &[("email", "yann@exemple.fr"), ("password", "Lannion-2026")],
            )
            .await;
        assert_eq!(r.status(), 422);
        c.login("yann@exemple.fr", "Nouveau-mot-2026").await;
    })
);

on_every_engine!(
    a_user_downloads_their_data_then_deletes_their_account,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let c = app.other_client();
        let id = c.register_and_login("lea@exemple.fr", "Léa").await;
        let r = c.get("/account/data").await;
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let data: serde_json::Value = r.json().await.unwrap();
        assert_eq!(data["account"]["email"], "lea@exemple.fr");
        assert_eq!(data["account"]["id"], id.as_str());
        // A wrong password deletes nothing.
        let r = c
            .post_form("/account/delete", &[("password", "faux-mot-de-passe")])
            .await;
        assert_eq!(r.status(), 422);
        assert!(app.state.db().pool().acquire().await.is_ok());
        let r = c
            .post_form("/account/delete", &[("password", "Lannion-2026")])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(c.get("/account").await.status(), 303);
        let r = c
            .post_form(
                "/login",
                &[("email", "lea@exemple.fr"), ("password", "Lannion-2026")],
            )
            .await;
        assert_eq!(r.status(), 422);
        // The address is free again.
        let r = c
            .post_form(
                "/register",
                &[
                    ("display_name", "Léa"),
                    ("email", "lea@exemple.fr"),
                    ("password", "Lannion-2026"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
    })
);

on_every_engine!(
    repeated_failed_logins_are_slowed_down_with_a_retry_hint,
    |app: TestApp| Box::pin(async move {
        let mut last = 0;
        let mut retry = None;
        for _ in 0..12 {
            let r = app
                .post_form(
                    "/login",
                    &[("email", "x@exemple.fr"), ("password", "nope-nope-nope")],
                )
                .await;
            last = r.status().as_u16();
            retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
        assert_eq!(last, 429);
        let secs: u64 = retry.expect("Retry-After").parse().unwrap();
        assert!(secs > 0 && secs <= 300);
    })
);

on_every_engine!(
    registration_asks_for_the_terms_and_leads_back_to_the_page_the_person_was_going_to,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let citizen = app.other_client();
        // From the sign-in page asked by a page, "create an account" keeps that page.
        let (_, page) = citizen.get_text("/login?next=/s/lannion").await;
        assert!(
            page.contains(r#"href="/register?next=/s/lannion""#),
            "{page}"
        );
        let (_, page) = citizen.get_text("/register?next=/s/lannion").await;
        assert!(page.contains(r#"name="next" value="/s/lannion""#));
        assert!(page.contains(r#"href="/terms""#) && page.contains(r#"href="/privacy""#));
        // Without the terms accepted: a field error, the other values kept, no account.
        let fields = [
            ("display_name", "Anne Le Bihan"),
            ("email", "anne@exemple.fr"),
            ("password", "Lannion-2026"),
            ("next", "/s/lannion"),
        ];
        let r = citizen.post_form("/register", &fields).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("Acceptez les conditions d&#39;utilisation pour créer un compte."));
        assert!(page.contains(r#"value="anne@exemple.fr""#));
        assert!(page.contains(r#"name="next" value="/s/lannion""#));
        assert_eq!(app.count("users").await, 1);
        // Accepted: the confirmation link, then the sign-in, lead to the page asked.
        let mut fields = fields.to_vec();
        fields.push(("terms", "yes"));
        assert_eq!(citizen.post_form("/register", &fields).await.status(), 200);
        assert_eq!(app.count("users").await, 2);
        let link = citizen.link_in_last_mail_to("anne@exemple.fr").await;
        assert!(link.ends_with("?next=/s/lannion"), "{link}");
        let (status, page) = citizen.get_text(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains(r#"href="/login?next=/s/lannion""#), "{page}");
        // A page elsewhere is never where a confirmation leads.
        let r = citizen
            .post_form(
                "/register",
                &[
                    ("display_name", "Léo"),
                    ("email", "leo@exemple.fr"),
                    ("password", "Lannion-2026"),
                    ("terms", "yes"),
                    ("next", "https://ailleurs.example/piege"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        let link = citizen.link_in_last_mail_to("leo@exemple.fr").await;
        assert!(!link.contains("ailleurs"), "{link}");
    })
);

on_every_engine!(
    the_terms_the_privacy_notice_and_the_accessibility_statement_are_linked_from_every_page,
    |app: TestApp| Box::pin(async move {
        let (_, home) = app.get_text("/search").await;
        for (path, title) in [
            ("/terms", "Conditions d&#39;utilisation"),
            ("/privacy", "Données personnelles et cookies"),
            ("/accessibility", "Accessibilité : partiellement conforme"),
        ] {
            assert!(
                home.contains(&format!(r#"<a href="{path}">{title}</a>"#)),
                "{path}"
            );
            let (status, page) = app.get_text(path).await;
            assert_eq!(status, 200);
            assert!(page.contains(&format!("<h1>{title}</h1>")), "{page}");
            assert!(page.contains("<h2>"), "{path} has its sections");
        }
        let (_, page) = app.get_text("/accessibility").await;
        assert!(page.contains("Défenseur des droits"));
    })
);
