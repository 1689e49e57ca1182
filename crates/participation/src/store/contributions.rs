//! Contributions: creation (a form sent twice makes one), lists with filters, supports, the
//! official answer, states, and the map layer.

use super::follows::Notices;
use crate::error::StoreError;
use crate::model::{
    Answer, AnswerState, Contribution, ContributionInput, Process, ProcessComponent, State,
};
use kernel::changes::Entry;
use kernel::db::{Db, Op};
use kernel::error::is_unique_violation;
use kernel::geo::{GeoPoint, Position};
use kernel::ids::{new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The map layer of located contributions; each participatory map has its own part of it,
/// `contributions/{component id}`.
pub const MAP_LAYER: &str = "contributions";

/// The layer of one component's contributions.
pub fn layer_of(component_id: &str) -> String {
    format!("{MAP_LAYER}/{component_id}")
}

pub(crate) const SELECT: &str = "SELECT c.id, c.component_id, c.process_id, c.space_id, \
     c.category_id, c.title, c.body, c.lat, c.lon, c.address, c.author_id, u.display_name, c.anonymous, \
     c.state, c.moderation_note, c.supports, c.comments, c.answer_state, c.answer_text, \
     c.answer_progress, c.answered_at, c.created_at FROM contributions c \
     JOIN users u ON u.id = c.author_id";

pub(crate) fn from_row(r: &AnyRow) -> Result<Contribution, sqlx::Error> {
    let position = match (
        r.try_get::<Option<f64>, _>("lat")?,
        r.try_get::<Option<f64>, _>("lon")?,
    ) {
        (Some(lat), Some(lon)) => Some(Position { lat, lon }),
        _ => None,
    };
    let answer = match AnswerState::parse(&r.try_get::<String, _>("answer_state")?) {
        Some(state) => Some(Answer {
            state,
            text: r.try_get("answer_text")?,
            progress: r.try_get("answer_progress")?,
            at: r.try_get::<Option<i64>, _>("answered_at")?.unwrap_or(0),
        }),
        None => None,
    };
    Ok(Contribution {
        id: r.try_get("id")?,
        component_id: r.try_get("component_id")?,
        process_id: r.try_get("process_id")?,
        space_id: r.try_get("space_id")?,
        category_id: r.try_get("category_id")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        position,
        address: r.try_get("address")?,
        author_id: r.try_get("author_id")?,
        author_name: if r.try_get::<i64, _>("anonymous")? != 0 {
            String::new()
        } else {
            r.try_get("display_name")?
        },
        state: State::parse(&r.try_get::<String, _>("state")?),
        moderation_note: r.try_get("moderation_note")?,
        supports: r.try_get("supports")?,
        comments: r.try_get("comments")?,
        answer,
        created_at: r.try_get("created_at")?,
    })
}

/// Creates a contribution with its photos, published or pending per the component's moderation,
/// with the notices that `notices` makes for its id. Returns its id and whether it is new: the
/// same form sent again gives the first one's id, and tells no one again.
pub async fn create(
    db: &Db,
    (process, component): (&Process, &ProcessComponent),
    author_id: &str,
    input: &ContributionInput,
    notices: impl FnOnce(&str) -> Notices,
) -> Result<(String, bool), StoreError> {
    let id = new_id();
    let now = now_ms();
    let state = if component.settings.moderated_before {
        State::Pending
    } else {
        State::Published
    };
    let mut w = db.write().await?;
    let res = sqlx::query(
        "INSERT INTO contributions (id, component_id, process_id, space_id, category_id, title, body, \
         lat, lon, author_id, anonymous, state, moderation_note, supports, comments, answer_state, \
         answer_text, answer_progress, answered_at, form_key, created_at, updated_at, address) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, '', 0, 0, '', '', 0, NULL, $13, $14, $14, $15)",
    )
    .bind(&id)
    .bind(&component.id)
    .bind(&process.id)
    .bind(&process.space_id)
    .bind(input.category_id.as_deref())
    .bind(&input.title)
    .bind(&input.body)
    .bind(input.position.map(|p| p.lat))
    .bind(input.position.map(|p| p.lon))
    .bind(author_id)
    .bind(i64::from(input.anonymous))
    .bind(state.as_str())
    .bind(&input.form_key)
    .bind(now)
    .bind(&input.address)
    .execute(&mut *w)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "contributions", "form_key") => {
            drop(w);
            let first: String = sqlx::query_scalar(
                "SELECT id FROM contributions WHERE author_id = $1 AND form_key = $2",
            )
            .bind(author_id)
            .bind(&input.form_key)
            .fetch_one(db.pool())
            .await?;
            return Ok((first, false));
        }
        other => {
            other?;
        }
    }
    for (i, name) in input.photos.iter().enumerate() {
        sqlx::query(
            "INSERT INTO contribution_photos (contribution_id, position, name) VALUES ($1, $2, $3)",
        )
        .bind(&id)
        .bind(i as i64)
        .bind(name)
        .execute(&mut *w)
        .await?;
    }
    // The author follows what they wrote.
    sqlx::query(
        "INSERT INTO participation_follows (target_id, user_id, digest, created_at) VALUES ($1, $2, 0, $3)",
    )
    .bind(&id)
    .bind(author_id)
    .bind(now)
    .execute(&mut *w)
    .await?;
    w.changed(crate::CONTRIBUTION, &id, Op::Upsert).await?;
    notices(&id).write(&mut w).await?;
    w.commit().await?;
    Ok((id, true))
}

/// One contribution, whatever its state.
pub async fn get(db: &Db, id: &str) -> Result<Option<Contribution>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The photos of a contribution, in order.
pub async fn photos(db: &Db, id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM contribution_photos WHERE contribution_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?)
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    Recent,
    /// Most supported first.
    Supported,
}

/// What a list of contributions shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this category.
    pub category: Option<String>,
    /// Only with this answer; `Some(None)` for those without one.
    pub answer: Option<Option<AnswerState>>,
    /// Most supported first, else newest first.
    pub by_supports: bool,
}

/// The published contributions of a component with a filter: one page and the count in all.
pub async fn list(
    db: &Db,
    component_id: &str,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Contribution>, i64), StoreError> {
    let mut cond = String::from("c.component_id = $1 AND c.state = 'published'");
    let mut binds: Vec<String> = vec![component_id.to_string()];
    if let Some(cat) = &filter.category {
        binds.push(cat.clone());
        cond.push_str(&format!(" AND c.category_id = ${}", binds.len()));
    }
    if let Some(answer) = &filter.answer {
        binds.push(answer.map(AnswerState::as_str).unwrap_or("").to_string());
        cond.push_str(&format!(" AND c.answer_state = ${}", binds.len()));
    }
    let order = if filter.by_supports {
        "c.supports DESC, c.created_at DESC, c.id"
    } else {
        "c.created_at DESC, c.id"
    };
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY {order} LIMIT {} OFFSET {}",
        limit.clamp(1, 200),
        offset.max(0)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(db.pool()).await?;
    let count_sql = format!("SELECT COUNT(*) FROM contributions c WHERE {cond}");
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total: i64 = q.fetch_one(db.pool()).await?;
    Ok((
        rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?,
        total,
    ))
}

/// How many published contributions a process has, and how many of them got an answer.
pub async fn answered_counts(db: &Db, process_id: &str) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN answer_state <> '' THEN 1 ELSE 0 END), 0) AS answered \
         FROM contributions WHERE process_id = $1 AND state = 'published'",
    )
    .bind(process_id)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("total")?, row.try_get("answered")?))
}

/// The newest published contributions of a process (its feed).
pub async fn recent_of_process(
    db: &Db,
    process_id: &str,
    limit: i64,
) -> Result<Vec<Contribution>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.process_id = $1 AND c.state = 'published' \
         ORDER BY c.created_at DESC, c.id LIMIT $2"
    )))
    .bind(process_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
}

/// One page of a process's published contributions in creation order, after `(created_at,
/// id)` (the open data export reads them page by page).
pub async fn export_page(
    db: &Db,
    process_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<Contribution>, StoreError> {
    let (at, id) = after.unwrap_or((i64::MIN, String::new()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.process_id = $1 AND c.state = 'published' \
         AND (c.created_at > $2 OR (c.created_at = $2 AND c.id > $3)) \
         ORDER BY c.created_at, c.id LIMIT $4"
    )))
    .bind(process_id)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?)
}

/// Sets a contribution's state (withdrawn by its author, hidden, restored or published by a
/// moderator), logged with its reason.
pub async fn set_state(
    db: &Db,
    id: &str,
    state: State,
    note: &str,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query(
        "UPDATE contributions SET state = $1, moderation_note = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(state.as_str())
    .bind(note)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?;
    w.audit(
        Some(by),
        &format!("contribution.{}", state.as_str()),
        "contribution",
        id,
        note,
    )
    .await?;
    w.changed(crate::CONTRIBUTION, id, Op::Upsert).await?;
    w.commit().await?;
    Ok(())
}

/// Gives the space's official answer, with the `notices` that tell its followers.
pub async fn answer(
    db: &Db,
    id: &str,
    a: &Answer,
    by: &str,
    notices: &Notices,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query(
        "UPDATE contributions SET answer_state = $1, answer_text = $2, answer_progress = $3, \
         answered_at = $4, updated_at = $4 WHERE id = $5",
    )
    .bind(a.state.as_str())
    .bind(&a.text)
    .bind(a.progress)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?;
    w.audit(
        Some(by),
        "contribution.answer",
        "contribution",
        id,
        a.state.as_str(),
    )
    .await?;
    w.changed(crate::CONTRIBUTION, id, Op::Upsert).await?;
    notices.write(&mut w).await?;
    w.commit().await?;
    Ok(())
}

/// Whether a user supports a contribution.
pub async fn supports(db: &Db, id: &str, user_id: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contribution_supports WHERE contribution_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// How many supports a user gives in a component.
pub async fn supports_given(db: &Db, component_id: &str, user_id: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM contribution_supports WHERE component_id = $1 AND user_id = $2",
    )
    .bind(component_id)
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}

/// Supports a contribution: once per person, within the component's limit (0 for none).
pub async fn support(
    db: &Db,
    c: &Contribution,
    user_id: &str,
    limit: i64,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    // The person's row is written first: on PostgreSQL it stays locked until the end, so that
    // two supports by the same person are counted one after the other; on SQLite it makes the
    // transaction a writer from its start.
    sqlx::query("UPDATE users SET display_name = display_name WHERE id = $1")
        .bind(user_id)
        .execute(&mut *w)
        .await?;
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contribution_supports WHERE contribution_id = $1 AND user_id = $2",
    )
    .bind(&c.id)
    .bind(user_id)
    .fetch_one(&mut *w)
    .await?;
    if already > 0 {
        return Err(StoreError::SupportAlready);
    }
    if limit > 0 {
        let given: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM contribution_supports WHERE component_id = $1 AND user_id = $2",
        )
        .bind(&c.component_id)
        .bind(user_id)
        .fetch_one(&mut *w)
        .await?;
        if given >= limit {
            return Err(StoreError::SupportLimit);
        }
    }
    let res = sqlx::query(
        "INSERT INTO contribution_supports (contribution_id, user_id, component_id, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&c.id)
    .bind(user_id)
    .bind(&c.component_id)
    .bind(now_ms())
    .execute(&mut *w)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "contribution_supports", "user_id") => {
            return Err(StoreError::SupportAlready);
        }
        other => {
            other?;
        }
    }
    sqlx::query("UPDATE contributions SET supports = supports + 1 WHERE id = $1")
        .bind(&c.id)
        .execute(&mut *w)
        .await?;
    w.changed(crate::CONTRIBUTION, &c.id, Op::Upsert).await?;
    w.commit().await?;
    Ok(())
}

/// Withdraws a support.
pub async fn unsupport(db: &Db, c: &Contribution, user_id: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "DELETE FROM contribution_supports WHERE contribution_id = $1 AND user_id = $2",
    )
    .bind(&c.id)
    .bind(user_id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::SupportNone);
    }
    sqlx::query("UPDATE contributions SET supports = supports - 1 WHERE id = $1")
        .bind(&c.id)
        .execute(&mut *w)
        .await?;
    w.changed(crate::CONTRIBUTION, &c.id, Op::Upsert).await?;
    w.commit().await?;
    Ok(())
}

/// A contribution's entry from a row of [`ENTRY`]: public when published in a published
/// process.
fn entry_of(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let c = from_row(r)?;
    let process_public = r
        .try_get::<Option<i64>, _>("process_published_at")?
        .is_some();
    let published = c.state == State::Published && process_public;
    let space_slug: String = r.try_get("space_slug")?;
    let process_slug: String = r.try_get("process_slug")?;
    // Where it was written, and where, shown under its title in the results.
    let mut subtitle = format!(
        "{} · {}",
        r.try_get::<String, _>("space_name")?,
        r.try_get::<String, _>("process_title")?
    );
    if !c.address.is_empty() {
        subtitle = format!("{subtitle} · {}", c.address);
    }
    Ok(Entry {
        doc: published.then(|| kernel::search::SearchDoc {
            kind: "contribution",
            id: c.id.clone(),
            url: format!(
                "/s/{space_slug}/processes/{process_slug}/contributions/{}",
                c.id
            ),
            title: c.title.clone(),
            body: kernel::markdown::to_plain(&c.body),
            tag: "search.tag.contribution",
            subtitle,
            boost: 1.0,
            region: String::new(),
            date: Some(c.created_at),
        }),
        point: c.position.filter(|_| published).map(|p| GeoPoint {
            id: c.id.clone(),
            lat: p.lat,
            lon: p.lon,
        }),
        sublayer: Some(layer_of(&c.component_id)),
    })
}

/// The columns [`from_row`] reads (the private ones blank), and the space's and process's
/// addresses.
const ENTRY: &str = "SELECT c.id, c.component_id, c.process_id, c.space_id, \
     c.category_id, c.title, c.body, c.lat, c.lon, c.address, c.author_id, '' AS display_name, \
     CAST(1 AS BIGINT) AS anonymous, c.state, '' AS moderation_note, c.supports, c.comments, \
     '' AS answer_state, '' AS answer_text, CAST(0 AS BIGINT) AS answer_progress, \
     CAST(NULL AS BIGINT) AS answered_at, c.created_at, s.slug AS space_slug, \
     p.slug AS process_slug, p.published_at AS process_published_at, \
     p.title AS process_title, s.name AS space_name \
     FROM contributions c JOIN processes p ON p.id = c.process_id JOIN spaces s ON s.id = c.space_id";

/// Every published contribution as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{ENTRY} WHERE c.state = 'published' AND p.published_at IS NOT NULL"
    )));
    db.fetch_all_with(query, entry_of).await
}

/// The index entry of one contribution (without point nor document when it is not public).
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{ENTRY} WHERE c.id = $1"))).bind(id);
    db.fetch_optional_with(query, entry_of).await
}
