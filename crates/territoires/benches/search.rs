//! The platform's search at scale over HTTP: about 500,000 indexed documents (the referential
//! and published directory actors with French-like names and descriptions, SQLite), a release
//! server on loopback, wrk with 32 connections asking random queries as people type them (with
//! the kind and région facets counted); then how long a changed item takes to be found when
//! the change comes from another node (the feed is read every 500 ms).
//!
//! cargo bench -p territoires --bench search [-- ACTORS SECONDS]

#[path = "../tests/support/load.rs"]
mod load;
#[path = "../tests/support/words.rs"]
mod words;

use std::time::{Duration, Instant};
use words::{Rng, text, vocabulary};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = load::number_args();
    let actors = args.first().copied().unwrap_or(465_000) as usize;
    let seconds = args.get(1).copied().unwrap_or(10);
    let (config, db, url, dir) = load::fresh_instance("sqlite").await;
    let t = Instant::now();
    fill(&db, actors).await;
    println!(
        "{actors} actors stored in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    db.pool().close().await;
    let (mut server, base) = load::serve_filled(&dir, &url).await;
    let total: serde_json::Value = reqwest::get(format!("{base}/api/v1/search?q=de"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!("documents holding \"de\": {}", total["total"]);
    // wrk asks 500 different queries, at random.
    let mut rng = Rng(2026);
    let paths: Vec<String> = (0..500)
        .map(|i| {
            let q = kernel::web::percent_encode(&words::query(&mut rng));
            match i % 4 {
                0 => format!("/api/v1/search?q={q}&kind=actor"),
                1 => format!("/api/v1/search?q={q}&region=53"),
                _ => format!("/api/v1/search?q={q}"),
            }
        })
        .collect();
    let script = dir.join("queries.lua");
    std::fs::write(
        &script,
        format!(
            "paths = {{{}}}\nrequest = function()\n  return wrk.format(\"GET\", paths[math.random(#paths)])\nend\n",
            paths
                .iter()
                .map(|p| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .unwrap();
    println!(
        "API search, random queries with facets, 32 connections: {}",
        load::wrk_script(&base, "32", seconds, &script)
    );
    println!(
        "search page /search?q=budget+participatif, 32 connections: {}",
        load::wrk(
            &format!("{base}/search?q=budget+participatif"),
            "32",
            seconds
        )
    );
    // An item changed by another node is found once this node reads the feed.
    let db = kernel::open_database(&config, &territoires::components())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let mut delays = Vec::new();
    for k in 0..10 {
        let word = format!("zorglub{k}x");
        let t = Instant::now();
        let mut w = db.write().await.unwrap();
        sqlx::query("UPDATE actors SET name = $1 WHERE id = $2")
            .bind(format!("Atelier {word}"))
            .bind(format!("a{:08}", k * 1000))
            .execute(&mut *w)
            .await
            .unwrap();
        w.changed(
            directory::ACTOR,
            &format!("a{:08}", k * 1000),
            kernel::db::Op::Upsert,
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        loop {
            let r: serde_json::Value = client
                .get(format!("{base}/api/v1/search?q={word}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if r["total"] == 1 {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "never found");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        delays.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    delays.sort_by(f64::total_cmp);
    println!(
        "an item changed by another node is found after: median {:.0} ms, max {:.0} ms (10 changes)",
        delays[5], delays[9]
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `n` published actors with French-like names and descriptions in real communes: multi-row
/// inserts in one transaction.
async fn fill(db: &kernel::db::Db, n: usize) {
    use directory::actor::taxonomy;
    let communes: [(&str, &str, &str, f64, f64); 4] = [
        ("22113", "22", "53", 48.7326, -3.4566),
        ("31555", "31", "76", 43.6045, 1.4440),
        ("69123", "69", "84", 45.7640, 4.8357),
        ("59350", "59", "32", 50.6292, 3.0573),
    ];
    let vocab = vocabulary(40_000);
    let mut rng = Rng(11);
    let now = kernel::ids::now_ms();
    let mut tx = db.pool().begin().await.unwrap();
    for start in (0..n).step_by(500) {
        let rows = 500.min(n - start);
        let mut sql = String::from(
            "INSERT INTO actors (id, slug, state, name, name_key, kind, siret, rna, short_description, \
             description, website, email, phone, address, postcode, commune, departement, region, lat, lon, \
             themes, activities, publics, opening_hours, source, trusted, revision, created_by, created_at, \
             updated_at, verified_at) VALUES ",
        );
        for i in 0..rows {
            let k = start + i;
            let (code, dep, reg, lat, lon) = communes[rng.next(4) as usize];
            let kind = taxonomy::KINDS[rng.next(taxonomy::KINDS.len() as u64) as usize];
            let theme = taxonomy::THEMES[rng.next(taxonomy::THEMES.len() as u64) as usize];
            let title_words = 2 + rng.next(4) as usize;
            let name = text(&mut rng, &vocab, title_words);
            let body_words = 15 + rng.next(20) as usize;
            let short: String = text(&mut rng, &vocab, body_words)
                .chars()
                .take(280)
                .collect();
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('a{k:08}', 'acteur-{k}', 'published', '{name}', '{}', '{kind}', '', '', '{short}', '', '', '', '', \
                 '', '', '{code}', '{dep}', '{reg}', {lat}, {lon}, '{theme}', '', '', '', 'charge', 0, 1, NULL, \
                 {now}, {now}, {now})",
                directory::actor::normalise(&name),
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}
