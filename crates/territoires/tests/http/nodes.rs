//! Several nodes on one database: a node that takes no writes stays ready while another writes,
//! a change rolled back (or left open, then rolled back) holds no node back, the node that
//! answers a write has it in its search already, a node whose database does not answer says it
//! is not ready, `/metrics` says how far behind the feed a node is, and the daily clean-up
//! prunes the feed without holding any node back.

use crate::common::{TestApp, spawn_app, spawn_app_with};
use std::time::{Duration, Instant};

/// Another node on the database of `first`.
async fn node_beside(first: &TestApp) -> TestApp {
    let url = first.state.config().database_url.clone();
    spawn_app_with(first.engine, |o| o.database_url = Some(url)).await
}

/// The `montauban` space with the demo's teams, categories, client and reports.
async fn montauban(app: &TestApp) {
    app.with_space("montauban", "Montauban signale", "commune/82121")
        .await;
    reports::demo::seed(app.state.demo()).await.unwrap();
}

/// A word found in no other text: `n` spelled in letters, between fixed ones, so that no such
/// word begins another.
fn word(n: usize) -> String {
    let a = (b'a' + (n % 26) as u8) as char;
    let b = (b'a' + (n / 26 % 26) as u8) as char;
    format!("zqx{a}{b}w")
}

/// Files a report through the demo's Open311 client, its description holding `word`; returns
/// its id.
async fn file_report(app: &TestApp, word: &str) -> String {
    let description = format!("Lampadaire {word} éteint depuis hier.");
    crate::reports::file_pothole(app, &[("description", description.as_str())]).await
}

/// Whether the search of `app` for `word` among the reports finds the report `id` now.
async fn finds(app: &TestApp, word: &str, id: &str) -> bool {
    let found = app
        .get_json(&format!("/api/v1/search?q={word}&kind=report"))
        .await;
    found["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id)
}

/// How long `app` took to find the report `id` by `word`, looking every 20 ms, at most 3 s.
async fn found_after(app: &TestApp, word: &str, id: &str) -> Duration {
    let start = Instant::now();
    while !finds(app, word, id).await {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{}: {id} never found",
            app.engine
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

/// The status and the body of `/readyz`.
async fn readiness(app: &TestApp) -> (u16, serde_json::Value) {
    let r = app.get("/readyz").await;
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn assert_ready(app: &TestApp, when: &str) {
    let (status, body) = readiness(app).await;
    assert_eq!(status, 200, "{} {when}: {body}", app.engine);
}

/// The value of a gauge of `/metrics`.
async fn gauge(app: &TestApp, name: &str) -> f64 {
    let (status, text) = app.get_text("/metrics").await;
    assert_eq!(status, 200);
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

/// How soon a hole is given up once its transaction has ended: at the node's next look (every
/// 500 ms), give or take the transactions of other databases of the server, which hold its
/// snapshots back a moment.
const HOLE_GIVEN_UP: Duration = Duration::from_secs(2);

/// Waits until `app` waits for no hole of the feed any more, at most `bound`.
async fn holes_closed_within(app: &TestApp, bound: Duration) {
    let start = Instant::now();
    while gauge(app, "territoires_change_feed_holes").await > 0.0 {
        assert!(
            start.elapsed() < bound,
            "{}: a hole still open after {bound:?}",
            app.engine
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a transaction on `app`'s database (a connection of its own) that writes a change.
async fn change_in_transaction(app: &TestApp) -> sqlx::Transaction<'static, sqlx::Any> {
    let mut tx = app.state.db().pool().begin().await.unwrap();
    sqlx::query(
        "INSERT INTO changes (kind, entity_id, op, at) VALUES ('report', 'jamais', 'upsert', 0)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx
}

#[tokio::test]
async fn a_change_rolled_back_holds_no_node_back() {
    for engine in kernel::testing::engines() {
        let a = spawn_app(engine).await;
        montauban(&a).await;
        let b = node_beside(&a).await;

        // Written and rolled back at once: the next write is on the other node within a second.
        change_in_transaction(&a).await.rollback().await.unwrap();
        let id = file_report(&a, &word(0)).await;
        assert!(found_after(&b, &word(0), &id).await < Duration::from_secs(1));
        assert_ready(&a, "after a rollback").await;
        assert_ready(&b, "after a rollback").await;
        holes_closed_within(&b, HOLE_GIVEN_UP).await;

        // On SQLite a transaction that wrote holds every other writer back until it ends: the
        // feed has no holes there. On PostgreSQL, one left open holds no node back either.
        if engine == "postgres" {
            let open = change_in_transaction(&a).await;
            let id = file_report(&a, &word(1)).await;
            assert!(found_after(&b, &word(1), &id).await < Duration::from_secs(1));
            assert_ready(&a, "with a transaction open").await;
            assert_ready(&b, "with a transaction open").await;
            // Its number is watched while it may still come…
            assert_eq!(gauge(&b, "territoires_change_feed_holes").await, 1.0);
            open.rollback().await.unwrap();
            // …and given up as soon as the transaction has ended.
            holes_closed_within(&b, HOLE_GIVEN_UP).await;
            holes_closed_within(&a, HOLE_GIVEN_UP).await;
            let id = file_report(&a, &word(2)).await;
            assert!(found_after(&b, &word(2), &id).await < Duration::from_secs(1));
            assert_ready(&b, "after the rollback").await;

            // A node that dies between writing a change and committing it: its connection ends,
            // and its transaction with it.
            let mut dying = change_in_transaction(&a).await;
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut *dying)
                .await
                .unwrap();
            let id = file_report(&a, &word(4)).await;
            assert!(found_after(&b, &word(4), &id).await < Duration::from_secs(1));
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .execute(a.state.db().pool())
                .await
                .unwrap();
            holes_closed_within(&b, HOLE_GIVEN_UP).await;
            assert_ready(&b, "after a writer died").await;
            drop(dying);
        }

        // A node started after a rollback is ready at once, and waits for no hole.
        change_in_transaction(&a).await.rollback().await.unwrap();
        let id = file_report(&a, &word(3)).await;
        let c = node_beside(&a).await;
        assert_ready(&c, "when started").await;
        assert!(finds(&c, &word(3), &id).await, "{engine}");
        holes_closed_within(&c, HOLE_GIVEN_UP).await;
    }
}

#[tokio::test]
async fn the_node_that_took_a_write_finds_it_at_once() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        montauban(&app).await;
        // Through Open311 (a 201)…
        for n in 0..30 {
            let w = word(n);
            let id = file_report(&app, &w).await;
            assert!(finds(&app, &w, &id).await, "{engine}: try {n}");
        }
        // …and through a page's form (a 303): a process published is searchable at once.
        app.with_process("budget", "Budget des quartiers").await;
        for n in 0..5 {
            let (title, slug) = (format!("Démarche {}", word(100 + n)), format!("d{n}"));
            let r = app
                .post_form(
                    "/s/lannion/processes/new",
                    &[("title", &title), ("slug", &slug)],
                )
                .await;
            assert_eq!(r.status(), 303);
            let url = format!("/s/lannion/processes/{slug}");
            let r = app.post_form(&format!("{url}/publish"), &[]).await;
            assert_eq!(r.status(), 303);
            let (_, page) = app.get_text(&format!("/search?q={}", word(100 + n))).await;
            assert!(page.contains(&url), "{engine}: process {n}");
        }
        assert_eq!(
            gauge(&app, "territoires_writes_answered_before_applied_total").await,
            0.0
        );
    }
}

#[tokio::test]
async fn a_node_stays_ready_while_another_writes() {
    for engine in kernel::testing::engines() {
        let a = spawn_app(engine).await;
        montauban(&a).await;
        let b = node_beside(&a).await;
        let writer = {
            let a = a.other_client();
            tokio::spawn(async move {
                let start = Instant::now();
                let mut written = 0;
                while start.elapsed() < Duration::from_secs(3) {
                    file_report(&a, &word(written)).await;
                    written += 1;
                }
                written
            })
        };
        let mut probes = 0;
        while !writer.is_finished() {
            let (status, body) = readiness(&b).await;
            assert_eq!(status, 200, "{engine}: probe {probes}: {body}");
            probes += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let written = writer.await.unwrap();
        assert!(
            written >= 10 && probes >= 30,
            "{engine}: {written} writes, {probes} probes"
        );
        // The node that took no write follows them all.
        let start = Instant::now();
        while gauge(&b, "territoires_change_feed_lag").await > 0.0 {
            assert!(start.elapsed() < Duration::from_secs(2), "{engine}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_node_whose_database_does_not_answer_is_not_ready() {
    if !kernel::testing::engines().contains(&"postgres") {
        return;
    }
    use sqlx::{Connection, Executor};
    let app = spawn_app("postgres").await;
    assert_ready(&app, "at start").await;
    let url = app.state.config().database_url.clone();
    let name = url.rsplit('/').next().unwrap().to_string();
    let admin_url = std::env::var("TERRITOIRES_TEST_DATABASE_URL").unwrap();
    let mut admin = sqlx::AnyConnection::connect(&admin_url).await.unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
        )))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )))
        .await
        .unwrap();
    // The node's connections are gone once their server processes have ended.
    loop {
        let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{name}'"
        )))
        .fetch_one(&mut admin)
        .await
        .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let start = Instant::now();
    let (status, body) = readiness(&app).await;
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "not_ready");
    assert_eq!(body["error"]["message"], "the database does not answer");
    // The process lives all the same.
    assert_eq!(app.get_text("/healthz").await, (200, "ok".to_string()));
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
        )))
        .await
        .unwrap();
    let start = Instant::now();
    while readiness(&app).await.0 != 200 {
        assert!(start.elapsed() < Duration::from_secs(15), "not ready again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn metrics_say_how_far_behind_the_feed_a_node_is() {
    for engine in kernel::testing::engines() {
        let app = spawn_app(engine).await;
        let settled = |app: &TestApp| {
            let app = app.other_client();
            async move {
                let start = Instant::now();
                while gauge(&app, "territoires_change_feed_lag").await > 0.0 {
                    assert!(start.elapsed() < Duration::from_secs(2), "{}", app.engine);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        };
        settled(&app).await;
        let applied = gauge(&app, "territoires_changes_applied").await;
        assert!(applied > 0.0, "{engine}");
        assert_eq!(gauge(&app, "territoires_change_feed_holes").await, 0.0);
        // Changes committed by another node: this one reads them at its next look (every
        // 500 ms), so a scrape right after the commit mostly sees them waiting.
        let mut seen = 0.0;
        for _ in 0..20 {
            let tx = change_in_transaction(&app).await;
            tx.commit().await.unwrap();
            seen = gauge(&app, "territoires_change_feed_lag").await;
            if seen >= 1.0 {
                break;
            }
        }
        assert!(seen >= 1.0, "{engine}: the lag never showed");
        settled(&app).await;
        assert!(gauge(&app, "territoires_changes_applied").await > applied);
    }
}

#[tokio::test]
async fn the_daily_clean_up_prunes_the_feed_and_the_nodes_go_on() {
    for engine in kernel::testing::engines() {
        let a = spawn_app(engine).await;
        montauban(&a).await;
        let b = node_beside(&a).await;
        let db = a.state.db();
        let head = db.last_change().await.unwrap();
        assert!(head > 10, "{engine}: {head}");
        // Every change of the feed so far dates from two days ago.
        sqlx::query("UPDATE changes SET at = $1")
            .bind(kernel::ids::now_ms() - 2 * kernel::changes::KEPT_MS)
            .execute(db.pool())
            .await
            .unwrap();
        // The kernel's clean-up, under a name of its own: the node's own may be done today.
        let purge = kernel::jobs::DailyJob {
            name: "test.purge",
            hour: "00:00",
            work: kernel::jobs::purge,
        };
        let today = kernel::clock::local_date(kernel::ids::now_ms());
        let noon = kernel::clock::parse_local(&format!("{today}T12:00"), "noon").unwrap();
        match kernel::jobs::run_due(&a.state, purge, noon).await.unwrap() {
            kernel::jobs::Turn::Done(n) => assert!(n as i64 >= head - 1, "{engine}: {n}"),
            other => panic!("{engine}: {other:?}"),
        }
        // The newest change stays, and the numbers go on from it.
        let left: Vec<i64> = sqlx::query_scalar("SELECT seq FROM changes")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(left, vec![head], "{engine}");
        let id = file_report(&a, &word(7)).await;
        assert!(db.last_change().await.unwrap() > head, "{engine}");
        // Both nodes follow the feed as before: none was behind the pruning.
        assert!(found_after(&b, &word(7), &id).await < Duration::from_secs(1));
        assert!(finds(&a, &word(7), &id).await, "{engine}");
        for node in [&a, &b] {
            assert_eq!(
                gauge(node, "territoires_change_feed_rebuilds").await,
                0.0,
                "{engine}"
            );
        }
        // A node started now builds from the tables and waits for no number pruned.
        let c = node_beside(&a).await;
        assert_ready(&c, "after the pruning").await;
        assert!(finds(&c, &word(7), &id).await, "{engine}");
        holes_closed_within(&c, HOLE_GIVEN_UP).await;
    }
}
