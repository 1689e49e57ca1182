//! Reports: SQL.

use crate::model::*;
use crate::open311::{Attribute, Submission};
use kernel::db::{Db, Op, record_change};
use kernel::error::Error;
use kernel::ids::{hash_secret, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Creates a team in a space.
pub async fn create_team(db: &Db, space_id: &str, name: &str, email: &str) -> Result<Team, Error> {
    let id = new_id();
    sqlx::query("INSERT INTO report_teams (id, space_id, name, email, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(space_id)
        .bind(name)
        .bind(email)
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    Ok(Team {
        id,
        name: name.into(),
        email: email.into(),
    })
}

/// What a new category is made of.
pub struct CategoryInput<'a> {
    /// Service code.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Group.
    pub group: &'a str,
    /// Keywords.
    pub keywords: &'a str,
    /// Description.
    pub description: &'a str,
    /// Team.
    pub team_id: &'a str,
    /// Extra questions.
    pub attributes: &'a [Attribute],
}

/// Creates a category routed to a team.
pub async fn create_category(
    db: &Db,
    space_id: &str,
    c: &CategoryInput<'_>,
) -> Result<String, Error> {
    let id = new_id();
    let attributes = serde_json::to_string(c.attributes).map_err(Error::internal)?;
    sqlx::query(
        "INSERT INTO report_categories (id, space_id, code, name, grp, keywords, description, team_id, attributes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(space_id)
    .bind(c.code)
    .bind(c.name)
    .bind(c.group)
    .bind(c.keywords)
    .bind(c.description)
    .bind(c.team_id)
    .bind(attributes)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(id)
}

const CATEGORY: &str = "SELECT id, space_id, code, name, grp, keywords, description, team_id, attributes FROM report_categories";

fn category(r: &AnyRow) -> Category {
    Category {
        id: r.get(0),
        space_id: r.get(1),
        code: r.get(2),
        name: r.get(3),
        group: r.get(4),
        keywords: r.get(5),
        description: r.get(6),
        team_id: r.get(7),
        attributes: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
    }
}

/// The categories of a space, by code.
pub async fn categories(db: &Db, space_id: &str) -> Result<Vec<Category>, Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CATEGORY} WHERE space_id = $1 ORDER BY code"
    )))
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(category).collect())
}

/// The category of a space with this code.
pub async fn category_by_code(
    db: &Db,
    space_id: &str,
    code: &str,
) -> Result<Option<Category>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CATEGORY} WHERE space_id = $1 AND code = $2"
    )))
    .bind(space_id)
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(category))
}

/// The slugs of the spaces that take reports.
pub async fn jurisdictions(db: &Db) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT s.slug FROM spaces s JOIN report_categories c ON c.space_id = s.id ORDER BY s.slug",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Registers a client application of a space; returns its key, shown once.
pub async fn create_client(
    db: &Db,
    space_id: &str,
    name: &str,
    key: Option<&str>,
) -> Result<String, Error> {
    let key = key
        .map(str::to_string)
        .unwrap_or_else(kernel::ids::new_token);
    sqlx::query("INSERT INTO report_clients (id, space_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(space_id)
        .bind(name)
        .bind(hash_secret(&key))
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    Ok(key)
}

/// The client application of a space with this key, if registered and not revoked.
pub async fn client_by_key(db: &Db, space_id: &str, key: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM report_clients WHERE space_id = $1 AND key_hash = $2 AND revoked_at IS NULL",
    )
    .bind(space_id)
    .bind(hash_secret(key))
    .fetch_optional(db.pool())
    .await?)
}

/// Stores a report from a client application, published at once (the application answers for
/// its users). With an idempotency key, a retry gets the report of the first attempt. Returns
/// the report's id.
pub async fn create_from_client(
    db: &Db,
    category: &Category,
    client_id: &str,
    idempotency_key: Option<&str>,
    s: &Submission,
) -> Result<String, Error> {
    if let Some(key) = idempotency_key
        && let Some(id) = submitted(db, client_id, key).await?
    {
        return Ok(id);
    }
    let id = new_id();
    let now = now_ms();
    let (lat, lon) = s.position.unwrap_or_default();
    let mut tx = db.pool().begin().await?;
    if let Some(key) = idempotency_key {
        let fresh = sqlx::query(
            "INSERT INTO report_submissions (client_id, idempotency_key, report_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(client_id)
        .bind(key)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if fresh.rows_affected() == 0 {
            // The same submission is being stored by a concurrent attempt: its id is the answer.
            drop(tx);
            return submitted(db, client_id, key)
                .await?
                .ok_or(Error::Conflict("report.retry"));
        }
    }
    sqlx::query(
        "INSERT INTO reports (id, space_id, category_id, status, status_notes, description, lat, lon, address, attributes, \
         reporter_email, reporter_name, client_id, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'new', '', $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)",
    )
    .bind(&id)
    .bind(&category.space_id)
    .bind(&category.id)
    .bind(&s.description)
    .bind(lat)
    .bind(lon)
    .bind(&s.address)
    .bind(serde_json::to_string(&s.attributes).map_err(Error::internal)?)
    .bind(Some(&s.email).filter(|e| !e.is_empty()))
    .bind(&s.name)
    .bind(client_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_events (report_id, at, status, public_note, internal_note, by_user) VALUES ($1, $2, 'new', '', '', NULL)",
    )
    .bind(&id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    record_change(&mut tx, "report", &id, Op::Upsert).await?;
    tx.commit().await?;
    db.notify_changed();
    Ok(id)
}

async fn submitted(db: &Db, client_id: &str, key: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT report_id FROM report_submissions WHERE client_id = $1 AND idempotency_key = $2",
    )
    .bind(client_id)
    .bind(key)
    .fetch_optional(db.pool())
    .await?)
}

const REPORT: &str = "SELECT r.id, c.code, c.name, r.status, r.status_notes, t.name, r.description, r.lat, r.lon, \
     r.address, r.created_at, r.updated_at FROM reports r JOIN report_categories c ON c.id = r.category_id \
     JOIN report_teams t ON t.id = c.team_id";

fn report(r: &AnyRow) -> Report {
    Report {
        id: r.get(0),
        service_code: r.get(1),
        service_name: r.get(2),
        status: Status::parse(&r.get::<String, _>(3)).unwrap_or(Status::New),
        status_notes: r.get(4),
        agency: r.get(5),
        description: r.get(6),
        lat: r.get(7),
        lon: r.get(8),
        address: r.get(9),
        created_at: r.get(10),
        updated_at: r.get(11),
    }
}

/// What `GET requests` asks for.
#[derive(Debug, Default)]
pub struct RequestFilter {
    /// Only these ids.
    pub ids: Vec<String>,
    /// Only these service codes.
    pub codes: Vec<String>,
    /// Received from (UTC ms).
    pub start: i64,
    /// Received until (UTC ms).
    pub end: i64,
    /// Only these stored statuses (empty: all).
    pub statuses: Vec<&'static str>,
    /// At most.
    pub limit: i64,
}

/// The published reports of a space matching a filter, newest first.
pub async fn published(db: &Db, space_id: &str, f: &RequestFilter) -> Result<Vec<Report>, Error> {
    let mut sql = format!(
        "{REPORT} WHERE r.space_id = $1 AND r.published_at IS NOT NULL AND r.created_at >= $2 AND r.created_at <= $3"
    );
    let mut n = 3;
    let mut list = |sql: &mut String, column: &str, len: usize| {
        if len > 0 {
            let marks: Vec<String> = (0..len).map(|i| format!("${}", n + 1 + i)).collect();
            sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
            n += len;
        }
    };
    list(&mut sql, "r.id", f.ids.len());
    list(&mut sql, "c.code", f.codes.len());
    list(&mut sql, "r.status", f.statuses.len());
    sql.push_str(&format!(
        " ORDER BY r.created_at DESC, r.id LIMIT ${}",
        n + 1
    ));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(space_id)
        .bind(f.start)
        .bind(f.end);
    for v in f.ids.iter().chain(&f.codes) {
        q = q.bind(v);
    }
    for s in &f.statuses {
        q = q.bind(*s);
    }
    let rows = q.bind(f.limit).fetch_all(db.pool()).await?;
    Ok(rows.iter().map(report).collect())
}

/// One published report of a space.
pub async fn published_one(db: &Db, space_id: &str, id: &str) -> Result<Option<Report>, Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE r.space_id = $1 AND r.id = $2 AND r.published_at IS NOT NULL"
    )))
    .bind(space_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(report))
}

/// Changes the status of a report with a public and an internal note, logged in its history.
pub async fn set_status(
    db: &Db,
    id: &str,
    status: Status,
    public_note: &str,
    internal_note: &str,
    by: Option<&str>,
) -> Result<(), Error> {
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let changed = sqlx::query(
        "UPDATE reports SET status = $1, status_notes = CASE WHEN $2 = '' THEN status_notes ELSE $2 END, updated_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(public_note)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    sqlx::query(
        "INSERT INTO report_events (report_id, at, status, public_note, internal_note, by_user) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(now)
    .bind(status.as_str())
    .bind(public_note)
    .bind(internal_note)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    record_change(&mut tx, "report", id, Op::Upsert).await?;
    tx.commit().await?;
    db.notify_changed();
    Ok(())
}
