//! Following a process or a contribution: mail at once, or gathered in a daily digest.

use crate::error::StoreError;
use kernel::db::{Db, Write};
use kernel::i18n::Lang;
use kernel::ids::now_ms;
use kernel::mail::Letter;
use sqlx::{AnyConnection, Row};

/// Follows (or changes how one follows) a process or contribution.
pub async fn follow(
    db: &Db,
    target_id: &str,
    user_id: &str,
    digest: bool,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM participation_follows WHERE target_id = $1 AND user_id = $2")
        .bind(target_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO participation_follows (target_id, user_id, digest, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(target_id)
    .bind(user_id)
    .bind(i64::from(digest))
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stops following.
pub async fn unfollow(db: &Db, target_id: &str, user_id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM participation_follows WHERE target_id = $1 AND user_id = $2")
        .bind(target_id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// How a user follows something: `None` when not, else whether by digest.
pub async fn following(
    db: &Db,
    target_id: &str,
    user_id: &str,
) -> Result<Option<bool>, StoreError> {
    let d: Option<i64> = sqlx::query_scalar(
        "SELECT digest FROM participation_follows WHERE target_id = $1 AND user_id = $2",
    )
    .bind(target_id)
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(d.map(|d| d != 0))
}

/// Someone to tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Follower {
    /// Account.
    pub user_id: String,
    /// Address.
    pub email: String,
    /// Language.
    pub lang: Lang,
    /// Whether they get a daily digest rather than a mail each time.
    pub digest: bool,
}

/// The followers of any of these targets, each once (by mail at once if any of their follows
/// asks so), confirmed accounts only.
pub async fn followers(db: &Db, targets: &[&str]) -> Result<Vec<Follower>, StoreError> {
    let marks = (0..targets.len())
        .map(|i| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT f.user_id, u.email, u.lang, f.digest FROM participation_follows f \
         JOIN users u ON u.id = f.user_id \
         WHERE f.target_id IN ({marks}) AND u.confirmed_at IS NOT NULL AND u.deleted_at IS NULL \
         AND u.email IS NOT NULL ORDER BY f.user_id"
    )));
    for t in targets {
        q = q.bind(t.to_string());
    }
    let mut out: Vec<Follower> = Vec::new();
    for r in q.fetch_all(db.pool()).await? {
        let user_id: String = r.try_get("user_id")?;
        let digest = r.try_get::<i64, _>("digest")? != 0;
        match out.iter_mut().find(|f| f.user_id == user_id) {
            Some(f) => f.digest &= digest,
            None => out.push(Follower {
                user_id,
                email: r.try_get("email")?,
                lang: Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or(Lang::Fr),
                digest,
            }),
        }
    }
    Ok(out)
}

/// What the followers of a change are told: a mail at once, or a line of their next daily
/// digest. Made before the change from who follows then, and written with it
/// ([`Notices::write`]), so that the two are kept or lost together.
#[derive(Debug, Default)]
pub struct Notices {
    /// The mails to queue.
    mails: Vec<Letter>,
    /// The digests' lines: to whom, the line's text, its link.
    lines: Vec<(String, String, String)>,
}

impl Notices {
    /// Tells `followers` of a change with the texts `{key}.subject` and `{key}.body`, which
    /// take `{link}` and `{what}`.
    pub fn new(followers: &[Follower], key: &str, link: &str, what: &str) -> Self {
        let mut notices = Notices::default();
        for f in followers {
            if f.digest {
                let text = kernel::i18n::trf(f.lang, &format!("{key}.subject"), &[("what", what)]);
                notices
                    .lines
                    .push((f.user_id.clone(), text, link.to_string()));
            } else {
                let args = [("link", link), ("what", what)];
                notices
                    .mails
                    .push(Letter::texts(&f.email, f.lang, key, &args, ""));
            }
        }
        notices
    }

    /// Queues the mails and keeps the digests' lines, in the write of the change.
    pub async fn write(&self, w: &mut Write) -> Result<(), StoreError> {
        for (user_id, text, link) in &self.lines {
            sqlx::query(
                "INSERT INTO participation_digest (user_id, text, link, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(user_id)
            .bind(text)
            .bind(link)
            .bind(now_ms())
            .execute(&mut **w)
            .await?;
        }
        w.mails(&self.mails).await?;
        Ok(())
    }
}

/// A digest to send.
#[derive(Debug, Clone)]
pub struct Digest {
    /// Address.
    pub email: String,
    /// Language.
    pub lang: Lang,
    /// Lines: (text, link).
    pub lines: Vec<(String, String)>,
}

/// Takes every pending digest line, grouped per user, in the caller's write (they are removed
/// as they are taken: the caller queues their mails in the same write).
pub async fn take_digests(conn: &mut AnyConnection) -> Result<Vec<Digest>, StoreError> {
    // The lines are removed first, so that the write holds the database from its first
    // statement: no other write comes between reading them and removing them (on SQLite, a
    // write that reads first fails when another commits meanwhile). Nothing of it stays if a
    // line cannot be read.
    let rows = sqlx::query("DELETE FROM participation_digest RETURNING id, user_id, text, link")
        .fetch_all(&mut *conn)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        lines.push((
            r.try_get::<String, _>("user_id")?,
            r.try_get::<i64, _>("id")?,
            r.try_get::<String, _>("text")?,
            r.try_get::<String, _>("link")?,
        ));
    }
    lines.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut out: Vec<(String, Digest)> = Vec::new();
    for (user, _, text, link) in lines {
        match out.last_mut() {
            Some((u, d)) if *u == user => d.lines.push((text, link)),
            _ => {
                let reader = sqlx::query("SELECT email, lang FROM users WHERE id = $1")
                    .bind(&user)
                    .fetch_optional(&mut *conn)
                    .await?;
                let (email, lang) = match reader {
                    Some(r) => (
                        r.try_get::<Option<String>, _>("email")?.unwrap_or_default(),
                        Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or(Lang::Fr),
                    ),
                    None => (String::new(), Lang::Fr),
                };
                out.push((
                    user,
                    Digest {
                        email,
                        lang,
                        lines: vec![(text, link)],
                    },
                ));
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| !d.email.is_empty())
        .collect())
}
