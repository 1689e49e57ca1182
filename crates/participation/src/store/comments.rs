//! Comments: threads of depth 3 under a contribution, read a page of threads at a time (the
//! first screen of a contribution with ten thousand comments costs what one with ten does),
//! votes, and the author's edits within 15 minutes.

use super::follows::Notices;
use crate::error::StoreError;
use crate::model::{Comment, MAX_DEPTH, State};
use kernel::db::Db;
use kernel::error::{FieldError, is_unique_violation};
use kernel::ids::{new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

const SELECT: &str = "SELECT m.id, m.contribution_id, m.parent_id, m.depth, m.author_id, \
     u.display_name, m.body, m.state, m.up, m.down, m.created_at, m.edited_at \
     FROM comments m JOIN users u ON u.id = m.author_id";

fn from_row(r: &AnyRow) -> Result<Comment, sqlx::Error> {
    Ok(Comment {
        id: r.try_get("id")?,
        contribution_id: r.try_get("contribution_id")?,
        parent_id: r.try_get("parent_id")?,
        depth: r.try_get("depth")?,
        author_id: r.try_get("author_id")?,
        author_name: r.try_get("display_name")?,
        body: r.try_get("body")?,
        state: State::parse(&r.try_get::<String, _>("state")?),
        up: r.try_get("up")?,
        down: r.try_get("down")?,
        created_at: r.try_get("created_at")?,
        edited_at: r.try_get("edited_at")?,
    })
}

/// One comment.
pub async fn get(db: &Db, id: &str) -> Result<Option<Comment>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Adds a comment to a contribution, or an answer to a comment of it (at most [`MAX_DEPTH`]
/// deep), with the `notices` that tell the contribution's followers. The same form sent twice
/// makes one comment, and tells no one again. Returns its id.
pub async fn add(
    db: &Db,
    (contribution_id, parent_id): (&str, Option<&str>),
    author_id: &str,
    (body, form_key): (&str, &str),
    notices: &Notices,
) -> Result<String, StoreError> {
    let id = new_id();
    let mut tx = db.write().await?;
    let (root, depth) = match parent_id {
        None => (id.clone(), 1),
        Some(p) => {
            let row = sqlx::query(
                "SELECT root_id, depth, state FROM comments WHERE id = $1 AND contribution_id = $2",
            )
            .bind(p)
            .bind(contribution_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(FieldError::new("parent", "comment.parent"))?;
            let depth: i64 = row.try_get("depth")?;
            if depth >= MAX_DEPTH {
                return Err(FieldError::new("parent", "comment.too_deep").into());
            }
            (row.try_get::<String, _>("root_id")?, depth + 1)
        }
    };
    let res = sqlx::query(
        "INSERT INTO comments (id, contribution_id, root_id, parent_id, depth, author_id, body, \
         state, moderation_note, up, down, form_key, created_at, edited_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', '', 0, 0, $8, $9, NULL)",
    )
    .bind(&id)
    .bind(contribution_id)
    .bind(&root)
    .bind(parent_id)
    .bind(depth)
    .bind(author_id)
    .bind(body)
    .bind(form_key)
    .bind(now_ms())
    .execute(&mut *tx)
    .await;
    match res {
        Err(e) if is_unique_violation(&e, "comments", "form_key") => {
            drop(tx);
            return Ok(sqlx::query_scalar(
                "SELECT id FROM comments WHERE author_id = $1 AND form_key = $2",
            )
            .bind(author_id)
            .bind(form_key)
            .fetch_one(db.pool())
            .await?);
        }
        other => {
            other?;
        }
    }
    sqlx::query("UPDATE contributions SET comments = comments + 1 WHERE id = $1")
        .bind(contribution_id)
        .execute(&mut *tx)
        .await?;
    notices.write(&mut tx).await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of the threads of a contribution: up to `limit` top-level comments after the cursor
/// (oldest first), each with its answers (in order, nested by the caller). Two queries,
/// whatever the number of comments. Returns the comments and the cursor of the next page.
pub async fn page(
    db: &Db,
    contribution_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<(Vec<Comment>, Option<(i64, String)>), StoreError> {
    let (at, id) = after.unwrap_or((i64::MIN, String::new()));
    let roots = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE m.contribution_id = $1 AND m.depth = 1 \
         AND (m.created_at > $2 OR (m.created_at = $2 AND m.id > $3)) \
         ORDER BY m.created_at, m.id LIMIT $4"
    )))
    .bind(contribution_id)
    .bind(at)
    .bind(&id)
    .bind(limit + 1)
    .fetch_all(db.pool())
    .await?;
    let mut roots: Vec<Comment> = roots.iter().map(from_row).collect::<Result<_, _>>()?;
    let next = if roots.len() as i64 > limit {
        roots.truncate(limit as usize);
        roots.last().map(|c| (c.created_at, c.id.clone()))
    } else {
        None
    };
    if roots.is_empty() {
        return Ok((roots, next));
    }
    let marks = (0..roots.len())
        .map(|i| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE m.root_id IN ({marks}) AND m.depth > 1 ORDER BY m.created_at, m.id LIMIT 2000"
    )));
    for r in &roots {
        q = q.bind(r.id.clone());
    }
    let replies: Vec<Comment> = q
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?;
    Ok((thread_order(roots, replies), next))
}

/// Roots and their answers in reading order: each comment followed by its answers.
fn thread_order(roots: Vec<Comment>, replies: Vec<Comment>) -> Vec<Comment> {
    fn push(out: &mut Vec<Comment>, c: Comment, children: &mut HashMap<String, Vec<Comment>>) {
        let id = c.id.clone();
        out.push(c);
        for r in children.remove(&id).unwrap_or_default() {
            push(out, r, children);
        }
    }
    let mut children: HashMap<String, Vec<Comment>> = HashMap::new();
    for r in replies {
        children
            .entry(r.parent_id.clone().unwrap_or_default())
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for r in roots {
        push(&mut out, r, &mut children);
    }
    out
}

/// Changes a comment's text within the edit window (who may is the policy's to say).
pub async fn edit(db: &Db, id: &str, body: &str) -> Result<(), StoreError> {
    let c = get(db, id).await?.ok_or(StoreError::NotFound)?;
    let now = now_ms();
    if !c.editable_at(now) {
        return Err(FieldError::new("body", "comment.edit_closed").into());
    }
    sqlx::query("UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3")
        .bind(body)
        .bind(now)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A user's vote on a comment: +1, −1, or 0 to take it back. The counts follow.
pub async fn vote(db: &Db, id: &str, user_id: &str, value: i64) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT value FROM comment_votes WHERE comment_id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let before = before.unwrap_or(0);
    if before == value {
        return Ok(());
    }
    sqlx::query("DELETE FROM comment_votes WHERE comment_id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if value != 0 {
        sqlx::query("INSERT INTO comment_votes (comment_id, user_id, value) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(user_id)
            .bind(value)
            .execute(&mut *tx)
            .await?;
    }
    let up = i64::from(value == 1) - i64::from(before == 1);
    let down = i64::from(value == -1) - i64::from(before == -1);
    sqlx::query("UPDATE comments SET up = up + $1, down = down + $2 WHERE id = $3")
        .bind(up)
        .bind(down)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A user's votes among some comments: (comment id, value).
pub async fn votes_of(
    db: &Db,
    user_id: &str,
    ids: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (0..ids.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT comment_id, value FROM comment_votes WHERE user_id = $1 AND comment_id IN ({marks})"
    )))
    .bind(user_id.to_string());
    for id in ids {
        q = q.bind(id.clone());
    }
    Ok(q.fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("comment_id")?, r.try_get("value")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// Sets a comment's state (hidden or restored by a moderator), logged with its reason; the
/// contribution's count of published comments follows.
pub async fn set_state(
    db: &Db,
    id: &str,
    state: State,
    note: &str,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let row = sqlx::query("SELECT contribution_id, state FROM comments WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *w)
        .await?
        .ok_or(StoreError::NotFound)?;
    let (contribution, before): (String, String) =
        (row.try_get("contribution_id")?, row.try_get("state")?);
    sqlx::query("UPDATE comments SET state = $1, moderation_note = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(note)
        .bind(id)
        .execute(&mut *w)
        .await?;
    let delta = i64::from(state == State::Published) - i64::from(before == "published");
    if delta != 0 {
        sqlx::query("UPDATE contributions SET comments = comments + $1 WHERE id = $2")
            .bind(delta)
            .bind(&contribution)
            .execute(&mut *w)
            .await?;
    }
    w.audit(
        Some(by),
        &format!("comment.{}", state.as_str()),
        "comment",
        id,
        note,
    )
    .await?;
    w.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, parent: Option<&str>) -> Comment {
        Comment {
            id: id.into(),
            contribution_id: "x".into(),
            parent_id: parent.map(String::from),
            depth: 1,
            author_id: String::new(),
            author_name: String::new(),
            body: String::new(),
            state: State::Published,
            up: 0,
            down: 0,
            created_at: 0,
            edited_at: None,
        }
    }

    #[test]
    fn answers_follow_what_they_answer() {
        let roots = vec![c("a", None), c("b", None)];
        let replies = vec![
            c("b1", Some("b")),
            c("a1", Some("a")),
            c("a11", Some("a1")),
            c("a2", Some("a")),
        ];
        let ids: Vec<String> = thread_order(roots, replies)
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, ["a", "a1", "a11", "a2", "b", "b1"]);
    }
}
