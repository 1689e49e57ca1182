//! What a person did in the processes, for their account page: their contributions and what
//! they follow.

use crate::error::StoreError;
use kernel::db::Db;
use sqlx::Row;

/// A contribution or a process of a person's, for their account page.
#[derive(Debug, Clone)]
pub struct Mine {
    /// Its title.
    pub title: String,
    /// Its page.
    pub url: String,
    /// The contribution's state (`None` for what is followed).
    pub state: Option<String>,
    /// The process it belongs to (a followed process: itself).
    pub process: String,
    /// When it was written or followed (UTC ms).
    pub at: i64,
}

/// A person's contributions, the latest first, at most `limit`.
pub async fn contributions(db: &Db, user_id: &str, limit: i64) -> Result<Vec<Mine>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.title, c.state, c.created_at, s.slug, p.slug, p.title \
         FROM contributions c JOIN processes p ON p.id = c.process_id \
         JOIN spaces s ON s.id = c.space_id \
         WHERE c.author_id = $1 ORDER BY c.created_at DESC, c.id LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Mine {
                url: format!(
                    "/s/{}/processes/{}/contributions/{}",
                    r.try_get::<String, _>(4)?,
                    r.try_get::<String, _>(5)?,
                    r.try_get::<String, _>(0)?
                ),
                title: r.try_get(1)?,
                state: Some(r.try_get(2)?),
                at: r.try_get(3)?,
                process: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// The processes and contributions a person follows, the latest followed first, at most
/// `limit`.
pub async fn followed(db: &Db, user_id: &str, limit: i64) -> Result<Vec<Mine>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.created_at, s.slug, p.slug, p.title, NULL, NULL FROM participation_follows f \
         JOIN processes p ON p.id = f.target_id JOIN spaces s ON s.id = p.space_id \
         WHERE f.user_id = $1 \
         UNION ALL \
         SELECT f.created_at, s.slug, p.slug, p.title, c.id, c.title FROM participation_follows f \
         JOIN contributions c ON c.id = f.target_id JOIN processes p ON p.id = c.process_id \
         JOIN spaces s ON s.id = c.space_id WHERE f.user_id = $1 \
         ORDER BY 1 DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let process_url = format!(
                "/s/{}/processes/{}",
                r.try_get::<String, _>(1)?,
                r.try_get::<String, _>(2)?
            );
            let process: String = r.try_get(3)?;
            let contribution: Option<String> = r.try_get(4)?;
            Ok(match contribution {
                Some(id) => Mine {
                    url: format!("{process_url}/contributions/{id}"),
                    title: r.try_get(5)?,
                    state: None,
                    process,
                    at: r.try_get(0)?,
                },
                None => Mine {
                    url: process_url,
                    title: process.clone(),
                    state: None,
                    process,
                    at: r.try_get(0)?,
                },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}
