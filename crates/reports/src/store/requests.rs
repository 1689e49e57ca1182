//! Reports sent through the API (Open311) and the published reports it lists.

use super::*;

/// Stores a report from a client application, published at once (the application answers for
/// its users). With an idempotency key, a retry gets the report of the first attempt. Returns
/// the report's id.
pub async fn create_from_client(
    db: &Db,
    category: &Category,
    client_id: &str,
    idempotency_key: Option<&str>,
    s: &Submission,
) -> Result<String, StoreError> {
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
                .ok_or(StoreError::Retry);
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
pub(super) struct NewReport<'a> {
    pub(super) description: &'a str,
    pub(super) lat: f64,
    pub(super) lon: f64,
    pub(super) address: &'a str,
    pub(super) attributes: &'a std::collections::BTreeMap<String, Vec<String>>,
    pub(super) reporter_id: Option<&'a str>,
    pub(super) email: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) client_id: Option<&'a str>,
    pub(super) published: bool,
}

/// Inserts a report, status new, with the first step of its history.
pub(super) async fn insert_report(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    category: &Category,
    r: &NewReport<'_>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO reports (id, space_id, category_id, status, status_notes, description, lat, lon, address, attributes, \
         reporter_id, reporter_email, reporter_name, client_id, published_at, created_at, updated_at, urgent) \
         VALUES ($1, $2, $3, 'new', '', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)",
    )
    .bind(id)
    .bind(&category.space_id)
    .bind(&category.id)
    .bind(r.description)
    .bind(r.lat)
    .bind(r.lon)
    .bind(r.address)
    .bind(json(r.attributes)?)
    .bind(r.reporter_id)
    .bind(r.email)
    .bind(r.name)
    .bind(r.client_id)
    .bind(r.published.then_some(now))
    .bind(now)
    .bind(i64::from(category.urgent(r.attributes)))
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

async fn submitted(db: &Db, client_id: &str, key: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT report_id FROM report_submissions WHERE client_id = $1 AND idempotency_key = $2",
    )
    .bind(client_id)
    .bind(key)
    .fetch_optional(db.pool())
    .await?)
}

pub(super) const REPORT: &str = "SELECT r.id, c.code, c.name AS service_name, r.status, r.status_notes, t.name AS agency, r.description, r.lat, r.lon, \
     r.address, r.created_at, r.updated_at, r.duplicate_of, a.display_name, r.urgent FROM reports r \
     JOIN report_categories c ON c.id = r.category_id JOIN report_teams t ON t.id = c.team_id \
     LEFT JOIN users a ON a.id = r.assigned_to";

pub(super) fn report(r: &AnyRow) -> Result<Report, sqlx::Error> {
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
        urgent: r.try_get::<i64, _>("urgent")? != 0,
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
pub async fn published(
    db: &Db,
    space_id: &str,
    f: &RequestFilter,
) -> Result<Vec<Report>, StoreError> {
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
pub async fn published_one(
    db: &Db,
    space_id: &str,
    id: &str,
) -> Result<Option<Report>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE r.space_id = $1 AND r.id = $2 AND r.published_at IS NOT NULL"
    )))
    .bind(space_id)
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(report).transpose()?)
}

/// The published reports of a space after a position of the order (created, id), oldest first:
/// the open data sets are streamed page by page with it.
pub async fn published_after(
    db: &Db,
    space_id: &str,
    after: Option<&(i64, String)>,
    limit: i64,
) -> Result<Vec<Report>, StoreError> {
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
