//! The conversations' API: a moderator's statements, the votes of confirmed accounts and the
//! opinion map, byte for byte the one `territoires decide polis` prints for the conversation's
//! Polis export; what is refused (a bad vote, a rejected or pending statement, a closed
//! conversation, a duplicate, no token), with its stable code and nothing stored.

use crate::common::TestApp;
use crate::on_every_engine;
use conversations::model::{ConversationInput, ParticipantKey, VoteValue};
use conversations::store;
use kernel::accounts::Role;
use serde_json::{Value, json};

/// The space `lannion` and its process `avenir` (see `TestApp::with_process`, which signs the
/// app's client in as the instance administrator); returns the space's and the process's ids.
async fn process(app: &TestApp) -> (String, String) {
    app.with_process("avenir", "L'avenir du centre-ville").await;
    let ids: (String, String) = sqlx::query_as(
        "SELECT s.id, p.id FROM processes p JOIN spaces s ON s.id = p.space_id \
         WHERE s.slug = 'lannion' AND p.slug = 'avenir'",
    )
    .fetch_one(app.state.db().pool())
    .await
    .unwrap();
    ids
}

/// A conversation of the process asking `question`, with the boxes `ticked`
/// (`statements_allowed`, `strict_moderation`, `anonymous_allowed`); returns its id.
async fn conversation(app: &TestApp, process: &str, question: &str, ticked: &[&str]) -> String {
    let mut pairs: Vec<(String, String)> = vec![("question".into(), question.into())];
    pairs.extend(ticked.iter().map(|b| (b.to_string(), "on".to_string())));
    let input = ConversationInput::parse(&pairs.as_slice()).unwrap();
    let admin = app.user_id("admin@test.fr").await;
    store::create(
        app.state.db(),
        store::NewHome::Process(process),
        &input,
        &admin,
    )
    .await
    .unwrap()
}

/// An API token of the account `user`.
async fn token(app: &TestApp, user: &str) -> String {
    kernel::accounts::store::create_api_token(app.state.db(), user, "conversations")
        .await
        .unwrap()
}

/// A confirmed citizen's account and an API token of it.
async fn citizen(app: &TestApp, email: &str, name: &str) -> (String, String) {
    let id = app.other_client().register_and_login(email, name).await;
    let key = token(app, &id).await;
    (id, key)
}

/// A moderator of the space and an API token of them.
async fn moderator(app: &TestApp, space: &str) -> (String, String) {
    let (_, id) = app
        .signed_in("moderatrice@test.fr", "Modératrice", Role::Moderator, space)
        .await;
    let key = token(app, &id).await;
    (id, key)
}

/// The status and JSON answer of a request to the API, with a bearer token when given.
async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, app.url(path));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    if let Some(b) = body {
        request = request.json(&b);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    call(app, reqwest::Method::GET, path, token, None).await
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    call(app, reqwest::Method::POST, path, token, Some(body)).await
}

/// Adds a statement through the API.
async fn say(app: &TestApp, c: &str, token: &str, body: &str) -> (u16, Value) {
    post(
        app,
        &format!("/api/v1/conversations/{c}/statements"),
        Some(token),
        json!({ "body": body }),
    )
    .await
}

/// Votes through the API.
async fn vote(app: &TestApp, c: &str, token: &str, statement: &str, value: Value) -> (u16, Value) {
    post(
        app,
        &format!("/api/v1/conversations/{c}/votes"),
        Some(token),
        json!({ "statement": statement, "vote": value }),
    )
    .await
}

/// The code of an error answer.
fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or("")
}

/// The field errors of a 422 answer, as (field, code).
fn fields(answer: &Value) -> Vec<(String, String)> {
    answer["error"]["fields"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_string(),
                        f["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The conversation's count of votes, as stored.
async fn votes_counted(app: &TestApp, c: &str) -> i64 {
    store::get(app.state.db(), c).await.unwrap().unwrap().votes
}

/// The ids of the statements a reader with `token` (or none) is given, by number.
async fn listed(app: &TestApp, c: &str, token: Option<&str>) -> Vec<(String, String)> {
    let (status, list) = get(app, &format!("/api/v1/conversations/{c}/statements"), token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["moderation"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The map the API serves once it counts `participants` (it is drawn again at most once a
/// second): its bytes and content type.
async fn map_with(app: &TestApp, c: &str, participants: u64) -> (String, String) {
    for _ in 0..100 {
        let r = reqwest::Client::new()
            .get(app.url(&format!("/api/v1/conversations/{c}/map")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let kind = r.headers()["content-type"].to_str().unwrap().to_string();
        let body = r.text().await.unwrap();
        let map: Value = serde_json::from_str(&body).unwrap();
        if map["participants"] == participants {
            return (body, kind);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the map never counted {participants} participants");
}

/// What `territoires decide polis` prints for the conversation's votes and statements written
/// as Polis' `votes.csv` and `comments.csv`, without its final line break.
async fn cli_map(app: &TestApp, c: &str) -> String {
    let db = app.state.db();
    let votes: Vec<_> = store::votes(db, c)
        .await
        .unwrap()
        .iter()
        .map(|v| v.for_map())
        .collect();
    let records: Vec<_> = store::statements(db, c)
        .await
        .unwrap()
        .into_iter()
        .map(|s| decide::polis::StatementRecord {
            statement: s.for_map(),
            author: s.author_pid.unwrap_or(0),
            time: s.created_at,
            text: s.body,
        })
        .collect();
    let dir = kernel::testing::temp_dir();
    std::fs::write(dir.join("votes.csv"), decide::polis::votes_csv(&votes)).unwrap();
    std::fs::write(
        dir.join("comments.csv"),
        decide::polis::comments_csv(&records, &votes),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(["decide", "polis", dir.to_str().unwrap()])
        .env("TERRITOIRES_DATA_DIR", &dir)
        .env_remove("DATABASE_URL")
        .env_remove("TERRITOIRES_CONFIG")
        .env("TERRITOIRES_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    printed.strip_suffix('\n').unwrap_or(&printed).to_string()
}

/// The schemas an OpenAPI operation refers to.
fn refs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs_in(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs_in(x, out)),
        _ => {}
    }
}

on_every_engine!(
    three_citizens_vote_through_the_api_and_the_map_is_the_one_the_cli_prints,
    |app: TestApp| Box::pin(async move {
        let (space, process) = process(&app).await;
        let c = conversation(&app, &process, "Quelle ville en 2030 ?", &[]).await;
        let (_, moderation) = moderator(&app, &space).await;

        // Listed with its process; the paging of the other lists.
        let (status, page) = get(
            &app,
            &format!("/api/v1/conversations?process={process}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        assert_eq!(page["items"][0]["id"], c.as_str());
        assert_eq!(page["items"][0]["open"], true);
        assert_eq!(page["items"][0]["statements_allowed"], false);
        assert!(page["next_cursor"].is_null());
        let (_, page) = get(&app, "/api/v1/conversations?process=other", None).await;
        assert_eq!(page["items"], json!([]));
        for (query, stable) in [
            ("limit=0", "limit.range"),
            ("limit=101", "limit.range"),
            ("cursor=abc", "cursor.invalid"),
            ("limit=many", "query.invalid"),
        ] {
            let (status, e) = get(&app, &format!("/api/v1/conversations?{query}"), None).await;
            assert_eq!((status, code(&e)), (400, stable), "{query}");
        }
        let (status, e) = get(&app, "/api/v1/conversations/nothing-here", None).await;
        assert_eq!((status, code(&e)), (404, "not_found"));

        // Participants may not add statements here; the space's moderator does, accepted at
        // once, numbered 0, 1, 2.
        let mut statements = Vec::new();
        for (tid, body) in [
            "Plus de pistes cyclables",
            "Un marché couvert le dimanche",
            "Moins de voitures au centre",
        ]
        .into_iter()
        .enumerate()
        {
            let (status, s) = say(&app, &c, &moderation, body).await;
            assert_eq!(status, 201, "{s}");
            assert_eq!(s["tid"], tid);
            assert_eq!(s["moderation"], "accepted");
            assert_eq!(s["body"], body);
            assert_eq!(s["is_meta"], false);
            statements.push(s["id"].as_str().unwrap().to_string());
        }
        // The author agrees with their own statements, as in Polis.
        assert_eq!(votes_counted(&app, &c).await, 3);
        let (_, anne) = citizen(&app, "anne@test.fr", "Anne").await;
        let (status, e) = say(&app, &c, &anne, "Un tramway").await;
        assert_eq!((status, code(&e)), (403, "forbidden"));
        assert_eq!(listed(&app, &c, None).await.len(), 3);

        // Three confirmed accounts vote on each statement, as strings and as numbers.
        let (_, bruno) = citizen(&app, "bruno@test.fr", "Bruno").await;
        let (_, chloe) = citizen(&app, "chloe@test.fr", "Chloé").await;
        let ballots: [(&str, [Value; 3]); 3] = [
            (&anne, [json!("agree"), json!("disagree"), json!(1)]),
            (&bruno, [json!(-1), json!("agree"), json!("pass")]),
            (&chloe, [json!("agree"), json!(0), json!(-1)]),
        ];
        let mut pids = Vec::new();
        for (key, values) in &ballots {
            for (statement, value) in statements.iter().zip(values) {
                let (status, cast) = vote(&app, &c, key, statement, value.clone()).await;
                assert_eq!(status, 201, "{cast}");
                assert_eq!(cast["statement"], statement.as_str());
                let spelled = match value {
                    Value::String(s) => s.clone(),
                    n => n.to_string(),
                };
                assert_eq!(
                    cast["vote"],
                    VoteValue::parse(&spelled).unwrap().as_str(),
                    "{value}"
                );
                pids.push(cast["participant"].as_u64().unwrap());
            }
        }
        // The moderator is participant 0 (their statements), then one number per voter.
        assert_eq!(pids, [1, 1, 1, 2, 2, 2, 3, 3, 3]);
        assert_eq!(votes_counted(&app, &c).await, 12);
        let (_, one) = get(&app, &format!("/api/v1/conversations/{c}"), None).await;
        assert_eq!(one["votes"], 12);
        assert_eq!(one["process_id"], process.as_str());
        assert!(one["created_at"].as_str().unwrap().ends_with('Z'), "{one}");
        assert!(
            one["url"]
                .as_str()
                .unwrap()
                .starts_with("/s/lannion/processes/avenir/conversations/")
        );

        // The map: four participants, three statements, and the very bytes of the CLI.
        let (map, kind) = map_with(&app, &c, 4).await;
        assert!(kind.starts_with("application/json"), "{kind}");
        assert!(
            map.starts_with(r#"{"schema":"polis-opinion-map/1""#),
            "{map}"
        );
        let parsed: Value = serde_json::from_str(&map).unwrap();
        assert_eq!(parsed["participants"], 4);
        assert_eq!(parsed["statements"], 3);
        assert_eq!(map, cli_map(&app, &c).await);

        // The API is in the OpenAPI document.
        let (_, doc) = get(&app, "/api/openapi.json", None).await;
        for (path, method) in [
            ("/api/v1/conversations", "get"),
            ("/api/v1/conversations/{id}", "get"),
            ("/api/v1/conversations/{id}/statements", "get"),
            ("/api/v1/conversations/{id}/statements", "post"),
            ("/api/v1/conversations/{id}/votes", "post"),
            ("/api/v1/conversations/{id}/map", "get"),
        ] {
            let operation = &doc["paths"][path][method];
            assert!(operation.is_object(), "{method} {path}");
            let mut refs = Vec::new();
            refs_in(operation, &mut refs);
            for r in refs {
                let name = r.trim_start_matches("#/components/schemas/");
                assert!(
                    doc["components"]["schemas"][name].is_object(),
                    "{method} {path} names {r}, which the document lacks"
                );
            }
        }
    })
);

on_every_engine!(
    a_bad_vote_stores_nothing_and_a_second_vote_replaces_the_first,
    |app: TestApp| Box::pin(async move {
        let (space, process) = process(&app).await;
        let c = conversation(&app, &process, "Quelle ville en 2030 ?", &[]).await;
        let (_, moderation) = moderator(&app, &space).await;
        let (_, s) = say(&app, &c, &moderation, "Plus de pistes cyclables").await;
        let statement = s["id"].as_str().unwrap().to_string();
        let (anne_id, anne) = citizen(&app, "anne@test.fr", "Anne").await;
        let before = (
            votes_counted(&app, &c).await,
            app.count("statement_votes").await,
        );

        // No token, a token that is no one's: 401, before anything is read.
        let path = format!("/api/v1/conversations/{c}/votes");
        let ballot = json!({ "statement": statement, "vote": "agree" });
        let (status, e) = post(&app, &path, None, ballot.clone()).await;
        assert_eq!((status, code(&e)), (401, "unauthorized"));
        let (status, _) = post(&app, &path, Some("not-a-token"), ballot.clone()).await;
        assert_eq!(status, 401);
        let (status, _) = post(
            &app,
            &format!("/api/v1/conversations/{c}/statements"),
            None,
            json!({ "body": "Un tramway" }),
        )
        .await;
        assert_eq!(status, 401);

        // Votes that are none: the field error of `vote`, and nothing stored.
        for bad in [
            json!("maybe"),
            json!(2),
            json!(1.0),
            json!(true),
            json!(null),
        ] {
            let (status, e) = vote(&app, &c, &anne, &statement, bad.clone()).await;
            assert_eq!((status, code(&e)), (422, "invalid"), "{bad}: {e}");
            assert_eq!(
                fields(&e),
                [("vote".to_string(), "conversation.vote_value".to_string())],
                "{bad}"
            );
        }
        // A body the API does not read as a vote.
        let (status, e) = post(&app, &path, Some(&anne), json!({ "vote": "agree" })).await;
        assert_eq!((status, code(&e)), (400, "json.invalid"));
        // A statement that is not this conversation's.
        let (status, e) = vote(&app, &c, &anne, "nothing-here", json!("agree")).await;
        assert_eq!((status, code(&e)), (409, "conversation.no_statement"));
        let (status, e) = post(
            &app,
            "/api/v1/conversations/nothing-here/votes",
            Some(&anne),
            ballot.clone(),
        )
        .await;
        assert_eq!((status, code(&e)), (404, "not_found"));
        assert_eq!(
            (
                votes_counted(&app, &c).await,
                app.count("statement_votes").await
            ),
            before
        );
        let key = ParticipantKey::account(&anne_id);
        assert_eq!(
            store::participant(app.state.db(), &c, &key).await.unwrap(),
            None
        );

        // Agree, then disagree: one vote kept, the latest; both counted as cast.
        let (status, first) = vote(&app, &c, &anne, &statement, json!("agree")).await;
        assert_eq!(status, 201, "{first}");
        let (status, second) = vote(&app, &c, &anne, &statement, json!(-1)).await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["vote"], "disagree");
        assert_eq!(first["participant"], second["participant"]);
        let pid = store::participant(app.state.db(), &c, &key)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second["participant"], pid);
        let kept = store::votes_of(app.state.db(), &c, pid).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].value, VoteValue::Disagree);
        assert_eq!(votes_counted(&app, &c).await, before.0 + 2);
        assert_eq!(app.count("statement_votes").await, before.1 + 1);

        // An account not confirmed yet does not take part, token or not.
        let unconfirmed = app.other_client();
        let r = unconfirmed
            .post_form(
                "/register",
                &[
                    ("display_name", "Denis"),
                    ("email", "denis@test.fr"),
                    ("password", "Lannion-2026"),
                    ("terms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        let denis = token(&app, &app.user_id("denis@test.fr").await).await;
        let (status, e) = vote(&app, &c, &denis, &statement, json!("agree")).await;
        assert_eq!((status, code(&e)), (403, "forbidden"));
        assert_eq!(votes_counted(&app, &c).await, before.0 + 2);
    })
);

on_every_engine!(
    moderation_decides_what_is_seen_and_voted_on_and_a_closed_conversation_takes_nothing,
    |app: TestApp| Box::pin(async move {
        let (space, process) = process(&app).await;
        let open = conversation(
            &app,
            &process,
            "Quelle ville en 2030 ?",
            &["statements_allowed"],
        )
        .await;
        let (moderator_id, moderation) = moderator(&app, &space).await;
        let (_, anne) = citizen(&app, "anne@test.fr", "Anne").await;
        let (_, bruno) = citizen(&app, "bruno@test.fr", "Bruno").await;

        // A citizen's statement waits for a moderator, and may be voted on meanwhile.
        let (status, s) = say(&app, &open, &anne, "  Plus de   pistes cyclables ").await;
        assert_eq!(status, 201, "{s}");
        assert_eq!(s["moderation"], "pending");
        assert_eq!(s["body"], "Plus de pistes cyclables");
        let pending = s["id"].as_str().unwrap().to_string();
        // The same statement again, however written; an empty one; a long one.
        let (status, e) = say(&app, &open, &bruno, "plus de pistes cyclables !").await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(
            fields(&e),
            [("body".to_string(), "conversation.duplicate".to_string())]
        );
        let (_, e) = say(&app, &open, &bruno, "   ").await;
        assert_eq!(
            fields(&e),
            [("body".to_string(), "text.required".to_string())]
        );
        let (_, e) = say(&app, &open, &bruno, &"é".repeat(281)).await;
        assert_eq!(
            fields(&e),
            [("body".to_string(), "text.too_long".to_string())]
        );
        let (status, _) = vote(&app, &open, &bruno, &pending, json!("agree")).await;
        assert_eq!(status, 201);

        // Rejected: no one votes on it, participants no longer see it, moderators do.
        let (_, s) = say(&app, &open, &anne, "Tout le monde en trottinette").await;
        let rejected = s["id"].as_str().unwrap().to_string();
        store::moderate(
            app.state.db(),
            &open,
            &rejected,
            conversations::model::Moderation::Rejected,
            false,
            &moderator_id,
        )
        .await
        .unwrap();
        let counted = votes_counted(&app, &open).await;
        let (status, e) = vote(&app, &open, &bruno, &rejected, json!("agree")).await;
        assert_eq!((status, code(&e)), (409, "conversation.no_statement"));
        assert_eq!(votes_counted(&app, &open).await, counted);
        let seen = vec![(pending.clone(), "pending".to_string())];
        assert_eq!(listed(&app, &open, None).await, seen);
        assert_eq!(listed(&app, &open, Some(&bruno)).await, seen);
        assert_eq!(
            listed(&app, &open, Some(&moderation)).await,
            [
                (pending.clone(), "pending".to_string()),
                (rejected.clone(), "rejected".to_string())
            ]
        );

        // Strict moderation: a pending statement is neither listed nor voted on.
        let strict = conversation(
            &app,
            &process,
            "Quel parc pour le quartier ?",
            &["statements_allowed", "strict_moderation"],
        )
        .await;
        let (status, s) = say(&app, &strict, &anne, "Des jeux pour enfants").await;
        assert_eq!((status, s["moderation"].as_str()), (201, Some("pending")));
        let waiting = s["id"].as_str().unwrap().to_string();
        let (status, e) = vote(&app, &strict, &bruno, &waiting, json!("pass")).await;
        assert_eq!((status, code(&e)), (409, "conversation.no_statement"));
        assert!(listed(&app, &strict, None).await.is_empty());
        assert_eq!(listed(&app, &strict, Some(&moderation)).await.len(), 1);

        // Closed: no vote, no statement, even from a moderator; nothing stored.
        let admin = app.user_id("admin@test.fr").await;
        store::set_closed(app.state.db(), &open, true, &admin)
            .await
            .unwrap();
        let counted = votes_counted(&app, &open).await;
        let statements = app.count("conversation_statements").await;
        let (status, e) = vote(&app, &open, &bruno, &pending, json!("disagree")).await;
        assert_eq!((status, code(&e)), (409, "conversation.closed"));
        let (status, e) = say(&app, &open, &moderation, "Un tramway").await;
        assert_eq!((status, code(&e)), (409, "conversation.closed"));
        assert_eq!(votes_counted(&app, &open).await, counted);
        assert_eq!(app.count("conversation_statements").await, statements);
        let (_, one) = get(&app, &format!("/api/v1/conversations/{open}"), None).await;
        assert_eq!(one["open"], false);
        // Its map is still served.
        let (map, _) = map_with(&app, &open, 2).await;
        assert!(map.starts_with(r#"{"schema":"polis-opinion-map/1""#));
    })
);

on_every_engine!(
    votes_at_once_are_written_together_each_participant_once_one_vote_a_statement,
    |app| Box::pin(async move {
        let (space, process) = process(&app).await;
        let c = conversation(&app, &process, "Qu'est-ce qui compte ?", &[]).await;
        let (_, moderator) = moderator(&app, &space).await;
        let (_, first) = say(&app, &c, &moderator, "Plus de bancs.").await;
        let (_, second) = say(&app, &c, &moderator, "Plus d'ombre.").await;
        let statements = [
            first["id"].as_str().unwrap().to_string(),
            second["id"].as_str().unwrap().to_string(),
        ];
        let mut voters = Vec::new();
        for i in 0..8 {
            voters.push(
                citizen(&app, &format!("v{i}@test.fr"), &format!("V{i}"))
                    .await
                    .1,
            );
        }
        let before = votes_counted(&app, &c).await;
        // 64 votes at once: eight voters, each voting four times on each statement.
        let mut tasks = Vec::new();
        for round in 0..4 {
            for (v, token) in voters.iter().enumerate() {
                for s in &statements {
                    let (app, c, token, s) =
                        (app.other_client(), c.clone(), token.clone(), s.clone());
                    let value = if (round + v) % 2 == 0 {
                        "agree"
                    } else {
                        "disagree"
                    };
                    tasks.push(tokio::spawn(async move {
                        vote(&app, &c, &token, &s, json!(value)).await.0
                    }));
                }
            }
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 201);
        }
        assert_eq!(votes_counted(&app, &c).await, before + 64);
        // One participant per voter (and the moderator), one stored vote per voter and statement.
        assert_eq!(app.count("conversation_participants").await, 9);
        let stored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM statement_votes WHERE conversation_id = $1 AND pid > 0",
        )
        .bind(&c)
        .fetch_one(app.state.db().pool())
        .await
        .unwrap();
        assert_eq!(stored, 16);
        let pids: Vec<i64> = sqlx::query_scalar(
            "SELECT pid FROM conversation_participants WHERE conversation_id = $1 ORDER BY pid",
        )
        .bind(&c)
        .fetch_all(app.state.db().pool())
        .await
        .unwrap();
        assert_eq!(pids, (0..9).collect::<Vec<i64>>(), "numbered without holes");
    })
);
