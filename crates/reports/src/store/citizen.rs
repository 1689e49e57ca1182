//! Reports sent by citizens: confirmation by mail, nearby open reports, the history,
//! following and supporting, and who is told of a change.

use super::*;

/// A report sent from the reporting form.
pub struct CitizenReport<'a> {
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// The address of the point, when the geocoder named it (else empty).
    pub address: &'a str,
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
/// the link mailed to the reporter is followed (the returned token, valid 48 hours). The mails
/// that `mails` makes of the report's id and token (its link, or the team told) are queued with
/// it.
pub async fn create_from_citizen(
    db: &Db,
    category: &Category,
    r: &CitizenReport<'_>,
    published: bool,
    mails: impl FnOnce(&str, Option<&str>) -> Vec<kernel::mail::Letter>,
) -> Result<(String, Option<String>), StoreError> {
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
            address: r.address,
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
    w.mails(&mails(&id, token.as_deref())).await?;
    w.commit().await?;
    Ok((id, token))
}

/// The report of a space that a confirmation link would publish, whether or not the link is
/// still valid.
pub async fn report_of_link(
    db: &Db,
    space_id: &str,
    token: &str,
) -> Result<Option<Report>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT} WHERE r.space_id = $1 AND r.id IN \
         (SELECT report_id FROM report_links WHERE token_hash = $2)"
    )))
    .bind(space_id)
    .bind(hash_secret(token))
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(report).transpose()?)
}

/// Publishes the report of a confirmation link, once, with the `mails` that tell of it; an
/// unknown, used or expired link is [`StoreError::InvalidLink`]. Returns the report's id.
pub async fn confirm(
    db: &Db,
    token: &str,
    mails: &[kernel::mail::Letter],
) -> Result<String, StoreError> {
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
        return Err(StoreError::InvalidLink);
    };
    sqlx::query("UPDATE reports SET published_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&id)
        .execute(&mut *w)
        .await?;
    w.changed(crate::REPORT, &id, Op::Upsert).await?;
    w.mails(mails).await?;
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
) -> Result<Vec<Report>, StoreError> {
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
) -> Result<Option<(Report, String)>, StoreError> {
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
pub async fn photos(db: &Db, id: &str) -> Result<Vec<String>, StoreError> {
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
pub async fn history(db: &Db, id: &str, internal: bool) -> Result<Vec<Event>, StoreError> {
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
pub async fn follow(db: &Db, id: &str, user_id: &str, supports: bool) -> Result<(), StoreError> {
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
pub async fn support(db: &Db, id: &str, user_id: Option<&str>) -> Result<(i64, bool), StoreError> {
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
pub async fn recipients(db: &Db, id: &str) -> Result<Vec<String>, StoreError> {
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

/// One of a person's reports, for their account page.
#[derive(Debug, Clone)]
pub struct PersonsReport {
    /// The report.
    pub id: String,
    /// Its space's address.
    pub space_slug: String,
    /// Its category's name.
    pub category: String,
    /// Its address, empty when it has none.
    pub address: String,
    /// Where it stands.
    pub status: String,
    /// When it was filed (UTC ms).
    pub created_at: i64,
    /// Whether the person filed it (else they follow it).
    pub filed: bool,
}

/// The reports a person filed or follows, the latest first, at most `limit`.
pub async fn of_person(
    db: &Db,
    user_id: &str,
    limit: i64,
) -> Result<Vec<PersonsReport>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id, s.slug, c.name, r.address, r.status, r.created_at, \
         CASE WHEN r.reporter_id = $1 THEN 1 ELSE 0 END AS filed \
         FROM reports r JOIN spaces s ON s.id = r.space_id \
         JOIN report_categories c ON c.id = r.category_id \
         WHERE r.reporter_id = $1 \
            OR r.id IN (SELECT report_id FROM report_followers WHERE user_id = $1) \
         ORDER BY r.created_at DESC, r.id LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(PersonsReport {
                id: r.try_get(0)?,
                space_slug: r.try_get(1)?,
                category: r.try_get(2)?,
                address: r.try_get(3)?,
                status: r.try_get(4)?,
                created_at: r.try_get(5)?,
                filed: r.try_get::<i32, _>(6)? == 1,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}
