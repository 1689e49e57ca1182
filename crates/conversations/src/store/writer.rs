//! The votes of a conversation, written by group commit (`kernel::group_commit`): the votes
//! that arrive while the previous commit is being made durable are written together, and each
//! participant's vote is answered once its commit is done.

use super::{count_votes, participant_in};
use crate::error::StoreError;
use crate::model::{ParticipantKey, VoteValue};
use kernel::db::Db;
use kernel::group_commit::{Batch, GroupCommit};
use kernel::ids::now_ms;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most votes in one commit.
const MOST: usize = 256;

/// A vote to write.
pub struct Job {
    conversation_id: String,
    key: ParticipantKey,
    tid: u32,
    value: VoteValue,
}

/// Votes, written together; the participants' numbers already committed are remembered, so
/// that a vote of a known participant costs no read.
struct Votes {
    db: Db,
    known: Mutex<HashMap<(String, ParticipantKey), u32>>,
}

impl Batch for Votes {
    type Job = Job;
    type Outcome = Result<u32, StoreError>;
    async fn write_all(&self, jobs: &[Job]) -> Result<Vec<Self::Outcome>, String> {
        self.write(jobs).await.map_err(|e| e.to_string())
    }
    async fn write_one(&self, job: &Job) -> Self::Outcome {
        self.write(std::slice::from_ref(job))
            .await?
            .pop()
            .unwrap_or(Err(StoreError::NotFound))
    }
}

/// Most participants' numbers remembered.
const KNOWN: usize = 200_000;

/// Most votes in one statement (five values each).
const ROWS: usize = 500;

impl Votes {
    /// Writes votes in one transaction: those of a closed or missing conversation are refused,
    /// the others recorded (each participant numbered on their first vote; of two votes of one
    /// participant on one statement, the later stays). Answers each job with the participant's
    /// number.
    async fn write(&self, jobs: &[Job]) -> Result<Vec<Result<u32, StoreError>>, StoreError> {
        let now = now_ms();
        let mut w = self.db.write().await?;
        let mut open: HashMap<&str, bool> = HashMap::new();
        let mut counted: HashMap<&str, i64> = HashMap::new();
        let mut new: Vec<((String, ParticipantKey), u32)> = Vec::new();
        let mut rows: HashMap<(&str, u32, u32), i64> = HashMap::new();
        let mut order: Vec<(&str, u32, u32)> = Vec::new();
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            let id = job.conversation_id.as_str();
            if !open.contains_key(id) {
                let closed: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT closed_at FROM conversations WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *w)
                        .await?;
                open.insert(id, matches!(closed, Some(None)));
            }
            if !open[id] {
                outcomes.push(Err(StoreError::Closed));
                continue;
            }
            let slot = (job.conversation_id.clone(), job.key.clone());
            let cached = self.known.lock().ok().and_then(|k| k.get(&slot).copied());
            let pid = match cached.or_else(|| new.iter().find(|(k, _)| *k == slot).map(|(_, p)| *p))
            {
                Some(pid) => pid,
                None => {
                    let pid = participant_in(&mut w, id, &job.key, now).await?;
                    new.push((slot, pid));
                    pid
                }
            };
            let row = (id, pid, job.tid);
            if rows.insert(row, job.value.as_i64()).is_none() {
                order.push(row);
            }
            *counted.entry(id).or_default() += 1;
            outcomes.push(Ok(pid));
        }
        for chunk in order.chunks(ROWS) {
            let mut sql = String::from(
                "INSERT INTO statement_votes (conversation_id, pid, tid, value, voted_at) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = 4 * i;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, $1)",
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            sql.push_str(
                " ON CONFLICT (conversation_id, pid, tid) \
                 DO UPDATE SET value = excluded.value, voted_at = excluded.voted_at",
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for row in chunk {
                q = q
                    .bind(row.0)
                    .bind(i64::from(row.1))
                    .bind(i64::from(row.2))
                    .bind(rows[row]);
            }
            q.execute(&mut *w).await?;
        }
        for (id, n) in counted {
            count_votes(&mut w, id, n).await?;
        }
        w.commit().await?;
        if let Ok(mut known) = self.known.lock() {
            // A number once given never changes: the memory is only bounded.
            if known.len() > KNOWN {
                known.clear();
            }
            known.extend(new);
        }
        Ok(outcomes)
    }
}

/// The node's vote writer (one per application, see `AppState::extension`).
pub struct VoteWriter {
    writer: GroupCommit<Votes>,
}

impl VoteWriter {
    /// Starts the writer on a database.
    pub fn start(db: Db) -> VoteWriter {
        VoteWriter {
            writer: GroupCommit::start(
                Votes {
                    db,
                    known: Mutex::new(HashMap::new()),
                },
                MOST,
            ),
        }
    }

    /// Records a participant's vote on a statement the caller checked they may vote on;
    /// returns the participant's number once the vote is durable.
    pub async fn cast(
        &self,
        conversation_id: &str,
        key: &ParticipantKey,
        tid: u32,
        value: VoteValue,
    ) -> Result<u32, StoreError> {
        self.writer
            .submit(Job {
                conversation_id: conversation_id.to_string(),
                key: key.clone(),
                tid,
                value,
            })
            .await
            .map_err(|_| StoreError::Stopped("the vote writer stopped".into()))?
    }
}
