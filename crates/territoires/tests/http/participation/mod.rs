//! Participation through the pages: an administrator sets up a process (perimeter, phases, a
//! participatory map with categories and rules); citizens contribute with photos (their EXIF
//! position is gone), support within the limit, comment in threads three deep; flags hold a
//! comment until a moderator hides it and suspends its author; the space answers and the
//! followers are told, at once or in the daily digest; the process is published as open data.

use crate::common::TestApp;
use crate::on_every_engine;

const PERIMETER: &str = "48.760, -3.500\n48.760, -3.420\n48.715, -3.420\n48.715, -3.500";

/// A space `lannion` with a process `lannion-2030` set up by the administrator's client, a
/// participatory map and its categories; returns (process URL, component URL).
pub(crate) async fn setup(app: &TestApp, map_fields: &[(&str, &str)]) -> (String, String) {
    let process = app.with_process("lannion-2030", "Lannion 2030").await;
    // Bad input: every problem named, nothing saved.
    let r = app
        .post_form(
            &format!("{process}/edit/perimeter"),
            &[("perimeter", "48.7 -3.5\nnord")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("un sommet par ligne"), "{page}");
    let r = app
        .post_form(
            &format!("{process}/edit/general"),
            &[
                ("title", "Lannion 2030 : imaginons la ville"),
                ("themes", "mobilité, patrimoine"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &format!("{process}/edit/perimeter"),
            &[("perimeter", PERIMETER)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let today = kernel::clock::local_date(kernel::ids::now_ms());
    let day = |d: i64| (today + time::Duration::days(d)).to_string();
    let r = app
        .post_form(
            &format!("{process}/phases"),
            &[
                ("name", "Dépôt"),
                ("starts_on", &day(5)),
                ("ends_on", &day(-5)),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ne peut pas précéder"));
    for (name, from, to) in [("Dépôt", day(-10), day(10)), ("Étude", day(11), day(40))] {
        let r = app
            .post_form(
                &format!("{process}/phases"),
                &[("name", name), ("starts_on", &from), ("ends_on", &to)],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let phases = participation::store::phases(app.state.db(), &process_id(app).await)
        .await
        .unwrap();
    let mut fields = vec![
        ("kind", "map"),
        ("title", "Carte participative"),
        ("phase", phases[0].id.as_str()),
        ("contributions_open", "1"),
        ("supports_open", "1"),
        ("anonymous_allowed", "1"),
    ];
    fields.extend_from_slice(map_fields);
    let r = app
        .post_form(&format!("{process}/components"), &fields)
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let settings = r.headers()["location"].to_str().unwrap().to_string();
    let component = settings.trim_end_matches("/settings").to_string();
    let r = app
        .post_form(
            &format!("{component}/categories"),
            &[("name", "Idée"), ("colour", "vert"), ("icon", "💡")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Choisissez une icône de la liste.") && page.contains("#rrggbb"));
    for (name, colour, icon) in [("Idée", "#1f6feb", "idea"), ("Danger", "#cf222e", "danger")] {
        let r = app
            .post_form(
                &format!("{component}/categories"),
                &[("name", name), ("colour", colour), ("icon", icon)],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    // Each category's icon is drawn in its colour beside its name.
    let (_, page) = app.get_text(&settings).await;
    assert!(
        page.contains(r##"<svg class="icon""##) && page.contains(r##"stroke="#cf222e""##),
        "{page}"
    );
    (process, component)
}

pub(crate) async fn process_id(app: &TestApp) -> String {
    participation::store::get_by_slug(app.state.db(), "lannion", "lannion-2030")
        .await
        .unwrap()
        .unwrap()
        .id
}

pub(crate) async fn category(app: &TestApp, component: &str, name: &str) -> String {
    let id = component.rsplit('/').next().unwrap();
    participation::store::categories(app.state.db(), id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
}

/// A JPEG whose EXIF block carries a GPS position (what phones write).
fn jpeg_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 4, 90]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    // TIFF (little-endian): IFD0 with one entry, GPSInfo → a GPS IFD holding GPSLatitudeRef "N".
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn form(fields: &[(&str, &str)], photo: Option<(Vec<u8>, &str)>) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    if let Some((bytes, mime)) = photo {
        f = f.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("photo")
                .mime_str(mime)
                .unwrap(),
        );
    }
    f
}

/// Sends the contribution form of a component; returns the status and the page or location.
pub(crate) async fn contribute(
    app: &TestApp,
    component: &str,
    fields: &[(&str, &str)],
    photo: Option<(Vec<u8>, &str)>,
) -> (u16, String) {
    let token = app.csrf().await;
    let r = app
        .client
        .post(app.url(&format!("{component}/new?_csrf={token}")))
        .multipart(form(fields, photo))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let out = match r.headers().get("location") {
        Some(l) => l.to_str().unwrap().to_string(),
        None => r.text().await.unwrap(),
    };
    (status, out)
}

/// The next mail to `to` whose subject holds `about` (earlier ones are passed over).
async fn mail_about(app: &TestApp, to: &str, about: &str) -> kernel::mail::OutboxMail {
    for _ in 0..20 {
        let m = app.next_mail_to(to).await;
        if m.subject.contains(about) {
            return m;
        }
    }
    panic!("no mail about {about} to {to}");
}

/// Follows a redirect answer and returns the page it leads to (with its flash message).
async fn after(app: &TestApp, r: reqwest::Response) -> String {
    let to = crate::common::redirected_to(r).await;
    app.get_text(&to).await.1
}

/// `client` places a contribution without a photo on the map of `component`: its title and
/// text in `category`, at (latitude, longitude), sent with the form's one-time `key`. Checks
/// that it is taken (303) and returns where it leads.
pub(crate) async fn propose(
    client: &TestApp,
    component: &str,
    category: &str,
    (title, body): (&str, &str),
    (lat, lon): (&str, &str),
    key: &str,
) -> String {
    let (status, to) = contribute(
        client,
        component,
        &[
            ("title", title),
            ("body", body),
            ("category", category),
            ("lat", lat),
            ("lon", lon),
            ("form_key", key),
        ],
        None,
    )
    .await;
    assert_eq!(status, 303, "{to}");
    to
}

/// `client` supports the contribution at `url`; returns the page it is sent back to.
async fn support(client: &TestApp, url: &str) -> String {
    after(
        client,
        client.post_form(&format!("{url}/support"), &[]).await,
    )
    .await
}

/// `client` follows a process or a contribution at `url`, told `how` (`mail`, `digest`);
/// returns the page it is sent back to.
async fn follow(client: &TestApp, url: &str, how: &str) -> String {
    after(
        client,
        client
            .post_form(&format!("{url}/follow"), &[("how", how)])
            .await,
    )
    .await
}

/// `client` comments on the contribution at `url`, answering the comment `parent` when one
/// is given, with the form's one-time `key`; returns the answer.
async fn comment(
    client: &TestApp,
    url: &str,
    body: &str,
    parent: Option<&str>,
    key: &str,
) -> reqwest::Response {
    let mut fields = vec![("body", body)];
    fields.extend(parent.map(|p| ("parent", p)));
    fields.push(("form_key", key));
    client.post_form(&format!("{url}/comments"), &fields).await
}

/// The id of the comment an answer sends back to (its `#comment-` anchor).
fn comment_id(r: &reqwest::Response) -> String {
    r.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit("#comment-")
        .next()
        .unwrap()
        .to_string()
}

mod drafts;
mod map;
mod moderation;

on_every_engine!(
    a_change_and_the_mails_it_causes_are_kept_or_lost_together,
    |app: TestApp| Box::pin(async move {
        let (_, component) = setup(&app, &[]).await;
        let idea = category(&app, &component, "Idée").await;
        let a = app.other_client();
        a.register_and_login("anne@test.fr", "Anne Le Bras").await;
        let b = app.other_client();
        b.register_and_login("bruno@test.fr", "Bruno Tanguy").await;
        let url = propose(
            &a,
            &component,
            &idea,
            ("Des bancs le long du Léguer", "Il n'y a aucun banc."),
            ("48.7325", "-3.4622"),
            "0123456789abcdef0123456789abcdef",
        )
        .await;
        follow(&b, &url, "mail").await;
        let mails = app.count("mail_queue").await;
        // While no mail can be queued, a comment or an answer that would tell Bruno is not
        // recorded either.
        app.refuse_mail(true).await;
        let key = "c0000000000000000000000000000001";
        let r = comment(&a, &url, "Merci de votre soutien", None, key).await;
        assert_eq!(r.status(), 500);
        assert_eq!(app.count("comments").await, 0);
        let answer = [
            ("state", "accepted"),
            ("progress", "20"),
            ("text", "Au printemps."),
        ];
        let r = app.post_form(&format!("{url}/answer"), &answer).await;
        assert_eq!(r.status(), 500);
        let (_, page) = app.get_text(&url).await;
        assert!(!page.contains("Au printemps."), "{page}");
        // A password reset link is not made without its mail.
        let links = app.count("user_tokens").await;
        let r = app
            .other_client()
            .post_form("/password/forgot", &[("email", "bruno@test.fr")])
            .await;
        assert_eq!(r.status(), 500);
        assert_eq!(app.count("user_tokens").await, links);
        assert_eq!(app.count("mail_queue").await, mails);
        // Once mail can be queued, the same forms are recorded with their mails.
        app.refuse_mail(false).await;
        let r = comment(&a, &url, "Merci de votre soutien", None, key).await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.count("comments").await, 1);
        mail_about(&app, "bruno@test.fr", "Nouveau commentaire").await;
        let r = app.post_form(&format!("{url}/answer"), &answer).await;
        assert_eq!(r.status(), 303);
        mail_about(&app, "bruno@test.fr", "Réponse de la collectivité").await;
        let r = app
            .other_client()
            .post_form("/password/forgot", &[("email", "bruno@test.fr")])
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(app.count("user_tokens").await, links + 1);
    })
);

on_every_engine!(
    citizens_contribute_on_the_map_support_comment_and_get_an_answer,
    |app: TestApp| Box::pin(async move {
        let (process, component) = setup(&app, &[("supports_limit", "1")]).await;
        let idea = category(&app, &component, "Idée").await;
        let a = app.other_client();
        a.register_and_login("anne@test.fr", "Anne Le Bras").await;
        let b = app.other_client();
        b.register_and_login("bruno@test.fr", "Bruno Tanguy").await;
        let key = "0123456789abcdef0123456789abcdef";
        // Outside the perimeter, a file that is not an image, no title: all named, nothing saved.
        let (status, page) = contribute(
            &a,
            &component,
            &[
                ("title", ""),
                ("body", "Un banc"),
                ("category", &idea),
                ("lat", "48.80"),
                ("lon", "-3.46"),
                ("form_key", key),
            ],
            Some((b"GIF89a pas une image".to_vec(), "image/gif")),
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("en dehors du périmètre"), "{page}");
        assert!(page.contains("pas une image PNG ou JPEG"), "{page}");
        assert!(page.contains("Ce champ est obligatoire"), "{page}");
        assert_eq!(app.count("contributions").await, 0);
        // A map contribution needs a place.
        let (status, page) = contribute(
            &a,
            &component,
            &[
                ("title", "Des bancs le long du Léguer"),
                ("body", "Il n'y a aucun banc."),
                ("category", &idea),
                ("form_key", key),
            ],
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("Placez votre contribution sur la carte"));
        // The good one, with a phone photo carrying its GPS position; sent twice.
        let photo = jpeg_with_gps();
        assert!(photo.windows(4).any(|w| w == b"Exif"));
        let good = [
            ("title", "Des bancs le long du Léguer"),
            (
                "body",
                "Il n'y a **aucun** banc entre le quai et la passerelle.",
            ),
            ("category", idea.as_str()),
            ("lat", "48.7325"),
            ("lon", "-3.4622"),
            ("form_key", key),
        ];
        let (status, url) =
            contribute(&a, &component, &good, Some((photo.clone(), "image/jpeg"))).await;
        assert_eq!(status, 303, "{url}");
        let (status, again) = contribute(&a, &component, &good, Some((photo, "image/jpeg"))).await;
        assert_eq!(status, 303);
        assert_eq!(again, url, "a form sent twice makes one contribution");
        assert_eq!(app.count("contributions").await, 1);
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains("<strong>aucun</strong>"),
            "the Markdown subset is rendered"
        );
        let photo_url = page
            .split("src=\"/uploads/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .map(|n| format!("/uploads/{n}"))
            .expect("the photo is shown");
        let served = app.get(&photo_url).await.bytes().await.unwrap();
        assert!(served.starts_with(b"\x89PNG"), "re-encoded");
        assert!(!served.windows(4).any(|w| w == b"Exif"), "no EXIF left");
        assert!(
            !served.windows(4).any(|w| w == b"eXIf"),
            "no EXIF chunk either"
        );
        // Everyone sees it on the map of the component.
        let (_, list) = app
            .other_client()
            .get_text(&format!(
                "{component}/map.json?west=-3.6&south=48.6&east=-3.3&north=48.8&zoom=12"
            ))
            .await;
        let mut seen = false;
        for _ in 0..100 {
            let (_, l) = app
                .get_text(&format!(
                    "{component}/map.json?west=-3.6&south=48.6&east=-3.3&north=48.8&zoom=16"
                ))
                .await;
            if l.contains(url.rsplit('/').next().unwrap()) {
                seen = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(seen, "on the map: {list}");

        // B supports it; a second support and one beyond the limit are refused.
        assert!(support(&b, &url).await.contains("Merci pour votre soutien"));
        assert!(support(&b, &url).await.contains("Vous soutenez déjà"));
        let url2 = propose(
            &a,
            &component,
            &idea,
            ("Un passage piéton rue de Tréguier", "Dangereux le soir."),
            ("48.7351", "-3.4601"),
            "1123456789abcdef0123456789abcdef",
        )
        .await;
        // Her account lists what she wrote, with its page; not his.
        let (_, account) = a.get_text("/account").await;
        assert!(
            account.contains("Mes contributions et ce que je suis")
                && account.contains(&format!(
                    r#"<a href="{url2}">Un passage piéton rue de Tréguier</a>"#
                )),
            "{account}"
        );
        let (_, account) = b.get_text("/account").await;
        assert!(!account.contains("Un passage piéton"));
        let page = support(&b, &url2).await;
        assert!(page.contains("nombre de soutiens permis"), "{page}");
        assert_eq!(app.count("contribution_supports").await, 1);

        // B comments; A answers; the thread goes three deep and no deeper.
        let r = comment(
            &b,
            &url,
            "Très bonne idée",
            None,
            "c0000000000000000000000000000001",
        )
        .await;
        assert!(after(&b, r).await.contains("Votre commentaire est publié"));
        let first = participation::store::comments::page(
            app.state.db(),
            url.rsplit('/').next().unwrap(),
            None,
            10,
        )
        .await
        .unwrap()
        .0[0]
            .id
            .clone();
        let r = comment(
            &a,
            &url,
            "Merci !",
            Some(&first),
            "c0000000000000000000000000000002",
        )
        .await;
        let second = comment_id(&r);
        let r = comment(
            &b,
            &url,
            "Avec plaisir",
            Some(&second),
            "c0000000000000000000000000000003",
        )
        .await;
        let third = comment_id(&r);
        let r = comment(
            &a,
            &url,
            "Trop loin",
            Some(&third),
            "c0000000000000000000000000000004",
        )
        .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("plus loin dans ce fil"));
        assert_eq!(app.count("comments").await, 3);
        // Only its author edits a comment.
        let r = a
            .post_form(
                &format!("{url}/comments/{first}/edit"),
                &[("body", "Changé")],
            )
            .await;
        assert_eq!(r.status(), 403);
        let r = b
            .post_form(
                &format!("{url}/comments/{first}/edit"),
                &[("body", "Très bonne idée, vraiment")],
            )
            .await;
        assert_eq!(r.status(), 303);
        // Votes on comments.
        let r = a
            .post_form(&format!("{url}/comments/{first}/vote"), &[("value", "up")])
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("Très bonne idée, vraiment"));
        assert!(page.contains("1 pour · 0 contre"), "{page}");

        // The space answers; the author and B (who follows by mail) are told.
        assert!(
            follow(&b, &url, "mail")
                .await
                .contains("vous serez prévenu")
        );
        let r = app
            .post_form(
                &format!("{url}/answer"),
                &[("state", "accepted"), ("progress", "140")],
            )
            .await;
        assert_eq!(r.status(), 422);
        let r = app
            .post_form(
                &format!("{url}/answer"),
                &[
                    ("state", "accepted"),
                    ("progress", "20"),
                    ("text", "Les bancs seront posés au printemps."),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let to_a = mail_about(&app, "anne@test.fr", "Réponse de la collectivité").await;
        assert!(to_a.body.contains("Retenue"));
        mail_about(&app, "bruno@test.fr", "Réponse de la collectivité").await;
        let (_, page) = app.get_text(&process).await;
        assert!(
            page.contains("Réponses de la collectivité : 1 sur 2 contributions."),
            "{page}"
        );

        // Open data: no author, the answer and the counts; the schema describes the CSV.
        let (status, csv) = app
            .get_text("/data/processes/lannion/lannion-2030/contributions.csv")
            .await;
        assert_eq!(status, 200);
        assert!(!csv.contains("Anne") && !csv.contains("anne@"), "{csv}");
        assert!(
            csv.contains("accepted,20,Les bancs seront posés au printemps."),
            "{csv}"
        );
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let names = app
            .schema_fields("/data/processes/lannion/lannion-2030/contributions.schema.json")
            .await;
        assert_eq!(header, names);
        let geo = app
            .get_json("/data/processes/lannion/lannion-2030/contributions.geojson")
            .await;
        assert_eq!(geo["features"].as_array().unwrap().len(), 2);
        let (_, atom) = app.get_text(&format!("{process}/feed.atom")).await;
        assert!(
            atom.contains("Des bancs le long du Léguer — Retenue"),
            "{atom}"
        );
        let (_, catalog) = app.get_text("/data/catalog.jsonld").await;
        assert!(catalog.contains("/data/processes/lannion/lannion-2030/contributions.csv"));

        // The author withdraws the second one: gone from the list and the data.
        let r = a.post_form(&format!("{url2}/withdraw"), &[]).await;
        assert_eq!(r.status(), 303);
        let r = b.post_form(&format!("{url}/withdraw"), &[]).await;
        assert_eq!(r.status(), 403);
        let (_, csv) = app
            .get_text("/data/processes/lannion/lannion-2030/contributions.csv")
            .await;
        assert_eq!(csv.lines().count(), 2);
    })
);

on_every_engine!(
    the_demo_processes_have_an_image_shown_on_their_space_and_their_page,
    |app: TestApp| Box::pin(async move {
        crate::access::seed_demo(&app).await;
        let (status, space) = app.get_text("/s/lannion").await;
        assert_eq!(status, 200);
        // Each process card of the space shows its own banner.
        let images: Vec<&str> = space
            .split("class=\"card-image\" src=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        assert_eq!(images.len(), 2, "the consultation and the budget: {space}");
        assert_ne!(images[0], images[1]);
        for src in &images {
            let r = app.get(src).await;
            assert_eq!(r.status(), 200, "{src}");
            let bytes = r.bytes().await.unwrap();
            let banner = image::load_from_memory(&bytes).unwrap();
            assert!(banner.width() > banner.height(), "a banner is wide");
        }
        let (_, process) = app.get_text("/s/lannion/processes/lannion-2030").await;
        assert!(process.contains("class=\"process-image\" src=\"/uploads/"));
    })
);
