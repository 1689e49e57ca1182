//! The pruning of the change feed, on SQLite and on PostgreSQL when
//! `TERRITOIRES_TEST_DATABASE_URL` is set: the changes older than a day go, the newest always
//! stays and the numbers go on from it, and a node whose place in the feed was pruned builds its
//! indexes again from the tables instead of missing what the pruned changes said.

use kernel::changes::{self, Applier, Entry, Indexer, Loaded};
use kernel::db::{Db, Entity, Op};
use kernel::search::{MemorySearch, SearchDoc, SearchIndex, SearchQuery};
use kernel::testing;
use std::sync::Arc;

/// The entities of these tests: notes, one word each.
const NOTE: Entity = Entity::new("note");

async fn db(engine: &str) -> Db {
    let (url, _) = testing::fresh_database(engine).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate(kernel::migrations::MIGRATIONS).await.unwrap();
    sqlx::query("CREATE TABLE notes (id TEXT PRIMARY KEY, word TEXT NOT NULL)")
        .execute(db.pool())
        .await
        .unwrap();
    db
}

fn entry(id: String, word: String) -> Entry {
    SearchDoc {
        kind: NOTE.as_str(),
        id,
        title: word,
        body: String::new(),
        url: String::new(),
        tag: "note",
        subtitle: String::new(),
        boost: 0.0,
        region: String::new(),
        date: None,
    }
    .into()
}

fn load_all(db: Db) -> Loaded<Vec<Entry>> {
    Box::pin(async move {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, word FROM notes")
            .fetch_all(db.pool())
            .await?;
        Ok(rows.into_iter().map(|(id, word)| entry(id, word)).collect())
    })
}

fn load_one(db: Db, id: String) -> Loaded<Option<Entry>> {
    Box::pin(async move {
        let word: Option<String> = sqlx::query_scalar("SELECT word FROM notes WHERE id = $1")
            .bind(&id)
            .fetch_optional(db.pool())
            .await?;
        Ok(word.map(|w| entry(id, w)))
    })
}

/// A node's applier and its search index, built from the tables as at start.
async fn node(db: &Db) -> (Applier, Arc<MemorySearch>) {
    let search = Arc::new(MemorySearch::new());
    let applier = Applier::new(
        db.clone(),
        search.clone(),
        Arc::new(kernel::geo::MemoryGeo::new()),
        vec![Indexer {
            kind: NOTE,
            layer: None,
            load_all,
            load_one,
        }],
    );
    applier.rebuild().await.unwrap();
    (applier, search)
}

fn finds(search: &MemorySearch, word: &str) -> bool {
    search
        .search(&SearchQuery {
            text: word.into(),
            kinds: vec![NOTE.as_str()],
            ..Default::default()
        })
        .total
        == 1
}

/// Writes a note and its change; returns the change's number.
async fn write_note(db: &Db, word: &str) -> i64 {
    let mut w = db.write().await.unwrap();
    sqlx::query("INSERT INTO notes (id, word) VALUES ($1, $1)")
        .bind(word)
        .execute(&mut *w)
        .await
        .unwrap();
    w.changed(NOTE, word, Op::Upsert).await.unwrap();
    w.commit().await.unwrap();
    db.last_change().await.unwrap()
}

/// Dates the changes up to `seq` two days back.
async fn age(db: &Db, through: i64) {
    sqlx::query("UPDATE changes SET at = $1 WHERE seq <= $2")
        .bind(kernel::ids::now_ms() - 2 * changes::KEPT_MS)
        .bind(through)
        .execute(db.pool())
        .await
        .unwrap();
}

async fn seqs(db: &Db) -> Vec<i64> {
    sqlx::query_scalar("SELECT seq FROM changes ORDER BY seq")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn changes_older_than_a_day_are_pruned_but_the_newest_stays_and_numbers_go_on() {
    for engine in testing::engines() {
        let db = db(engine).await;
        let now = kernel::ids::now_ms;
        assert_eq!(changes::prune(&db, now()).await.unwrap(), 0, "{engine}");
        let mut written = Vec::new();
        for word in ["un", "deux", "trois", "quatre", "cinq"] {
            written.push(write_note(&db, word).await);
        }
        // The three first are old, the others of today.
        age(&db, written[2]).await;
        assert_eq!(changes::prune(&db, now()).await.unwrap(), 3, "{engine}");
        assert_eq!(seqs(&db).await, written[3..].to_vec(), "{engine}");
        assert_eq!(changes::pruned_through(&db).await.unwrap(), written[2]);
        // Again: nothing more.
        assert_eq!(changes::prune(&db, now()).await.unwrap(), 0, "{engine}");

        // All old: the newest stays, and the next number follows it.
        age(&db, written[4]).await;
        assert_eq!(changes::prune(&db, now()).await.unwrap(), 1, "{engine}");
        assert_eq!(seqs(&db).await, vec![written[4]], "{engine}");
        assert_eq!(changes::pruned_through(&db).await.unwrap(), written[3]);
        assert_eq!(changes::prune(&db, now()).await.unwrap(), 0, "{engine}");
        let next = write_note(&db, "six").await;
        assert_eq!(next, written[4] + 1, "{engine}");

        // A long feed goes in several runs, to the same end.
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000) \
             INSERT INTO changes (kind, entity_id, op, at) SELECT 'note', 'x', 'upsert', 0 FROM n",
        )
        .execute(db.pool())
        .await
        .unwrap();
        let head = write_note(&db, "sept").await;
        age(&db, head).await;
        assert_eq!(
            changes::prune(&db, now()).await.unwrap(),
            25_002,
            "{engine}"
        );
        assert_eq!(seqs(&db).await, vec![head], "{engine}");
        assert_eq!(changes::pruned_through(&db).await.unwrap(), head - 1);
        assert_eq!(write_note(&db, "huit").await, head + 1, "{engine}");
    }
}

#[tokio::test]
async fn a_node_behind_the_pruned_feed_builds_its_indexes_again_from_the_tables() {
    for engine in testing::engines() {
        let db = db(engine).await;
        write_note(&db, "avant").await;
        let (behind, behind_search) = node(&db).await;
        let (following, following_search) = node(&db).await;
        // The first node stalls while changes are written, the second follows them.
        let missed = [
            write_note(&db, "alpha").await,
            write_note(&db, "beta").await,
        ];
        following.apply_new().await.unwrap();
        assert!(finds(&following_search, "beta"));
        age(&db, missed[1]).await;
        let newest = write_note(&db, "gamma").await;
        assert_eq!(changes::prune(&db, kernel::ids::now_ms()).await.unwrap(), 3);
        assert_eq!(changes::pruned_through(&db).await.unwrap(), missed[1]);

        // The stalled node finds its place pruned: it reads the tables again, and has it all.
        assert!(!finds(&behind_search, "alpha"));
        behind.apply_new().await.unwrap();
        assert_eq!(behind.rebuilt_behind(), 1, "{engine}");
        for word in ["avant", "alpha", "beta", "gamma"] {
            assert!(finds(&behind_search, word), "{engine}: {word}");
        }
        assert!(behind.has_applied(newest));
        assert!(behind.caught_up().await.unwrap(), "{engine}");
        // Then it follows the feed again.
        let next = write_note(&db, "delta").await;
        behind.apply_new().await.unwrap();
        assert!(finds(&behind_search, "delta") && behind.has_applied(next));
        assert_eq!(behind.rebuilt_behind(), 1, "{engine}");

        // The node that followed only applies what is new.
        following.apply_new().await.unwrap();
        assert_eq!(following.rebuilt_behind(), 0, "{engine}");
        assert!(finds(&following_search, "gamma") && finds(&following_search, "delta"));
        assert!(following.caught_up().await.unwrap(), "{engine}");

        // A node started after the pruning waits for none of the numbers pruned.
        let (started, started_search) = node(&db).await;
        assert_eq!(started.open_holes(), 0, "{engine}");
        assert!(started.caught_up().await.unwrap(), "{engine}");
        assert!(finds(&started_search, "alpha"));
    }
}
