//! The votes of a conversation, written by group commit (`kernel::group_commit`): the votes
//! that arrive while the previous commit is being made durable are written together, and each
//! participant's vote is answered once its commit is done.

use super::{count_votes, participant_in, upsert_vote};
use crate::error::StoreError;
use crate::model::{ParticipantKey, VoteValue};
use kernel::db::Db;
use kernel::group_commit::{Batch, GroupCommit};
use kernel::ids::now_ms;
use std::collections::HashMap;

/// Most votes in one commit.
const MOST: usize = 256;

/// A vote to write.
pub struct Job {
    conversation_id: String,
    key: ParticipantKey,
    tid: u32,
    value: VoteValue,
}

/// Votes, written together.
struct Votes(Db);

impl Batch for Votes {
    type Job = Job;
    type Outcome = Result<u32, StoreError>;
    async fn write_all(&self, jobs: &[Job]) -> Result<Vec<Self::Outcome>, String> {
        write(&self.0, jobs).await.map_err(|e| e.to_string())
    }
    async fn write_one(&self, job: &Job) -> Self::Outcome {
        write(&self.0, std::slice::from_ref(job))
            .await?
            .pop()
            .unwrap_or(Err(StoreError::NotFound))
    }
}

/// Writes votes in one transaction: those of a closed or missing conversation are refused, the
/// others recorded (each participant numbered on their first vote). Answers each job with the
/// participant's number.
async fn write(db: &Db, jobs: &[Job]) -> Result<Vec<Result<u32, StoreError>>, StoreError> {
    let now = now_ms();
    let mut w = db.write().await?;
    let mut open: HashMap<&str, bool> = HashMap::new();
    let mut counted: HashMap<&str, i64> = HashMap::new();
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
        let pid = participant_in(&mut w, id, &job.key, now).await?;
        upsert_vote(&mut w, id, pid, job.tid, job.value, now).await?;
        *counted.entry(id).or_default() += 1;
        outcomes.push(Ok(pid));
    }
    for (id, n) in counted {
        count_votes(&mut w, id, n).await?;
    }
    w.commit().await?;
    Ok(outcomes)
}

/// The node's vote writer (one per application, see `AppState::extension`).
pub struct VoteWriter {
    writer: GroupCommit<Votes>,
}

impl VoteWriter {
    /// Starts the writer on a database.
    pub fn start(db: Db) -> VoteWriter {
        VoteWriter {
            writer: GroupCommit::start(Votes(db), MOST),
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
