//! Votes on a conversation's statements over HTTP (the JSON API, each vote durable when
//! acknowledged) with 64 connections, one participant per token, against a release server on
//! loopback; then how long the opinion map takes to show the votes while they keep coming.
//!
//! cargo bench -p territoires --bench conversations [-- SECONDS [postgres]]
//!
//! With `upgrade`: how long the migration that lets conversations belong to the network takes
//! on a database holding a conversation of 10,000 participants, 1,000 statements and 500,000
//! votes (it makes the four tables again).
//!
//! cargo bench -p territoires --bench conversations -- upgrade [postgres]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::{Duration, Instant};

/// Participants (one bearer token each), and statements to vote on.
const PARTICIPANTS: usize = 64;
const STATEMENTS: usize = 200;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "upgrade") {
        return upgrade(load::engine_arg()).await;
    }
    let seconds = load::number_args().first().copied().unwrap_or(10);
    let engine = load::engine_arg();
    let (_, db, url, dir) = load::fresh_instance(engine).await;
    let (conversation, statements, tokens) = fill(&db).await;
    db.pool().close().await;
    let (mut server, base) = load::serve_filled(&dir, &url).await;
    let script = dir.join("votes.lua");
    std::fs::write(
        &script,
        format!(
            "tokens = {{{}}}\nstatements = {{{}}}\nvalues = {{\"agree\", \"disagree\", \"pass\"}}\n\
             n = 0\n\
             request = function()\n\
             \x20 n = n + 1\n\
             \x20 local body = '{{\"statement\":\"' .. statements[math.random(#statements)] .. '\",\"vote\":\"' .. values[math.random(3)] .. '\"}}'\n\
             \x20 return wrk.format(\"POST\", \"/api/v1/conversations/{conversation}/votes\", \
             {{[\"Authorization\"] = \"Bearer \" .. tokens[(n % #tokens) + 1], [\"Content-Type\"] = \"application/json\"}}, body)\n\
             end\n",
            quoted(&tokens),
            quoted(&statements)
        ),
    )
    .unwrap();
    let client = reqwest::Client::new();
    let map_url = format!("{base}/api/v1/conversations/{conversation}/map");
    let before = participants(&client, &map_url).await;
    // While wrk votes, see how long after the first votes the map counts them.
    let watcher = tokio::spawn({
        let (client, map_url) = (client.clone(), map_url.clone());
        async move {
            let start = Instant::now();
            loop {
                if participants(&client, &map_url).await > before {
                    return start.elapsed();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let result = tokio::task::spawn_blocking({
        let (base, script) = (base.clone(), script.clone());
        move || load::wrk_script(&base, "64", seconds, &script)
    })
    .await
    .unwrap();
    println!("votes over the API, {PARTICIPANTS} participants, 64 connections: {result}");
    println!(
        "the opinion map counted the new participants {:.0} ms after the votes began",
        watcher.await.unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "participants on the map at the end: {}",
        participants(&client, &map_url).await
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Times the migration `conversations/0002` on a large conversation stored as before it.
async fn upgrade(engine: &'static str) {
    let (db, process) = load::before_network_conversations(engine).await;
    sqlx::query(
        "INSERT INTO conversations (id, process_id, question, description, strict_moderation, \
         statements_allowed, anonymous_allowed, closed_at, next_tid, next_pid, votes, \
         created_by, created_at, updated_at) \
         VALUES ('c', $1, 'Qu''est-ce qui compte ?', '', 0, 1, 0, NULL, 0, 0, 0, 'bench', 0, 0)",
    )
    .bind(&process)
    .execute(db.pool())
    .await
    .unwrap();
    let statements: Vec<conversations::store::Imported> = (0..1000)
        .map(|i| conversations::store::Imported {
            text: conversations::model::StatementText::parse(&format!("Proposition numéro {i}"))
                .unwrap(),
            moderation: conversations::model::Moderation::Accepted,
            is_meta: false,
            created_at: 0,
        })
        .collect();
    let votes: Vec<_> = (0..500_000u32)
        .map(|i| {
            let (participant, tid) = (i / 50, (i % 50) * 20 + (i / 50) % 20);
            (
                conversations::model::ParticipantKey::imported(&participant.to_string()),
                tid,
                conversations::model::VoteValue::from_i64(i64::from(i % 3) - 1),
                i64::from(i),
            )
        })
        .collect();
    let t = Instant::now();
    conversations::store::import(&db, "c", &statements, &votes, "bench")
        .await
        .unwrap();
    println!(
        "stored 500,000 votes as before in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    assert_eq!(db.migrate(conversations::MIGRATIONS).await.unwrap(), 1);
    println!(
        "{engine}: migration conversations/0002 on 500,000 votes: {:.2} s",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(
        conversations::store::votes(&db, "c").await.unwrap().len(),
        500_000
    );
}

/// The number of participants the opinion map at `map_url` counts.
async fn participants(client: &reqwest::Client, map_url: &str) -> u64 {
    let text = client
        .get(map_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let map: serde_json::Value = serde_json::from_str(&text).unwrap();
    map["participants"].as_u64().unwrap_or(0)
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A space, a process and a conversation of [`STATEMENTS`] statements, and [`PARTICIPANTS`]
/// confirmed accounts with an API token each. Returns the conversation's id, the statements'
/// ids and the tokens.
async fn fill(db: &kernel::db::Db) -> (String, Vec<String>, Vec<String>) {
    let process = load::space_and_process(db).await;
    let pairs: Vec<(String, String)> = vec![
        ("question".into(), "Qu'est-ce qui compte ?".into()),
        ("statements_allowed".into(), "on".into()),
    ];
    let input = conversations::model::ConversationInput::parse(&pairs.as_slice()).unwrap();
    let id = conversations::store::create(
        db,
        conversations::store::NewHome::Process(&process),
        &input,
        "bench",
    )
    .await
    .unwrap();
    fill_statements(db, id).await
}

/// [`STATEMENTS`] statements in the conversation `id`, and [`PARTICIPANTS`] confirmed accounts
/// with an API token each; returns the conversation's id, the statements' ids and the tokens.
async fn fill_statements(db: &kernel::db::Db, id: String) -> (String, Vec<String>, Vec<String>) {
    let statements: Vec<conversations::store::Imported> = (0..STATEMENTS)
        .map(|i| conversations::store::Imported {
            text: conversations::model::StatementText::parse(&format!("Proposition numéro {i}"))
                .unwrap(),
            moderation: conversations::model::Moderation::Accepted,
            is_meta: false,
            created_at: kernel::ids::now_ms(),
        })
        .collect();
    conversations::store::import(db, &id, &statements, &[], "bench")
        .await
        .unwrap();
    let ids = conversations::store::statements(db, &id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let hash = kernel::accounts::hash_password(
        &kernel::accounts::Password::parse("Lannion-2026").unwrap(),
    )
    .unwrap();
    let mut tokens = Vec::new();
    for i in 0..PARTICIPANTS {
        let user = kernel::accounts::store::create_user(
            db,
            &kernel::accounts::Email::parse(&format!("p{i}@bench.fr")).unwrap(),
            &hash,
            &kernel::accounts::DisplayName::parse(&format!("P{i}")).unwrap(),
            kernel::i18n::Lang::Fr,
        )
        .await
        .unwrap();
        sqlx::query("UPDATE users SET confirmed_at = 1 WHERE id = $1")
            .bind(&user)
            .execute(db.pool())
            .await
            .unwrap();
        tokens.push(
            kernel::accounts::store::create_api_token(db, &user, "bench")
                .await
                .unwrap(),
        );
    }
    (id, ids, tokens)
}
