//! The agents' desk: the queue, statuses (one or several in one write), assignment, likely
//! duplicates, the statistics and a report's answers to its category's questions.

use super::*;

/// Changes the status of a report with a public and an internal note, logged in its history.
pub async fn set_status(
    db: &Db,
    id: &str,
    status: Status,
    public_note: &str,
    internal_note: &str,
    by: Option<&str>,
) -> Result<(), StoreError> {
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
) -> Result<(), StoreError> {
    let ids = [id.to_string()];
    set_statuses(
        db,
        &ids,
        status,
        (public_note, internal_note),
        by,
        duplicate_of,
        &[],
    )
    .await
}

/// Sets the status of several reports in one write with the `mails` that tell of it: every
/// one of them, or none (an unknown id is [`StoreError::NotFound`]).
pub async fn set_statuses(
    db: &Db,
    ids: &[String],
    status: Status,
    (public_note, internal_note): (&str, &str),
    by: Option<&str>,
    duplicate_of: Option<&str>,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
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
    w.mails(mails).await?;
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
) -> Result<(), StoreError> {
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
        return Err(StoreError::NotFound);
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

/// What the desk lists.
#[derive(Debug, Default)]
pub struct DeskFilter {
    /// Only these categories (empty: those of the desk).
    pub category_ids: Vec<String>,
    /// Only this stored status.
    pub status: Option<&'static str>,
    /// Only reports older than this many days.
    pub older_than_days: Option<i64>,
    /// Newest first (the public list) rather than the queue's order: the open urgent reports,
    /// the other open ones, then the closed ones, each oldest first.
    pub newest_first: bool,
    /// Only the reports assigned to this user.
    pub assigned_to: Option<String>,
    /// Only the reports inside this box (west, south, east, north).
    pub area: Option<(f64, f64, f64, f64)>,
}

/// A page of the published reports of a space in the given categories, in the queue's order
/// (see [`DeskFilter::newest_first`]), and how many there are.
pub async fn queue(
    db: &Db,
    space_id: &str,
    category_ids: &[String],
    f: &DeskFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Report>, i64), StoreError> {
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
        "CASE WHEN r.status IN ('resolved', 'rejected') THEN 2 WHEN r.urgent <> 0 THEN 0 ELSE 1 END, \
         r.created_at, r.id"
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

/// What waits at a desk covering these categories of a space: how many published reports are
/// open, how many of them are urgent, and when the oldest arrived.
pub async fn waiting(
    db: &Db,
    space_id: &str,
    category_ids: &[String],
) -> Result<(i64, i64, Option<i64>), StoreError> {
    if category_ids.is_empty() {
        return Ok((0, 0, None));
    }
    let marks: Vec<String> = (0..category_ids.len())
        .map(|i| format!("${}", i + 2))
        .collect();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS open, COALESCE(SUM(CASE WHEN urgent <> 0 THEN 1 ELSE 0 END), 0) AS urgent, \
         MIN(created_at) AS oldest FROM reports WHERE space_id = $1 AND published_at IS NOT NULL \
         AND status IN ('new', 'acknowledged', 'in_progress') AND category_id IN ({})",
        marks.join(", ")
    )))
    .bind(space_id);
    for id in category_ids {
        q = q.bind(id);
    }
    let row = q.fetch_one(db.pool()).await?;
    Ok((
        row.try_get("open")?,
        row.try_get("urgent")?,
        row.try_get("oldest")?,
    ))
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
pub async fn stats(db: &Db, space_id: &str) -> Result<Vec<CategoryStats>, StoreError> {
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
        let i = match out.iter().position(|(c, _)| *c == code) {
            Some(i) => i,
            None => {
                out.push((
                    code.clone(),
                    CategoryStats {
                        name: row.try_get("name")?,
                        counts: Vec::new(),
                        resolution_ms: Vec::new(),
                    },
                ));
                out.len() - 1
            }
        };
        out[i]
            .1
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

/// Assigns a report to an agent (or to nobody), noted in its internal history.
pub async fn assign(
    db: &Db,
    id: &str,
    user: Option<(&str, &str)>,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let status: Option<String> =
        sqlx::query_scalar("UPDATE reports SET assigned_to = $1 WHERE id = $2 RETURNING status")
            .bind(user.map(|u| u.0))
            .bind(id)
            .fetch_optional(&mut *w)
            .await?;
    let note = format!("→ {}", user.map_or("—", |u| u.1));
    internal_event(&mut w, id, status, &note, by).await?;
    w.commit().await?;
    Ok(())
}

/// Marks a report urgent or not, by hand (an agent's judgement wins over the form's answers
/// until the next change); the history keeps `note` as an internal note.
pub async fn set_urgent(
    db: &Db,
    id: &str,
    urgent: bool,
    note: &str,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let status: Option<String> =
        sqlx::query_scalar("UPDATE reports SET urgent = $1 WHERE id = $2 RETURNING status")
            .bind(i64::from(urgent))
            .bind(id)
            .fetch_optional(&mut *w)
            .await?;
    internal_event(&mut w, id, status, note, by).await?;
    let detail = if urgent { "urgent" } else { "normal" };
    w.audit(Some(by), "report.urgency", "report", id, detail)
        .await?;
    w.commit().await?;
    Ok(())
}

/// Adds to a report's history an event that keeps its status (`status`, as the change of the
/// report returned it: `None` when no report was changed) with an internal note.
async fn internal_event(
    w: &mut kernel::db::Write,
    id: &str,
    status: Option<String>,
    note: &str,
    by: &str,
) -> Result<(), StoreError> {
    let status = status.ok_or(StoreError::NotFound)?;
    sqlx::query(
        "INSERT INTO report_events (report_id, at, status, public_note, internal_note, by_user) VALUES ($1, $2, $3, '', $4, $5)",
    )
    .bind(id)
    .bind(now_ms())
    .bind(status)
    .bind(note)
    .bind(by)
    .execute(&mut **w)
    .await?;
    Ok(())
}

/// The published reports marked as duplicates of a report: id and category name.
pub async fn duplicates(db: &Db, id: &str) -> Result<Vec<(String, String)>, StoreError> {
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

/// A report's answers to its category's questions, in the questions' order: the question and
/// the answer's words (the names of list values).
pub async fn answers(
    db: &Db,
    space_id: &str,
    report: &Report,
) -> Result<Vec<(String, String)>, StoreError> {
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
