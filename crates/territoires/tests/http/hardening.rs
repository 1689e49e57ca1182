//! The platform in front of a whole town, anonymous visitors included: each test plays an attack
//! as an attacker would, then checks the safe answer.

use crate::common::{TestApp, spawn_app, spawn_app_with, stored_files};
use crate::on_every_engine;

/// An application with the limits a fresh instance has (the other suites raise them).
async fn with_default_limits(engine: &'static str) -> TestApp {
    spawn_app_with(engine, |o| o.limits = Some(Default::default())).await
}

/// Anne, a confirmed citizen, proposes an experience report with a PDF (pending); returns her
/// client.
async fn anne_proposes_with_a_pdf(app: &TestApp, file_name: &str) -> TestApp {
    let (_, anne) = crate::library::moderator_and_anne(app).await;
    let fields = crate::library::report("Des cours d'école végétalisées", "workshop");
    let r = anne
        .post_multipart(
            "/library/propose",
            &fields,
            &[("attachment", file_name, crate::library::pdf("x"))],
        )
        .await;
    assert_eq!(r.status(), 303);
    anne
}

#[tokio::test]
async fn a_stored_file_name_is_no_key_to_someone_elses_file() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let anne = anne_proposes_with_a_pdf(&app, "Budget confidentiel.pdf").await;
        let data: String = sqlx::query_scalar("SELECT data FROM experiences")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let file = data.split("\"file\":\"").nth(1).unwrap()[..36].to_string();
        // Anne's own form keeps her file through a reference signed for her and that form.
        let url: String = sqlx::query_scalar("SELECT slug FROM experiences")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        let (_, form) = anne.get_text(&format!("/library/{url}/edit")).await;
        let anne_kept = crate::common::kept_attachment_in(&form);
        assert!(
            anne_kept.starts_with(&file) && anne_kept != format!("{file}/Budget confidentiel.pdf")
        );

        let bob = app.other_client();
        bob.register_and_login("bob@test.fr", "Bob").await;
        // A refused form names no file back: nothing tells Bob the file exists.
        let mut untitled = crate::library::report("", "workshop");
        let bare = format!("{file}/vol.pdf");
        untitled.push(("kept_attachment", &bare));
        untitled.push(("kept_attachment", &anne_kept));
        let r = bob.post_multipart("/library/propose", &untitled, &[]).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(!page.contains(&file) && !page.contains("kept_attachment\" value"));
        // Accepted, his report holds none of her file, by its bare name or her reference.
        let mut named = crate::library::report("Un vol de fichier", "workshop");
        named.push(("kept_attachment", &bare));
        named.push(("kept_attachment", &anne_kept));
        let forged = format!("{file}/9999999999/{}/vol.pdf", "0".repeat(32));
        named.push(("kept_attachment", &forged));
        let r = bob.post_multipart("/library/propose", &named, &[]).await;
        assert_eq!(r.status(), 303, "{engine}");
        let bob_url = r.headers()["location"].to_str().unwrap().to_string();
        let (_, page) = bob.get_text(&bob_url).await;
        assert!(!page.contains(&file), "{page}");
        let r = bob.get(&format!("{bob_url}/attachments/{file}")).await;
        assert_eq!(r.status(), 404);
        let stored: String = sqlx::query_scalar("SELECT data FROM experiences WHERE slug <> $1")
            .bind(&url)
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        assert!(!stored.contains(&file));
    }
}

#[tokio::test]
async fn anonymous_reports_are_limited_per_address_and_per_mailbox_and_refused_forms_store_nothing()
{
    for engine in kernel::testing::engines() {
        let app = with_default_limits(engine).await;
        crate::reports::montauban(&app).await;
        let before = app.count("reports").await;
        let spot = |i: usize| {
            (
                format!("{:.4}", 44.0100 + 0.002 * i as f64),
                format!("{:.4}", 1.3400 + 0.002 * i as f64),
            )
        };
        let report = |i: usize, email: &'static str| {
            let (lat, lon) = spot(i);
            vec![
                ("category".to_string(), "VOIRIE-01".to_string()),
                ("lat".to_string(), lat),
                ("lon".to_string(), lon),
                ("description".to_string(), format!("Trou numéro {i}")),
                ("attribute[TAILLE]".to_string(), "grand".to_string()),
                ("email".to_string(), email.to_string()),
            ]
        };
        let send = |fields: Vec<(String, String)>, photo: Option<Vec<u8>>| {
            let app = &app;
            async move {
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                crate::reports::send(app, &pairs, photo).await
            }
        };
        // A refused form with a good photo: nothing is saved, the photo neither.
        let mut bad = report(0, "paul@exemple.fr");
        bad[1].1 = "144".into();
        let (status, page) = send(bad, Some(crate::pages::png(64, 48))).await;
        assert_eq!(status, 422);
        assert!(page.contains("choisissez-les de nouveau"), "{page}");
        assert_eq!(stored_files(&app).await, 0, "{engine}");
        // A photo that would decode to 317 MB: a field error, read from its header alone.
        let (status, page) = send(
            report(1, "paul@exemple.fr"),
            Some(kernel::testing::png_bomb(6300, 6300)),
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("100 Mo au plus une fois décodée"), "{page}");
        assert_eq!(stored_files(&app).await, 0);
        // Three confirmation mails an hour to one mailbox; the fourth report is refused.
        for i in 2..5 {
            let (status, page) = send(report(i, "victime@exemple.fr"), None).await;
            assert_eq!(status, 200, "{page}");
        }
        let (status, page) = send(report(5, "victime@exemple.fr"), None).await;
        assert_eq!(status, 422);
        assert!(page.contains("Trop de courriels"), "{page}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let to_victim = app
            .mails()
            .await
            .iter()
            .filter(|m| m.to == "victime@exemple.fr")
            .count();
        assert_eq!(to_victim, 3);
        assert_eq!(app.count("reports").await, before + 3);
        // Ten tries an hour from one address: the eleventh is a 429 with a hint.
        for i in 6..10 {
            let (status, _) = send(report(i, "autre@exemple.fr"), None).await;
            assert_ne!(status, 429, "try {i}");
        }
        let (status, _) = send(report(10, "autre@exemple.fr"), None).await;
        assert_eq!(status, 429);
        // A confirmed account is not limited this way.
        let citizen = app.other_client();
        citizen.register_and_login("jean@exemple.fr", "Jean").await;
        let fields = report(11, "jean@exemple.fr");
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (status, page) = crate::reports::send(&citizen, &pairs, None).await;
        assert_eq!(status, 200, "{page}");
    }
}

#[tokio::test]
async fn registration_and_reset_mails_are_capped_per_mailbox() {
    for engine in kernel::testing::engines() {
        let app = with_default_limits(engine).await;
        app.other_client()
            .register_and_login("cible@exemple.fr", "Cible")
            .await;
        // The confirmation took one mail of the hour; reset requests take the other two.
        let attacker = app.other_client();
        for _ in 0..4 {
            let r = attacker
                .post_form("/password/forgot", &[("email", "cible@exemple.fr")])
                .await;
            assert_eq!(r.status(), 200);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mails = app
            .mails()
            .await
            .iter()
            .filter(|m| m.to == "cible@exemple.fr")
            .count();
        assert_eq!(mails, 3, "{engine}");
        // Five reset requests an hour from one address: the sixth is a 429.
        let r = attacker
            .post_form("/password/forgot", &[("email", "autre@exemple.fr")])
            .await;
        assert_eq!(r.status(), 200);
        let r = attacker
            .post_form("/password/forgot", &[("email", "autre@exemple.fr")])
            .await;
        assert_eq!(r.status(), 429);
    }
}

#[tokio::test]
async fn a_newer_reset_link_ends_the_older_ones() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let c = app.other_client();
        c.register_and_login("yann@exemple.fr", "Yann").await;
        let mut links = Vec::new();
        for _ in 0..2 {
            c.post_form("/password/forgot", &[("email", "yann@exemple.fr")])
                .await;
            links.push(c.link_in_last_mail_to("yann@exemple.fr").await);
        }
        let r = c
            .post_form(&links[1], &[("password", "Nouveau-mot-2026")])
            .await;
        assert_eq!(r.status(), 303);
        let r = c
            .post_form(&links[0], &[("password", "Vieux-lien-2026")])
            .await;
        assert_eq!(r.status(), 410, "{engine}");
        // A link lives one hour.
        let expires: i64 =
            sqlx::query_scalar("SELECT MAX(expires_at) FROM user_tokens WHERE purpose = 'reset'")
                .fetch_one(app.state.db().pool())
                .await
                .unwrap();
        assert!(expires - kernel::ids::now_ms() <= 3_600_000);
    }
}

#[tokio::test]
async fn a_process_link_must_be_a_web_address_or_a_path_of_this_site() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let (_, anne) = crate::library::moderator_and_anne(&app).await;
        let mut fields = crate::library::report("Un lien piégé", "workshop");
        fields.push((
            "processes",
            "javascript://%0aalert(document.domain)/s/lannion/processes/lannion-2030",
        ));
        let r = anne.post_multipart("/library/propose", &fields, &[]).await;
        assert_eq!(r.status(), 422, "{engine}");
        assert!(r.text().await.unwrap().contains("aria-invalid"));
        assert_eq!(app.count("experiences").await, 0);
    }
}

#[tokio::test]
async fn free_text_that_looks_like_a_formula_is_neutralised_in_csv() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let (process, component) = crate::participation::setup(&app, &[]).await;
        let idea = crate::participation::category(&app, &component, "Idée").await;
        let (status, _) = crate::participation::contribute(
            &app,
            &component,
            &[
                ("title", "=HYPERLINK(\"https://evil.example\";\"Cliquez\")"),
                ("body", "@SUM(1+1) en guise de texte"),
                ("category", &idea),
                ("form_key", &"a".repeat(32)),
                ("lat", "48.7325"),
                ("lon", "-3.4622"),
            ],
            None,
        )
        .await;
        assert_eq!(status, 303, "{engine}");
        let slug = process.rsplit('/').next().unwrap();
        let (_, csv) = app
            .get_text(&format!("/data/processes/lannion/{slug}/contributions.csv"))
            .await;
        assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
        assert!(csv.contains(",'@SUM(1+1) en guise de texte,"), "{csv}");
        // A longitude stays a number.
        assert!(csv.contains(",-3.4622,"), "{csv}");
        let (_, schema) = app
            .get_text(&format!(
                "/data/processes/lannion/{slug}/contributions.schema.json"
            ))
            .await;
        assert!(schema.contains("apostrophe"));
    }
}

#[tokio::test]
async fn open311_lists_are_bounded() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        crate::reports::montauban(&app).await;
        let ids: Vec<String> = (0..2_000).map(|i| format!("r{i}")).collect();
        let r = app
            .get(&format!(
                "/open311/v2/requests.json?jurisdiction_id=montauban&service_request_id={}",
                ids.join(",")
            ))
            .await;
        assert_eq!(r.status(), 400, "{engine}");
        assert!(r.text().await.unwrap().contains("at most 1000"));
        let body = "description=".to_string() + &"x".repeat(100 * 1024);
        let r = app
            .client
            .post(app.url("/open311/v2/requests.json"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
    }
}

#[tokio::test]
async fn metrics_are_for_the_monitoring_server_only() {
    let app = spawn_app("sqlite").await;
    assert_eq!(app.get("/metrics").await.status(), 200, "loopback");
    let proxied = spawn_app_with("sqlite", |o| o.behind_proxy = Some(true)).await;
    assert_eq!(proxied.get("/metrics").await.status(), 404);
    let guarded = spawn_app_with("sqlite", |o| o.metrics_token = Some("s3cret".into())).await;
    assert_eq!(guarded.get("/metrics").await.status(), 404);
    let r = guarded
        .client
        .get(guarded.url("/metrics"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn sessions_end_after_two_weeks_unused_or_ninety_days_and_are_purged() {
    use kernel::accounts::store as accounts;
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let id = app
            .other_client()
            .register_and_login("s@exemple.fr", "S")
            .await;
        let db = app.state.db();
        let day = 86_400_000;
        let now = kernel::ids::now_ms();
        let idle = accounts::create_session(db, &id).await.unwrap();
        assert!(
            accounts::user_by_session_at(db, &idle, now + 13 * day)
                .await
                .unwrap()
                .is_some()
        );
        // Used at day 13: alive at day 26, gone at day 28 unused.
        assert!(
            accounts::user_by_session_at(db, &idle, now + 26 * day)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            accounts::user_by_session_at(db, &idle, now + 41 * day)
                .await
                .unwrap()
                .is_none()
        );
        let busy = accounts::create_session(db, &id).await.unwrap();
        for d in (10..=90).step_by(10) {
            assert!(
                accounts::user_by_session_at(db, &busy, now + d * day)
                    .await
                    .unwrap()
                    .is_some(),
                "day {d}"
            );
        }
        assert!(
            accounts::user_by_session_at(db, &busy, now + 91 * day)
                .await
                .unwrap()
                .is_none()
        );
        assert!(app.count("sessions").await >= 2);
        let gone = accounts::purge_expired(db, now + 91 * day).await.unwrap();
        assert!(gone >= 2, "{engine}");
        assert_eq!(app.count("sessions").await, 0);
    }
}

#[tokio::test]
async fn supports_past_the_limit_are_refused_even_at_once_and_hidden_items_cannot_be_followed() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let (process, component) =
            crate::participation::setup(&app, &[("supports_limit", "3")]).await;
        let idea = crate::participation::category(&app, &component, "Idée").await;
        let mut urls = Vec::new();
        for i in 0..32 {
            let key = format!("{:032x}", i + 1);
            let (status, to) = crate::participation::contribute(
                &app,
                &component,
                &[
                    ("title", &format!("Idée numéro {i}")),
                    ("body", "Un banc de plus"),
                    ("category", &idea),
                    ("form_key", &key),
                    ("lat", "48.7325"),
                    ("lon", "-3.4622"),
                ],
                None,
            )
            .await;
            assert_eq!(status, 303, "{to}");
            urls.push(to);
        }
        let fan = app.other_client();
        fan.register_and_login("fan@exemple.fr", "Fan").await;
        let token = fan.csrf().await;
        let tries = urls.iter().map(|u| {
            let fan = &fan;
            let token = token.clone();
            async move {
                fan.client
                    .post(fan.url(&format!("{u}/support")))
                    .form(&[("_csrf", token.as_str())])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        });
        let statuses = futures_util::future::join_all(tries).await;
        assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
        let stored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM contribution_supports s JOIN users u ON u.id = s.user_id WHERE u.email = 'fan@exemple.fr'",
        )
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        assert_eq!(stored, 3, "{engine}");
        // A contribution waiting for moderation cannot be followed by someone else.
        sqlx::query("UPDATE contributions SET state = 'pending' WHERE title = 'Idée numéro 0'")
            .execute(app.state.db().pool())
            .await
            .unwrap();
        let r = fan
            .post_form(&format!("{}/follow", urls[0]), &[("how", "follow")])
            .await;
        assert_eq!(r.status(), 404, "{process}");
    }
}

#[tokio::test]
async fn the_daily_sweep_removes_only_the_files_nothing_names() {
    for (engine, place) in crate::common::file_places() {
        let app = crate::common::spawn_app_keeping_files(engine, place).await;
        anne_proposes_with_a_pdf(&app, "Bilan.pdf").await;
        // A file nothing names, as a form left after its first step leaves one, wherever the
        // node keeps its files.
        let files = app.state.uploads().files();
        let orphan = kernel::uploads::FileKey::image(&format!("{}.png", "f".repeat(32))).unwrap();
        files
            .put_bytes(&orphan, crate::pages::png(4, 4).into())
            .await
            .unwrap();
        assert_eq!(stored_files(&app).await, 2);
        let day = std::time::Duration::from_secs(86_400);
        assert_eq!(
            kernel::jobs::sweep_files(&app.state, day).await.unwrap(),
            0,
            "too recent"
        );
        let gone = kernel::jobs::sweep_files(&app.state, std::time::Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(gone, 1, "{engine}, {place}");
        assert_eq!(files.size(&orphan).await.unwrap(), None);
        assert_eq!(stored_files(&app).await, 1, "the report's file stays");
    }
}

crate::on_every_file_place!(
    a_refused_space_form_stores_no_logo_and_says_all_that_is_wrong,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let fields = [
            ("name", "Lannion participe"),
            ("slug", "lannion"),
            ("territory", "commune/22113"),
        ];
        let form = crate::pages::create_space_form;
        assert_eq!(form(&app, &fields, None).await.status(), 303);
        // The slug is taken: refused once the database says so; the logo written just before
        // is named by nothing, and the daily sweep takes it.
        let r = form(&app, &fields, Some(crate::pages::png(64, 64))).await;
        assert_eq!(r.status(), 422);
        assert_eq!(stored_files(&app).await, 1);
        let gone = kernel::jobs::sweep_files(&app.state, std::time::Duration::ZERO)
            .await
            .unwrap();
        assert_eq!((gone, stored_files(&app).await), (1, 0));
        // A field and the logo both wrong: both are said at once.
        let r = form(
            &app,
            &[
                ("name", ""),
                ("slug", "brest"),
                ("territory", "commune/29019"),
            ],
            Some(kernel::testing::png_bomb(6300, 6300)),
        )
        .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("100 Mo au plus une fois décodée"), "{page}");
        assert!(page.contains("id=\"name-error\""), "{page}");
        assert_eq!(stored_files(&app).await, 0);
    })
);

on_every_engine!(
    a_form_with_files_carries_its_token_in_its_body_never_in_its_address,
    |app: TestApp| Box::pin(async move {
        let (_, anne) = crate::library::moderator_and_anne(&app).await;
        // No page puts the token in a form's address, where it would stay in the history.
        for path in ["/library/propose"] {
            let (status, page) = anne.get_text(path).await;
            assert_eq!(status, 200, "{path}");
            assert!(page.contains("enctype=\"multipart/form-data\""), "{path}");
            assert!(!page.contains("_csrf="), "{path}");
        }
        let fields = crate::library::report("Des cours d'école végétalisées", "workshop");
        let pdf = crate::library::pdf("x");
        let post = |token: Option<&str>| {
            let mut form = reqwest::multipart::Form::new();
            if let Some(t) = token {
                form = form.text("_csrf", t.to_string());
            }
            for (k, v) in &fields {
                form = form.text(k.to_string(), v.to_string());
            }
            form = form.part(
                "attachment",
                reqwest::multipart::Part::bytes(pdf.clone()).file_name("cours.pdf"),
            );
            anne.client
                .post(anne.url("/library/propose"))
                .multipart(form)
                .send()
        };
        // Without a token, or with another one: refused, nothing stored.
        let before = app.count("experiences").await;
        assert_eq!(post(None).await.unwrap().status(), 403);
        assert_eq!(post(Some("pas-le-bon")).await.unwrap().status(), 403);
        assert_eq!(app.count("experiences").await, before);
        // With the page's token in the body: accepted, then sent on to a page of its own
        // (a reload sends nothing again).
        let token = anne.csrf().await;
        let r = post(Some(&token)).await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(app.count("experiences").await, before + 1);
    })
);
