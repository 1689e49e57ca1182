//! "Mon espace de travail": staff land on it after signing in (unless they asked for a page),
//! citizens never see it, and its counters follow what waits at each desk and in each queue.

use crate::common::TestApp;
use crate::on_every_engine;
use kernel::accounts::Role;

/// Where signing in as `email` sends `client`, with the page asked for when there is one.
async fn landing(client: &TestApp, email: &str, next: Option<&str>) -> String {
    client.post_form("/logout", &[]).await;
    let mut fields = vec![("email", email), ("password", "Lannion-2026")];
    if let Some(next) = next {
        fields.push(("next", next));
    }
    let r = client.post_form("/login", &fields).await;
    assert_eq!(r.status(), 303, "sign-in of {email}");
    r.headers()["location"].to_str().unwrap().to_string()
}

on_every_engine!(
    staff_land_on_their_workplace_unless_they_asked_for_a_page,
    |app: TestApp| Box::pin(async move {
        let space = app
            .with_space("lannion", "Lannion participe", "commune/22113")
            .await;
        let (moderator, _) = app
            .signed_in("modo@lannion.bzh", "Modo", Role::Moderator, &space)
            .await;
        assert_eq!(
            landing(&moderator, "modo@lannion.bzh", None).await,
            "/workplace"
        );
        let (status, page) = moderator.get_text("/workplace").await;
        assert_eq!(status, 200);
        assert!(page.contains("Mon espace de travail"), "{page}");
        assert!(page.contains("href=\"/workplace\""), "the header links to it");
        // A page asked for wins, and only an address of the platform is followed.
        assert_eq!(
            landing(&moderator, "modo@lannion.bzh", Some("/s/lannion")).await,
            "/s/lannion"
        );
        assert_eq!(
            landing(&moderator, "modo@lannion.bzh", Some("//ailleurs.example")).await,
            "/"
        );
        // A space's administrator manages it from there.
        let (admin, _) = app
            .signed_in("maire@lannion.bzh", "Maire", Role::SpaceAdmin, &space)
            .await;
        let (_, page) = admin.get_text("/workplace").await;
        assert!(page.contains("href=\"/s/lannion/admin\""), "{page}");
        // A citizen lands on the home page, never sees the link, and is refused the page.
        let citizen = app.other_client();
        citizen
            .register_and_login("anne@exemple.fr", "Anne")
            .await;
        assert_eq!(landing(&citizen, "anne@exemple.fr", None).await, "/");
        let (status, page) = citizen.get_text("/s/lannion").await;
        assert_eq!(status, 200);
        assert!(!page.contains("href=\"/workplace\""));
        assert_eq!(citizen.get("/workplace").await.status(), 403);
        // Without a session, the sign-in page comes first.
        assert_eq!(app.other_client().get("/workplace").await.status(), 303);
    })
);
