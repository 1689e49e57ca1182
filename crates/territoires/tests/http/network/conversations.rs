//! The network's conversations through their pages and the API: an owner of an accepted member
//! starts one hosted by it (a bad form names its problems and stores nothing), open to the
//! members only: a confirmed account owning no member reads it but does not vote (a clear
//! message, nothing stored), through the pages or the API, until the host opens it to all; the
//! host moderates it and not another account; once closed, its report is proposed once as a
//! resource of the host, which a network moderator publishes.

use super::resources::admin_and_member;
use crate::common::{TestApp, redirected_to};
use crate::on_every_engine;

const QUESTION: &str = "Comment associer les jeunes aux démarches participatives ?";

/// The id of the statement of `conversation` whose text holds `text`.
async fn statement(app: &TestApp, conversation: &str, text: &str) -> String {
    sqlx::query_scalar(
        "SELECT id FROM conversation_statements WHERE conversation_id = $1 AND body LIKE $2",
    )
    .bind(conversation)
    .bind(format!("%{text}%"))
    .fetch_one(app.state.db().pool())
    .await
    .unwrap()
}

async fn votes(app: &TestApp) -> i64 {
    app.count("statement_votes").await
}

on_every_engine!(
    a_member_runs_a_network_conversation_open_to_members_and_its_report_becomes_a_resource,
    |app: TestApp| Box::pin(async move {
        let (admin, anne, member) = admin_and_member(&app).await;
        let bob = app.other_client();
        let bob_id = bob.register_and_login("bob@test.fr", "Bob").await;
        // Only a member's owner starts one.
        assert_eq!(bob.get_text("/commun/conversations/new").await.0, 403);
        assert_eq!(app.get("/commun/conversations/new").await.status(), 303);
        let (status, page) = anne.get_text("/commun/conversations/new").await;
        assert_eq!(status, 200);
        assert!(page.contains("Réservée aux membres du réseau"), "{page}");
        // A bad form: its problem named, nothing stored.
        let r = anne
            .post_form("/commun/conversations/new", &[("question", "?")])
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("error-summary"));
        let r = anne
            .post_form(
                "/commun/conversations/new",
                &[("question", QUESTION), ("member", "someone-else")],
            )
            .await;
        assert_eq!(r.status(), 422, "a member the owner does not own");
        assert_eq!(app.count("conversations").await, 0);
        let to = redirected_to(
            anne.post_form(
                "/commun/conversations/new",
                &[
                    ("question", QUESTION),
                    ("description", "Ce que chacun a essayé, ce qui a marché."),
                    ("member", member.as_str()),
                    ("statements_allowed", "on"),
                    ("members_only", "on"),
                    ("anonymous_allowed", "on"),
                ],
            )
            .await,
        )
        .await;
        assert!(to.starts_with("/commun/conversations/"), "{to}");
        let id = to.rsplit('/').next().unwrap().to_string();
        let (members_only, anonymous, host): (i64, i64, String) = sqlx::query_as(
            "SELECT members_only, anonymous_allowed, member_id FROM conversations WHERE id = $1",
        )
        .bind(&id)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        assert_eq!(
            (members_only, anonymous, host.as_str()),
            (1, 0, member.as_str())
        );
        // The host adds a statement, accepted at once, and votes on it.
        let r = anne
            .post_form(
                &format!("{to}/statements"),
                &[("body", "Les conseils de jeunes doivent avoir un budget.")],
            )
            .await;
        assert_eq!(redirected_to(r).await, to);
        let s = statement(&app, &id, "conseils de jeunes").await;
        let r = anne
            .post_form(
                &format!("{to}/vote"),
                &[("statement", s.as_str()), ("vote", "agree")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let before = votes(&app).await;
        // Everyone reads it, on the network's pages too.
        let (status, page) = app.get_text(&to).await;
        assert_eq!(status, 200);
        assert!(page.contains(QUESTION) && page.contains("Animée par Concertation Trégor"));
        assert!(page.contains("Réservée aux membres"));
        for list in ["/commun", "/commun/conversations"] {
            let (status, page) = app.get_text(list).await;
            assert_eq!(status, 200);
            assert!(page.contains(QUESTION), "{list}: {page}");
        }
        // A visitor is sent to sign in; an account owning no member is told, nothing stored.
        let r = app
            .post_form(
                &format!("{to}/vote"),
                &[("statement", s.as_str()), ("vote", "agree")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, page) = bob.get_text(&to).await;
        assert!(page.contains("réservée aux membres du réseau"), "{page}");
        let r = bob
            .post_form(
                &format!("{to}/vote"),
                &[("statement", s.as_str()), ("vote", "agree")],
            )
            .await;
        assert_eq!(r.status(), 409);
        let page = r.text().await.unwrap();
        assert!(page.contains("réservée aux membres du réseau"), "{page}");
        let token = kernel::accounts::store::create_api_token(app.state.db(), &bob_id, "t")
            .await
            .unwrap();
        let r = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/conversations/{id}/votes")))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "statement": s, "vote": 1 }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(votes(&app).await, before);
        let api = app.get_json("/api/v1/conversations?network=true").await;
        let item = &api["items"][0];
        assert_eq!(item["id"], id.as_str());
        assert_eq!(item["process_id"], serde_json::Value::Null);
        assert_eq!(item["network_member_id"], member.as_str());
        assert_eq!(item["members_only"], true);
        // Bob neither edits nor moderates it; the network's moderator does.
        assert_eq!(bob.get_text(&format!("{to}/edit")).await.0, 403);
        assert_eq!(bob.get_text(&format!("{to}/moderation")).await.0, 403);
        assert_eq!(admin.get_text(&format!("{to}/moderation")).await.0, 200);
        // The host opens it to all: Bob votes.
        let r = anne
            .post_form(
                &format!("{to}/edit"),
                &[("question", QUESTION), ("statements_allowed", "on")],
            )
            .await;
        assert_eq!(redirected_to(r).await, to);
        let r = bob
            .post_form(
                &format!("{to}/vote"),
                &[("statement", s.as_str()), ("vote", "disagree")],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(votes(&app).await, before + 1);
        // Once closed, its report, proposed once as a resource of the host, waits for a
        // moderator.
        assert_eq!(
            bob.post_form(&format!("{to}/resource"), &[]).await.status(),
            403
        );
        let r = anne.post_form(&format!("{to}/resource"), &[]).await;
        assert_eq!(r.status(), 409, "still open");
        assert!(r.text().await.unwrap().contains("Closez la conversation"));
        assert_eq!(app.count("network_resources").await, 0);
        let r = anne.post_form(&format!("{to}/close"), &[]).await;
        assert_eq!(redirected_to(r).await, to);
        let (_, page) = anne.get_text(&to).await;
        assert!(page.contains("Proposer le compte rendu comme ressource"));
        let r = anne.post_form(&format!("{to}/resource"), &[]).await;
        assert_eq!(redirected_to(r).await, to);
        let (resource, state, kind, methods, owner): (String, String, String, String, String) =
            sqlx::query_as("SELECT id, state, kind, methods, member_id FROM network_resources")
                .fetch_one(app.state.db().pool())
                .await
                .unwrap();
        assert_eq!(
            (
                state.as_str(),
                kind.as_str(),
                methods.as_str(),
                owner.as_str()
            ),
            ("pending", "report", "conversation", member.as_str())
        );
        let r = anne.post_form(&format!("{to}/resource"), &[]).await;
        assert_eq!(r.status(), 409);
        assert_eq!(app.count("network_resources").await, 1);
        let r = admin
            .post_form(
                &format!("/commun/moderation/resources/{resource}"),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (status, page) = app.get_text(&format!("/commun/resources/{resource}")).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Compte rendu — Comment associer les jeunes"),
            "{page}"
        );
        assert!(page.contains("conseils de jeunes"), "{page}");
        assert!(
            page.contains(&format!("{to}/report")),
            "a link to the whole report"
        );
        let (_, page) = app.get_text(&to).await;
        assert!(page.contains(&format!("/commun/resources/{resource}")));
        // The report of the conversation's page reads as any other.
        assert_eq!(app.get_text(&format!("{to}/report")).await.0, 200);
        assert_eq!(app.get_text(&format!("{to}/map")).await.0, 200);
    })
);
