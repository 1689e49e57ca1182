//! Processes: SQL.

use crate::model::{Process, ProcessInput};
use kernel::changes::Entry;
use kernel::db::{Db, Op, record_change};
use kernel::error::{Error, FieldError, is_unique_violation};
use kernel::ids::{new_id, now_ms};
use kernel::search::SearchDoc;
use sqlx::Row;
use sqlx::any::AnyRow;

const SELECT: &str = "SELECT p.id, p.space_id, s.slug, s.name, p.slug, p.title, p.summary, \
     p.description, p.created_at FROM processes p JOIN spaces s ON s.id = p.space_id";

fn from_row(r: &AnyRow) -> Process {
    Process {
        id: r.get(0),
        space_id: r.get(1),
        space_slug: r.get(2),
        space_name: r.get(3),
        slug: r.get(4),
        title: r.get(5),
        summary: r.get(6),
        description: r.get(7),
        created_at: r.get(8),
    }
}

/// Creates a process in a space; the address must be free in that space.
pub async fn create(
    db: &Db,
    space_id: &str,
    input: &ProcessInput,
    by: &str,
) -> Result<Process, Error> {
    let id = new_id();
    let mut tx = db.pool().begin().await?;
    let res = sqlx::query(
        "INSERT INTO processes (id, space_id, slug, title, summary, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(space_id)
    .bind(input.slug.as_str())
    .bind(&input.title)
    .bind(&input.summary)
    .bind(&input.description)
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "processes", "slug") => {
            return Err(FieldError::new("slug", "slug.taken").into());
        }
        other => {
            other?;
        }
    }
    record_change(&mut tx, "process", &id, Op::Upsert).await?;
    kernel::audit::log(
        &mut tx,
        Some(by),
        "process.create",
        "process",
        &id,
        input.slug.as_str(),
    )
    .await?;
    tx.commit().await?;
    db.notify_changed();
    get(db, &id).await?.ok_or(Error::NotFound)
}

/// The process with this id.
pub async fn get(db: &Db, id: &str) -> Result<Option<Process>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row))
}

/// The process at this address of a space.
pub async fn get_by_slug(db: &Db, space_slug: &str, slug: &str) -> Result<Option<Process>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE s.slug = $1 AND p.slug = $2"
    )))
    .bind(space_slug)
    .bind(slug)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(from_row))
}

/// The processes of a space, newest first (at most `limit`).
pub async fn of_space(db: &Db, space_id: &str, limit: i64) -> Result<Vec<Process>, Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.space_id = $1 ORDER BY p.created_at DESC, p.id LIMIT $2"
    )))
    .bind(space_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

fn document(p: Process) -> SearchDoc {
    SearchDoc {
        kind: "process",
        id: p.id.clone(),
        url: p.url(),
        title: p.title.clone(),
        body: format!("{} {}", p.summary, p.description),
        tag: "search.tag.process",
        subtitle: p.space_name,
        boost: 2.0,
    }
}

/// Every process as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(SELECT).fetch_all(db.pool()).await?;
    Ok(rows.iter().map(|r| document(from_row(r)).into()).collect())
}

/// The index entry of one process.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| document(from_row(&r)).into()))
}
