//! Conversations through their pages: a moderator opens one, people vote one statement at a
//! time and add their own, the moderation queue decides, and the map, the report and the open
//! data follow; bad votes and statements are refused with nothing saved.

use crate::common::{TestApp, redirected_to};
use crate::on_every_engine;

/// The statement the page offers to vote on, if any.
fn offered(page: &str) -> Option<String> {
    let at = page.find("name=\"statement\" value=\"")? + "name=\"statement\" value=\"".len();
    Some(page[at..].split('"').next()?.to_string())
}

/// A conversation opened through the form in a new process (this client is an instance
/// administrator); `settings` are the boxes ticked. Returns its address.
async fn conversation(app: &TestApp, settings: &[&str]) -> String {
    let process = app.with_process("avenir", "L'avenir du centre-ville").await;
    let mut fields = vec![
        ("question", "Qu'est-ce qui compte pour le centre-ville ?"),
        ("description", "Vos idées pour 2030."),
    ];
    for s in settings {
        fields.push((s, "on"));
    }
    let to = redirected_to(
        app.post_form(&format!("{process}/conversations/new"), &fields)
            .await,
    )
    .await;
    assert!(to.starts_with(&format!("{process}/conversations/")), "{to}");
    to
}

/// The page at `path` once it holds `text`: the opinion map is drawn again at most once a
/// second, so a page drawn from it shows a vote within two seconds; three are allowed.
async fn eventually(app: &TestApp, path: &str, text: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 200);
        if page.contains(text) {
            return page;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(3),
            "{path} did not show {text:?} within 3 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The status of `client`'s vote `value` on `statement` of the conversation at `url`.
async fn vote_status(client: &TestApp, url: &str, statement: &str, value: &str) -> u16 {
    client
        .post_form(
            &format!("{url}/vote"),
            &[("statement", statement), ("vote", value)],
        )
        .await
        .status()
        .as_u16()
}

/// The status of `client`'s moderation `decision` on `statement` of the conversation at `url`.
async fn decision_status(client: &TestApp, url: &str, statement: &str, decision: &str) -> u16 {
    client
        .post_form(
            &format!("{url}/moderation/{statement}"),
            &[("decision", decision)],
        )
        .await
        .status()
        .as_u16()
}

async fn votes_count(app: &TestApp) -> i64 {
    app.count("statement_votes").await
}

on_every_engine!(
    people_vote_one_statement_at_a_time_and_add_their_own,
    |app| Box::pin(async move {
        let process = app.with_process("avenir", "L'avenir du centre-ville").await;
        // A question too short: the field says so and nothing is stored.
        let r = app
            .post_form(
                &format!("{process}/conversations/new"),
                &[("question", "Q"), ("statements_allowed", "on")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("href=\"#question\""));
        assert_eq!(app.count("conversations").await, 0);
        let url = redirected_to(
            app.post_form(
                &format!("{process}/conversations/new"),
                &[
                    ("question", "Qu'est-ce qui compte pour le centre-ville ?"),
                    ("statements_allowed", "on"),
                ],
            )
            .await,
        )
        .await;
        // The moderator's statements are accepted at once.
        for text in [
            "Plus d'arbres sur les places.",
            "Moins de voitures rue de Tréguier.",
            "Un marché couvert le dimanche.",
        ] {
            redirected_to(
                app.post_form(&format!("{url}/statements"), &[("body", text)])
                    .await,
            )
            .await;
        }
        // The same statement again, in other words and case: refused, the field says why.
        let r = app
            .post_form(
                &format!("{url}/statements"),
                &[("body", "plus d'arbres sur les places")],
            )
            .await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("Cette proposition existe déjà"), "{page}");
        let too_long = "a".repeat(281);
        let r = app
            .post_form(&format!("{url}/statements"), &[("body", &too_long)])
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.count("conversation_statements").await, 3);

        let citizen = app.other_client();
        citizen.register_and_login("lea@test.fr", "Léa").await;
        let (status, page) = citizen.get_text(&url).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("Vous avez voté sur 0 des 3 propositions."),
            "{page}"
        );
        let first = offered(&page).expect("a statement to vote on");
        // A vote that is no vote: the page says so, nothing is stored.
        let r = citizen
            .post_form(
                &format!("{url}/vote"),
                &[("statement", &first), ("vote", "maybe")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("pas d&#39;accord ou passer.")
        );
        // An unknown statement: refused, nothing stored.
        let r = citizen
            .post_form(
                &format!("{url}/vote"),
                &[("statement", "unknown"), ("vote", "agree")],
            )
            .await;
        assert_eq!(r.status(), 409);
        let before = votes_count(&app).await;
        // The moderator's own agrees on their statements are the votes so far.
        assert_eq!(before, 3);
        let mut seen = Vec::new();
        for vote in ["agree", "disagree", "pass"] {
            let (_, page) = citizen.get_text(&url).await;
            let s = offered(&page).expect("a statement left");
            assert!(
                !seen.contains(&s),
                "a statement voted on is not offered again"
            );
            let to = redirected_to(
                citizen
                    .post_form(&format!("{url}/vote"), &[("statement", &s), ("vote", vote)])
                    .await,
            )
            .await;
            assert_eq!(to, format!("{url}#vote"));
            seen.push(s);
        }
        assert_eq!(votes_count(&app).await, before + 3);
        let (_, page) = citizen.get_text(&url).await;
        assert!(offered(&page).is_none());
        assert!(page.contains("Vous avez voté sur 3 des 3 propositions."));
        // Changing one's mind replaces the vote.
        redirected_to(
            citizen
                .post_form(
                    &format!("{url}/vote"),
                    &[("statement", &seen[2]), ("vote", "agree")],
                )
                .await,
        )
        .await;
        assert_eq!(votes_count(&app).await, before + 3);
        // A citizen adds a statement: not strict, so it is put to the vote at once, pending.
        redirected_to(
            citizen
                .post_form(
                    &format!("{url}/statements"),
                    &[("body", "Des toilettes publiques ouvertes la nuit.")],
                )
                .await,
        )
        .await;
        let (_, page) = app.get_text(&format!("{url}/moderation")).await;
        assert!(page.contains("Des toilettes publiques ouvertes la nuit."));
        assert!(page.contains("1 proposition en attente"), "{page}");
        // The citizen agrees with their own statement, and sees the other's ones only.
        let (_, page) = citizen.get_text(&url).await;
        assert!(
            page.contains("Vous avez voté sur 4 des 4 propositions."),
            "{page}"
        );
        // The map, the report and the open data.
        let (status, map) = citizen.get_text(&format!("{url}/map")).await;
        assert_eq!(status, 200);
        assert!(map.contains("<svg class=\"opinion-map\""));
        eventually(
            &citizen,
            &format!("{url}/report"),
            "2 personnes ont participé",
        )
        .await;
        let id = url.rsplit('/').next().unwrap();
        let (status, summary) = app
            .get_text(&format!("/data/conversations/{id}/summary.csv"))
            .await;
        assert_eq!(status, 200);
        assert!(summary.contains("Qu'est-ce qui compte pour le centre-ville ?"));
        let (_, comments) = app
            .get_text(&format!("/data/conversations/{id}/comments.csv"))
            .await;
        assert_eq!(comments.lines().count(), 1 + 4, "{comments}");
        assert!(!comments.contains("lea@test.fr") && !comments.contains("Léa"));
        let (status, _) = app
            .get_text(&format!("/data/conversations/{id}/secrets.csv"))
            .await;
        assert_eq!(status, 404);
    })
);

on_every_engine!(
    strict_moderation_keeps_statements_out_until_accepted,
    |app| Box::pin(async move {
        let url = conversation(&app, &["statements_allowed", "strict_moderation"]).await;
        redirected_to(
            app.post_form(
                &format!("{url}/statements"),
                &[("body", "Un cinéma en plein air l'été.")],
            )
            .await,
        )
        .await;
        let citizen = app.other_client();
        citizen.register_and_login("lea@test.fr", "Léa").await;
        redirected_to(
            citizen
                .post_form(
                    &format!("{url}/statements"),
                    &[("body", "Une navette gratuite vers la gare.")],
                )
                .await,
        )
        .await;
        let pending: String =
            sqlx::query_scalar("SELECT id FROM conversation_statements WHERE moderation = 0")
                .fetch_one(app.state.db().pool())
                .await
                .unwrap();
        let voter = app.other_client();
        voter.register_and_login("yann@test.fr", "Yann").await;
        // Pending under strict moderation: not offered, and a vote on it is refused.
        let (_, page) = voter.get_text(&url).await;
        assert!(!page.contains("Une navette gratuite vers la gare."));
        assert_eq!(vote_status(&voter, &url, &pending, "agree").await, 409);
        // Only moderators reach the queue.
        let r = voter.get(&format!("{url}/moderation")).await;
        assert_eq!(r.status(), 403);
        assert_eq!(decision_status(&voter, &url, &pending, "accept").await, 403);
        assert_eq!(decision_status(&app, &url, &pending, "promote").await, 400);
        assert_eq!(decision_status(&app, &url, &pending, "accept").await, 303);
        assert_eq!(vote_status(&voter, &url, &pending, "agree").await, 303);
        // Rejected: out of the vote again.
        assert_eq!(decision_status(&app, &url, &pending, "reject").await, 303);
        assert_eq!(vote_status(&voter, &url, &pending, "disagree").await, 409);
        // Closed: no more votes nor statements.
        redirected_to(app.post_form(&format!("{url}/close"), &[]).await).await;
        let (_, page) = voter.get_text(&url).await;
        assert!(page.contains("La conversation est close"));
        let r = citizen
            .post_form(
                &format!("{url}/statements"),
                &[("body", "Encore une idée.")],
            )
            .await;
        assert_eq!(r.status(), 409, "closed: no more statements");
    })
);

on_every_engine!(
    visitors_take_part_without_an_account_only_where_allowed,
    |app| Box::pin(async move {
        let url = conversation(&app, &["anonymous_allowed"]).await;
        for text in ["Plus de bancs.", "Plus d'ombre."] {
            redirected_to(
                app.post_form(&format!("{url}/statements"), &[("body", text)])
                    .await,
            )
            .await;
        }
        let visitor = app.other_client();
        for _ in 0..2 {
            let (_, page) = visitor.get_text(&url).await;
            let s = offered(&page).expect("a visitor may vote here");
            redirected_to(
                visitor
                    .post_form(
                        &format!("{url}/vote"),
                        &[("statement", &s), ("vote", "agree")],
                    )
                    .await,
            )
            .await;
        }
        assert!(visitor.cookie("conversation_participant").is_some());
        // One participant for the two votes (the moderator is the other).
        assert_eq!(app.count("conversation_participants").await, 2);
        // Participants may not add statements here: the form is absent and the post refused.
        let (_, page) = visitor.get_text(&url).await;
        assert!(!page.contains(&format!("action=\"{url}/statements\"")));
        let r = visitor
            .post_form(&format!("{url}/statements"), &[("body", "Une idée.")])
            .await;
        assert_eq!(r.status(), 403);
        // Where accounts are needed, a visitor is sent to sign in, and nothing is stored.
        let process = url.split("/conversations/").next().unwrap();
        let closed_door = redirected_to(
            app.post_form(
                &format!("{process}/conversations/new"),
                &[("question", "Une autre question ?")],
            )
            .await,
        )
        .await;
        redirected_to(
            app.post_form(
                &format!("{closed_door}/statements"),
                &[("body", "Plus de bancs.")],
            )
            .await,
        )
        .await;
        let s: String = sqlx::query_scalar(
            "SELECT st.id FROM conversation_statements st JOIN conversations c \
             ON c.id = st.conversation_id WHERE c.question = 'Une autre question ?'",
        )
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        let before = app.count("statement_votes").await;
        let to = redirected_to(
            visitor
                .post_form(
                    &format!("{closed_door}/vote"),
                    &[("statement", &s), ("vote", "agree")],
                )
                .await,
        )
        .await;
        assert!(to.starts_with("/login?next="), "{to}");
        assert_eq!(app.count("statement_votes").await, before);
    })
);

on_every_engine!(the_map_shows_new_votes_within_two_seconds, |app| Box::pin(
    async move {
        let url = conversation(&app, &["statements_allowed"]).await;
        for text in ["Plus de bancs.", "Plus d'ombre.", "Moins de bruit."] {
            redirected_to(
                app.post_form(&format!("{url}/statements"), &[("body", text)])
                    .await,
            )
            .await;
        }
        let (_, report) = app.get_text(&format!("{url}/report")).await;
        assert!(report.contains("1 personne a participé"), "{report}");
        for (i, email) in ["a@test.fr", "b@test.fr"].iter().enumerate() {
            let c = app.other_client();
            c.register_and_login(email, &format!("P{i}")).await;
            let (_, page) = c.get_text(&url).await;
            let s = offered(&page).unwrap();
            redirected_to(
                c.post_form(
                    &format!("{url}/vote"),
                    &[("statement", &s), ("vote", "agree")],
                )
                .await,
            )
            .await;
        }
        eventually(&app, &format!("{url}/report"), "3 personnes ont participé").await;
        // After a quiet spell, the first reader waits for a new map rather than see an old one.
        let c = app.other_client();
        c.register_and_login("c@test.fr", "P2").await;
        let (_, page) = c.get_text(&url).await;
        let s = offered(&page).unwrap();
        redirected_to(
            c.post_form(
                &format!("{url}/vote"),
                &[("statement", &s), ("vote", "agree")],
            )
            .await,
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let (_, report) = app.get_text(&format!("{url}/report")).await;
        assert!(report.contains("4 personnes ont participé"), "{report}");
    }
));

#[tokio::test]
async fn votes_without_an_account_are_counted_by_address() {
    for engine in kernel::testing::engines() {
        let app = crate::common::spawn_app_with(engine, |o| {
            if let Some(limits) = o.limits.as_mut() {
                limits.conversation_writes_per_hour = 3;
            }
        })
        .await;
        let url = conversation(&app, &["anonymous_allowed"]).await;
        for text in [
            "Plus de bancs.",
            "Plus d'ombre.",
            "Moins de bruit.",
            "Plus d'arbres.",
        ] {
            redirected_to(
                app.post_form(&format!("{url}/statements"), &[("body", text)])
                    .await,
            )
            .await;
        }
        let visitor = app.other_client();
        for _ in 0..3 {
            let (_, page) = visitor.get_text(&url).await;
            let s = offered(&page).unwrap();
            redirected_to(
                visitor
                    .post_form(
                        &format!("{url}/vote"),
                        &[("statement", &s), ("vote", "pass")],
                    )
                    .await,
            )
            .await;
        }
        let before = votes_count(&app).await;
        let (_, page) = visitor.get_text(&url).await;
        let s = offered(&page).unwrap();
        let r = visitor
            .post_form(
                &format!("{url}/vote"),
                &[("statement", &s), ("vote", "pass")],
            )
            .await;
        assert_eq!(r.status(), 429);
        assert_eq!(
            votes_count(&app).await,
            before,
            "nothing stored past the limit"
        );
        // A confirmed account is not counted by address.
        let citizen = app.other_client();
        citizen.register_and_login("lea@test.fr", "Léa").await;
        let (_, page) = citizen.get_text(&url).await;
        let s = offered(&page).unwrap();
        redirected_to(
            citizen
                .post_form(
                    &format!("{url}/vote"),
                    &[("statement", &s), ("vote", "agree")],
                )
                .await,
        )
        .await;
    }
}

on_every_engine!(
    a_conversation_is_edited_and_a_bad_edit_changes_nothing,
    |app| Box::pin(async move {
        let url = conversation(&app, &["statements_allowed"]).await;
        let (status, form) = app.get_text(&format!("{url}/edit")).await;
        assert_eq!(status, 200);
        assert!(form.contains("name=\"statements_allowed\" checked"));
        let r = app
            .post_form(&format!("{url}/edit"), &[("question", "")])
            .await;
        assert_eq!(r.status(), 422);
        let (_, page) = app.get_text(&url).await;
        assert!(page.contains("<h1>Qu&#39;est-ce qui compte pour le centre-ville ?</h1>"));
        redirected_to(
            app.post_form(
                &format!("{url}/edit"),
                &[
                    ("question", "Que changer rue de Tréguier ?"),
                    ("strict_moderation", "on"),
                ],
            )
            .await,
        )
        .await;
        let (_, page) = app.get_text(&url).await;
        assert!(
            page.contains("<h1>Que changer rue de Tréguier ?</h1>"),
            "{page}"
        );
        // Participants may no longer add statements, and what they add waits for a moderator.
        let citizen = app.other_client();
        citizen.register_and_login("lea@test.fr", "Léa").await;
        let r = citizen
            .post_form(&format!("{url}/statements"), &[("body", "Une idée.")])
            .await;
        assert_eq!(r.status(), 403);
    })
);
