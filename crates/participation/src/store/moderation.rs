//! Moderation: flags from confirmed users (past the component's threshold the item is held
//! until a moderator decides), the queue of a space, decisions (restore, hide, ban the author
//! for a while), each logged.

use crate::error::StoreError;
use crate::model::State;
use kernel::db::{Db, Op};
use kernel::error::is_unique_violation;
use kernel::ids::now_ms;
use sqlx::Row;

/// What can be flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A contribution.
    Contribution,
    /// A comment.
    Comment,
}

impl Target {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Contribution => "contribution",
            Target::Comment => "comment",
        }
    }
    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "contribution" => Some(Target::Contribution),
            "comment" => Some(Target::Comment),
            _ => None,
        }
    }
    fn table(self) -> &'static str {
        match self {
            Target::Contribution => "contributions",
            Target::Comment => "comments",
        }
    }
}

/// Flags an item. Returns whether this flag held it (the threshold was reached).
pub async fn flag(
    db: &Db,
    target: Target,
    id: &str,
    space_id: &str,
    user_id: &str,
    reason: &str,
    threshold: i64,
) -> Result<bool, StoreError> {
    let mut w = db.write().await?;
    let res = sqlx::query(
        "INSERT INTO participation_flags (target_id, target_kind, space_id, user_id, reason, created_at, resolved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
    )
    .bind(id)
    .bind(target.as_str())
    .bind(space_id)
    .bind(user_id)
    .bind(reason)
    .bind(now_ms())
    .execute(&mut *w)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "participation_flags", "user_id") => {
            return Err(StoreError::FlagAlready);
        }
        other => {
            other?;
        }
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM participation_flags WHERE target_id = $1 AND resolved_at IS NULL",
    )
    .bind(id)
    .fetch_one(&mut *w)
    .await?;
    let mut held = false;
    if open >= threshold {
        let n = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET state = 'held' WHERE id = $1 AND state = 'published'",
            target.table()
        )))
        .bind(id)
        .execute(&mut *w)
        .await?
        .rows_affected();
        held = n > 0;
        if held && target == Target::Comment {
            // Its contribution counts one comment less: the contribution changed.
            let contribution: String =
                sqlx::query_scalar("SELECT contribution_id FROM comments WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *w)
                    .await?;
            sqlx::query("UPDATE contributions SET comments = comments - 1 WHERE id = $1")
                .bind(&contribution)
                .execute(&mut *w)
                .await?;
            w.changed(crate::CONTRIBUTION, &contribution, Op::Upsert)
                .await?;
        }
        if held && target == Target::Contribution {
            w.changed(crate::CONTRIBUTION, id, Op::Upsert).await?;
        }
    }
    w.commit().await?;
    Ok(held)
}

/// One item of a moderation queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    /// What it is.
    pub target: Target,
    /// Its id.
    pub id: String,
    /// The contribution it is or belongs to.
    pub contribution_id: String,
    /// Its title (contributions) or its text (comments).
    pub text: String,
    /// Its state.
    pub state: State,
    /// Its author's account and name.
    pub author: (String, String),
    /// The open flags: reasons, oldest first.
    pub reasons: Vec<String>,
}

/// The queue of a space: flagged items and contributions waiting for publication, oldest
/// first (at most 200).
pub async fn queue(db: &Db, space_id: &str) -> Result<Vec<QueueItem>, StoreError> {
    let flags = sqlx::query(
        "SELECT target_id, reason FROM participation_flags \
         WHERE space_id = $1 AND resolved_at IS NULL ORDER BY created_at LIMIT 2000",
    )
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    let mut reasons: Vec<(String, Vec<String>)> = Vec::new();
    for r in &flags {
        let id: String = r.try_get("target_id")?;
        let reason: String = r.try_get("reason")?;
        match reasons.iter_mut().find(|(i, _)| *i == id) {
            Some((_, list)) => list.push(reason),
            None => reasons.push((id, vec![reason])),
        }
    }
    let reasons_of = |id: &str| {
        reasons
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    };
    let flagged: Vec<String> = reasons.iter().map(|(i, _)| i.clone()).collect();
    let marks = |from: usize| {
        (0..flagged.len().max(1))
            .map(|i| format!("${}", i + from))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT c.id, c.title, c.state, c.author_id, u.display_name, c.created_at FROM contributions c \
         JOIN users u ON u.id = c.author_id WHERE c.space_id = $1 \
         AND (c.state = 'pending' OR c.id IN ({})) ORDER BY c.created_at LIMIT 200",
        marks(2)
    )))
    .bind(space_id.to_string());
    for id in flagged
        .iter()
        .chain(flagged.is_empty().then(String::new).iter())
    {
        q = q.bind(id.clone());
    }
    let mut items: Vec<(i64, QueueItem)> = q
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            Ok((
                r.try_get("created_at")?,
                QueueItem {
                    target: Target::Contribution,
                    contribution_id: id.clone(),
                    reasons: reasons_of(&id),
                    id,
                    text: r.try_get("title")?,
                    state: State::parse(&r.try_get::<String, _>("state")?),
                    author: (r.try_get("author_id")?, r.try_get("display_name")?),
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    if !flagged.is_empty() {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT m.id, m.contribution_id, m.body, m.state, m.author_id, u.display_name, m.created_at \
             FROM comments m JOIN users u ON u.id = m.author_id WHERE m.id IN ({})",
            marks(1)
        )));
        for id in &flagged {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(db.pool()).await? {
            let id: String = r.try_get("id")?;
            items.push((
                r.try_get("created_at")?,
                QueueItem {
                    target: Target::Comment,
                    contribution_id: r.try_get("contribution_id")?,
                    reasons: reasons_of(&id),
                    id,
                    text: r.try_get("body")?,
                    state: State::parse(&r.try_get::<String, _>("state")?),
                    author: (r.try_get("author_id")?, r.try_get("display_name")?),
                },
            ));
        }
    }
    items.sort_by_key(|(at, _)| *at);
    Ok(items.into_iter().map(|(_, i)| i).collect())
}

/// What waits in the queue of a space: the contributions waiting for publication and the
/// flagged items, and when the oldest of them arrived (a contribution's creation, a flag).
pub async fn waiting(db: &Db, space_id: &str) -> Result<(i64, Option<i64>), StoreError> {
    let pending = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM contributions \
         WHERE space_id = $1 AND state = 'pending'",
    )
    .bind(space_id)
    .fetch_one(db.pool())
    .await?;
    // A pending contribution that is also flagged counts once.
    let flagged = sqlx::query(
        "SELECT COUNT(DISTINCT f.target_id) AS n, MIN(f.created_at) AS oldest FROM participation_flags f \
         LEFT JOIN contributions c ON c.id = f.target_id \
         WHERE f.space_id = $1 AND f.resolved_at IS NULL AND (c.state IS NULL OR c.state <> 'pending')",
    )
    .bind(space_id)
    .fetch_one(db.pool())
    .await?;
    let mut count = 0;
    let mut oldest: Option<i64> = None;
    for row in [pending, flagged] {
        count += row.try_get::<i64, _>("n")?;
        if let Some(at) = row.try_get::<Option<i64>, _>("oldest")? {
            oldest = Some(oldest.map_or(at, |o| o.min(at)));
        }
    }
    Ok((count, oldest))
}

/// What a moderator decides about an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Published again (or for the first time), its flags closed.
    Restore,
    /// Hidden with a reason, its flags closed.
    Hide,
    /// Hidden, and its author barred from contributing in the space for this many days.
    Ban(i64),
}

/// Applies a decision about an item of a space's queue, with its reason.
pub async fn decide(
    db: &Db,
    space_id: &str,
    target: Target,
    id: &str,
    decision: &Decision,
    reason: &str,
    by: &str,
) -> Result<(), StoreError> {
    let state = match decision {
        Decision::Restore => State::Published,
        Decision::Hide | Decision::Ban(_) => State::Hidden,
    };
    let (item_space, author): (String, String) = match target {
        Target::Contribution => {
            let r = sqlx::query("SELECT space_id, author_id FROM contributions WHERE id = $1")
                .bind(id)
                .fetch_optional(db.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
            (r.try_get("space_id")?, r.try_get("author_id")?)
        }
        Target::Comment => {
            let r = sqlx::query(
                "SELECT c.space_id, m.author_id FROM comments m \
                 JOIN contributions c ON c.id = m.contribution_id WHERE m.id = $1",
            )
            .bind(id)
            .fetch_optional(db.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
            (r.try_get("space_id")?, r.try_get("author_id")?)
        }
    };
    if item_space != space_id {
        return Err(StoreError::NotFound);
    }
    match target {
        Target::Contribution => {
            super::contributions::set_state(db, id, state, reason, by).await?;
        }
        Target::Comment => super::comments::set_state(db, id, state, reason, by).await?,
    }
    let mut w = db.write().await?;
    sqlx::query("UPDATE participation_flags SET resolved_at = $1 WHERE target_id = $2 AND resolved_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .execute(&mut *w)
        .await?;
    if let Decision::Ban(days) = decision {
        let until = now_ms() + days * 24 * 3600 * 1000;
        sqlx::query("DELETE FROM participation_bans WHERE space_id = $1 AND user_id = $2")
            .bind(space_id)
            .bind(&author)
            .execute(&mut *w)
            .await?;
        sqlx::query(
            "INSERT INTO participation_bans (space_id, user_id, until, reason, by_user, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(space_id)
        .bind(&author)
        .bind(until)
        .bind(reason)
        .bind(by)
        .bind(now_ms())
        .execute(&mut *w)
        .await?;
        w.audit(
            Some(by),
            "participation.ban",
            "user",
            &author,
            &format!("{days} j — {reason}"),
        )
        .await?;
    }
    w.commit().await?;
    Ok(())
}

/// Until when a user is barred from contributing in a space, if they are now.
pub async fn banned_until(
    db: &Db,
    space_id: &str,
    user_id: &str,
) -> Result<Option<i64>, StoreError> {
    let until: Option<i64> = sqlx::query_scalar(
        "SELECT until FROM participation_bans WHERE space_id = $1 AND user_id = $2",
    )
    .bind(space_id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(until.filter(|u| *u > now_ms()))
}
