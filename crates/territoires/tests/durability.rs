//! Ballots and reports survive a crash: the server is killed with SIGKILL in the middle of a load
//! and started again. Every ballot it acknowledged is counted exactly once, and the roll count
//! equals the ballot count equals the receipt count; every report it acknowledged is there, and
//! the submissions retried with their idempotency key make no second report. On SQLite, and on
//! PostgreSQL when `TERRITOIRES_TEST_DATABASE_URL` is set.

#[path = "support/load.rs"]
mod load;

use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_ballot_survives_a_kill() {
    for engine in kernel::testing::engines() {
        let (url, dir, vote) = load::prepare(engine, 4000).await;
        let port = load::free_port();
        let mut server = load::start(&dir, &url, port);
        let client = reqwest::Client::new();
        load::wait_ready(&client, port).await;
        let voting = load::Load::start(port, &vote, 64);
        // Let the load run, then kill the server (SIGKILL) in the middle of it.
        let deadline = Instant::now() + Duration::from_secs(30);
        while voting.count() < 300 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill().unwrap();
        server.wait().unwrap();
        let acknowledged = voting.finish().await;
        assert!(
            acknowledged.len() >= 300,
            "{engine}: the load ran ({} ballots)",
            acknowledged.len()
        );

        // Started again on the same data: everything acknowledged is there, once.
        let mut server = load::start(&dir, &url, port);
        load::wait_ready(&client, port).await;
        server.kill().unwrap();
        server.wait().unwrap();
        let db = kernel::db::Db::connect(&url).await.unwrap();
        let mut counts = Vec::new();
        for table in ["vote_roll", "vote_ballots", "vote_trackers"] {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {table} WHERE votation_id = $1"
            )))
            .bind(&vote.id)
            .fetch_one(db.pool())
            .await
            .unwrap();
            counts.push(n);
        }
        assert_eq!(counts[0], counts[1], "{engine}: roll and box");
        assert_eq!(counts[1], counts[2], "{engine}: box and receipts");
        assert!(counts[0] >= acknowledged.len() as i64, "{engine}");
        for code in &acknowledged {
            let key = format!(
                "code:{}",
                kernel::ids::hash_secret(&votes::ballot::normalize_code(code))
            );
            let on_roll: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM vote_roll WHERE votation_id = $1 AND voter_key = $2",
            )
            .bind(&vote.id)
            .bind(&key)
            .fetch_one(db.pool())
            .await
            .unwrap();
            assert_eq!(
                on_roll, 1,
                "{engine}: acknowledged ballot {code} is counted once"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_report_survives_a_kill_exactly_once() {
    for engine in kernel::testing::engines() {
        let (url, dir) = load::prepare_reports(engine).await;
        let db = kernel::db::Db::connect(&url).await.unwrap();
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
            .fetch_one(db.pool())
            .await
            .unwrap();
        let port = load::free_port();
        let mut server = load::start(&dir, &url, port);
        let client = reqwest::Client::new();
        load::wait_ready(&client, port).await;
        let reporting = load::ReportLoad::start(port, 32, "kill");
        let deadline = Instant::now() + Duration::from_secs(30);
        while reporting.count() < 200 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill().unwrap();
        server.wait().unwrap();
        let (acknowledged, sent) = reporting.finish().await;
        assert!(
            acknowledged.len() >= 200,
            "{engine}: the load ran ({})",
            acknowledged.len()
        );

        let mut server = load::start(&dir, &url, port);
        load::wait_ready(&client, port).await;
        // Every acknowledged report is there.
        for (_, id) in &acknowledged {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap();
            assert_eq!(n, 1, "{engine}: acknowledged report {id}");
        }
        // Every submission retried with its key: the acknowledged ones answer their first id,
        // and none makes a second report.
        let mut ids = std::collections::HashSet::new();
        for i in 0..sent {
            let key = format!("kill-{i}");
            let id = load::submit_report(&client, port, &key)
                .await
                .expect("a retry is acknowledged");
            if let Some((_, first)) = acknowledged.iter().find(|(k, _)| *k == key) {
                assert_eq!(
                    &id, first,
                    "{engine}: a retry of {key} answers the same report"
                );
            }
            ids.insert(id);
        }
        server.kill().unwrap();
        server.wait().unwrap();
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(ids.len(), sent, "{engine}");
        assert_eq!(
            after - before,
            sent as i64,
            "{engine}: one report per submission, exactly"
        );
    }
}
