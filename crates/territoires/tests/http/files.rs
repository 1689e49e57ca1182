//! Uploaded files wherever a node keeps them: served with the same headers from the data
//! directory, the database and S3-compatible storage; and, with several nodes on one PostgreSQL
//! database, a file any node received is served by every node, stored once.

use crate::common::{TestApp, spawn_app, spawn_app_with};
use crate::on_every_file_place;
use crate::pages::{create_space_form, png};
use kernel::config::Files;
use kernel::uploads::{FileKey, MAX_ATTACHMENT_BYTES};

/// The fields of a new space.
fn space(slug: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "Lannion participe"),
        ("slug", slug),
        ("territory", "commune/22113"),
        ("accent_color", "#00577a"),
    ]
}

/// The name of the logo a space's page shows.
async fn logo_of(app: &TestApp, slug: &str) -> String {
    let (_, page) = app.get_text(&format!("/s/{slug}")).await;
    page.split("src=\"/uploads/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the logo is shown")
        .to_string()
}

/// Another node on the database of `first`, with a data directory of its own.
async fn node_beside(first: &TestApp) -> TestApp {
    let url = first.state.config().database_url.clone();
    spawn_app_with(first.engine, |o| o.database_url = Some(url)).await
}

/// The engines on which several nodes share one database: PostgreSQL, when the suite has one.
fn shared_engines() -> Vec<&'static str> {
    kernel::testing::engines()
        .into_iter()
        .filter(|e| *e == "postgres")
        .collect()
}

on_every_file_place!(
    a_logo_is_kept_where_the_settings_say_and_served_with_its_headers,
    |app: TestApp| Box::pin(async move {
        let place = app.state.config().files.to_string();
        app.login_as_admin().await;
        let r = create_space_form(&app, &space("lannion"), Some(png(600, 300))).await;
        assert_eq!(r.status(), 303, "{place}");
        let logo = logo_of(&app, "lannion").await;
        let key = FileKey::image(&logo).unwrap();
        let files = app.state.uploads().files();
        let size = files.size(&key).await.unwrap().expect("stored");
        if place != "dir" {
            assert!(
                !app.data_dir.join("uploads").exists(),
                "{place}: nothing in the data directory"
            );
        }
        let r = app.other_client().get(&format!("/uploads/{logo}")).await;
        assert_eq!(r.status(), 200, "{place}");
        let h = r.headers();
        assert_eq!(h["content-type"], "image/png", "{place}");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["content-length"], size.to_string().as_str(), "{place}");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(bytes.len() as u64, size);
        let stored = files.get(&key).await.unwrap().unwrap();
        assert_eq!(stored.into_vec().await.unwrap(), bytes.as_ref(), "{place}");
        for missing in [
            format!("{}.png", "0".repeat(32)),
            format!("{}.pdf", &logo[..32]),
            "attachments".to_string(),
        ] {
            let r = app.get(&format!("/uploads/{missing}")).await;
            assert_eq!(r.status(), 404, "{place}: {missing}");
        }
    })
);

#[tokio::test]
async fn a_logo_sent_through_one_node_is_served_by_the_other_byte_for_byte() {
    for engine in shared_engines() {
        let a = spawn_app(engine).await;
        assert_eq!(
            a.state.config().files,
            Files::Database,
            "the default with PostgreSQL"
        );
        let b = node_beside(&a).await;
        a.login_as_admin().await;
        let r = create_space_form(&a, &space("lannion"), Some(png(600, 300))).await;
        assert_eq!(r.status(), 303);
        let logo = logo_of(&b, "lannion").await;
        let from_a = a.get(&format!("/uploads/{logo}")).await;
        let from_b = b.get(&format!("/uploads/{logo}")).await;
        assert_eq!(
            (from_a.status().as_u16(), from_b.status().as_u16()),
            (200, 200)
        );
        assert_eq!(from_b.headers()["content-type"], "image/png");
        assert_eq!(
            from_a.bytes().await.unwrap(),
            from_b.bytes().await.unwrap(),
            "byte for byte"
        );
        // The same logo for another space, sent through the other node: one file still.
        b.login("admin@test.fr", "Admin-Test-2026").await;
        b.pass_second_factor("admin@test.fr", crate::common::ADMIN_TOTP)
            .await;
        let r = create_space_form(&b, &space("lannion-bis"), Some(png(600, 300))).await;
        assert_eq!(r.status(), 303);
        assert_eq!(logo_of(&a, "lannion-bis").await, logo);
        assert_eq!(a.count("files").await, 1, "stored once");
        assert_eq!(crate::common::stored_files(&b).await, 1);
    }
}

#[tokio::test]
async fn the_largest_attachment_goes_through_the_database_in_chunks_from_node_to_node() {
    for engine in shared_engines() {
        let a = spawn_app(engine).await;
        let b = node_beside(&a).await;
        let (_, anne) = crate::library::moderator_and_anne(&a).await;
        // A PDF of the largest size accepted, its bytes all different from one place to the
        // next so that a chunk out of order would show.
        let mut pdf = crate::library::pdf("le plus grand");
        let end = pdf.split_off(pdf.len() - 7);
        let mut i = 0u32;
        while pdf.len() < MAX_ATTACHMENT_BYTES - end.len() {
            pdf.extend_from_slice(format!("% {i:08x}\n").as_bytes());
            i += 1;
        }
        pdf.truncate(MAX_ATTACHMENT_BYTES - end.len());
        pdf.extend_from_slice(&end);
        assert_eq!(pdf.len(), MAX_ATTACHMENT_BYTES);
        let fields = crate::library::report("Des cours d'école végétalisées", "workshop");
        let r = anne
            .post_multipart(
                "/library/propose",
                &fields,
                &[("attachment", "Plan.pdf", pdf.clone())],
            )
            .await;
        assert_eq!(r.status(), 303, "{:?}", r.text().await);
        let url = r.headers()["location"].to_str().unwrap().to_string();
        let chunks: i64 = sqlx::query_scalar("SELECT chunks FROM files")
            .fetch_one(a.state.db().pool())
            .await
            .unwrap();
        assert_eq!(chunks, 10, "10 MB in chunks of 1 MiB");
        // Anne reads her pending report's file through the other node.
        let anne_on_b = b.other_client();
        anne_on_b.login("anne@test.fr", "Lannion-2026").await;
        let (_, page) = anne_on_b.get_text(&url).await;
        let file = crate::common::attachment_in(&page, &url);
        let r = anne_on_b.get(&format!("{url}/attachments/{file}")).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(
            r.headers()["content-length"],
            MAX_ATTACHMENT_BYTES.to_string().as_str()
        );
        assert!(r.bytes().await.unwrap() == pdf, "byte for byte");
    }
}
