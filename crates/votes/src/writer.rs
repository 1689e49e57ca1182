//! Group commit of ballots (`kernel::group_commit`): the ballots that arrive while the previous
//! commit is being made durable are written together, and each voter gets their receipt only
//! once that commit is done.

use crate::error::StoreError;
use crate::store;
use kernel::db::Db;
use kernel::group_commit::{Batch, GroupCommit};
use sqlx::Row;

/// Most ballots in one commit.
const MOST: usize = 256;

struct Job {
    votation_id: String,
    voter_key: String,
    ballot: String,
}

/// Ballots, written together.
struct Ballots(Db);

impl Batch for Ballots {
    type Job = Job;
    type Outcome = Result<String, StoreError>;
    async fn write_all(&self, jobs: &[Job]) -> Result<Vec<Self::Outcome>, String> {
        write(&self.0, jobs).await.map_err(|e| e.to_string())
    }
    async fn write_one(&self, job: &Job) -> Self::Outcome {
        store::cast(&self.0, &job.votation_id, &job.voter_key, &job.ballot).await
    }
}

/// The node's ballot writer (one per application, see `AppState::extension`).
pub struct BallotWriter {
    writer: GroupCommit<Ballots>,
}

impl BallotWriter {
    /// Starts the writer on a database.
    pub fn start(db: Db) -> BallotWriter {
        BallotWriter {
            writer: GroupCommit::start(Ballots(db), MOST),
        }
    }

    /// Casts a ballot (see [`store::cast_in`]); returns the tracker once the ballot is durable,
    /// or [`StoreError::Closed`] when the vote closed since the ballot was checked.
    pub async fn cast(
        &self,
        votation_id: &str,
        voter_key: &str,
        ballot: &str,
    ) -> Result<String, StoreError> {
        self.writer
            .submit(Job {
                votation_id: votation_id.to_string(),
                voter_key: voter_key.to_string(),
                ballot: ballot.to_string(),
            })
            .await
            .map_err(|_| StoreError::Stopped("the ballot writer stopped".into()))?
    }
}

/// Writes a batch in one transaction of three statements besides the check of its votes,
/// whatever its size: the roll entries (those already on the roll are skipped and named by what
/// the insert returns), then the ballots and receipts of the voters newly on the roll. The
/// ballots of a vote that closed since they were checked are refused (see
/// [`store::open_boxes`]).
async fn write(db: &Db, batch: &[Job]) -> Result<Vec<Result<String, StoreError>>, StoreError> {
    let day = kernel::ids::iso_date(kernel::ids::now_ms());
    let mut tx = db.begin().await?;
    let mut votes: Vec<&str> = batch.iter().map(|j| j.votation_id.as_str()).collect();
    votes.sort_unstable();
    votes.dedup();
    let open = store::open_boxes(&mut tx, &votes).await?;
    let taken: Vec<&Job> = batch
        .iter()
        .filter(|j| open.contains(&j.votation_id))
        .collect();
    let mut added = std::collections::HashSet::<(String, String)>::new();
    if !taken.is_empty() {
        let mut sql = String::from("INSERT INTO vote_roll (votation_id, voter_key, day) VALUES ");
        for i in 0..taken.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${}, $1)", 2 * i + 2, 2 * i + 3));
        }
        sql.push_str(" ON CONFLICT DO NOTHING RETURNING votation_id, voter_key");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&day);
        for job in &taken {
            q = q.bind(&job.votation_id).bind(&job.voter_key);
        }
        added = q
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("votation_id")?, r.try_get("voter_key")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    }
    // A voter twice in the batch: the first ballot is the one on the roll.
    let outcomes: Vec<Result<String, StoreError>> = batch
        .iter()
        .map(|job| {
            if !open.contains(&job.votation_id) {
                Err(StoreError::Closed)
            } else if added.remove(&(job.votation_id.clone(), job.voter_key.clone())) {
                Ok(kernel::ids::new_id())
            } else {
                Err(StoreError::AlreadyCast)
            }
        })
        .collect();
    let cast: Vec<(&Job, &String)> = batch
        .iter()
        .zip(&outcomes)
        .filter_map(|(job, o)| o.as_ref().ok().map(|t| (job, t)))
        .collect();
    if !cast.is_empty() {
        let mut ballots =
            String::from("INSERT INTO vote_ballots (votation_id, id, content) VALUES ");
        let mut trackers = String::from("INSERT INTO vote_trackers (votation_id, tracker) VALUES ");
        for i in 0..cast.len() {
            if i > 0 {
                ballots.push(',');
                trackers.push(',');
            }
            ballots.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            trackers.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        let mut b = sqlx::query(sqlx::AssertSqlSafe(ballots));
        let mut t = sqlx::query(sqlx::AssertSqlSafe(trackers));
        for (job, tracker) in &cast {
            b = b
                .bind(&job.votation_id)
                .bind(kernel::ids::new_token())
                .bind(&job.ballot);
            t = t.bind(&job.votation_id).bind(*tracker);
        }
        b.execute(&mut *tx).await?;
        t.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}
