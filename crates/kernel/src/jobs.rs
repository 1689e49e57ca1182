//! Daily background work of the components (a mail digest, reminders, the clean-up): each job
//! is done once a day from a given Paris hour, whichever node does it.
//!
//! A node takes a job's day under a lease in `daily_jobs` (its name and a time), renews the
//! lease while it works, and does the work in one write that also marks the day done, on the
//! condition that it still holds the lease. So the day is done once: a node that stops in the
//! middle leaves nothing of its work, its lease runs out and another node takes the day over; a
//! node whose lease ran out cannot mark the day any more, and its work is rolled back. A failed
//! try leaves the day to do, for any node, after a delay.

use crate::app::AppState;
use crate::db::{Db, Write};
use crate::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// How long a node holds a job's day before another may take it over (ms).
pub const LEASE_MS: i64 = 5 * 60_000;
/// How often a node renews the lease it works under.
const RENEW: Duration = Duration::from_secs(60);
/// How long a failed day waits before it is tried again (ms).
pub const RETRY_MS: i64 = 10 * 60_000;
/// How often a node looks whether a job is due.
const LOOK: Duration = Duration::from_secs(60);

/// The work of a job's day. Its changes to the database go in the day's write
/// ([`Day::write`]), which marks the day done and which the job's runner commits. Work that
/// cannot take part in the write (files, steps that commit on their own) must be such that
/// doing it twice does no harm. Returns how much it did.
pub type Work = for<'a> fn(&'a AppState, &'a mut Day) -> WorkFuture<'a>;

/// What [`Work`] returns.
pub type WorkFuture<'a> = Pin<Box<dyn Future<Output = Result<usize, Error>> + Send + 'a>>;

/// A job done once a day.
#[derive(Clone, Copy)]
pub struct DailyJob {
    /// Its name in `daily_jobs`.
    pub name: &'static str,
    /// The Paris time from which it is due ("08:00").
    pub hour: &'static str,
    /// The work.
    pub work: Work,
}

/// A job's day being worked on.
pub struct Day {
    db: Db,
    write: Option<Write>,
}

impl Day {
    /// The day's write, begun at the first call: what the work changes in it is committed
    /// with the mark of the day done, or not at all. Begun only when needed, so that work done
    /// before it (a file sweep, SQLite emptying its log) holds no transaction open.
    pub async fn write(&mut self) -> Result<&mut Write, Error> {
        if self.write.is_none() {
            self.write = Some(self.db.write().await?);
        }
        self.write
            .as_mut()
            .ok_or_else(|| Error::internal("the day's write was not begun"))
    }
}

/// What a node's look at a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    /// Not yet the hour.
    NotDue,
    /// Done for the day already, taken by another node, or waiting after a failure.
    NotMine,
    /// Done by this node, with how much it did.
    Done(usize),
    /// Tried by this node and failed: the day is left to do.
    Failed(String),
    /// This node lost the lease while it worked: nothing of its work stays.
    LeaseLost,
}

/// Runs `job` for as long as the application runs: every minute the node looks whether the
/// day is due and not taken, and does it then.
pub async fn daily(state: AppState, job: DailyJob) {
    let mut done_day = String::new();
    loop {
        let now = crate::ids::now_ms();
        let day = crate::clock::local_date(now).to_string();
        if day != done_day {
            match run_due(&state, job, now).await {
                Ok(Turn::Done(n)) => {
                    tracing::info!(job = job.name, done = n, "daily job done");
                    done_day = day;
                }
                Ok(Turn::Failed(error)) => {
                    tracing::error!(job = job.name, error, "daily job failed, to be tried again");
                }
                Ok(Turn::LeaseLost) => {
                    tracing::warn!(job = job.name, "daily job's lease lost, its work undone");
                }
                Ok(Turn::NotDue | Turn::NotMine) => {}
                Err(e) => tracing::error!(job = job.name, error = ?e, "daily job not looked at"),
            }
        }
        tokio::time::sleep(LOOK).await;
    }
}

/// This node's name on the leases it takes: one per application, so that two nodes in one
/// process (the tests') are two.
pub fn node_name(state: &AppState) -> String {
    struct NodeName(String);
    let name = state.extension(|_| {
        NodeName(format!(
            "{}-{}",
            std::process::id(),
            &crate::ids::new_id()[..8]
        ))
    });
    name.0.clone()
}

/// Looks at `job` at `now` (ms): when its day is due and neither done nor taken, takes it and
/// does it. The times of the lease count from `now`.
pub async fn run_due(state: &AppState, job: DailyJob, now: i64) -> Result<Turn, Error> {
    let due = crate::clock::form_value(now)
        .split_once('T')
        .is_some_and(|(_, t)| t >= job.hour);
    if !due {
        return Ok(Turn::NotDue);
    }
    let day = crate::clock::local_date(now).to_string();
    let lease = Lease {
        db: state.db().clone(),
        job: job.name,
        day,
        node: node_name(state),
        started: (now, Instant::now()),
    };
    if !lease.take().await? {
        return Ok(Turn::NotMine);
    }
    let outcome = tokio::select! {
        biased;
        done = work_and_mark(state, job, &lease) => Some(done),
        () = lease.renew_while_held() => None,
    };
    match outcome {
        Some(Ok(n)) => Ok(Turn::Done(n)),
        Some(Err(Error::Conflict(LEASE_LOST))) | None => Ok(Turn::LeaseLost),
        Some(Err(e)) => {
            let error = format!("{e:?}");
            lease.give_back(&error).await?;
            Ok(Turn::Failed(error))
        }
    }
}

/// The code of a lease that ran out under a node's work.
const LEASE_LOST: &str = "job.lease_lost";

/// Does the day's work and marks the day done in its write.
async fn work_and_mark(state: &AppState, job: DailyJob, lease: &Lease) -> Result<usize, Error> {
    let mut day = Day {
        db: state.db().clone(),
        write: None,
    };
    let done = (job.work)(state, &mut day).await?;
    let w = day.write().await?;
    let marked = sqlx::query(
        "UPDATE daily_jobs SET last_day = $1, lease_owner = NULL, lease_until = 0, attempts = 0, \
         last_error = NULL WHERE name = $2 AND lease_owner = $3 AND last_day < $1",
    )
    .bind(&lease.day)
    .bind(lease.job)
    .bind(&lease.node)
    .execute(&mut **w)
    .await?;
    if marked.rows_affected() != 1 {
        return Err(Error::Conflict(LEASE_LOST));
    }
    if let Some(w) = day.write.take() {
        w.commit().await?;
    }
    Ok(done)
}

/// A node's lease on a job's day.
struct Lease {
    db: Db,
    job: &'static str,
    day: String,
    node: String,
    /// When the node looked, in ms and as an instant: the lease's times count from there.
    started: (i64, Instant),
}

impl Lease {
    fn now(&self) -> i64 {
        self.started.0 + self.started.1.elapsed().as_millis() as i64
    }

    /// Takes the day when it is not done and no lease holds it: true for one node only.
    async fn take(&self) -> Result<bool, Error> {
        let now = self.now();
        let taken = sqlx::query(
            "INSERT INTO daily_jobs (name, last_day, lease_owner, lease_until, attempts) \
             VALUES ($1, '', $2, $3, 1) \
             ON CONFLICT (name) DO UPDATE SET lease_owner = $2, lease_until = $3, \
             attempts = daily_jobs.attempts + 1 \
             WHERE daily_jobs.last_day < $4 AND daily_jobs.lease_until <= $5",
        )
        .bind(self.job)
        .bind(&self.node)
        .bind(now + LEASE_MS)
        .bind(&self.day)
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Renews the lease every [`RENEW`]; returns once it is lost (another node took the day
    /// after it ran out, or the day is done). A renewal that fails for another cause (the
    /// database busy) is tried again at the next turn.
    async fn renew_while_held(&self) {
        loop {
            tokio::time::sleep(RENEW).await;
            let renewed = sqlx::query(
                "UPDATE daily_jobs SET lease_until = $1 \
                 WHERE name = $2 AND lease_owner = $3 AND last_day < $4",
            )
            .bind(self.now() + LEASE_MS)
            .bind(self.job)
            .bind(&self.node)
            .bind(&self.day)
            .execute(self.db.pool())
            .await;
            match renewed {
                Ok(r) if r.rows_affected() == 0 => return,
                Ok(_) => {}
                Err(e) => tracing::warn!(job = self.job, error = %e, "lease not renewed"),
            }
        }
    }

    /// Gives the day back after a failed try: any node may try it again after [`RETRY_MS`].
    async fn give_back(&self, error: &str) -> Result<(), Error> {
        sqlx::query(
            "UPDATE daily_jobs SET lease_owner = NULL, lease_until = $1, last_error = $2 \
             WHERE name = $3 AND lease_owner = $4",
        )
        .bind(self.now() + RETRY_MS)
        .bind(error)
        .bind(self.job)
        .bind(&self.node)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }
}

/// The kernel's daily clean-up (see [`purge`]), from 3:30.
pub const PURGE: DailyJob = DailyJob {
    name: "kernel.purge",
    hour: "03:30",
    work: purge,
};

/// The kernel's daily clean-up: expired sessions and links, rate-limit buckets and mail counts
/// that no longer weigh, stored files that no component names any more, a day after they
/// were written (a form left after a step that kept its files, a replaced logo, a removed
/// attachment), and the changes of the feed older than a day (see [`crate::changes::prune`]).
pub fn purge<'a>(state: &'a AppState, day: &'a mut Day) -> WorkFuture<'a> {
    Box::pin(async move {
        let now = crate::ids::now_ms();
        // Files, the feed and the log first, before the day's write: doing them twice does no
        // harm, the feed is pruned in runs of its own (a long one holds no write back), and
        // SQLite empties its log only while no transaction is open.
        let mut done = sweep_files(state, std::time::Duration::from_secs(86_400)).await?;
        done += crate::changes::prune(state.db(), now).await? as usize;
        if state.db().engine() == crate::db::Engine::Sqlite {
            // Pages a sealing could not take out of the write-ahead log (a reader held it) go
            // now: the log is emptied once a day at least.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(state.db().pool())
                .await?;
        }
        let w = day.write().await?;
        done += crate::accounts::store::purge_expired_in(w, now).await? as usize;
        done += crate::web::ratelimit::purge_rate_limits(w, now).await? as usize;
        done += crate::web::ratelimit::purge_mail_quota(w, now).await? as usize;
        Ok(done)
    })
}

/// Removes the stored files that no component names and that were written more than `age` ago;
/// returns how many went.
pub async fn sweep_files(state: &AppState, age: std::time::Duration) -> Result<usize, Error> {
    use futures_util::TryStreamExt;
    let mut named = std::collections::HashSet::new();
    for query in state.file_queries() {
        let mut rows = sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(*query))
            .fetch(state.db().pool());
        while let Some(text) = rows.try_next().await? {
            named.extend(crate::uploads::stored_names_in(
                text.as_deref().unwrap_or(""),
            ));
        }
    }
    Ok(state.uploads().sweep(&named, age).await)
}
