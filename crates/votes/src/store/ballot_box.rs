//! The ballot box: a ballot is put in it (the voter on the roll, the ballot under a random key,
//! its tracker), sealed once the vote closes, and read for the count and the receipts.

use crate::error::StoreError;
use crate::model::*;
use kernel::db::Db;
use kernel::ids::{new_id, new_token, now_ms};
use sqlx::Row;
use std::collections::HashSet;

/// Of these votes, those whose box takes ballots now, checked inside the caller's write
/// transaction, which the ballots are then written in: a vote takes none once its closing has
/// passed, once it is counted (its row of `vote_results`, whatever this node's clock says) or
/// once its box is sealed. The count (see [`super::count_in`]) and the closing by hand wait for
/// the ballots checked here to be committed, and the ballots checked after them find the vote
/// closed: a ballot accepted is always in the stored results.
///
/// On PostgreSQL each vote's row is locked `FOR SHARE` first, so that ballots written together
/// by several nodes do not wait for one another, while the count's `FOR UPDATE` (and the
/// closing's `UPDATE`) waits for them all and holds new ones back until it commits; the check
/// is a statement of its own, after the lock, so that under `READ COMMITTED` it sees what the
/// count committed while this transaction waited. On SQLite a write transaction holds the
/// database's write lock from its start (`Db::begin`): ballots and count already follow one
/// another.
pub async fn open_boxes(
    tx: &mut sqlx::AnyConnection,
    votation_ids: &[&str],
) -> Result<HashSet<String>, StoreError> {
    if votation_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let marks = (1..=votation_ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    if super::on_postgres(tx) {
        let mut lock = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM votations WHERE id IN ({marks}) ORDER BY id FOR SHARE"
        )));
        for id in votation_ids {
            lock = lock.bind(*id);
        }
        lock.execute(&mut *tx).await?;
    }
    let mut check = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT v.id FROM votations v WHERE v.id IN ({marks}) \
         AND v.closes_at > ${now} AND (v.closed_at IS NULL OR v.closed_at > ${now}) \
         AND v.sealed_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM vote_results r WHERE r.votation_id = v.id)",
        now = votation_ids.len() + 1
    )));
    for id in votation_ids {
        check = check.bind(*id);
    }
    Ok(check
        .bind(now_ms())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

/// Puts a ballot in the box, inside the caller's write transaction: the voter on the roll (with
/// the day only), the ballot under a random key, a new random tracker. A vote whose box takes
/// no more ballots (see [`open_boxes`]) gives [`StoreError::Closed`], a voter already on the
/// roll [`StoreError::AlreadyCast`], both inside `Ok`, and nothing of this ballot is written
/// (no statement fails, so the transaction can go on with other ballots); the outer error is a
/// failed statement. Returns the tracker.
pub async fn cast_in(
    tx: &mut sqlx::AnyConnection,
    votation_id: &str,
    voter_key: &str,
    ballot: &str,
) -> Result<Result<String, StoreError>, StoreError> {
    if open_boxes(tx, &[votation_id]).await?.is_empty() {
        return Ok(Err(StoreError::Closed));
    }
    let day = kernel::ids::iso_date(now_ms());
    let on_roll = sqlx::query(
        "INSERT INTO vote_roll (votation_id, voter_key, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(votation_id)
    .bind(voter_key)
    .bind(&day)
    .execute(&mut *tx)
    .await?;
    if on_roll.rows_affected() == 0 {
        return Ok(Err(StoreError::AlreadyCast));
    }
    sqlx::query("INSERT INTO vote_ballots (votation_id, id, content) VALUES ($1, $2, $3)")
        .bind(votation_id)
        .bind(new_token())
        .bind(ballot)
        .execute(&mut *tx)
        .await?;
    let tracker = new_id();
    sqlx::query("INSERT INTO vote_trackers (votation_id, tracker) VALUES ($1, $2)")
        .bind(votation_id)
        .bind(&tracker)
        .execute(&mut *tx)
        .await?;
    Ok(Ok(tracker))
}

/// Puts one ballot in the box in its own transaction (see [`cast_in`]).
pub async fn cast(
    db: &Db,
    votation_id: &str,
    voter_key: &str,
    ballot: &str,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let tracker = cast_in(&mut tx, votation_id, voter_key, ballot).await??;
    tx.commit().await?;
    Ok(tracker)
}

/// Seals the ballot box of a closed vote, once: the roll, the box and the receipts are rewritten
/// in a random order, so that where their rows sit no longer follows the order of the votes.
/// SQLite keeps rows in key order, but inside a page a row's bytes sit where free space was when
/// it was written: the rewrite runs with `secure_delete` (the old bytes are zeroed), then the
/// write-ahead log is emptied. PostgreSQL stores rows in the order they are written and a plain
/// `VACUUM` only marks the old versions free: the three tables are rewritten into new files
/// (`VACUUM FULL`). Ballots cast while the vote was open keep the order of writing until then:
/// see SECURITY.md.
pub async fn seal(db: &Db, v: &Votation) -> Result<(), StoreError> {
    // Read paths call this on every request: a sealed box costs nothing more.
    if v.sealed {
        return Ok(());
    }
    // In a task of its own, so that a request given up half-way does not stop it between the
    // rewrite and the clean-up.
    let (db, vote) = (db.clone(), v.id.clone());
    tokio::spawn(async move { seal_now(&db, &vote).await })
        .await
        .map_err(|e| StoreError::Stopped(e.to_string()))?
}

async fn seal_now(db: &Db, vote: &str) -> Result<(), StoreError> {
    let sqlite = db.engine() == kernel::db::Engine::Sqlite;
    let mut conn = db.pool().acquire().await?;
    if sqlite {
        // This connection never goes back to the pool: no later request inherits the setting.
        conn.close_on_drop();
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *conn)
            .await?;
    }
    if !rewrite_at_random(&mut conn, vote).await? {
        return Ok(());
    }
    if sqlite {
        // The log still holds the pages as they were: copy them into the file and empty it.
        // A reader holding an old snapshot makes it stop short (after the busy timeout): the
        // daily purge empties it then.
        let busy: i64 = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await?
            .try_get("busy")?;
        if busy != 0 {
            tracing::warn!(
                vote,
                "the write-ahead log could not be emptied after sealing"
            );
        }
    } else {
        for table in ["vote_ballots", "vote_roll", "vote_trackers"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {table}")))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Marks the vote sealed and rewrites its three tables in a random order, in one transaction;
/// false when another request sealed it first.
async fn rewrite_at_random(conn: &mut sqlx::AnyConnection, vote: &str) -> Result<bool, StoreError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let fresh =
        sqlx::query("UPDATE votations SET sealed_at = $1 WHERE id = $2 AND sealed_at IS NULL")
            .bind(now_ms())
            .bind(vote)
            .execute(&mut *tx)
            .await?;
    if fresh.rows_affected() == 0 {
        return Ok(false);
    }
    for (table, columns) in [
        ("vote_ballots", "votation_id, id, content"),
        ("vote_roll", "votation_id, voter_key, day"),
        ("vote_trackers", "votation_id, tracker"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMPORARY TABLE sealing AS SELECT {columns} FROM {table} WHERE votation_id = $1"
        )))
        .bind(vote)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE votation_id = $1"
        )))
        .bind(vote)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM sealing ORDER BY random()"
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DROP TABLE sealing").execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Voters on the roll.
pub async fn roll_count(db: &Db, v: &Votation) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM vote_roll WHERE votation_id = $1")
            .bind(&v.id)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?,
    )
}

/// The ballots of a vote, in the order of their random keys.
pub async fn ballots(db: &Db, v: &Votation) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT content FROM vote_ballots WHERE votation_id = $1 ORDER BY id")
            .bind(&v.id)
            .fetch_all(db.pool())
            .await?,
    )
}

/// A page of the trackers of a vote, in alphabetical order, and how many there are.
pub async fn trackers(
    db: &Db,
    v: &Votation,
    offset: i64,
    limit: i64,
) -> Result<(Vec<String>, i64), StoreError> {
    let page = sqlx::query_scalar(
        "SELECT tracker FROM vote_trackers WHERE votation_id = $1 ORDER BY tracker LIMIT $2 OFFSET $3",
    )
    .bind(&v.id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM vote_trackers WHERE votation_id = $1")
        .bind(&v.id)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    Ok((page, total))
}

/// Whether a tracker is among those of a vote.
pub async fn tracker_counted(db: &Db, v: &Votation, tracker: &str) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("SELECT 1 FROM vote_trackers WHERE votation_id = $1 AND tracker = $2")
            .bind(&v.id)
            .bind(tracker)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}
