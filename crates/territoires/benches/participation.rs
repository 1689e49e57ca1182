//! Participation at scale: 100,000 contributions and 1,000,000 comments in the database, one
//! contribution holding 10,000 of them. Measured over HTTP against a release server on
//! loopback with wrk: the first screen of that contribution's page, a process's contribution
//! list with filters, and the participatory map's viewport; then the viewport query alone,
//! in-process, on the same 100,000 points.
//!
//! cargo bench -p territoires --bench participation [-- CONTRIBUTIONS COMMENTS SECONDS [postgres]]

#[path = "../tests/support/load.rs"]
mod load;

use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let numbers = load::number_args();
    let contributions = numbers.first().copied().unwrap_or(100_000) as usize;
    let comments = numbers.get(1).copied().unwrap_or(1_000_000) as usize;
    let seconds = numbers.get(2).copied().unwrap_or(10);
    let engine = load::engine_arg();
    let (_, db, url, dir) = load::fresh_instance(engine).await;
    let t = Instant::now();
    let paths = fill(&db, contributions, comments).await;
    println!(
        "{engine}: {contributions} contributions and {comments} comments stored in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let points = viewport_in_process(&db, &paths.component_id).await;
    db.pool().close().await;
    let (mut server, base) = load::serve_filled(&dir, &url).await;
    let page = reqwest::get(format!("{base}{}", paths.hot)).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    println!(
        "contribution page: {} bytes, {} comments shown on its first screen",
        html.len(),
        html.matches("class=\"comment depth-").count()
    );
    for (what, path, connections) in [
        (
            "contribution with 10,000 comments, first screen, one client",
            paths.hot.clone(),
            "1",
        ),
        (
            "contribution with 10,000 comments, first screen, 32 connections",
            paths.hot.clone(),
            "32",
        ),
        (
            "contribution list, category + most supported + page 3, one client",
            paths.list.clone(),
            "1",
        ),
        (
            "contribution list, category + most supported + page 3, 32 connections",
            paths.list.clone(),
            "32",
        ),
        (
            "participatory map viewport, zoom 14, 32 connections",
            paths.map.clone(),
            "32",
        ),
    ] {
        println!(
            "{what}: {}",
            load::wrk(&format!("{base}{path}"), connections, seconds)
        );
    }
    println!("{points}");
    server.kill().unwrap();
    server.wait().unwrap();
}

struct Paths {
    component_id: String,
    hot: String,
    list: String,
    map: String,
}

fn rng() -> impl FnMut(u64) -> u64 {
    let mut seed = 7u64;
    move |k: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % k
    }
}

/// A space, a process with a participatory map of four categories, `n` contributions around
/// Lannion and `m` comments: 10,000 on the first contribution in threads three deep, the rest
/// spread over the others. Multi-row inserts in one transaction.
async fn fill(db: &kernel::db::Db, n: usize, m: usize) -> Paths {
    use participation::model::{CategoryFields, ComponentFields, ProcessFields};
    use participation::store;
    let input = kernel::spaces::model::SpaceFields {
        slug: "lannion".into(),
        name: "Lannion participe".into(),
        territory: "commune/22113".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let space = kernel::spaces::store::create(db, &input, None, None)
        .await
        .unwrap();
    let user = kernel::accounts::store::create_admin_user(
        db,
        &kernel::accounts::Email::parse("charge@test.fr").unwrap(),
        "x",
        &kernel::accounts::DisplayName::parse("Charge").unwrap(),
    )
    .await
    .unwrap();
    let input = ProcessFields {
        slug: "lannion-2030".into(),
        title: "Lannion 2030".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let process = store::create(db, &space.id, &input, &user).await.unwrap();
    store::publish(db, &process.id, &user).await.unwrap();
    let fields = ComponentFields {
        kind: "map".into(),
        title: "Carte participative".into(),
        ..ComponentFields::fresh()
    };
    let component = store::add_component(db, &process.id, &fields.parse(&[]).unwrap(), &user)
        .await
        .unwrap();
    for name in ["Idée", "Problème", "Patrimoine", "Danger"] {
        let input = CategoryFields {
            name: name.into(),
            colour: "#1f6feb".into(),
            icon: "•".into(),
        }
        .parse()
        .unwrap();
        store::add_category(db, &component, &input, &user)
            .await
            .unwrap();
    }
    let categories: Vec<String> = store::categories(db, &component)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let now = kernel::ids::now_ms();
    let mut next = rng();
    let hot_comments = 10_000.min(m);
    let per_other = (m - hot_comments) / n.saturating_sub(1).max(1);
    let mut tx = db.pool().begin().await.unwrap();
    let per = 1000;
    for start in (0..n).step_by(per) {
        let rows = per.min(n - start);
        let mut sql = String::from(
            "INSERT INTO contributions (id, component_id, process_id, space_id, category_id, title, body, \
             lat, lon, author_id, anonymous, state, moderation_note, supports, comments, answer_state, \
             answer_text, answer_progress, answered_at, form_key, created_at, updated_at) VALUES ",
        );
        for i in 0..rows {
            if i > 0 {
                sql.push(',');
            }
            let b = 4 + i * 10;
            sql.push_str(&format!(
                "(${}, $1, $2, $3, ${}, ${}, 'Une proposition pour le quartier, avec quelques phrases pour la décrire.', \
                 ${}, ${}, $4, 0, 'published', '', ${}, ${}, ${}, '', 0, NULL, ${}, ${}, ${})",
                b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 10
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&component)
            .bind(&process.id)
            .bind(&space.id)
            .bind(&user);
        for i in 0..rows {
            let k = start + i;
            q = q
                .bind(format!("c{k:09}"))
                .bind(&categories[next(4) as usize])
                .bind(format!("Proposition numéro {k}"))
                .bind(48.7326 + (next(20_000) as f64 - 10_000.0) / 250_000.0)
                .bind(-3.4566 + (next(20_000) as f64 - 10_000.0) / 170_000.0)
                .bind(next(200) as i64)
                .bind(if k == 0 {
                    hot_comments as i64
                } else {
                    per_other as i64
                })
                .bind(["", "", "studying", "accepted", "rejected", "implemented"][next(6) as usize])
                .bind(format!("{k:032x}"))
                .bind(now - (next(365 * 86_400) as i64) * 1000);
        }
        q.execute(&mut *tx).await.unwrap();
    }
    // Comments: (contribution, depth) in an order that makes threads: a comment at depth 2
    // answers the comment before it, and so on.
    let mut k = 0usize;
    let mut plan: Vec<(usize, i64)> = Vec::with_capacity(m);
    for i in 0..hot_comments {
        plan.push((0, [1, 2, 3, 1, 2][i % 5]));
    }
    for c in 1..n {
        for i in 0..per_other {
            plan.push((c, [1, 1, 2][i % 3]));
        }
    }
    let mut parents: Vec<String> = vec![String::new(); 4];
    let mut root = String::new();
    for chunk in plan.chunks(per) {
        let mut sql = String::from(
            "INSERT INTO comments (id, contribution_id, root_id, parent_id, depth, author_id, body, state, \
             moderation_note, up, down, form_key, created_at, edited_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = 1 + i * 7;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, $1, 'Je soutiens cette idée, elle améliorerait vraiment le quotidien.', \
                 'published', '', 2, 0, ${}, ${}, NULL)",
                b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
            ));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&user);
        for (c, depth) in chunk {
            let id = format!("m{k:010}");
            let parent = if *depth == 1 {
                root = id.clone();
                None
            } else {
                Some(parents[(*depth - 1) as usize].clone())
            };
            parents[*depth as usize] = id.clone();
            q = q
                .bind(id)
                .bind(format!("c{c:09}"))
                .bind(root.clone())
                .bind(parent)
                .bind(*depth)
                .bind(format!("{:032x}", 1u64 << 40 | k as u64))
                .bind(now - 86_400_000 + k as i64);
            k += 1;
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let base = "/s/lannion/processes/lannion-2030";
    Paths {
        hot: format!("{base}/contributions/c{:09}", 0),
        list: format!(
            "{base}/c/{component}?category={}&sort=supports&page=3",
            categories[1]
        ),
        map: format!(
            "{base}/c/{component}/map.json?west=-3.52&south=48.70&east=-3.39&north=48.77&zoom=14"
        ),
        component_id: component,
    }
}

/// The viewport query alone, in-process: the component's points loaded as the server loads
/// them, then 20,000 random viewports at zooms 10 to 18.
async fn viewport_in_process(db: &kernel::db::Db, component: &str) -> String {
    use kernel::geo::{GeoIndex, MemoryGeo, Viewport};
    let entries = participation::store::contributions::index_entries(db.clone())
        .await
        .unwrap();
    let geo = MemoryGeo::new();
    let layer = participation::store::contributions::layer_of(component);
    geo.load(
        &layer,
        entries.into_iter().filter_map(|e| e.point).collect(),
    );
    let mut next = rng();
    let mut times = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let zoom = 10 + next(9) as u8;
        // A 1,280 × 800 screen at this zoom, around a random point of the area.
        let span = 360.0 / f64::from(1u32 << zoom) * 5.0;
        let lon = -3.4566 + (next(20_000) as f64 - 10_000.0) / 170_000.0;
        let lat = 48.7326 + (next(20_000) as f64 - 10_000.0) / 250_000.0;
        let view = Viewport {
            west: lon - span / 2.0,
            east: lon + span / 2.0,
            south: lat - span / 3.0,
            north: lat + span / 3.0,
            zoom,
        };
        let t = Instant::now();
        std::hint::black_box(geo.query(&layer, &view));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    format!(
        "map viewport in-process over {} points: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        geo.len(&layer),
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1]
    )
}
