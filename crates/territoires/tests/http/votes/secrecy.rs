//! The secrecy of a vote: no link between roll, box and receipts, one ballot per voter under
//! concurrency, and a closing that leaves no trace of the casting order in the database files.

use super::*;

on_every_engine!(
    the_roll_the_box_and_the_receipts_share_no_link,
    |app: TestApp| Box::pin(async move {
        let (url, codes, opts) = codes_vote(&app, 20).await;
        let voter = app.other_client();
        // Voter i approves the options of the bits of i + 1: twenty distinct ballots, cast in
        // a known order.
        let mut cast_order = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            let mut ballot: Vec<(&str, &str)> = vec![("code", code)];
            for (b, o) in opts.iter().enumerate() {
                if (i + 1) >> b & 1 == 1 {
                    ballot.push(("q1", o));
                }
            }
            let r = voter.post_form(&format!("{url}/cast"), &ballot).await;
            assert_eq!(r.status(), 200);
            let bits: Vec<String> = (0..5)
                .filter(|b| (i + 1) >> b & 1 == 1)
                .map(|b| b.to_string())
                .collect();
            cast_order.push(bits.join(","));
        }
        // A used code is refused.
        let r = voter
            .post_form(
                &format!("{url}/cast"),
                &[("code", &codes[0]), ("q1", &opts[0])],
            )
            .await;
        assert!(r.text().await.unwrap().contains("a déjà servi"));
        assert_eq!(counts(&app).await, (20, 20, 20));
        // Once closed (and sealed), the tables are read as they are stored.
        close_now(&app, &url).await;
        let db = app.state.db().pool();
        // The columns: the roll and the box share only the vote's id.
        let roll = sqlx::query("SELECT * FROM vote_roll")
            .fetch_all(db)
            .await
            .unwrap();
        let boxed = sqlx::query("SELECT * FROM vote_ballots")
            .fetch_all(db)
            .await
            .unwrap();
        let receipts = sqlx::query("SELECT * FROM vote_trackers")
            .fetch_all(db)
            .await
            .unwrap();
        let names = |rows: &[sqlx::any::AnyRow]| -> Vec<String> {
            use sqlx::Column;
            rows[0]
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect()
        };
        assert_eq!(names(&roll), vec!["votation_id", "voter_key", "day"]);
        assert_eq!(names(&boxed), vec!["votation_id", "id", "content"]);
        assert_eq!(names(&receipts), vec!["votation_id", "tracker"]);
        // The day only, no finer time.
        for r in &roll {
            let day: String = r.get("day");
            assert_eq!(day.len(), 10);
        }
        // No order: the box, read as it is stored and by its key, is not in the casting order
        // (twenty distinct ballots: the chance that a random order matches is 1 in 20!).
        let stored: Vec<String> = boxed.iter().map(|r| r.get("content")).collect();
        assert_ne!(stored, cast_order);
        let mut sorted_cast = cast_order.clone();
        sorted_cast.sort();
        let mut sorted_stored = stored.clone();
        sorted_stored.sort();
        assert_eq!(sorted_stored, sorted_cast, "every ballot is in the box");
        // No key: nothing of a code, a voter key or a tracker appears in the box.
        for r in &roll {
            let key: String = r.get("voter_key");
            assert!(stored.iter().all(|c| !c.contains(&key)));
        }
    })
);

on_every_engine!(
    sixty_four_concurrent_attempts_by_one_voter_store_one_ballot,
    |app: TestApp| Box::pin(async move {
        let url = votation(&app, "Horaires de la piscine", "accounts").await;
        add_question(
            &app,
            &url,
            &[
                ("title", "Quel horaire préférez-vous ?"),
                ("method", "single"),
                ("options", "Matin\nSoir"),
            ],
        )
        .await;
        open_now(&app, &url).await;
        let opts = options(&app, &url).await;
        let voter = app.other_client();
        voter.register_and_login("marie@lannion.fr", "Marie").await;
        let token = voter.csrf().await;
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let client = voter.client.clone();
            let target = voter.url(&format!("{url}/cast"));
            let form = vec![
                ("q1".to_string(), opts[1].clone()),
                ("_csrf".to_string(), token.clone()),
            ];
            tasks.push(tokio::spawn(async move {
                client
                    .post(target)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                200 => ok += 1,
                409 => {}
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(counts(&app).await, (1, 1, 1));
        let (_, page) = voter.get_text(&url).await;
        assert!(page.contains("Vous avez déjà voté"));
    })
);

/// Reads a SQLite variable-length integer at `at`: its value and its length.
fn varint(bytes: &[u8], at: usize) -> (u64, usize) {
    let mut value = 0u64;
    for i in 0..9 {
        let b = bytes[at + i];
        if i == 8 {
            return ((value << 8) | b as u64, 9);
        }
        value = (value << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    unreachable!()
}

/// The roll's live cells in the raw SQLite file, read as its format documents it (page size at
/// byte 16; a table kept in key order is a b-tree of pages of type 0x0A (leaves: cell count at
/// +3, cell pointers from +8) and 0x02 (interior: the same from +12, each cell after a 4-byte
/// child page number), both holding rows; a cell is its payload's size then a record whose
/// second column is the voter key): for each voter key, its page and its offset inside the page.
fn roll_cells(file: &[u8]) -> HashMap<String, (usize, usize)> {
    let page_size = match u16::from_be_bytes([file[16], file[17]]) {
        1 => 65_536,
        n => n as usize,
    };
    let mut cells = HashMap::new();
    for page in 0..file.len() / page_size {
        let start = page * page_size;
        let header = if page == 0 { 100 } else { start };
        let (pointers, child) = match file[header] {
            0x0A => (header + 8, 0),
            0x02 => (header + 12, 4),
            _ => continue,
        };
        let count = u16::from_be_bytes([file[header + 3], file[header + 4]]) as usize;
        for i in 0..count {
            let p = pointers + 2 * i;
            let offset = u16::from_be_bytes([file[p], file[p + 1]]) as usize;
            let cell = start + offset + child;
            let (_, n) = varint(file, cell);
            let record = cell + n;
            let (header_size, mut at) = varint(file, record);
            let mut types = Vec::new();
            while at < header_size as usize {
                let (t, n) = varint(file, record + at);
                types.push(t);
                at += n;
            }
            // The roll's records: three texts (odd serial types from 13).
            if types.len() != 3 || types.iter().any(|t| *t < 13 || t % 2 == 0) {
                continue;
            }
            let lengths: Vec<usize> = types.iter().map(|t| ((t - 13) / 2) as usize).collect();
            let key_at = record + header_size as usize + lengths[0];
            if let Ok(key) = std::str::from_utf8(&file[key_at..key_at + lengths[1]]) {
                cells.insert(key.to_string(), (page, offset));
            }
        }
    }
    cells
}

/// Spearman's rank correlation between casting order (0, 1, …) and the given positions.
fn rank_correlation(positions: &[usize]) -> f64 {
    let n = positions.len() as f64;
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut rank = vec![0.0; positions.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r as f64;
    }
    let d2: f64 = rank
        .iter()
        .enumerate()
        .map(|(i, r)| (i as f64 - r).powi(2))
        .sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test]
async fn on_sqlite_the_closing_leaves_no_trace_of_the_casting_order_in_the_file() {
    let app = crate::common::spawn_app("sqlite").await;
    // 400 ballots rather than 200: for a random order, |ρ| > 0.2 happens once in 200 runs with
    // 200 ballots, once in 15,000 with 400.
    let (url, codes, opts) = codes_vote(&app, 400).await;
    let db = app.state.db().pool();
    let file = app.data_dir.join("territoires.db");
    let voter = app.other_client();
    // The rank correlation between casting order and where each voter's row sits in its page,
    // in a copy of the file.
    let correlation = |keys: &[String]| {
        let cells = roll_cells(&std::fs::read(&file).unwrap());
        rank_correlation(&keys.iter().map(|k| cells[k].1).collect::<Vec<_>>())
    };
    // Ballots in a known order; the roll's new key after each is the voter's.
    let mut keys: Vec<String> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let r = voter
            .post_form(
                &format!("{url}/cast"),
                &[("code", code), ("q1", &opts[i % opts.len()])],
            )
            .await;
        assert_eq!(r.status(), 200);
        let roll: Vec<String> = sqlx::query_scalar("SELECT voter_key FROM vote_roll")
            .fetch_all(db)
            .await
            .unwrap();
        let new: Vec<String> = roll.into_iter().filter(|k| !keys.contains(k)).collect();
        assert_eq!(new.len(), 1);
        keys.extend(new);
        if keys.len() == 30 {
            // While the vote is open, the first thirty rows share a page, each written below
            // the one before: a copy of the file tells their order.
            checkpoint(db).await;
            let before = correlation(&keys);
            assert!(
                before < -0.9,
                "the order shows while the vote is open: {before}"
            );
        }
    }
    close_now(&app, &url).await;
    // Once sealed: the log is empty, each key, ballot and receipt is once in the file (no old
    // copy left in free space), and where the rows sit says nothing of their order.
    let wal = app.data_dir.join("territoires.db-wal");
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    let bytes = std::fs::read(&file).unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM vote_ballots")
        .fetch_all(db)
        .await
        .unwrap();
    let trackers: Vec<String> = sqlx::query_scalar("SELECT tracker FROM vote_trackers")
        .fetch_all(db)
        .await
        .unwrap();
    assert_eq!((ids.len(), trackers.len()), (400, 400));
    for value in keys.iter().chain(&ids).chain(&trackers) {
        assert_eq!(
            memchr::memmem::find_iter(&bytes, value.as_bytes()).count(),
            1,
            "{value}"
        );
    }
    let after = correlation(&keys);
    assert!(after.abs() < 0.2, "no order after sealing: {after}");
    assert_eq!(app.count("vote_roll").await, 400);
}

/// A new vote and `n` ballots put in its box in a known order: the vote and its voters' keys in
/// that order.
async fn cast_in_order(db: &kernel::db::Db, n: usize) -> (votes::testing::OpenVote, Vec<String>) {
    let vote = votes::testing::open_vote_with_codes(db, 1).await.unwrap();
    let keys: Vec<String> = (0..n)
        .map(|i| kernel::ids::sha256_hex(format!("votant {i}").as_bytes()))
        .collect();
    for key in &keys {
        votes::store::cast(db, &vote.id, key, "{}").await.unwrap();
    }
    (vote, keys)
}

/// Moves the whole write-ahead log into the database file. Another connection reading at that
/// moment makes a checkpoint stop short ("busy"), and the file would miss rows: try again.
async fn checkpoint(pool: &sqlx::AnyPool) {
    for _ in 0..200 {
        let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(pool)
            .await
            .unwrap();
        if done.try_get::<i64, _>("busy").unwrap() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the log could not be checkpointed");
}

/// A vote small enough for its roll to fit in one page shows its casting order in a copy of the
/// file until it is sealed (each row written below the one before), and not after.
#[tokio::test]
async fn on_sqlite_a_small_vote_loses_its_order_at_closing() {
    let app = crate::common::spawn_app("sqlite").await;
    let db = app.state.db();
    let (vote, keys) = cast_in_order(db, 30).await;
    let file = app.data_dir.join("territoires.db");
    let correlation = || async {
        checkpoint(db.pool()).await;
        let cells = roll_cells(&std::fs::read(&file).unwrap());
        rank_correlation(&keys.iter().map(|k| cells[k].1).collect::<Vec<_>>())
    };
    let before = correlation().await;
    assert!(
        before < -0.9,
        "the order shows while the vote is open: {before}"
    );
    let v = votes::store::get(db, &vote.id).await.unwrap().unwrap();
    votes::store::seal(db, &v).await.unwrap();
    // Thirty values in a random order fall below −0.7 once in 14,000 runs.
    let after = correlation().await;
    assert!(after > -0.7, "the order is gone: {after}");
    let bytes = std::fs::read(&file).unwrap();
    for key in &keys {
        assert_eq!(memchr::memmem::find_iter(&bytes, key.as_bytes()).count(), 1);
    }
}

/// PostgreSQL's side of the same guarantee, read in the server's own files (the test needs to
/// read the data directory of a local server, as CI's is).
#[tokio::test]
async fn on_postgresql_the_closing_leaves_no_trace_of_the_casting_order_in_the_files() {
    for engine in kernel::testing::engines() {
        if engine != "postgres" {
            continue;
        }
        let app = crate::common::spawn_app(engine).await;
        let db = app.state.db();
        let (vote, keys) = cast_in_order(db, 400).await;
        let files = || async {
            sqlx::query("CHECKPOINT").execute(db.pool()).await.unwrap();
            let dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')")
                .fetch_one(db.pool())
                .await
                .unwrap();
            let mut bytes = Vec::new();
            for relation in ["vote_roll", "vote_roll_pkey"] {
                let path: String = sqlx::query_scalar("SELECT pg_relation_filepath($1)")
                    .bind(relation)
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
                let file = std::path::Path::new(&dir).join(path);
                bytes.push(std::fs::read(&file).unwrap_or_else(|e| {
                    panic!("this test reads {} of a local server: {e}", file.display())
                }));
            }
            bytes
        };
        // The order in which each key's row was placed in the table's file, in casting order:
        // pages fill one after another, each from its end towards its start (8 KiB pages).
        let positions = |heap: &[u8]| -> Vec<usize> {
            keys.iter()
                .map(|k| memchr::memmem::find(heap, k.as_bytes()).expect("the key is there"))
                .map(|at| at / 8192 * 8192 + (8191 - at % 8192))
                .collect()
        };
        let before = files().await;
        let rho = rank_correlation(&positions(&before[0]));
        // (For a random order of 400, ρ > 0.4 happens less than once in 10^15.)
        assert!(rho > 0.4, "the order shows while the vote is open: {rho}");
        let v = votes::store::get(db, &vote.id).await.unwrap().unwrap();
        votes::store::seal(db, &v).await.unwrap();
        let after = files().await;
        // One copy of each key in the table (the old versions went with the old file); the
        // index, rebuilt from the sorted keys, holds each at least once (its inner pages repeat
        // some as bounds).
        for key in &keys {
            assert_eq!(
                memchr::memmem::find_iter(&after[0], key.as_bytes()).count(),
                1
            );
            assert!(memchr::memmem::find_iter(&after[1], key.as_bytes()).count() >= 1);
        }
        let rho = rank_correlation(&positions(&after[0]));
        assert!(rho.abs() < 0.2, "no order after sealing: {rho}");
    }
}
