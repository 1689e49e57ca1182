//! The directory at scale: 100,000 published actors in real communes (SQLite), measured over
//! HTTP against a release server on loopback with wrk: the directory list page with its
//! facets (unfiltered, and filtered by a theme and a région), the map viewport of all France,
//! and the full CSV export (rows per second, and the server's memory before and after).
//!
//! cargo bench -p territoires --bench directory [-- ACTORS SECONDS]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = load::number_args();
    let actors = args.first().copied().unwrap_or(100_000) as usize;
    let seconds = args.get(1).copied().unwrap_or(10);
    let (_, db, url, dir) = load::fresh_instance("sqlite").await;
    let t = Instant::now();
    fill(&db, actors).await;
    println!(
        "{actors} actors stored in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    db.pool().close().await;
    let (mut server, base) = load::serve_filled(&dir, &url).await;
    // The facet index is read in the background once the indexes are built: the first list
    // shows how long a reader may wait for it just after a start.
    let t = Instant::now();
    reqwest::get(format!("{base}/directory")).await.unwrap();
    println!(
        "first directory list after ready: {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let france = "/directory/map.json?west=-5.5&south=41.0&east=10.0&north=51.5&zoom=6";
    let bytes = reqwest::get(format!("{base}{france}"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    println!("map of all France at zoom 6: {bytes} bytes for {actors} actors");
    for (what, path, connections) in [
        (
            "directory list with facets, unfiltered, one client",
            "/directory",
            "1",
        ),
        (
            "directory list with facets, theme + région, one client",
            "/directory?theme=mobility&region=53",
            "1",
        ),
        (
            "directory list with facets, unfiltered, 32 connections",
            "/directory",
            "32",
        ),
        (
            "map viewport of all France, zoom 6, 32 connections",
            france,
            "32",
        ),
        (
            "map viewport of all France filtered by a theme, zoom 6, 32 connections",
            "/directory/map.json?west=-5.5&south=41.0&east=10.0&north=51.5&zoom=6&theme=mobility",
            "32",
        ),
    ] {
        println!(
            "{what}: {}",
            load::wrk(&format!("{base}{path}"), connections, seconds)
        );
    }
    let rss = || load::rss_kb(server.id());
    // Three exports in a row: the first shows what the export costs, the next whether the
    // memory it takes stays flat.
    for run in 1..=3 {
        let before = rss();
        let t = Instant::now();
        let mut response = reqwest::get(format!("{base}/data/actors.csv"))
            .await
            .unwrap();
        let (mut lines, mut peak, mut chunks) = (0usize, before, 0usize);
        while let Some(chunk) = response.chunk().await.unwrap() {
            lines += chunk.iter().filter(|b| **b == b'\n').count();
            chunks += 1;
            if chunks % 16 == 0 {
                peak = peak.max(rss());
            }
        }
        let elapsed = t.elapsed().as_secs_f64();
        peak = peak.max(rss());
        println!(
            "CSV export {run}: {} rows in {elapsed:.2} s = {:.0} rows/s; server RSS {} MB before, peak {} MB during (+{} MB)",
            lines - 1,
            (lines - 1) as f64 / elapsed,
            before / 1024,
            peak / 1024,
            (peak - before) / 1024
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `n` published actors spread over the demo's real communes: multi-row inserts in one
/// transaction.
async fn fill(db: &kernel::db::Db, n: usize) {
    use directory::actor::taxonomy;
    let communes: [(&str, &str, &str, f64, f64); 8] = [
        ("22113", "22", "53", 48.7326, -3.4566),
        ("82121", "82", "76", 44.0176, 1.3550),
        ("31555", "31", "76", 43.6045, 1.4440),
        ("35238", "35", "53", 48.1113, -1.6800),
        ("69123", "69", "84", 45.7640, 4.8357),
        ("59350", "59", "32", 50.6292, 3.0573),
        ("13055", "13", "93", 43.2965, 5.3698),
        ("67482", "67", "44", 48.5734, 7.7521),
    ];
    let mut seed = 3u64;
    let mut next = move |k: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % k
    };
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
            let (code, dep, reg, lat, lon) = communes[next(8) as usize];
            let kind = taxonomy::KINDS[next(taxonomy::KINDS.len() as u64) as usize];
            let t1 = taxonomy::THEMES[next(taxonomy::THEMES.len() as u64) as usize];
            let t2 = taxonomy::THEMES[next(taxonomy::THEMES.len() as u64) as usize];
            let act = taxonomy::ACTIVITIES[next(taxonomy::ACTIVITIES.len() as u64) as usize];
            let public = taxonomy::PUBLICS[next(taxonomy::PUBLICS.len() as u64) as usize];
            let themes = if t1 == t2 {
                t1.to_string()
            } else {
                format!("{t1},{t2}")
            };
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('a{k:08}', 'acteur-{k}', 'published', 'Acteur numéro {k}', 'acteurnumero{k}', '{kind}', '', '', \
                 'Une structure de l''écosystème de l''innovation territoriale.', '', 'https://exemple.fr', '', '', \
                 '1 rue de la République', '', '{code}', '{dep}', '{reg}', {}, {}, '{themes}', '{act}', '{public}', '', \
                 'charge', 0, 1, NULL, {now}, {now}, {now})",
                lat + (next(20_000) as f64 - 10_000.0) / 100_000.0,
                lon + (next(20_000) as f64 - 10_000.0) / 70_000.0
            ));
        }
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}
