//! Conversations: SQL. A statement's number (`tid`) and a participant's (`pid`) are drawn from
//! the conversation's row (`next_tid`, `next_pid`) in the write that adds them, so that they
//! are 0, 1, … without holes. Votes are written by the vote writer (`writer`), together.

use crate::error::StoreError;
use crate::model::*;
use kernel::changes::Entry;
use kernel::db::{Db, Op, Write};
use kernel::ids::{new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;

mod writer;

pub use writer::VoteWriter;

const SELECT: &str = "SELECT c.id, c.process_id, p.space_id, s.slug AS space_slug, \
     s.name AS space_name, p.slug AS process_slug, c.member_id, c.members_only, c.resource_id, \
     a.name AS member_name, c.question, c.description, c.strict_moderation, \
     c.statements_allowed, c.anonymous_allowed, c.closed_at, c.votes, c.created_at, \
     p.published_at AS process_published_at \
     FROM conversations c LEFT JOIN processes p ON p.id = c.process_id \
     LEFT JOIN spaces s ON s.id = p.space_id \
     LEFT JOIN network_members m ON m.id = c.member_id LEFT JOIN actors a ON a.id = m.actor_id";

/// The page of a conversation of a process.
pub fn conversation_url(space_slug: &str, process_slug: &str, id: &str) -> String {
    format!("/s/{space_slug}/processes/{process_slug}/conversations/{id}")
}

/// The page of a conversation of the network.
pub fn network_conversation_url(id: &str) -> String {
    format!("/commun/conversations/{id}")
}

fn from_row(r: &AnyRow) -> Result<Conversation, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let public = r.try_get::<Option<String>, _>("process_id")?.is_none()
        || r.try_get::<Option<i64>, _>("process_published_at")?
            .is_some();
    let (home, url) = match r.try_get::<Option<String>, _>("process_id")? {
        Some(process_id) => (
            Home::Process {
                process_id,
                space_id: r.try_get("space_id")?,
                space_name: r.try_get("space_name")?,
            },
            conversation_url(
                &r.try_get::<String, _>("space_slug")?,
                &r.try_get::<String, _>("process_slug")?,
                &id,
            ),
        ),
        None => (
            Home::Network {
                member_id: r.try_get("member_id")?,
                member_name: r.try_get("member_name")?,
                members_only: r.try_get::<i64, _>("members_only")? != 0,
                resource_id: r.try_get("resource_id")?,
            },
            network_conversation_url(&id),
        ),
    };
    Ok(Conversation {
        url,
        id,
        home,
        question: r.try_get("question")?,
        description: r.try_get("description")?,
        strict_moderation: r.try_get::<i64, _>("strict_moderation")? != 0,
        statements_allowed: r.try_get::<i64, _>("statements_allowed")? != 0,
        anonymous_allowed: r.try_get::<i64, _>("anonymous_allowed")? != 0,
        closed_at: r.try_get("closed_at")?,
        votes: r.try_get("votes")?,
        created_at: r.try_get("created_at")?,
        public,
    })
}

const STATEMENT: &str = "SELECT id, tid, body, author_id, author_pid, moderation, is_meta, \
     created_at FROM conversation_statements";

fn statement_from_row(r: &AnyRow) -> Result<Statement, sqlx::Error> {
    Ok(Statement {
        id: r.try_get("id")?,
        tid: r.try_get::<i64, _>("tid")? as u32,
        body: r.try_get("body")?,
        author_id: r.try_get("author_id")?,
        author_pid: r.try_get::<Option<i64>, _>("author_pid")?.map(|p| p as u32),
        moderation: Moderation::from_i64(r.try_get("moderation")?),
        is_meta: r.try_get::<i64, _>("is_meta")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

/// A conversation by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<Conversation>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"))).bind(id);
    Ok(db.fetch_optional_with(query, from_row).await?)
}

/// The conversations of a process, oldest first.
pub async fn of_process(db: &Db, process_id: &str) -> Result<Vec<Conversation>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.process_id = $1 ORDER BY c.created_at, c.id"
    )))
    .bind(process_id);
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// Every conversation anyone may read, oldest first (the open data catalogue, the API): none
/// of a draft process.
pub async fn all(db: &Db) -> Result<Vec<Conversation>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.process_id IS NULL OR p.published_at IS NOT NULL \
         ORDER BY c.created_at, c.id"
    )));
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// A conversation with statements waiting for its moderators.
#[derive(Debug, Clone)]
pub struct Awaiting {
    /// The conversation.
    pub conversation: Conversation,
    /// How many statements wait (neither decided nor marked as meta).
    pub statements: i64,
    /// When the oldest of them was written (ms).
    pub oldest: Option<i64>,
    /// Whether its process is still a draft (seen by the space's administrators only).
    pub in_draft: bool,
}

/// Whose conversations: a space's (its processes'), or the network's.
#[derive(Debug, Clone, Copy)]
pub enum Held<'a> {
    /// The conversations of a space's processes, by the space's id.
    InSpace(&'a str),
    /// The network's conversations.
    InNetwork,
}

/// The conversations of a space or of the network with statements waiting for moderation, the
/// longest waiting first.
pub async fn awaiting_moderation(db: &Db, held: Held<'_>) -> Result<Vec<Awaiting>, StoreError> {
    // The conversation's own columns, and what waits in it.
    let select = SELECT.replacen(
        "SELECT ",
        "SELECT (SELECT COUNT(*) FROM conversation_statements w WHERE w.conversation_id = c.id \
         AND w.moderation = 0 AND w.is_meta = 0) AS waiting, \
         (SELECT MIN(w.created_at) FROM conversation_statements w WHERE w.conversation_id = c.id \
         AND w.moderation = 0 AND w.is_meta = 0) AS oldest, p.published_at AS process_published_at, ",
        1,
    );
    let query = match held {
        Held::InSpace(space_id) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE p.space_id = $1"
        )))
        .bind(space_id),
        Held::InNetwork => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{select} WHERE c.member_id IS NOT NULL"
        ))),
    };
    let mut list = db
        .fetch_all_with(query, |r| {
            Ok(Awaiting {
                conversation: from_row(r)?,
                statements: r.try_get("waiting")?,
                oldest: r.try_get("oldest")?,
                in_draft: r.try_get::<Option<String>, _>("process_id")?.is_some()
                    && r.try_get::<Option<i64>, _>("process_published_at")?
                        .is_none(),
            })
        })
        .await?;
    list.retain(|a| a.statements > 0);
    list.sort_by_key(|a| (a.oldest, a.conversation.id.clone()));
    Ok(list)
}

/// Where a new conversation is held: a process (its id), or the network, hosted by a member
/// (its id).
#[derive(Debug, Clone, Copy)]
pub enum NewHome<'a> {
    /// A process.
    Process(&'a str),
    /// The network.
    Network(&'a str),
}

/// The conversations of the network, newest first.
pub async fn of_network(db: &Db) -> Result<Vec<Conversation>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE c.member_id IS NOT NULL ORDER BY c.created_at DESC, c.id"
    )));
    Ok(db.fetch_all_with(query, from_row).await?)
}

/// Creates a conversation in a process or in the network.
pub async fn create(
    db: &Db,
    home: NewHome<'_>,
    input: &ConversationInput,
    by: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = now_ms();
    let (process_id, member_id) = match home {
        NewHome::Process(p) => (Some(p), None),
        NewHome::Network(m) => (None, Some(m)),
    };
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO conversations (id, process_id, member_id, members_only, question, \
         description, strict_moderation, statements_allowed, anonymous_allowed, closed_at, \
         next_tid, next_pid, votes, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0, 0, 0, $10, $11, $11)",
    )
    .bind(&id)
    .bind(process_id)
    .bind(member_id)
    .bind(i64::from(member_id.is_some() && input.members_only()))
    .bind(input.question())
    .bind(input.description())
    .bind(i64::from(input.strict_moderation()))
    .bind(i64::from(input.statements_allowed()))
    .bind(i64::from(input.anonymous_allowed()))
    .bind(by)
    .bind(now)
    .execute(&mut *w)
    .await?;
    w.changed(crate::CONVERSATION, &id, Op::Upsert).await?;
    w.audit(Some(by), "conversation.create", "conversation", &id, "")
        .await?;
    w.commit().await?;
    Ok(id)
}

/// Changes a conversation's question, description and settings.
pub async fn update(
    db: &Db,
    id: &str,
    input: &ConversationInput,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let done = sqlx::query(
        "UPDATE conversations SET question = $1, description = $2, strict_moderation = $3, \
         statements_allowed = $4, anonymous_allowed = $5, updated_at = $6, \
         members_only = CASE WHEN member_id IS NULL THEN 0 ELSE $8 END WHERE id = $7",
    )
    .bind(input.question())
    .bind(input.description())
    .bind(i64::from(input.strict_moderation()))
    .bind(i64::from(input.statements_allowed()))
    .bind(i64::from(input.anonymous_allowed()))
    .bind(now_ms())
    .bind(id)
    .bind(i64::from(input.members_only()))
    .execute(&mut *w)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    w.changed(crate::CONVERSATION, id, Op::Upsert).await?;
    w.audit(Some(by), "conversation.update", "conversation", id, "")
        .await?;
    w.commit().await?;
    Ok(())
}

/// Closes a conversation (no more votes nor statements), or opens it again.
pub async fn set_closed(db: &Db, id: &str, closed: bool, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query("UPDATE conversations SET closed_at = $1, updated_at = $2 WHERE id = $3")
        .bind(closed.then(now_ms))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *w)
        .await?;
    w.changed(crate::CONVERSATION, id, Op::Upsert).await?;
    let action = if closed {
        "conversation.close"
    } else {
        "conversation.reopen"
    };
    w.audit(Some(by), action, "conversation", id, "").await?;
    w.commit().await?;
    Ok(())
}

/// Proposes a network conversation's report as a resource of its host member (pending, for
/// the network's moderators), in the write that links the conversation to it; refused
/// (`ResourceExists`) when it already was.
pub async fn propose_resource(
    db: &Db,
    c: &Conversation,
    member_id: &str,
    input: &network::model::ResourceInput,
    by: &str,
) -> Result<String, StoreError> {
    let mut w = db.write().await?;
    let resource = network::store::resources::submit_in(&mut w, member_id, input, by)
        .await
        .map_err(|e| match e {
            network::error::StoreError::Database(e) => StoreError::Database(e),
            network::error::StoreError::Invalid(errors) => StoreError::Invalid(errors),
            _ => StoreError::NotFound,
        })?;
    let linked = sqlx::query(
        "UPDATE conversations SET resource_id = $1, updated_at = $2 \
         WHERE id = $3 AND resource_id IS NULL AND member_id IS NOT NULL",
    )
    .bind(&resource)
    .bind(now_ms())
    .bind(&c.id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if linked == 0 {
        return Err(StoreError::ResourceExists);
    }
    w.changed(crate::CONVERSATION, &c.id, Op::Upsert).await?;
    w.audit(
        Some(by),
        "conversation.propose_resource",
        "conversation",
        &c.id,
        &resource,
    )
    .await?;
    w.commit().await?;
    Ok(resource)
}

/// Every statement of a conversation, by number.
pub async fn statements(db: &Db, conversation_id: &str) -> Result<Vec<Statement>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{STATEMENT} WHERE conversation_id = $1 ORDER BY tid"
    )))
    .bind(conversation_id);
    Ok(db.fetch_all_with(query, statement_from_row).await?)
}

/// A statement of a conversation by its id.
pub async fn statement(
    db: &Db,
    conversation_id: &str,
    id: &str,
) -> Result<Option<Statement>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{STATEMENT} WHERE conversation_id = $1 AND id = $2"
    )))
    .bind(conversation_id)
    .bind(id);
    Ok(db.fetch_optional_with(query, statement_from_row).await?)
}

/// Who writes a statement.
#[derive(Debug, Clone)]
pub struct Author<'a> {
    /// The account, if any.
    pub user_id: Option<&'a str>,
    /// The participant they are (or become), when they take part: the author agrees with
    /// their own statement, as in Polis.
    pub participant: Option<&'a ParticipantKey>,
    /// Whether a moderator writes it: accepted at once.
    pub moderator: bool,
}

/// Adds a statement to an open conversation; the same text twice is refused. Returns it.
pub async fn add_statement(
    db: &Db,
    conversation: &Conversation,
    text: &StatementText,
    author: &Author<'_>,
) -> Result<Statement, StoreError> {
    let now = now_ms();
    let mut w = db.write().await?;
    let open: Option<Option<i64>> =
        sqlx::query_scalar("SELECT closed_at FROM conversations WHERE id = $1")
            .bind(&conversation.id)
            .fetch_optional(&mut *w)
            .await?;
    match open {
        None => return Err(StoreError::NotFound),
        Some(Some(_)) => return Err(StoreError::Closed),
        Some(None) => {}
    }
    let key = text.key();
    let taken: Option<String> = sqlx::query_scalar(
        "SELECT id FROM conversation_statements WHERE conversation_id = $1 AND body_key = $2",
    )
    .bind(&conversation.id)
    .bind(&key)
    .fetch_optional(&mut *w)
    .await?;
    if taken.is_some() {
        return Err(StoreError::Duplicate);
    }
    let next: i64 = sqlx::query_scalar(
        "UPDATE conversations SET next_tid = next_tid + 1 WHERE id = $1 RETURNING next_tid",
    )
    .bind(&conversation.id)
    .fetch_one(&mut *w)
    .await?;
    let tid = next - 1;
    let pid = match author.participant {
        Some(key) => Some(participant_in(&mut w, &conversation.id, key, now).await?),
        None => None,
    };
    let statement = Statement {
        id: new_id(),
        tid: tid as u32,
        body: text.as_str().to_string(),
        author_id: author.user_id.map(str::to_string),
        author_pid: pid,
        moderation: if author.moderator {
            Moderation::Accepted
        } else {
            Moderation::Pending
        },
        is_meta: false,
        created_at: now,
    };
    let inserted = sqlx::query(
        "INSERT INTO conversation_statements (id, conversation_id, tid, body, body_key, \
         author_id, author_pid, moderation, is_meta, created_at, moderated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, NULL)",
    )
    .bind(&statement.id)
    .bind(&conversation.id)
    .bind(tid)
    .bind(&statement.body)
    .bind(&key)
    .bind(author.user_id)
    .bind(pid.map(i64::from))
    .bind(i64::from(statement.moderation.as_i8()))
    .bind(now)
    .execute(&mut *w)
    .await;
    match inserted {
        // Another writer added the same text meanwhile.
        Err(sqlx::Error::Database(e))
            if matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation) =>
        {
            return Err(StoreError::Duplicate);
        }
        other => {
            other?;
        }
    }
    if let Some(pid) = pid {
        upsert_vote(
            &mut w,
            &conversation.id,
            pid,
            tid as u32,
            VoteValue::Agree,
            now,
        )
        .await?;
        count_votes(&mut w, &conversation.id, 1).await?;
    }
    w.changed(crate::CONVERSATION, &conversation.id, Op::Upsert)
        .await?;
    w.audit(
        author.user_id,
        "conversation.statement",
        "conversation",
        &conversation.id,
        &statement.id,
    )
    .await?;
    w.commit().await?;
    Ok(statement)
}

/// A statement brought into an empty conversation with [`import`].
pub struct Imported {
    /// Its text.
    pub text: StatementText,
    /// Its moderation.
    pub moderation: Moderation,
    /// Whether it is meta.
    pub is_meta: bool,
    /// When it was written (ms).
    pub created_at: i64,
}

/// Brings statements (numbered 0, 1, … in order) and votes (participant label, statement
/// number, vote, time) into a conversation that has none, in one write: a conversation run
/// elsewhere, or the demo's. Participants are numbered in the order they first vote.
pub async fn import(
    db: &Db,
    conversation_id: &str,
    statements: &[Imported],
    votes: &[(ParticipantKey, u32, VoteValue, i64)],
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let (tids, pids): (i64, i64) = {
        let row = sqlx::query("SELECT next_tid, next_pid FROM conversations WHERE id = $1")
            .bind(conversation_id)
            .fetch_optional(&mut *w)
            .await?
            .ok_or(StoreError::NotFound)?;
        (row.try_get("next_tid")?, row.try_get("next_pid")?)
    };
    if tids != 0 || pids != 0 {
        return Err(StoreError::Invalid(
            kernel::FieldError::new("statements", "conversation.not_empty").into(),
        ));
    }
    for (tid, s) in statements.iter().enumerate() {
        sqlx::query(
            "INSERT INTO conversation_statements (id, conversation_id, tid, body, body_key, \
             author_id, author_pid, moderation, is_meta, created_at, moderated_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, $7, $8, $8)",
        )
        .bind(new_id())
        .bind(conversation_id)
        .bind(tid as i64)
        .bind(s.text.as_str())
        .bind(s.text.key())
        .bind(i64::from(s.moderation.as_i8()))
        .bind(i64::from(s.is_meta))
        .bind(s.created_at)
        .execute(&mut *w)
        .await?;
    }
    sqlx::query("UPDATE conversations SET next_tid = $1 WHERE id = $2")
        .bind(statements.len() as i64)
        .bind(conversation_id)
        .execute(&mut *w)
        .await?;
    for (key, tid, value, at) in votes {
        if *tid as usize >= statements.len() {
            return Err(StoreError::NoStatement);
        }
        let pid = participant_in(&mut w, conversation_id, key, *at).await?;
        upsert_vote(&mut w, conversation_id, pid, *tid, *value, *at).await?;
    }
    count_votes(&mut w, conversation_id, votes.len() as i64).await?;
    w.changed(crate::CONVERSATION, conversation_id, Op::Upsert)
        .await?;
    w.audit(
        Some(by),
        "conversation.import",
        "conversation",
        conversation_id,
        &format!("{} statements, {} votes", statements.len(), votes.len()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// A moderator's decision on a statement: accepted or rejected, and whether it is meta.
pub async fn moderate(
    db: &Db,
    conversation_id: &str,
    statement_id: &str,
    moderation: Moderation,
    is_meta: bool,
    by: &str,
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let done = sqlx::query(
        "UPDATE conversation_statements SET moderation = $1, is_meta = $2, moderated_at = $3 \
         WHERE conversation_id = $4 AND id = $5",
    )
    .bind(i64::from(moderation.as_i8()))
    .bind(i64::from(is_meta))
    .bind(now_ms())
    .bind(conversation_id)
    .bind(statement_id)
    .execute(&mut *w)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    w.changed(crate::CONVERSATION, conversation_id, Op::Upsert)
        .await?;
    let detail = format!(
        "{statement_id} {}{}",
        moderation.as_str(),
        if is_meta { " meta" } else { "" }
    );
    w.audit(
        Some(by),
        "conversation.moderate",
        "conversation",
        conversation_id,
        &detail,
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// The number of a participant in a conversation, given one if they have none (in `w`).
async fn participant_in(
    w: &mut Write,
    conversation_id: &str,
    key: &ParticipantKey,
    now: i64,
) -> Result<u32, sqlx::Error> {
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT pid FROM conversation_participants WHERE conversation_id = $1 AND participant_key = $2",
    )
    .bind(conversation_id)
    .bind(key.as_str())
    .fetch_optional(&mut **w)
    .await?;
    if let Some(pid) = known {
        return Ok(pid as u32);
    }
    let next: i64 = sqlx::query_scalar(
        "UPDATE conversations SET next_pid = next_pid + 1 WHERE id = $1 RETURNING next_pid",
    )
    .bind(conversation_id)
    .fetch_one(&mut **w)
    .await?;
    let pid = next - 1;
    sqlx::query(
        "INSERT INTO conversation_participants (conversation_id, participant_key, pid, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(conversation_id)
    .bind(key.as_str())
    .bind(pid)
    .bind(now)
    .execute(&mut **w)
    .await?;
    Ok(pid as u32)
}

/// Records a participant's vote, replacing their previous one on the statement (in `w`).
async fn upsert_vote(
    w: &mut Write,
    conversation_id: &str,
    pid: u32,
    tid: u32,
    value: VoteValue,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO statement_votes (conversation_id, pid, tid, value, voted_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id, pid, tid) \
         DO UPDATE SET value = excluded.value, voted_at = excluded.voted_at",
    )
    .bind(conversation_id)
    .bind(i64::from(pid))
    .bind(i64::from(tid))
    .bind(value.as_i64())
    .bind(now)
    .execute(&mut **w)
    .await?;
    Ok(())
}

/// Counts `n` more votes cast in a conversation (in `w`).
async fn count_votes(w: &mut Write, conversation_id: &str, n: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET votes = votes + $1 WHERE id = $2")
        .bind(n)
        .bind(conversation_id)
        .execute(&mut **w)
        .await?;
    Ok(())
}

/// The number of a participant, if they took part.
pub async fn participant(
    db: &Db,
    conversation_id: &str,
    key: &ParticipantKey,
) -> Result<Option<u32>, StoreError> {
    let pid: Option<i64> = sqlx::query_scalar(
        "SELECT pid FROM conversation_participants WHERE conversation_id = $1 AND participant_key = $2",
    )
    .bind(conversation_id)
    .bind(key.as_str())
    .fetch_optional(db.pool())
    .await?;
    Ok(pid.map(|p| p as u32))
}

fn vote_from_row(r: &AnyRow) -> Result<StatementVote, sqlx::Error> {
    Ok(StatementVote {
        pid: r.try_get::<i64, _>("pid")? as u32,
        tid: r.try_get::<i64, _>("tid")? as u32,
        value: VoteValue::from_i64(r.try_get("value")?),
        voted_at: r.try_get("voted_at")?,
    })
}

/// Every vote of a conversation (the latest of each participant on each statement), in the
/// order the opinion map replays them: time, participant, statement.
pub async fn votes(db: &Db, conversation_id: &str) -> Result<Vec<StatementVote>, StoreError> {
    let query = sqlx::query(
        "SELECT pid, tid, value, voted_at FROM statement_votes WHERE conversation_id = $1 \
         ORDER BY voted_at, pid, tid",
    )
    .bind(conversation_id);
    Ok(db.fetch_all_with(query, vote_from_row).await?)
}

/// The votes of one participant.
pub async fn votes_of(
    db: &Db,
    conversation_id: &str,
    pid: u32,
) -> Result<Vec<StatementVote>, StoreError> {
    let query = sqlx::query(
        "SELECT pid, tid, value, voted_at FROM statement_votes \
         WHERE conversation_id = $1 AND pid = $2 ORDER BY tid",
    )
    .bind(conversation_id)
    .bind(i64::from(pid));
    Ok(db.fetch_all_with(query, vote_from_row).await?)
}

/// A conversation's entry in the search index.
fn entry(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let c = from_row(r)?;
    Ok(Entry::from(kernel::search::SearchDoc {
        kind: "conversation",
        id: c.id.clone(),
        url: c.url.clone(),
        title: c.question.clone(),
        body: c.description.clone(),
        tag: "search.tag.conversation",
        subtitle: String::new(),
        boost: 1.0,
        region: String::new(),
        date: None,
    }))
}

/// Every conversation as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    db.fetch_all_with(sqlx::query(SELECT), entry).await
}

/// The index entry of one conversation.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"))).bind(id);
    db.fetch_optional_with(query, entry).await
}
