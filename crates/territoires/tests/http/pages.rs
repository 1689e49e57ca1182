//! The page shell over HTTP: spaces, search, languages, errors, security, permissions.

use crate::common::TestApp;
use crate::on_every_engine;

pub fn png(w: u32, h: u32) -> Vec<u8> {
    // A minimal valid PNG made by hand: the image crate is not a dependency of this suite.
    fn crc(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn adler(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &d in data {
            a = (a + u32::from(d)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend(data);
        out.extend(&c);
        out.extend(crc(&c).to_be_bytes());
    }
    let row: Vec<u8> = std::iter::once(0u8)
        .chain(std::iter::repeat_n([30u8, 80, 150], w as usize).flatten())
        .collect();
    let raw: Vec<u8> = std::iter::repeat_n(row, h as usize).flatten().collect();
    // zlib with stored blocks
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i == blocks.len() - 1));
        z.extend((b.len() as u16).to_le_bytes());
        z.extend((!(b.len() as u16)).to_le_bytes());
        z.extend(*b);
    }
    z.extend(adler(&raw).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

pub async fn create_space_form(
    app: &TestApp,
    fields: &[(&str, &str)],
    logo: Option<Vec<u8>>,
) -> reqwest::Response {
    let token = app.csrf().await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(bytes) = logo {
        form = form.part(
            "logo",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("logo.png")
                .mime_str("image/png")
                .unwrap(),
        );
    }
    app.client
        .post(app.url(&format!("/admin/spaces/new?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// `by` gives the account of `email` the role `role` in the space `space` (its slug), through
/// the space's members form; returns the answer.
async fn add_member(by: &TestApp, space: &str, email: &str, role: &str) -> reqwest::Response {
    by.post_form(
        &format!("/s/{space}/admin/members"),
        &[("email", email), ("role", role)],
    )
    .await
}

crate::on_every_file_place!(
    an_administrator_creates_a_space_with_a_logo_and_everyone_sees_it,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let fields = [
            ("name", "Lannion participe"),
            ("slug", "lannion"),
            (
                "description",
                "Cartographie participative.\n\nDeuxième paragraphe.",
            ),
            ("territory", "commune/22113"),
            ("accent_color", "#00577a"),
        ];
        let r = create_space_form(&app, &fields, Some(png(600, 300))).await;
        assert_eq!(r.status(), 303, "{}", app.engine);
        assert_eq!(r.headers()["location"], "/s/lannion");
        let visitor = app.other_client();
        let (status, page) = visitor.get_text("/s/lannion").await;
        assert_eq!(status, 200);
        assert!(page.contains("<h1>Lannion participe</h1>"));
        assert!(page.contains("<p>Deuxième paragraphe.</p>"));
        let logo = page
            .split("src=\"/uploads/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = visitor.get(&format!("/uploads/{logo}")).await;
        assert_eq!(r.headers()["content-type"], "image/png");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        // Fitted within 256 pixels: width 256, height 128 in the IHDR chunk.
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 256);
        let (_, css) = visitor.get_text("/s/lannion/theme.css").await;
        assert!(css.contains("--accent: #00577a"));
        let (_, home) = visitor.get_text("/").await;
        assert!(home.contains("href=\"/s/lannion\""));
        // The creation reached the search index through the change feed.
        let mut found = false;
        for _ in 0..50 {
            let (_, results) = visitor.get_text("/search?q=lannion+participe").await;
            if results.contains("href=\"/s/lannion\"") {
                found = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(found, "the new space is searchable");
    })
);

on_every_engine!(
    a_bad_space_form_shows_every_field_error_and_saves_nothing,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let fields = [
            ("name", "X"),
            ("slug", "Pas Bon"),
            ("territory", "commune/00000"),
            ("accent_color", "#ffff00"),
        ];
        let r = create_space_form(&app, &fields, Some(b"GIF89a pas une image".to_vec())).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        for code in ["space.name_length", "slug.format", "color.contrast"] {
            let text = kernel::i18n::tr(kernel::i18n::Lang::Fr, &format!("field.{code}"))
                .replace('\'', "&#39;");
            assert!(page.contains(&text), "{code}");
        }
        assert!(page.contains("value=\"Pas Bon\""));
        // Valid fields but an unknown territory, then a file that is not an image.
        let mut good = vec![
            ("name", "Bon nom"),
            ("slug", "bon"),
            ("territory", "commune/00000"),
            ("accent_color", "#1d4f91"),
        ];
        let r = create_space_form(&app, &good, None).await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("n&#39;existe pas dans le référentiel")
        );
        good[2] = ("territory", "commune/22113");
        let r = create_space_form(&app, &good, Some(b"%PDF-1.4".to_vec())).await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("PNG ou JPEG"));
        assert_eq!(app.count("spaces").await, 0);
        assert_eq!(crate::common::stored_files(&app).await, 0);
    })
);

on_every_engine!(search_is_accent_insensitive_and_paged, |app: TestApp| {
    Box::pin(async move {
        app.login_as_admin().await;
        let (status, page) = app.get_text("/search?q=chateaulin").await;
        assert_eq!(status, 200);
        assert!(page.contains(">Châteaulin</a>"));
        let (_, page) = app.get_text("/search?q=22300").await;
        assert!(page.contains(">Lannion</a>"), "postcodes are searchable");
        let (_, page) = app.get_text("/search?q=saint&kind=territory&page=2").await;
        assert!(page.contains("rel=\"prev\""));
        assert!(page.contains("Page 2 sur"));
    })
});

on_every_engine!(
    every_page_speaks_french_first_and_english_on_request,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let visitor = app.other_client();
        let (status, page) = visitor.get_text("/n-existe-pas").await;
        assert_eq!(status, 404);
        assert!(page.contains("<html lang=\"fr\">"));
        assert!(page.contains("Page introuvable"));
        let r = visitor
            .client
            .get(visitor.url("/n-existe-pas"))
            .header("accept-language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let page = r.text().await.unwrap();
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("Page not found"));
        // The switch keeps the choice in a cookie, and sends back to the page.
        let r = visitor.get("/lang/en?back=/search%3Fq%3Dlannion").await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/search?q=lannion");
        let (_, page) = visitor.get_text("/search?q=lannion").await;
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("Skip to content"));
        let r = visitor.get("/lang/fr?back=https://ailleurs.example").await;
        assert_eq!(r.headers()["location"], "/");
    })
);

on_every_engine!(
    unsafe_requests_without_the_csrf_token_are_refused,
    |app: TestApp| Box::pin(async move {
        app.get("/login").await;
        let r = app
            .client
            .post(app.url("/register"))
            .form(&[
                ("display_name", "A"),
                ("email", "a@exemple.fr"),
                ("password", "Lannion-2026"),
                ("terms", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let page = r.text().await.unwrap();
        assert!(page.contains("Formulaire expiré"));
        let r = app
            .client
            .post(app.url("/register"))
            .form(&[
                ("display_name", "A"),
                ("email", "a@exemple.fr"),
                ("password", "Lannion-2026"),
                ("terms", "yes"),
                ("_csrf", "faux"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(app.count("users").await, 0);
    })
);

on_every_engine!(
    responses_carry_the_security_headers_and_a_strict_csp,
    |app: TestApp| Box::pin(async move {
        let r = app.get("/login").await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        let cookie = h
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|c| c.starts_with("csrf="))
            .unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        let page = r.text().await.unwrap();
        assert!(!page.contains("<script>"), "no inline script");
        assert!(!page.contains("style=\""), "no inline style");
    })
);

on_every_engine!(
    bodies_over_the_limit_are_refused_with_413,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let big = vec![b'a'; kernel::BODY_LIMIT + 1024];
        let token = app.csrf().await;
        let form = reqwest::multipart::Form::new().text("name", "Grand").part(
            "logo",
            reqwest::multipart::Part::bytes(big).file_name("x.png"),
        );
        let r = app
            .client
            .post(app.url(&format!("/admin/spaces/new?_csrf={token}")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert!(r.text().await.unwrap().contains("trop volumineux"));
        assert_eq!(app.count("spaces").await, 0);
    })
);

// Every protected route against every role: deny by default.
on_every_engine!(
    protected_pages_answer_each_role_as_it_may,
    |app: TestApp| Box::pin(async move {
        let admin = app.other_client();
        let admin_id = admin.login_as_admin().await;
        let r = create_space_form(
            &admin,
            &[
                ("name", "Lannion"),
                ("slug", "lannion"),
                ("territory", "commune/22113"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), 303);
        let r = create_space_form(
            &admin,
            &[
                ("name", "Brest"),
                ("slug", "brest"),
                ("territory", "commune/29019"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), 303);
        let _ = admin_id;
        let anonymous = app.other_client();
        let citizen = app.other_client();
        citizen
            .register_and_login("citoyen@exemple.fr", "Citoyen")
            .await;
        let lannion_admin = app.other_client();
        lannion_admin
            .register_and_login("elu@exemple.fr", "Élu")
            .await;
        let r = add_member(&admin, "lannion", "elu@exemple.fr", "space_admin").await;
        assert_eq!(r.status(), 303);
        let brest_moderator = app.other_client();
        brest_moderator
            .register_and_login("mod@exemple.fr", "Modé")
            .await;
        let r = add_member(&admin, "brest", "mod@exemple.fr", "moderator").await;
        assert_eq!(r.status(), 303);

        // route, [anonymous, citizen, lannion admin, brest moderator, instance admin]
        let table: &[(&str, [u16; 5])] = &[
            ("/admin", [303, 403, 403, 403, 200]),
            ("/admin/outbox", [303, 403, 403, 403, 200]),
            ("/admin/spaces/new", [303, 403, 403, 403, 200]),
            ("/s/lannion/admin", [303, 403, 200, 403, 200]),
            ("/s/brest/admin", [303, 403, 403, 403, 200]),
            ("/account", [303, 200, 200, 200, 200]),
            ("/s/lannion", [200, 200, 200, 200, 200]),
        ];
        let clients = [
            &anonymous,
            &citizen,
            &lannion_admin,
            &brest_moderator,
            &admin,
        ];
        for (route, expected) in table {
            for (client, want) in clients.iter().zip(expected) {
                let got = client.get(route).await.status().as_u16();
                assert_eq!(
                    got,
                    *want,
                    "{route} for client #{}",
                    clients
                        .iter()
                        .position(|c| std::ptr::eq(*c, *client))
                        .unwrap()
                );
            }
        }
        // Writes too: a citizen cannot add members, a space admin cannot touch another space.
        let r = add_member(&citizen, "lannion", "citoyen@exemple.fr", "space_admin").await;
        assert_eq!(r.status(), 403);
        let r = add_member(&lannion_admin, "brest", "elu@exemple.fr", "space_admin").await;
        assert_eq!(r.status(), 403);
        let r = add_member(&lannion_admin, "lannion", "citoyen@exemple.fr", "agent").await;
        assert_eq!(r.status(), 303);
        // The space page shows its management link only to those who may manage it.
        assert!(
            lannion_admin
                .get_text("/s/lannion")
                .await
                .1
                .contains("/s/lannion/admin")
        );
        assert!(
            !citizen
                .get_text("/s/lannion")
                .await
                .1
                .contains("/s/lannion/admin")
        );
    })
);

on_every_engine!(
    the_outbox_shows_mails_with_followable_links,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        let c = app.other_client();
        c.post_form(
            "/register",
            &[
                ("display_name", "Zoé"),
                ("email", "zoe@exemple.fr"),
                ("password", "Lannion-2026"),
                ("terms", "yes"),
            ],
        )
        .await;
        app.next_mail_to("zoe@exemple.fr").await;
        let (status, page) = app.get_text("/admin/outbox").await;
        assert_eq!(status, 200);
        assert!(page.contains("zoe@exemple.fr"));
        let href = page
            .split("href=\"/admin/outbox/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let (_, mail) = app.get_text(&format!("/admin/outbox/{href}")).await;
        assert!(
            mail.contains("<a href=\"http://"),
            "the confirmation link can be followed"
        );
    })
);

on_every_engine!(territory_pages_link_parents_and_children, |app: TestApp| {
    Box::pin(async move {
        app.login_as_admin().await;
        let (status, page) = app.get_text("/territories/commune/22113").await;
        assert_eq!(status, 200);
        assert!(page.contains("href=\"/territories/departement/22\""));
        assert!(page.contains("href=\"/territories/region/53\""));
        assert!(page.contains("22300"));
        let (_, page) = app.get_text("/territories/departement/22").await;
        assert!(page.contains(">Saint-Brieuc</a>"));
        assert!(page.contains("rel=\"next\""));
        assert_eq!(app.get("/territories/commune/00000").await.status(), 404);
        assert_eq!(app.get("/territories/ville/22113").await.status(), 404);
    })
});

on_every_engine!(
    the_territory_of_a_space_may_be_typed_by_name_or_insee_code,
    |app: TestApp| Box::pin(async move {
        app.login_as_admin().await;
        for (slug, typed, expected) in [
            ("occitanie", "Occitanie", "region/76"),
            ("lannion", "22113", "commune/22113"),
            ("cotes", "Côtes-d'Armor", "departement/22"),
        ] {
            let r = create_space_form(
                &app,
                &[("name", "Un espace"), ("slug", slug), ("territory", typed)],
                None,
            )
            .await;
            assert_eq!(r.status(), 303, "{typed}");
            let (_, v) = app.get_text(&format!("/api/v1/spaces/{slug}")).await;
            let v: serde_json::Value = serde_json::from_str(&v).unwrap();
            assert_eq!(v["territory"], expected, "{typed}");
        }
        let r = create_space_form(
            &app,
            &[
                ("name", "Un espace"),
                ("slug", "nulle-part"),
                ("territory", "Atlantide"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), 422);
    })
);

on_every_engine!(roles_go_only_to_confirmed_addresses, |app: TestApp| {
    Box::pin(async move {
        app.login_as_admin().await;
        let r = create_space_form(
            &app,
            &[
                ("name", "Lannion"),
                ("slug", "lannion"),
                ("territory", "commune/22113"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status(), 303);
        // Someone registers an address that is not theirs and never confirms it.
        let squatter = app.other_client();
        squatter
            .post_form(
                "/register",
                &[
                    ("display_name", "Maire"),
                    ("email", "maire@lannion.bzh"),
                    ("password", "Lannion-2026"),
                    ("terms", "yes"),
                ],
            )
            .await;
        let r = add_member(&app, "lannion", "maire@lannion.bzh", "space_admin").await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("pas encore confirmée"));
        assert_eq!(app.count("roles").await, 1, "only the administrator's");
    })
});
