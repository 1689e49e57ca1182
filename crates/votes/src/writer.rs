//! Group commit of ballots: the ballots that arrive while the previous commit is being made
//! durable are written together, in one transaction and one flush to disk, and each voter gets
//! their receipt only once that commit is done. Durability per ballot stays what it was; the
//! cost of the flush is shared.

use crate::error::StoreError;
use crate::store;
use kernel::db::Db;
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

/// Most ballots in one commit.
const MOST: usize = 256;

struct Job {
    votation_id: String,
    voter_key: String,
    ballot: String,
    reply: oneshot::Sender<Result<String, StoreError>>,
}

/// The node's ballot writer (one per application, see `AppState::extension`).
pub struct BallotWriter {
    jobs: mpsc::Sender<Job>,
}

impl BallotWriter {
    /// Starts the writer on a database.
    pub fn start(db: Db) -> BallotWriter {
        let (jobs, rx) = mpsc::channel(4 * MOST);
        tokio::spawn(run(db, rx));
        BallotWriter { jobs }
    }

    /// Casts a ballot (see [`store::cast_in`]); returns the tracker once the ballot is durable.
    pub async fn cast(
        &self,
        votation_id: &str,
        voter_key: &str,
        ballot: &str,
    ) -> Result<String, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                votation_id: votation_id.to_string(),
                voter_key: voter_key.to_string(),
                ballot: ballot.to_string(),
                reply,
            })
            .await
            .map_err(|_| StoreError::Stopped("the ballot writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Stopped("the ballot writer dropped a ballot".into()))?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MOST);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MOST {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match write(&db, &batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            // The shared commit failed: nothing of it was written. Each ballot is tried again
            // alone, so that one bad ballot cannot fail the others.
            Err(e) => {
                tracing::warn!(
                    cause = %e,
                    "a shared commit of ballots failed; each ballot is tried alone"
                );
                for job in batch.drain(..) {
                    let outcome =
                        store::cast(&db, &job.votation_id, &job.voter_key, &job.ballot).await;
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

/// Writes a batch in one transaction of three statements, whatever its size: the roll entries
/// (those already on the roll are skipped and named by what the insert returns), then the
/// ballots and receipts of the voters newly on the roll.
async fn write(db: &Db, batch: &[Job]) -> Result<Vec<Result<String, StoreError>>, StoreError> {
    let day = kernel::ids::iso_date(kernel::ids::now_ms());
    let mut tx = db.pool().begin().await?;
    let mut sql = String::from("INSERT INTO vote_roll (votation_id, voter_key, day) VALUES ");
    for i in 0..batch.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("(${}, ${}, $1)", 2 * i + 2, 2 * i + 3));
    }
    sql.push_str(" ON CONFLICT DO NOTHING RETURNING votation_id, voter_key");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&day);
    for job in batch {
        q = q.bind(&job.votation_id).bind(&job.voter_key);
    }
    let mut added: std::collections::HashSet<(String, String)> = q
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("votation_id")?, r.try_get("voter_key")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    // A voter twice in the batch: the first ballot is the one on the roll.
    let outcomes: Vec<Result<String, StoreError>> = batch
        .iter()
        .map(|job| {
            if added.remove(&(job.votation_id.clone(), job.voter_key.clone())) {
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
