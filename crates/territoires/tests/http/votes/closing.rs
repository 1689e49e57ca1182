//! A ballot and the closing of its vote never cross: a ballot being written when the vote is
//! counted is in the count, one written after is refused as closed (`vote.closed`), even by a
//! node whose clock says the vote is still open; and ballots sent to two nodes while the vote
//! closes, by hand or by its date, are each either counted or refused as closed.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use votes::error::StoreError;

/// A single-choice vote open now (see `votes::testing`), read back from the database.
async fn open_vote(app: &TestApp) -> votes::model::Votation {
    let db = app.state.db();
    let open = votes::testing::open_vote_with_codes(db, 1).await.unwrap();
    votes::store::get(db, &open.id).await.unwrap().unwrap()
}

/// The ballots the stored results of a vote counted, if it is counted.
async fn counted(app: &TestApp, id: &str) -> Option<i64> {
    sqlx::query_scalar("SELECT ballots FROM vote_results WHERE votation_id = $1")
        .bind(id)
        .fetch_optional(app.state.db().pool())
        .await
        .unwrap()
}

/// Whether a receipt's tracker is among the vote's.
async fn has_tracker(app: &TestApp, id: &str, tracker: &str) -> bool {
    sqlx::query("SELECT 1 FROM vote_trackers WHERE votation_id = $1 AND tracker = $2")
        .bind(id)
        .bind(tracker.replace('-', ""))
        .fetch_optional(app.state.db().pool())
        .await
        .unwrap()
        .is_some()
}

/// Waits until `task` is held back by a lock of the database. On PostgreSQL the server says
/// so (a backend of this database waiting for a lock); on SQLite a writer waiting for the write
/// lock cannot be seen from outside: the task is given a moment to get there. Either way the
/// outcome checked after does not depend on it.
async fn held_back<T>(app: &TestApp, task: &tokio::task::JoinHandle<T>) {
    if app.engine == "postgres" {
        let start = std::time::Instant::now();
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(app.state.db().pool())
            .await
            .unwrap();
            if waiting > 0 {
                break;
            }
            assert!(!task.is_finished(), "the task did not wait for the lock");
            assert!(start.elapsed() < Duration::from_secs(5), "nothing waits");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    } else {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!task.is_finished(), "{}: the task did not wait", app.engine);
}

on_every_engine!(
    a_ballot_being_written_when_the_vote_closes_is_in_its_count,
    |app: TestApp| Box::pin(async move {
        let vote = open_vote(&app).await;
        let db = app.state.db().clone();
        // A ballot written, not committed yet.
        let mut tx = db.begin().await.unwrap();
        let tracker = votes::store::cast_in(&mut tx, &vote.id, "voter-1", "0")
            .await
            .unwrap()
            .unwrap();
        let closing = {
            let (db, vote) = (db.clone(), vote.clone());
            tokio::spawn(async move { votes::store::close(&db, &vote, "admin").await })
        };
        held_back(&app, &closing).await;
        tx.commit().await.unwrap();
        closing.await.unwrap().unwrap();
        assert_eq!(counted(&app, &vote.id).await, Some(1), "{}", app.engine);
        assert!(has_tracker(&app, &vote.id, &tracker).await);
    })
);

on_every_engine!(
    a_ballot_after_the_count_is_refused_as_closed_whatever_the_clock_of_its_node,
    |app: TestApp| Box::pin(async move {
        let vote = open_vote(&app).await;
        let db = app.state.db().clone();
        votes::store::cast(&db, &vote.id, "voter-1", "1")
            .await
            .unwrap();
        // A node whose clock is ahead counts the vote, which closes in a week by this node's
        // clock; a ballot comes while it counts.
        let mut count = db.write().await.unwrap();
        assert!(votes::store::count_in(&mut count, &vote).await.unwrap());
        let ballot = {
            let (db, id) = (db.clone(), vote.id.clone());
            tokio::spawn(async move { votes::store::cast(&db, &id, "voter-2", "2").await })
        };
        held_back(&app, &ballot).await;
        count.commit().await.unwrap();
        let refused = ballot.await.unwrap().unwrap_err();
        assert!(matches!(refused, StoreError::Closed), "{refused:?}");
        assert_eq!(refused.code(), "vote.closed");
        // And after it, at once.
        let refused = votes::store::cast(&db, &vote.id, "voter-3", "0")
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "vote.closed");
        assert_eq!(counted(&app, &vote.id).await, Some(1), "{}", app.engine);
        assert_eq!(app.count("vote_roll").await, 1);
        assert_eq!(app.count("vote_ballots").await, 1);
    })
);

/// What the ballots sent during a race came to: the trackers of those acknowledged, and how
/// many were refused as closed.
#[derive(Default)]
struct Outcomes {
    trackers: Vec<String>,
    refused: usize,
}

/// How many senders cast ballots at once, half through each node.
const SENDERS: usize = 16;

/// Sends ballots through the API of `node`, one code after the other, until one is refused;
/// each answer is a receipt (201) or the refusal of a closed vote (409 `vote.closed`).
async fn send_until_refused(
    node: &TestApp,
    id: &str,
    codes: &[String],
    option: &str,
    acknowledged: &AtomicUsize,
) -> Outcomes {
    let client = reqwest::Client::new();
    let mut out = Outcomes::default();
    for code in codes {
        let body = serde_json::json!({"code": code, "answers": [{"choices": [option]}]});
        let r = client
            .post(node.url(&format!("/api/v1/votes/{id}/ballots")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        match status {
            201 => {
                out.trackers
                    .push(body["tracker"].as_str().unwrap().to_string());
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
            409 => {
                assert_eq!(body["error"]["code"], "vote.closed", "{body}");
                out.refused += 1;
                break;
            }
            _ => panic!("{status}: {body}"),
        }
    }
    out
}

/// Two nodes take ballots while the vote closes, once `SENDERS` × 5 ballots were acknowledged:
/// by its administrator's hand on the first node, or by its date, which is set to pass a
/// moment later, each node counting it as soon as it finds it closed. Every ballot
/// acknowledged is in the stored results, and every other was refused as closed.
async fn race(by_hand: bool) {
    for engine in kernel::testing::engines()
        .into_iter()
        .filter(|e| *e == "postgres")
    {
        let app = crate::common::spawn_app(engine).await;
        let url = app.state.config().database_url.clone();
        let other = crate::common::spawn_app_with(engine, |o| o.database_url = Some(url)).await;
        let (vote_url, codes, opts) = codes_vote(&app, 400).await;
        let id = vote_id(&vote_url);
        let acknowledged = AtomicUsize::new(0);
        let nodes = [&app, &other];
        let share = codes.len() / SENDERS;
        let senders = (0..SENDERS).map(|i| {
            send_until_refused(
                nodes[i % 2],
                &id,
                &codes[i * share..(i + 1) * share],
                &opts[i % opts.len()],
                &acknowledged,
            )
        });
        let closer = async {
            while acknowledged.load(Ordering::SeqCst) < SENDERS * 5 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            if by_hand {
                close_now(&app, &vote_url).await;
                return;
            }
            sqlx::query("UPDATE votations SET closes_at = $1 WHERE id = $2")
                .bind(kernel::ids::now_ms() + 50)
                .bind(&id)
                .execute(app.state.db().pool())
                .await
                .unwrap();
            // Both nodes look for closed votes to count, as their own task does every 30 s.
            while counted(&app, &id).await.is_none() {
                let now = kernel::ids::now_ms();
                let (a, b) = tokio::join!(
                    votes::store::count_closed(app.state.db(), now),
                    votes::store::count_closed(other.state.db(), now)
                );
                assert!(a.unwrap() + b.unwrap() <= 1);
            }
        };
        let (outcomes, ()) = tokio::join!(futures_util::future::join_all(senders), closer);
        let trackers: Vec<String> = outcomes.iter().flat_map(|o| o.trackers.clone()).collect();
        let refused: usize = outcomes.iter().map(|o| o.refused).sum();
        assert_eq!(refused, SENDERS, "every sender met the closing");
        assert!(trackers.len() >= SENDERS * 5);
        assert_eq!(
            counted(&app, &id).await,
            Some(trackers.len() as i64),
            "by hand: {by_hand}"
        );
        for tracker in &trackers {
            assert!(has_tracker(&app, &id, tracker).await, "{tracker}");
        }
        assert_eq!(app.count("vote_ballots").await, trackers.len() as i64);
        // Both nodes serve those results.
        let path = format!("/api/v1/votes/{id}/results");
        let here = app.get_json(&path).await;
        assert_eq!(here["ballots"], trackers.len());
        assert_eq!(here, other.get_json(&path).await);
    }
}

#[tokio::test]
async fn ballots_racing_a_closing_by_hand_on_two_nodes_are_counted_or_refused_as_closed() {
    race(true).await;
}

#[tokio::test]
async fn ballots_racing_a_closing_by_date_on_two_nodes_are_counted_or_refused_as_closed() {
    race(false).await;
}
