//! Moderation of contributions: flags hold a comment, a moderator hides it and suspends its
//! author; closed phases, moderation before publication and the daily digest.

use super::*;

/// `client` flags the comment `comment` of the contribution at `url`, giving `reason`.
async fn flag(client: &TestApp, url: &str, comment: &str, reason: &str) -> reqwest::Response {
    client
        .post_form(
            &format!("{url}/comments/{comment}/flag"),
            &[("reason", reason)],
        )
        .await
}

/// `moderator` decides on an item of the moderation queue of the space `lannion` (`kind`
/// `comment` or `contribution`, and its id) with the form's `fields` (the decision, its reason…);
/// returns the answer.
async fn moderate(
    moderator: &TestApp,
    kind: &str,
    id: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    moderator
        .post_form(&format!("/s/lannion/moderation/{kind}/{id}"), fields)
        .await
}

on_every_engine!(
    flags_hold_a_comment_and_a_moderator_hides_it_and_suspends_its_author,
    |app: TestApp| Box::pin(async move {
        let (_, component) = setup(&app, &[("flag_threshold", "2")]).await;
        let idea = category(&app, &component, "Idée").await;
        let a = app.other_client();
        a.register_and_login("anne@test.fr", "Anne").await;
        let b = app.other_client();
        b.register_and_login("bruno@test.fr", "Bruno").await;
        let c = app.other_client();
        c.register_and_login("chloe@test.fr", "Chloé").await;
        let url = propose(
            &a,
            &component,
            &idea,
            ("Un jardin partagé", "À Ker Uhel."),
            ("48.7458", "-3.4703"),
            "0123456789abcdef0123456789abcdef",
        )
        .await;
        let r = comment(
            &b,
            &url,
            "Propos injurieux",
            None,
            "c0000000000000000000000000000001",
        )
        .await;
        let insult = comment_id(&r);
        let page = after(&a, flag(&a, &url, &insult, "x").await).await;
        assert!(page.contains("Indiquez le motif"), "a reason is needed");
        flag(&a, &url, &insult, "Insulte").await;
        let page = after(&a, flag(&a, &url, &insult, "Insulte").await).await;
        assert!(page.contains("déjà signalé"));
        let (_, page) = app.other_client().get_text(&url).await;
        assert!(
            page.contains("Propos injurieux"),
            "one flag is below the threshold"
        );
        flag(&c, &url, &insult, "Irrespectueux").await;
        let (_, page) = app.other_client().get_text(&url).await;
        assert!(
            !page.contains("Propos injurieux"),
            "held past the threshold"
        );
        assert!(page.contains("masqué par la modération"));
        // The queue shows it with its reasons; a citizen may not see the queue.
        let (status, _) = a.get_text("/s/lannion/moderation").await;
        assert_eq!(status, 403);
        let (_, queue) = app.get_text("/s/lannion/moderation").await;
        assert!(
            queue.contains("Propos injurieux")
                && queue.contains("Insulte")
                && queue.contains("Irrespectueux")
        );
        let ban = |reason, days| [("decision", "ban"), ("reason", reason), ("days", days)];
        let r = moderate(&app, "comment", &insult, &ban("", "0")).await;
        assert_eq!(r.status(), 422);
        let r = moderate(&app, "comment", &insult, &ban("Insultes répétées", "7")).await;
        assert_eq!(r.status(), 303);
        let (_, queue) = app.get_text("/s/lannion/moderation").await;
        assert!(!queue.contains("Propos injurieux"));
        // Suspended: B can no longer comment in the space.
        let r = comment(&b, &url, "Encore", None, "c0000000000000000000000000000002").await;
        let page = after(&b, r).await;
        assert!(page.contains("suspendue"), "{page}");
        assert_eq!(app.count("comments").await, 1);
        // A moderator hides a contribution from its page, with a reason; it is gone for others.
        let id = url.rsplit('/').next().unwrap();
        let hide = [
            ("decision", "hide"),
            ("reason", "Hors sujet"),
            ("back", url.as_str()),
        ];
        let r = moderate(&app, "contribution", id, &hide).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], url.as_str());
        let (status, _) = c.get_text(&url).await;
        assert_eq!(status, 404);
        let (_, page) = a.get_text(&url).await;
        assert!(
            page.contains("Masquée par la modération — Hors sujet"),
            "its author sees why"
        );
        // Every decision is logged.
        let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('comment.hidden', 'participation.ban', 'contribution.hidden')")
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
        assert_eq!(logged, 3);
    })
);

on_every_engine!(
    closed_phases_moderation_before_publication_and_the_daily_digest,
    |app: TestApp| Box::pin(async move {
        let (process, component) = setup(&app, &[("moderated_before", "1")]).await;
        let idea = category(&app, &component, "Idée").await;
        let a = app.other_client();
        a.register_and_login("anne@test.fr", "Anne").await;
        let b = app.other_client();
        b.register_and_login("bruno@test.fr", "Bruno").await;
        let page = follow(&b, &process, "digest").await;
        assert!(page.contains("vous serez prévenu"));
        let url = propose(
            &a,
            &component,
            &idea,
            ("Une fontaine au parc", "Pour l'été."),
            ("48.7336", "-3.4498"),
            "0123456789abcdef0123456789abcdef",
        )
        .await;
        // Pending: its author sees it, the public does not.
        let (status, page) = a.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(page.contains("En attente de modération"));
        let (status, _) = app.other_client().get_text(&url).await;
        assert_eq!(status, 404);
        let id = url.rsplit('/').next().unwrap();
        let restore = [("decision", "restore")];
        let r = moderate(&app, "contribution", id, &restore).await;
        assert_eq!(r.status(), 303);
        let (status, _) = app.other_client().get_text(&url).await;
        assert_eq!(status, 200);
        // A comment: B follows the process by digest, so nothing leaves at once…
        follow(&a, &process, "mail").await;
        let c = app.other_client();
        c.register_and_login("chloe@test.fr", "Chloé").await;
        propose(
            &c,
            &component,
            &idea,
            ("Des toilettes publiques", "Près du marché."),
            ("48.7321", "-3.4575"),
            "1123456789abcdef0123456789abcdef",
        )
        .await;
        let id2 = participation::store::contributions::list(
            app.state.db(),
            component.rsplit('/').next().unwrap(),
            &Default::default(),
            10,
            0,
        )
        .await
        .unwrap()
        .0
        .len();
        assert_eq!(id2, 1, "the new one waits for moderation");
        let pending: String =
            sqlx::query_scalar("SELECT id FROM contributions WHERE state = 'pending'")
                .fetch_one(app.state.db().pool())
                .await
                .unwrap();
        let r = moderate(&app, "contribution", &pending, &restore).await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            app.count("participation_digest").await,
            0,
            "published by a moderator: not notified as new"
        );
        // The process-level follow is told of new contributions published at once.
        sqlx::query("UPDATE process_components SET moderated_before = 0")
            .execute(app.state.db().pool())
            .await
            .unwrap();
        propose(
            &c,
            &component,
            &idea,
            ("Un parking vélo", "À la médiathèque."),
            ("48.7330", "-3.4560"),
            "2123456789abcdef0123456789abcdef",
        )
        .await;
        assert_eq!(
            app.count("participation_digest").await,
            1,
            "B's line waits for the digest"
        );
        mail_about(&app, "anne@test.fr", "Nouvelle contribution").await;
        let sent = participation::send_digests(&app.state).await.unwrap();
        assert_eq!(sent, 1);
        let digest = mail_about(&app, "bruno@test.fr", "résumé quotidien").await;
        assert!(digest.body.contains("Un parking vélo"));
        assert_eq!(app.count("participation_digest").await, 0);
        // Out of its phases the component takes nothing.
        let phases = participation::store::phases(app.state.db(), &process_id(&app).await)
            .await
            .unwrap();
        sqlx::query("UPDATE process_components SET phases = $1")
            .bind(&phases[1].id)
            .execute(app.state.db().pool())
            .await
            .unwrap();
        let before = app.count("contributions").await;
        let to = propose(
            &c,
            &component,
            &idea,
            ("Trop tard pour cette étape", "…"),
            ("48.7330", "-3.4560"),
            "3123456789abcdef0123456789abcdef",
        )
        .await;
        let (_, page) = c.get_text(&to).await;
        assert!(page.contains("ne reçoit pas de contributions"), "{page}");
        assert_eq!(app.count("contributions").await, before);
    })
);
