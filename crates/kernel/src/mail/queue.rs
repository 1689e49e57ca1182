//! The SQL of the mail queue (`mail_queue`): queuing, the leases senders take, what became of
//! each try, and the outbox's pages.
//!
//! A sender takes due mails by setting a lease on them (`lease_until`, `lease_owner`) in one
//! statement that skips mails leased by anyone else: on PostgreSQL the rows it picks are locked
//! `FOR UPDATE SKIP LOCKED`, so that two nodes claiming at once take different mails; on SQLite
//! the statement runs under the database's single write lock. It records a try only on a mail
//! it still holds the lease of.

use super::Letter;
use crate::db::{Db, Engine};
use crate::ids::now_ms;
use sqlx::{AnyConnection, Row};

/// What became of a queued mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    /// To be sent, at once or after a failed try.
    Pending,
    /// Handed to the SMTP server.
    Sent,
    /// Given up after a day of tries; an administrator may try it again.
    Failed,
    /// No SMTP server is configured: kept for the outbox only.
    Kept,
}

impl MailState {
    /// Its name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Kept => "kept",
        }
    }

    /// The state named `s` in the database.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(MailState::Pending),
            "sent" => Some(MailState::Sent),
            "failed" => Some(MailState::Failed),
            "kept" => Some(MailState::Kept),
            _ => None,
        }
    }

    /// The key of its name in words.
    pub fn label_key(self) -> &'static str {
        match self {
            MailState::Pending => "admin.mail_state.pending",
            MailState::Sent => "admin.mail_state.sent",
            MailState::Failed => "admin.mail_state.failed",
            MailState::Kept => "admin.mail_state.kept",
        }
    }
}

/// A mail of the queue, as the outbox shows it.
#[derive(Debug, Clone)]
pub struct OutboxMail {
    /// Its number in the queue.
    pub id: i64,
    /// When it was queued (ms).
    pub at: i64,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// What became of it.
    pub state: MailState,
    /// How many times it was handed to the SMTP server.
    pub attempts: i64,
    /// When it is tried next, while pending (ms).
    pub next_attempt_at: i64,
    /// The last failure's cause, or empty.
    pub last_error: String,
    /// When the SMTP server took it (ms).
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, recipient, subject, body, created_at, state, attempts, next_attempt_at, last_error, sent_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<OutboxMail, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(OutboxMail {
        id: r.try_get("id")?,
        at: r.try_get("created_at")?,
        to: r.try_get("recipient")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        state: MailState::parse(&state).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "state".into(),
            source: format!("unknown mail state {state}").into(),
        })?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r
            .try_get::<Option<String>, _>("last_error")?
            .unwrap_or_default(),
        sent_at: r.try_get("sent_at")?,
    })
}

/// Queues a mail on a connection (a write's transaction, or a connection of its own): pending
/// and due at once, or kept when no SMTP server is configured.
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    letter: &Letter,
    state: MailState,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_queue (recipient, subject, body, created_at, state, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $4)",
    )
    .bind(&letter.to)
    .bind(&letter.subject)
    .bind(&letter.body)
    .bind(now)
    .bind(state.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// A page of the queue, newest first, and how many mails it holds in all.
pub async fn page(db: &Db, offset: i64, limit: i64) -> Result<(Vec<OutboxMail>, i64), sqlx::Error> {
    let mails = db
        .fetch_all_with(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM mail_queue ORDER BY id DESC LIMIT $1 OFFSET $2"
            )))
            .bind(limit)
            .bind(offset),
            from_row,
        )
        .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_queue")
        .fetch_one(db.pool())
        .await?;
    Ok((mails, total))
}

/// One mail of the queue.
pub async fn get(db: &Db, id: i64) -> Result<Option<OutboxMail>, sqlx::Error> {
    db.fetch_optional_with(
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM mail_queue WHERE id = $1"
        )))
        .bind(id),
        from_row,
    )
    .await
}

/// Makes a failed mail due again at `now`, with a new day of tries; false when the mail is not
/// (or no longer) failed.
pub async fn retry(conn: &mut AnyConnection, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_queue SET state = 'pending', attempts = 0, next_attempt_at = $1, \
         lease_until = NULL, lease_owner = NULL WHERE id = $2 AND state = 'failed'",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// The first wait before a failed mail is tried again.
const FIRST_WAIT_MS: i64 = 60_000;
/// The longest wait between two tries.
const LONGEST_WAIT_MS: i64 = 3_600_000;
/// Tries after which a mail is given up: with the waits of [`retry_after`], about a day of
/// tries (1, 2, 4 … 32 minutes, then every hour).
pub const MOST_ATTEMPTS: i64 = 30;

/// How long after its `attempts`-th failed try a mail is tried again: a minute, doubled at
/// each try, an hour at most; `None` once it was tried [`MOST_ATTEMPTS`] times.
pub fn retry_after(attempts: i64) -> Option<i64> {
    if attempts >= MOST_ATTEMPTS {
        return None;
    }
    let doublings = attempts.clamp(1, 20) - 1;
    Some((FIRST_WAIT_MS << doublings).min(LONGEST_WAIT_MS))
}

/// A mail a sender holds the lease of.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Tries before this one.
    pub attempts: i64,
}

/// The condition of a mail any sender may take at `$1`.
const DUE: &str =
    "state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)";

/// Whether a mail is due at `now` and leased by no one (a read, before the claim writes).
pub(crate) async fn has_due(db: &Db, now: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM mail_queue WHERE {DUE} LIMIT 1"
    )))
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.is_some())
}

/// Takes at most `most` mails due at `now` that no one holds, oldest first, under a lease of
/// `owner` until `until`.
pub(crate) async fn claim(
    db: &Db,
    owner: &str,
    now: i64,
    until: i64,
    most: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lock = match db.engine() {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE mail_queue SET lease_until = $2, lease_owner = $3 \
         WHERE {DUE} AND id IN (SELECT id FROM mail_queue WHERE {DUE} ORDER BY id LIMIT $4{lock}) \
         RETURNING id, recipient, subject, body, attempts"
    );
    let mut claimed = db
        .fetch_all_with(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(until)
                .bind(owner)
                .bind(most),
            |r| {
                Ok(Claimed {
                    id: r.try_get("id")?,
                    to: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                })
            },
        )
        .await?;
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

/// Records that the SMTP server took a mail `owner` holds; false when the lease was lost.
pub(crate) async fn mark_sent(
    db: &Db,
    mail: &Claimed,
    owner: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE mail_queue SET state = 'sent', sent_at = $1, attempts = $2, lease_until = NULL, \
         lease_owner = NULL WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
    )
    .bind(now)
    .bind(mail.attempts + 1)
    .bind(mail.id)
    .bind(owner)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Records a failed try of a mail `owner` holds, with its cause: it is tried again after
/// [`retry_after`], or given up (`failed`) when that says so or when `again` is false (a try
/// that cannot succeed later, such as a malformed address). False when the lease was lost.
pub(crate) async fn mark_failed(
    db: &Db,
    mail: &Claimed,
    owner: &str,
    now: i64,
    error: &str,
    again: bool,
) -> Result<bool, sqlx::Error> {
    let attempts = mail.attempts + 1;
    let next = retry_after(attempts).filter(|_| again);
    let state = if next.is_some() {
        MailState::Pending
    } else {
        MailState::Failed
    };
    let error: String = error.chars().take(1000).collect();
    let done = sqlx::query(
        "UPDATE mail_queue SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4, \
         lease_until = NULL, lease_owner = NULL WHERE id = $5 AND lease_owner = $6 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(attempts)
    .bind(now + next.unwrap_or(0))
    .bind(error)
    .bind(mail.id)
    .bind(owner)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Gives back the leases `owner` holds on these mails, untried: they are due again at once.
pub(crate) async fn release(db: &Db, mails: &[Claimed], owner: &str) -> Result<(), sqlx::Error> {
    for mail in mails {
        sqlx::query(
            "UPDATE mail_queue SET lease_until = NULL, lease_owner = NULL \
             WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
        )
        .bind(mail.id)
        .bind(owner)
        .execute(db.pool())
        .await?;
    }
    Ok(())
}

/// Without an SMTP server: every pending mail (queued while one was configured, or by a
/// command without a mailer) is kept for the outbox only. Returns how many.
pub(crate) async fn keep_pending(db: &Db) -> Result<u64, sqlx::Error> {
    let any: Option<i64> =
        sqlx::query_scalar("SELECT id FROM mail_queue WHERE state = 'pending' LIMIT 1")
            .fetch_optional(db.pool())
            .await?;
    if any.is_none() {
        return Ok(0);
    }
    Ok(
        sqlx::query("UPDATE mail_queue SET state = 'kept' WHERE state = 'pending'")
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::{MOST_ATTEMPTS, retry_after};

    #[test]
    fn failed_tries_wait_longer_each_time_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=8)
            .map(|n| retry_after(n).unwrap_or_default() / 60_000)
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn a_mail_is_given_up_after_about_a_day_of_tries() {
        let waited: i64 = (1..MOST_ATTEMPTS).filter_map(retry_after).sum();
        let hours = waited as f64 / 3_600_000.0;
        assert!((23.0..=25.0).contains(&hours), "{hours} h");
        assert_eq!(retry_after(MOST_ATTEMPTS), None);
    }
}
