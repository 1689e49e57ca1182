//! Two nodes on one database count the rate limits together (PostgreSQL) and do each daily
//! job's day once: a node that stops in the middle of a job, or whose try fails, leaves the day
//! to the other node, the same day, and nothing of its own try stays.

use crate::common::{TestApp, spawn_app_with};
use kernel::config::Limits;
use kernel::jobs::{self, DailyJob, Day, Turn, WorkFuture};
use kernel::web::ratelimit::{self, Limit};
use kernel::{AppState, Error};
use std::net::IpAddr;
use std::time::Duration;

/// The limits of the platform as shipped, a few of them lowered so that a test reaches them
/// quickly.
fn limits() -> Limits {
    Limits {
        conversation_writes_per_hour: 20,
        ..Default::default()
    }
}

/// A node with the limits of [`limits`], on a database of its own.
async fn node(engine: &'static str) -> TestApp {
    spawn_app_with(engine, |o| o.limits = Some(limits())).await
}

/// Another node on the database of `first`, with the same limits.
pub async fn beside(first: &TestApp) -> TestApp {
    let url = first.state.config().database_url.clone();
    spawn_app_with(first.engine, |o| {
        o.database_url = Some(url);
        o.limits = Some(limits());
    })
    .await
}

/// The engines on which several nodes share one database: PostgreSQL, when the suite has one.
fn shared_engines() -> Vec<&'static str> {
    kernel::testing::engines()
        .into_iter()
        .filter(|e| *e == "postgres")
        .collect()
}

#[tokio::test]
async fn the_eleventh_wrong_password_through_alternating_nodes_is_refused() {
    for engine in shared_engines() {
        let a = node(engine).await;
        let b = beside(&a).await;
        let wrong = [("email", "anne@exemple.fr"), ("password", "pas-le-bon-mot")];
        for i in 0..10 {
            let node = if i % 2 == 0 { &a } else { &b };
            let r = node.post_form("/login", &wrong).await;
            assert_ne!(r.status(), 429, "try {i} on node {}", i % 2);
        }
        for node in [&a, &b] {
            let r = node.post_form("/login", &wrong).await;
            assert_eq!(r.status(), 429);
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            // One try comes back every 30 seconds (ten per five minutes).
            assert!(retry > 0 && retry <= 30, "{retry}");
        }
    }
}

#[tokio::test]
async fn every_limit_is_held_across_nodes() {
    for engine in shared_engines() {
        let a = node(engine).await;
        let b = beside(&a).await;
        let config = a.state.config();
        let all: Vec<Limit> = vec![
            ratelimit::LOGIN,
            ratelimit::RESET_SUBMIT,
            ratelimit::registrations(config),
            ratelimit::resets(config),
            ratelimit::anonymous_reports(config),
            ratelimit::anonymous_conversation_writes(config),
            kernel::geocoder::ANONYMOUS,
        ];
        for (n, limit) in all.into_iter().enumerate() {
            let ip = IpAddr::from([10, 0, 0, n as u8 + 1]);
            for i in 0..limit.max {
                let node = if i % 2 == 0 { &a } else { &b };
                node.state
                    .limiter()
                    .check(limit, ip)
                    .await
                    .unwrap_or_else(|e| panic!("{}: attempt {i} refused: {e:?}", limit.action));
            }
            for node in [&a, &b] {
                assert!(
                    matches!(
                        node.state.limiter().check(limit, ip).await,
                        Err(Error::RateLimited(_))
                    ),
                    "{}: one past the limit",
                    limit.action
                );
            }
            // Another address has its own allowance.
            let other = IpAddr::from([10, 1, 0, n as u8 + 1]);
            b.state.limiter().check(limit, other).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_shared_limit_gives_back_one_attempt_per_interval() {
    for engine in shared_engines() {
        let a = node(engine).await;
        let db = a.state.db();
        let limit = Limit {
            action: "essai",
            max: 3,
            window: Duration::from_secs(60),
        };
        let ip = IpAddr::from([192, 0, 2, 1]);
        // The buckets are written without the server's log: an attempt waits for no disk.
        let persistence: String = sqlx::query_scalar(
            "SELECT relpersistence::text FROM pg_class WHERE relname = 'rate_limits'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(persistence, "u");
        let t0 = 1_800_000_000_000;
        for _ in 0..3 {
            ratelimit::check_shared(db, limit, ip, t0).await.unwrap();
        }
        match ratelimit::check_shared(db, limit, ip, t0).await {
            Err(Error::RateLimited(s)) => assert_eq!(s, 20),
            other => panic!("{other:?}"),
        }
        // A refused attempt takes nothing: one comes back after 20 seconds, not the whole
        // window at once.
        ratelimit::check_shared(db, limit, ip, t0 + 20_000)
            .await
            .unwrap();
        match ratelimit::check_shared(db, limit, ip, t0 + 25_000).await {
            Err(Error::RateLimited(s)) => assert_eq!(s, 15),
            other => panic!("{other:?}"),
        }
        // A whole window later the bucket is whole again, and the daily clean-up forgets it.
        for _ in 0..3 {
            ratelimit::check_shared(db, limit, ip, t0 + 140_000)
                .await
                .unwrap();
        }
        let mut conn = db.pool().acquire().await.unwrap();
        let purged = ratelimit::purge_rate_limits(&mut conn, t0 + 200_000 + 1)
            .await
            .unwrap();
        assert_eq!(purged, 1);
    }
}

#[tokio::test]
async fn the_mails_to_one_address_are_counted_across_nodes() {
    for engine in kernel::testing::engines() {
        let a = node(engine).await;
        let b = beside(&a).await;
        let now = kernel::ids::now_ms();
        let mut allowed = Vec::new();
        for i in 0..5 {
            let node = if i % 2 == 0 { &a } else { &b };
            allowed.push(
                ratelimit::mail_allowed_at(node.state.db(), 3, "cible@exemple.fr", now)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(allowed, [true, true, true, false, false], "{engine}");
    }
}

/// Noon today, Paris time, in ms: a time at which every job of these tests is due, far from
/// midnight.
fn noon_today() -> i64 {
    let today = kernel::clock::local_date(kernel::ids::now_ms());
    kernel::clock::parse_local(&format!("{today}T12:00"), "noon").unwrap()
}

/// The table the tests' jobs write to: which node did the work.
async fn with_work_table(app: &TestApp) {
    sqlx::query("CREATE TABLE test_job_work (node TEXT NOT NULL)")
        .execute(app.state.db().pool())
        .await
        .unwrap();
}

/// The nodes whose work stayed.
async fn work_done(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT node FROM test_job_work")
        .fetch_all(app.state.db().pool())
        .await
        .unwrap()
}

/// Writes which node works, in the day's write.
async fn record(state: &AppState, day: &mut Day) -> Result<(), Error> {
    sqlx::query("INSERT INTO test_job_work (node) VALUES ($1)")
        .bind(jobs::node_name(state))
        .execute(&mut **day.write().await?)
        .await?;
    Ok(())
}

fn works<'a>(state: &'a AppState, day: &'a mut Day) -> WorkFuture<'a> {
    Box::pin(async move {
        record(state, day).await?;
        Ok(1)
    })
}

/// Writes, then never ends: its node is stopped in the middle.
fn hangs<'a>(state: &'a AppState, day: &'a mut Day) -> WorkFuture<'a> {
    Box::pin(async move {
        record(state, day).await?;
        std::future::pending::<()>().await;
        Ok(1)
    })
}

/// Writes, then fails.
fn fails<'a>(state: &'a AppState, day: &'a mut Day) -> WorkFuture<'a> {
    Box::pin(async move {
        record(state, day).await?;
        Err(Error::internal("le serveur de courriel ne répond pas"))
    })
}

fn job(work: kernel::jobs::Work) -> DailyJob {
    DailyJob {
        name: "test.job",
        hour: "08:00",
        work,
    }
}

/// The job's row: its last day done, its lease's owner and end, its attempts and last error.
async fn job_row(app: &TestApp) -> (String, Option<String>, i64, i64, Option<String>) {
    use sqlx::Row;
    let r = sqlx::query(
        "SELECT last_day, lease_owner, lease_until, attempts, last_error FROM daily_jobs \
         WHERE name = 'test.job'",
    )
    .fetch_one(app.state.db().pool())
    .await
    .unwrap();
    (
        r.get("last_day"),
        r.get("lease_owner"),
        r.get("lease_until"),
        r.get("attempts"),
        r.get("last_error"),
    )
}

#[tokio::test]
async fn a_daily_job_whose_node_stops_mid_work_is_done_by_the_other_node_the_same_day_once() {
    for engine in kernel::testing::engines() {
        let a = node(engine).await;
        let b = beside(&a).await;
        with_work_table(&a).await;
        let noon = noon_today();
        assert_eq!(
            jobs::run_due(&a.state, job(works), noon - 5 * 3_600_000)
                .await
                .unwrap(),
            Turn::NotDue
        );
        // Node A takes the day and stops in the middle of the work.
        let state = a.state.clone();
        let stopped = tokio::spawn(async move { jobs::run_due(&state, job(hangs), noon).await });
        for _ in 0..250 {
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT lease_until FROM daily_jobs WHERE name = 'test.job'")
                    .fetch_optional(a.state.db().pool())
                    .await
                    .unwrap();
            if taken.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        stopped.abort();
        let _ = stopped.await;
        let (day, owner, until, _, _) = job_row(&a).await;
        assert_eq!(day, "", "{engine}: the day is not done");
        assert_eq!(owner.as_deref(), Some(jobs::node_name(&a.state).as_str()));
        assert!((noon + jobs::LEASE_MS..noon + jobs::LEASE_MS + 10_000).contains(&until));
        assert!(
            work_done(&a).await.is_empty(),
            "{engine}: nothing of A's work stays"
        );
        // While A's lease runs, B leaves the day alone; once it ran out, B does it.
        let later = noon + 60_000;
        assert_eq!(
            jobs::run_due(&b.state, job(works), later).await.unwrap(),
            Turn::NotMine
        );
        let after_lease = noon + jobs::LEASE_MS + 1000;
        assert_eq!(
            jobs::run_due(&b.state, job(works), after_lease)
                .await
                .unwrap(),
            Turn::Done(1),
            "{engine}"
        );
        // Done for the day: neither node does it again.
        for node in [&a, &b] {
            assert_eq!(
                jobs::run_due(&node.state, job(works), after_lease + 60_000)
                    .await
                    .unwrap(),
                Turn::NotMine
            );
        }
        assert_eq!(work_done(&a).await, [jobs::node_name(&b.state)], "{engine}");
        let (day, owner, _, attempts, _) = job_row(&a).await;
        assert_eq!(day, kernel::clock::local_date(noon).to_string());
        assert_eq!((owner, attempts), (None, 0));
        // The next day is due again.
        assert_eq!(
            jobs::run_due(&a.state, job(works), noon + 86_400_000)
                .await
                .unwrap(),
            Turn::Done(1)
        );
        assert_eq!(work_done(&a).await.len(), 2);
    }
}

#[tokio::test]
async fn a_failed_daily_job_is_tried_again_after_a_delay_by_another_node_and_done_once() {
    for engine in kernel::testing::engines() {
        let a = node(engine).await;
        let b = beside(&a).await;
        with_work_table(&a).await;
        let noon = noon_today();
        match jobs::run_due(&a.state, job(fails), noon).await.unwrap() {
            Turn::Failed(e) => assert!(e.contains("ne répond pas"), "{e}"),
            other => panic!("{engine}: {other:?}"),
        }
        let (day, owner, until, attempts, error) = job_row(&a).await;
        assert_eq!((day.as_str(), owner, attempts), ("", None, 1));
        assert!(
            until >= noon + jobs::RETRY_MS,
            "{engine}: retried after a delay"
        );
        assert!(error.unwrap().contains("ne répond pas"));
        assert!(
            work_done(&a).await.is_empty(),
            "{engine}: the failed try left nothing"
        );
        assert_eq!(
            jobs::run_due(&b.state, job(works), noon + 60_000)
                .await
                .unwrap(),
            Turn::NotMine
        );
        let retry = noon + jobs::RETRY_MS + 1000;
        assert_eq!(
            jobs::run_due(&b.state, job(works), retry).await.unwrap(),
            Turn::Done(1)
        );
        assert_eq!(
            jobs::run_due(&a.state, job(works), retry + 1000)
                .await
                .unwrap(),
            Turn::NotMine
        );
        assert_eq!(work_done(&a).await, [jobs::node_name(&b.state)], "{engine}");
        let (_, _, _, attempts, error) = job_row(&a).await;
        assert_eq!((attempts, error), (0, None));
    }
}

#[tokio::test]
async fn two_nodes_looking_at_a_due_job_at_once_do_it_once() {
    for engine in kernel::testing::engines() {
        let a = node(engine).await;
        let b = beside(&a).await;
        with_work_table(&a).await;
        let noon = noon_today();
        let (ta, tb) = tokio::join!(
            jobs::run_due(&a.state, job(works), noon),
            jobs::run_due(&b.state, job(works), noon)
        );
        let mut turns = vec![ta.unwrap(), tb.unwrap()];
        turns.sort_by_key(|t| format!("{t:?}"));
        assert_eq!(turns, [Turn::Done(1), Turn::NotMine], "{engine}");
        assert_eq!(work_done(&a).await.len(), 1);
    }
}
