//! The reports' map and Open311 list with 1,000,000 reports, over HTTP against a release server
//! on loopback, measured with wrk (32 connections): the map viewport of a screen in Montauban at
//! zoom 13, and `GET /open311/v2/requests.json` with its default window (last 90 days, at most
//! 1,000 results). Prints wrk's summaries.
//!
//! cargo bench -p territoires --bench map [-- REPORTS SECONDS]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = load::number_args();
    let reports = args.first().copied().unwrap_or(1_000_000) as usize;
    let seconds = args.get(1).copied().unwrap_or(10);
    let (url, dir) = load::prepare_reports("sqlite").await;
    let db = kernel::db::Db::connect(&url).await.unwrap();
    let t = Instant::now();
    fill(&db, reports).await;
    db.pool().close().await;
    println!(
        "{reports} reports stored in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let (mut server, base) = load::serve_filled(&dir, &url).await;
    let list = "/open311/v2/requests.json?jurisdiction_id=montauban";
    for (what, path, connections) in [
        (
            "map viewport, zoom 13",
            "/s/montauban/reports/map.json?west=1.300&south=43.990&east=1.410&north=44.040&zoom=13",
            "32",
        ),
        (
            "map viewport, zoom 9",
            "/s/montauban/reports/map.json?west=0.4&south=43.6&east=2.2&north=44.4&zoom=9",
            "32",
        ),
        (
            "Open311 requests, default window, 32 connections",
            list,
            "32",
        ),
        ("Open311 requests, default window, one client", list, "1"),
        (
            "search among the reports, one word matching every report",
            "/api/v1/search?q=charge&kind=report",
            "32",
        ),
        (
            "search among the reports, a word matching none",
            "/api/v1/search?q=lampadaire&kind=report",
            "32",
        ),
    ] {
        println!(
            "{what}: {}",
            load::wrk(&format!("{base}{path}"), connections, seconds)
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Stores `n` published reports around Montauban over the last two years, as fast as SQLite
/// takes them: multi-row inserts in one transaction.
async fn fill(db: &kernel::db::Db, n: usize) {
    use sqlx::Row;
    let space: String = sqlx::query("SELECT id FROM spaces WHERE slug = 'montauban'")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    let categories: Vec<String> =
        sqlx::query_scalar("SELECT id FROM report_categories WHERE space_id = $1")
            .bind(&space)
            .fetch_all(db.pool())
            .await
            .unwrap();
    let now = kernel::ids::now_ms();
    let mut seed = 1u64;
    let mut next = move |k: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % k
    };
    let mut tx = db.pool().begin().await.unwrap();
    let per = 1000;
    for start in (0..n).step_by(per) {
        let rows = per.min(n - start);
        let mut sql = String::from(
            "INSERT INTO reports (id, space_id, category_id, status, status_notes, description, lat, lon, address, attributes, \
             reporter_name, published_at, created_at, updated_at) VALUES ",
        );
        for i in 0..rows {
            if i > 0 {
                sql.push(',');
            }
            let b = i * 7;
            sql.push_str(&format!(
                "(${}, $1, ${}, ${}, '', 'Signalement de charge', ${}, ${}, '', '{{}}', '', ${}, ${}, ${})",
                b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 7, b + 8
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&space);
        for i in 0..rows {
            let created = now - (next(730 * 86_400) as i64) * 1000;
            q = q
                .bind(format!("charge{:08}", start + i))
                .bind(&categories[next(categories.len() as u64) as usize])
                .bind(
                    ["new", "acknowledged", "in_progress", "resolved", "rejected"]
                        [next(5) as usize],
                )
                .bind(44.0176 + (next(20_000) as f64 - 10_000.0) / 100_000.0)
                .bind(1.3550 + (next(20_000) as f64 - 10_000.0) / 70_000.0)
                .bind(created)
                .bind(created + 3_600_000);
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}
