//! Reports: SQL.

use crate::model::*;
use crate::open311::{Attribute, Submission};
use kernel::db::{Db, Op};
use kernel::error::Error;
use kernel::ids::{hash_secret, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

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
    let res = sqlx::query(
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
    .await;
    match res {
        Err(e) if kernel::error::is_unique_violation(&e, "report_categories", "code") => {
            Err(kernel::FieldError::new("code", "report.code_taken").into())
        }
        other => other.map(|_| id).map_err(Error::from),
    }
}

const CATEGORY: &str = "SELECT id, space_id, code, name, grp, keywords, description, team_id, attributes FROM report_categories";

fn category(r: &AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        id: r.try_get("id")?,
        space_id: r.try_get("space_id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        group: r.try_get("grp")?,
        keywords: r.try_get("keywords")?,
        description: r.try_get("description")?,
        team_id: r.try_get("team_id")?,
        attributes: serde_json::from_str(&r.try_get::<String, _>("attributes")?)
            .unwrap_or_default(),
    })
}

/// The categories of a space, by code.
pub async fn categories(db: &Db, space_id: &str) -> Result<Vec<Category>, Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CATEGORY} WHERE space_id = $1 ORDER BY code"
    )))
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(category).collect::<Result<Vec<_>, _>>()?)
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
    Ok(row.as_ref().map(category).transpose()?)
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
    let mut w = db.write().await?;
    if let Some(key) = idempotency_key {
        let fresh = sqlx::query(
            "INSERT INTO report_submissions (client_id, idempotency_key, report_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(client_id)
        .bind(key)
        .bind(&id)
        .execute(&mut *w)
        .await?;
        if fresh.rows_affected() == 0 {
            // The same submission is being stored by a concurrent attempt: its id is the answer.
            drop(w);
            return submitted(db, client_id, key)
                .await?
                .ok_or(Error::Conflict("report.retry"));
        }
    }
    insert_report(
        &mut w,
        &id,
        category,
        &NewReport {
            description: &s.description,
            lat,
            lon,
            address: &s.address,
            attributes: &s.attributes,
            reporter_id: None,
            email: Some(s.email.as_str()).filter(|e| !e.is_empty()),
            name: &s.name,
            client_id: Some(client_id),
            published: true,
        },
        now,
    )
    .await?;
    w.changed(crate::REPORT, &id, Op::Upsert).await?;
    w.commit().await?;
    Ok(id)
}

/// The columns of a new report.
struct NewReport<'a> {
    description: &'a str,
    lat: f64,
    lon: f64,
    address: &'a str,
    attributes: &'a std::collections::BTreeMap<String, Vec<String>>,
    reporter_id: Option<&'a str>,
    email: Option<&'a str>,
    name: &'a str,
    client_id: Option<&'a str>,
    published: bool,
}

/// Inserts a report, status new, with the first step of its history.
async fn insert_report(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    category: &Category,
    r: &NewReport<'_>,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO reports (id, space_id, category_id, status, status_notes, description, lat, lon, address, attributes, \
         reporter_id, reporter_email, reporter_name, client_id, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'new', '', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(id)
    .bind(&category.space_id)
    .bind(&category.id)
    .bind(r.description)
    .bind(r.lat)
    .bind(r.lon)
    .bind(r.address)
    .bind(serde_json::to_string(r.attributes).map_err(Error::internal)?)
    .bind(r.reporter_id)
    .bind(r.email)
    .bind(r.name)
    .bind(r.client_id)
    .bind(r.published.then_some(now))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_events (report_id, at, status, public_note, internal_note, by_user) VALUES ($1, $2, 'new', '', '', NULL)",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
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

const REPORT: &str = "SELECT r.id, c.code, c.name AS service_name, r.status, r.status_notes, t.name AS agency, r.description, r.lat, r.lon, \
     r.address, r.created_at, r.updated_at, r.duplicate_of, a.display_name FROM reports r \
     JOIN report_categories c ON c.id = r.category_id JOIN report_teams t ON t.id = c.team_id \
     LEFT JOIN users a ON a.id = r.assigned_to";

fn report(r: &AnyRow) -> Result<Report, sqlx::Error> {
    Ok(Report {
        id: r.try_get("id")?,
        service_code: r.try_get("code")?,
        service_name: r.try_get("service_name")?,
        status: Status::parse(&r.try_get::<String, _>("status")?).unwrap_or(Status::New),
        status_notes: r.try_get("status_notes")?,
        agency: r.try_get("agency")?,
        description: r.try_get("description")?,
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
        address: r.try_get("address")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        duplicate_of: r.try_get("duplicate_of")?,
        assignee: r.try_get("display_name")?,
    })
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
    Ok(rows.iter().map(report).collect::<Result<Vec<_>, _>>()?)
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
    Ok(row.as_ref().map(report).transpose()?)
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
    set_status_of(db, id, status, public_note, internal_note, by, None).await
}

/// Changes the status of a report (see [`set_status`]), marking it, when rejected, as a
/// duplicate of another report of the space (`duplicate_of`, checked by the caller).
pub async fn set_status_of(
    db: &Db,
    id: &str,
    status: Status,
    public_note: &str,
    internal_note: &str,
    by: Option<&str>,
    duplicate_of: Option<&str>,
) -> Result<(), Error> {
    let ids = [id.to_string()];
    set_statuses(
        db,
        &ids,
        status,
        public_note,
        internal_note,
        by,
        duplicate_of,
    )
    .await
}

/// Sets the status of several reports in one write: every one of them, or none.
pub async fn set_statuses(
    db: &Db,
    ids: &[String],
    status: Status,
    public_note: &str,
    internal_note: &str,
    by: Option<&str>,
    duplicate_of: Option<&str>,
) -> Result<(), Error> {
    let now = now_ms();
    let mut w = db.write().await?;
    for id in ids {
        let id = id.as_str();
        set_status_in(
            &mut w,
            id,
            now,
            status,
            (public_note, internal_note),
            by,
            duplicate_of,
        )
        .await?;
    }
    w.commit().await?;
    Ok(())
}

/// One report's new status and its history line, in a write.
async fn set_status_in(
    w: &mut kernel::db::Write,
    id: &str,
    now: i64,
    status: Status,
    (public_note, internal_note): (&str, &str),
    by: Option<&str>,
    duplicate_of: Option<&str>,
) -> Result<(), Error> {
    let changed = sqlx::query(
        "UPDATE reports SET status = $1, status_notes = CASE WHEN $2 = '' THEN status_notes ELSE $2 END, updated_at = $3, \
         duplicate_of = $5 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(public_note)
    .bind(now)
    .bind(id)
    .bind(duplicate_of.filter(|_| status == Status::Rejected))
    .execute(&mut **w)
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
    .execute(&mut **w)
    .await?;
    w.changed(crate::REPORT, id, Op::Upsert).await?;
    Ok(())
}

/// A report sent from the reporting form.
pub struct CitizenReport<'a> {
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// What the reporter wrote.
    pub description: &'a str,
    /// Answers to the category's questions.
    pub attributes: &'a std::collections::BTreeMap<String, Vec<String>>,
    /// The signed-in reporter, if any.
    pub reporter_id: Option<&'a str>,
    /// The address to write to (the account's or the one given).
    pub email: &'a str,
    /// The name shown, empty when hidden.
    pub name: &'a str,
    /// The stored photos.
    pub photos: &'a [String],
}

/// Stores a report from the form: published at once for a confirmed account, otherwise when
/// the link mailed to the reporter is followed (the returned token, valid 48 hours).
pub async fn create_from_citizen(
    db: &Db,
    category: &Category,
    r: &CitizenReport<'_>,
    published: bool,
) -> Result<(String, Option<String>), Error> {
    let id = new_id();
    let now = now_ms();
    let mut w = db.write().await?;
    insert_report(
        &mut w,
        &id,
        category,
        &NewReport {
            description: r.description,
            lat: r.lat,
            lon: r.lon,
            address: "",
            attributes: r.attributes,
            reporter_id: r.reporter_id,
            email: Some(r.email),
            name: r.name,
            client_id: None,
            published,
        },
        now,
    )
    .await?;
    for (i, name) in r.photos.iter().enumerate() {
        sqlx::query("INSERT INTO report_photos (report_id, position, name) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(i as i64)
            .bind(name)
            .execute(&mut *w)
            .await?;
    }
    let token = if published {
        None
    } else {
        let token = kernel::ids::new_token();
        sqlx::query(
            "INSERT INTO report_links (token_hash, report_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(hash_secret(&token))
        .bind(&id)
        .bind(now + 48 * 3_600_000)
        .execute(&mut *w)
        .await?;
        Some(token)
    };
    if let Some(reporter) = r.reporter_id {
        sqlx::query(
            "INSERT INTO report_followers (report_id, user_id, supports, created_at) VALUES ($1, $2, 1, $3)",
        )
        .bind(&id)
        .bind(reporter)
        .bind(now)
        .execute(&mut *w)
        .await?;
    }
    w.changed(crate::REPORT, &id, Op::Upsert).await?;
    w.commit().await?;
    Ok((id, token))
}

/// Publishes the report of a confirmation link, once; an unknown, used or expired link is
/// `Gone`. Returns the report's id.
pub async fn confirm(db: &Db, token: &str) -> Result<String, Error> {
    let now = now_ms();
    let mut w = db.write().await?;
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE report_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING report_id",
    )
    .bind(now)
    .bind(hash_secret(token))
    .fetch_optional(&mut *w)
    .await?;
    let Some(id) = id else {
        return Err(Error::Gone("link.invalid"));
    };
    sqlx::query("UPDATE reports SET published_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&id)
        .execute(&mut *w)
        .await?;
    w.changed(crate::REPORT, &id, Op::Upsert).await?;
    w.commit().await?;
    Ok(id)
}

/// Open published reports of a category within `radius_m` metres, nearest first.
pub async fn nearby_open(
    db: &Db,
    category: &Category,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> Result<Vec<Report>, Error> {
    // A box a little larger than the circle, then the exact distance.
    let dlat = radius_m / 111_000.0 * 1.1;
    let dlon = dlat / lat.to_radians().cos().max(0.01);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE r.category_id = $1 AND r.published_at IS NOT NULL AND r.status IN ('new', 'acknowledged', 'in_progress') \
         AND r.lat BETWEEN $2 AND $3 AND r.lon BETWEEN $4 AND $5"
    )))
    .bind(&category.id)
    .bind(lat - dlat)
    .bind(lat + dlat)
    .bind(lon - dlon)
    .bind(lon + dlon)
    .fetch_all(db.pool())
    .await?;
    let here = kernel::geo::Position { lat, lon };
    let mut near: Vec<(f64, Report)> = rows
        .iter()
        .map(report)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|r| {
            (
                here.distance_m(&kernel::geo::Position {
                    lat: r.lat,
                    lon: r.lon,
                }),
                r,
            )
        })
        .filter(|(d, _)| *d <= radius_m)
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(near.into_iter().map(|(_, r)| r).collect())
}

/// A published report of a space with the team its category is routed to, for the pages.
pub async fn report_in_space(
    db: &Db,
    space_id: &str,
    id: &str,
) -> Result<Option<(Report, String)>, Error> {
    let sql = REPORT.replacen(" FROM reports r", ", c.team_id FROM reports r", 1);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{sql} WHERE r.space_id = $1 AND r.id = $2 AND r.published_at IS NOT NULL"
    )))
    .bind(space_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(r) => Ok(Some((report(&r)?, r.try_get::<String, _>("team_id")?))),
        None => Ok(None),
    }
}

/// The stored photos of a report, in order.
pub async fn photos(db: &Db, id: &str) -> Result<Vec<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT name FROM report_photos WHERE report_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(db.pool())
            .await?,
    )
}

/// One step of a report's history.
#[derive(Debug, Clone)]
pub struct Event {
    /// When (UTC ms).
    pub at: i64,
    /// The status set.
    pub status: Status,
    /// The note for everyone.
    pub public_note: String,
    /// The note for the teams (empty for the public).
    pub internal_note: String,
}

/// A report's history, oldest first; internal notes only when asked for.
pub async fn history(db: &Db, id: &str, internal: bool) -> Result<Vec<Event>, Error> {
    let rows = sqlx::query(
        "SELECT at, status, public_note, internal_note FROM report_events WHERE report_id = $1 ORDER BY at, id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Event {
                at: r.try_get("at")?,
                status: Status::parse(&r.try_get::<String, _>("status")?).unwrap_or(Status::New),
                public_note: r.try_get("public_note")?,
                internal_note: if internal {
                    r.try_get("internal_note")?
                } else {
                    String::new()
                },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// Follows a report ("moi aussi" when `supports`); following twice changes nothing.
pub async fn follow(db: &Db, id: &str, user_id: &str, supports: bool) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO report_followers (report_id, user_id, supports, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (report_id, user_id) DO UPDATE SET supports = CASE WHEN excluded.supports = 1 THEN 1 ELSE report_followers.supports END",
    )
    .bind(id)
    .bind(user_id)
    .bind(i64::from(supports))
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// How many people support a report, and whether `user_id` follows it.
pub async fn support(db: &Db, id: &str, user_id: Option<&str>) -> Result<(i64, bool), Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_followers WHERE report_id = $1 AND supports = 1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    let follows = match user_id {
        Some(u) => {
            sqlx::query("SELECT 1 FROM report_followers WHERE report_id = $1 AND user_id = $2")
                .bind(id)
                .bind(u)
                .fetch_optional(db.pool())
                .await?
                .is_some()
        }
        None => false,
    };
    Ok((count, follows))
}

/// Who is told of a report's public changes: the reporter's address and the followers'.
pub async fn recipients(db: &Db, id: &str) -> Result<Vec<String>, Error> {
    let mut to: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM report_followers f JOIN users u ON u.id = f.user_id \
         WHERE f.report_id = $1 AND u.email IS NOT NULL AND u.deleted_at IS NULL",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let reporter: Option<Option<String>> =
        sqlx::query_scalar("SELECT reporter_email FROM reports WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    to.extend(reporter.flatten().filter(|e| !e.is_empty()));
    to.sort();
    to.dedup();
    Ok(to)
}

/// The teams of a space `user_id` belongs to.
pub async fn teams_of(db: &Db, space_id: &str, user_id: &str) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT m.team_id FROM report_team_members m JOIN report_teams t ON t.id = m.team_id \
         WHERE t.space_id = $1 AND m.user_id = $2",
    )
    .bind(space_id)
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// Adds a member to a team.
pub async fn add_member(db: &Db, team_id: &str, user_id: &str) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO report_team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The teams of a space.
pub async fn teams(db: &Db, space_id: &str) -> Result<Vec<Team>, Error> {
    let rows =
        sqlx::query("SELECT id, name, email FROM report_teams WHERE space_id = $1 ORDER BY name")
            .bind(space_id)
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Team {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// What the desk lists.
#[derive(Debug, Default)]
pub struct DeskFilter {
    /// Only these categories (empty: those of the desk).
    pub category_ids: Vec<String>,
    /// Only this stored status.
    pub status: Option<&'static str>,
    /// Only reports older than this many days.
    pub older_than_days: Option<i64>,
    /// Newest first (the public list) rather than oldest first (the queue).
    pub newest_first: bool,
    /// Only the reports assigned to this user.
    pub assigned_to: Option<String>,
    /// Only the reports inside this box (west, south, east, north).
    pub area: Option<(f64, f64, f64, f64)>,
}

/// A page of the published reports of a space in the given categories, oldest first (the
/// queue), and how many there are.
pub async fn queue(
    db: &Db,
    space_id: &str,
    category_ids: &[String],
    f: &DeskFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Report>, i64), Error> {
    if category_ids.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let marks: Vec<String> = (0..category_ids.len())
        .map(|i| format!("${}", i + 4))
        .collect();
    let mut cond = format!(
        " WHERE r.space_id = $1 AND r.published_at IS NOT NULL AND r.created_at <= $2 AND ($3 = '' OR r.status = $3) AND r.category_id IN ({})",
        marks.join(", ")
    );
    let mut n = 4 + category_ids.len();
    if f.assigned_to.is_some() {
        cond.push_str(&format!(" AND r.assigned_to = ${n}"));
        n += 1;
    }
    if f.area.is_some() {
        cond.push_str(&format!(
            " AND r.lon BETWEEN ${} AND ${} AND r.lat BETWEEN ${} AND ${}",
            n,
            n + 2,
            n + 1,
            n + 3
        ));
        n += 4;
    }
    let count_sql = format!("SELECT COUNT(*) FROM reports r{cond}");
    let order = if f.newest_first {
        "r.created_at DESC, r.id DESC"
    } else {
        "r.created_at, r.id"
    };
    cond.push_str(&format!(" ORDER BY {order} LIMIT ${n} OFFSET ${}", n + 1));
    let before = now_ms() - f.older_than_days.unwrap_or(0) * 86_400_000;
    let status = f.status.unwrap_or("");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("{REPORT}{cond}")))
        .bind(space_id)
        .bind(before)
        .bind(status);
    let mut c = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql))
        .bind(space_id)
        .bind(before)
        .bind(status);
    for id in category_ids {
        q = q.bind(id);
        c = c.bind(id);
    }
    if let Some(user) = &f.assigned_to {
        q = q.bind(user);
        c = c.bind(user);
    }
    if let Some((west, south, east, north)) = f.area {
        for v in [west, south, east, north] {
            q = q.bind(v);
            c = c.bind(v);
        }
    }
    let rows = q.bind(limit).bind(offset).fetch_all(db.pool()).await?;
    let total = c.fetch_one(db.pool()).await?;
    Ok((rows.iter().map(report).collect::<Result<_, _>>()?, total))
}

/// The published reports of a space after a position of the order (created, id), oldest first:
/// the open data sets are streamed page by page with it.
pub async fn published_after(
    db: &Db,
    space_id: &str,
    after: Option<&(i64, String)>,
    limit: i64,
) -> Result<Vec<Report>, Error> {
    let (at, id) = after.cloned().unwrap_or((i64::MIN, String::new()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE r.space_id = $1 AND r.published_at IS NOT NULL \
         AND (r.created_at > $2 OR (r.created_at = $2 AND r.id > $3)) ORDER BY r.created_at, r.id LIMIT $4"
    )))
    .bind(space_id)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(report).collect::<Result<Vec<_>, _>>()?)
}

/// Per category of a space: its name, how many published reports are in each status, and the
/// times from reception to resolution of the resolved ones (ms).
pub struct CategoryStats {
    /// Category name.
    pub name: String,
    /// Counts by stored status name.
    pub counts: Vec<(String, i64)>,
    /// Times to resolution (ms), sorted.
    pub resolution_ms: Vec<i64>,
}

/// The statistics of a space's reports.
pub async fn stats(db: &Db, space_id: &str) -> Result<Vec<CategoryStats>, Error> {
    let counts = sqlx::query(
        "SELECT c.code, c.name, r.status, COUNT(*) AS n FROM report_categories c JOIN reports r ON r.category_id = c.id \
         WHERE c.space_id = $1 AND r.published_at IS NOT NULL GROUP BY c.code, c.name, r.status ORDER BY c.code",
    )
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    let times = sqlx::query(
        "SELECT c.code, MIN(e.at) - r.created_at AS resolution_ms FROM report_categories c JOIN reports r ON r.category_id = c.id \
         JOIN report_events e ON e.report_id = r.id \
         WHERE c.space_id = $1 AND r.published_at IS NOT NULL AND r.status = 'resolved' AND e.status = 'resolved' \
         GROUP BY c.code, r.id, r.created_at",
    )
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<(String, CategoryStats)> = Vec::new();
    for row in &counts {
        let code: String = row.try_get("code")?;
        let entry = match out.iter_mut().position(|(c, _)| *c == code) {
            Some(i) => &mut out[i].1,
            None => {
                out.push((
                    code.clone(),
                    CategoryStats {
                        name: row.try_get("name")?,
                        counts: Vec::new(),
                        resolution_ms: Vec::new(),
                    },
                ));
                &mut out.last_mut().ok_or(Error::NotFound)?.1
            }
        };
        entry
            .counts
            .push((row.try_get("status")?, row.try_get("n")?));
    }
    for row in &times {
        let code: String = row.try_get("code")?;
        if let Some((_, s)) = out.iter_mut().find(|(c, _)| *c == code) {
            s.resolution_ms.push(row.try_get("resolution_ms")?);
        }
    }
    for (_, s) in &mut out {
        s.resolution_ms.sort_unstable();
    }
    Ok(out.into_iter().map(|(_, s)| s).collect())
}

/// A client application of a space, without its key.
pub struct Client {
    /// Opaque id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Registered (UTC ms).
    pub created_at: i64,
}

/// The client applications of a space that are not revoked.
pub async fn clients(db: &Db, space_id: &str) -> Result<Vec<Client>, Error> {
    let rows = sqlx::query(
        "SELECT id, name, created_at FROM report_clients WHERE space_id = $1 AND revoked_at IS NULL ORDER BY created_at",
    )
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Client {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// Revokes a client application of a space: its key stops working at once.
pub async fn revoke_client(db: &Db, space_id: &str, id: &str) -> Result<(), Error> {
    sqlx::query("UPDATE report_clients SET revoked_at = $1 WHERE space_id = $2 AND id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(space_id)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The members of the teams of a space: (team id, display name).
pub async fn members(db: &Db, space_id: &str) -> Result<Vec<(String, String)>, Error> {
    let rows = sqlx::query(
        "SELECT m.team_id, u.display_name FROM report_team_members m JOIN report_teams t ON t.id = m.team_id \
         JOIN users u ON u.id = m.user_id WHERE t.space_id = $1 ORDER BY u.display_name",
    )
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("team_id")?, r.try_get("display_name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// A published report's search document and map point from a row of [`MAP_ENTRY`] and its
/// category's name, its space's address and région: its category, description and address
/// (what its public page shows; never who sent it).
fn map_entry(
    r: &AnyRow,
    category: &str,
    space: &str,
    region: &str,
) -> Result<kernel::changes::Entry, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let address: String = r.try_get("address")?;
    Ok(kernel::changes::Entry {
        doc: Some(kernel::search::SearchDoc {
            kind: "report",
            id: id.clone(),
            url: format!("/s/{space}/reports/{id}"),
            title: category.to_string(),
            body: format!("{} {address}", r.try_get::<String, _>("description")?),
            tag: "search.tag.report",
            subtitle: address,
            boost: 0.0,
            region: region.to_string(),
        }),
        point: Some(kernel::geo::GeoPoint {
            id,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
        }),
        ..Default::default()
    })
}

const MAP_ENTRY: &str = "SELECT r.id, r.lat, r.lon, r.description, r.address, r.category_id, \
     r.space_id FROM reports r WHERE r.published_at IS NOT NULL";

/// The région of a space's territory (its own code for a région).
const SPACE_REGION: &str =
    "CASE WHEN t.kind = 'region' THEN t.code ELSE COALESCE(t.region_code, '') END";

/// Every published report: a point of the `reports` map layer and a search document. The
/// categories' names and the spaces' addresses are read once, not joined to every report.
pub async fn map_entries(db: Db) -> Result<Vec<kernel::changes::Entry>, sqlx::Error> {
    let categories: HashMap<String, String> = sqlx::query("SELECT id, name FROM report_categories")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let spaces: HashMap<String, (String, String)> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.slug, {SPACE_REGION} AS region FROM spaces s \
         LEFT JOIN territories t ON t.kind = s.territory_kind AND t.code = s.territory_code"
    )))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, (r.try_get("slug")?, r.try_get("region")?))))
    .collect::<Result<_, sqlx::Error>>()?;
    // Read as a stream: a million rows are never held at once.
    let mut rows = sqlx::query(MAP_ENTRY).fetch(db.pool());
    let mut out = Vec::new();
    while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        let category = categories.get(&r.try_get::<String, _>("category_id")?);
        let space = spaces.get(&r.try_get::<String, _>("space_id")?);
        out.push(map_entry(
            &r,
            category.map_or("", String::as_str),
            space.map_or("", |s| s.0.as_str()),
            space.map_or("", |s| s.1.as_str()),
        )?);
    }
    Ok(out)
}

/// One report's entry, once published.
pub async fn map_entry_of(
    db: Db,
    id: String,
) -> Result<Option<kernel::changes::Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, r.lat, r.lon, r.description, r.address, c.name, s.slug, {SPACE_REGION} AS region \
         FROM reports r JOIN report_categories c ON c.id = r.category_id \
         JOIN spaces s ON s.id = r.space_id \
         LEFT JOIN territories t ON t.kind = s.territory_kind AND t.code = s.territory_code \
         WHERE r.published_at IS NOT NULL AND r.id = $1"
    )))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let (category, space, region): (String, String, String) =
            (r.try_get("name")?, r.try_get("slug")?, r.try_get("region")?);
        map_entry(&r, &category, &space, &region)
    })
    .transpose()
}

/// Assigns a report to an agent (or to nobody), noted in its internal history.
pub async fn assign(db: &Db, id: &str, user: Option<(&str, &str)>, by: &str) -> Result<(), Error> {
    let now = now_ms();
    let mut w = db.write().await?;
    let status: Option<String> =
        sqlx::query_scalar("UPDATE reports SET assigned_to = $1 WHERE id = $2 RETURNING status")
            .bind(user.map(|u| u.0))
            .bind(id)
            .fetch_optional(&mut *w)
            .await?;
    let status = status.ok_or(Error::NotFound)?;
    sqlx::query(
        "INSERT INTO report_events (report_id, at, status, public_note, internal_note, by_user) VALUES ($1, $2, $3, '', $4, $5)",
    )
    .bind(id)
    .bind(now)
    .bind(status)
    .bind(format!("→ {}", user.map_or("—", |u| u.1)))
    .bind(by)
    .execute(&mut *w)
    .await?;
    w.commit().await?;
    Ok(())
}

/// The published reports marked as duplicates of a report: id and category name.
pub async fn duplicates(db: &Db, id: &str) -> Result<Vec<(String, String)>, Error> {
    let rows = sqlx::query(
        "SELECT r.id, c.name FROM reports r JOIN report_categories c ON c.id = r.category_id \
         WHERE r.duplicate_of = $1 AND r.published_at IS NOT NULL ORDER BY r.created_at",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// The members of a team: user id and name.
pub async fn team_members(db: &Db, team_id: &str) -> Result<Vec<(String, String)>, Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name FROM report_team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 AND u.deleted_at IS NULL ORDER BY u.display_name",
    )
    .bind(team_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// The area a space takes reports in, when its administrators set one.
pub async fn area(db: &Db, space_id: &str) -> Result<Option<crate::model::Area>, Error> {
    let row = sqlx::query("SELECT west, south, east, north FROM report_areas WHERE space_id = $1")
        .bind(space_id)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(r) => Ok(Some(crate::model::Area {
            west: r.try_get("west")?,
            south: r.try_get("south")?,
            east: r.try_get("east")?,
            north: r.try_get("north")?,
        })),
        None => Ok(None),
    }
}

/// Sets the area a space takes reports in.
pub async fn set_area(db: &Db, space_id: &str, a: &crate::model::Area) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO report_areas (space_id, west, south, east, north) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (space_id) DO UPDATE SET west = excluded.west, south = excluded.south, east = excluded.east, north = excluded.north",
    )
    .bind(space_id)
    .bind(a.west)
    .bind(a.south)
    .bind(a.east)
    .bind(a.north)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// A report's answers to its category's questions, in the questions' order: the question and
/// the answer's words (the names of list values).
pub async fn answers(
    db: &Db,
    space_id: &str,
    report: &Report,
) -> Result<Vec<(String, String)>, Error> {
    let Some(category) = category_by_code(db, space_id, &report.service_code).await? else {
        return Ok(Vec::new());
    };
    let id = &report.id;
    let raw: Option<String> = sqlx::query_scalar("SELECT attributes FROM reports WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let given: std::collections::BTreeMap<String, Vec<String>> = raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default();
    Ok(category
        .attributes
        .iter()
        .filter_map(|a| {
            let values = given.get(&a.code)?;
            let words: Vec<String> = values
                .iter()
                .map(|v| {
                    a.values
                        .iter()
                        .find(|(k, _)| k == v)
                        .map_or_else(|| v.clone(), |(_, name)| name.clone())
                })
                .collect();
            (!words.is_empty()).then(|| (a.description.clone(), words.join(", ")))
        })
        .collect())
}
