//! Daily background work of the components (a mail digest, reminders): each job runs once a
//! day from a given Paris hour, on one node only (the first to claim the day in `daily_jobs`).

use crate::app::AppState;
use crate::changes::BoxFuture;
use crate::db::Db;
use crate::error::Error;

/// Claims a daily job for a day: true for the one node that gets it first.
pub async fn claim_day(db: &Db, job: &str, day: &str) -> Result<bool, Error> {
    let mut tx = db.pool().begin().await?;
    let last: Option<String> =
        sqlx::query_scalar("SELECT last_day FROM daily_jobs WHERE name = $1")
            .bind(job)
            .fetch_optional(&mut *tx)
            .await?;
    let claimed = match last {
        None => sqlx::query("INSERT INTO daily_jobs (name, last_day) VALUES ($1, $2)")
            .bind(job)
            .bind(day)
            .execute(&mut *tx)
            .await
            .is_ok(),
        Some(l) if l.as_str() < day => {
            sqlx::query("UPDATE daily_jobs SET last_day = $1 WHERE name = $2 AND last_day = $3")
                .bind(day)
                .bind(job)
                .bind(&l)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1
        }
        Some(_) => false,
    };
    tx.commit().await?;
    Ok(claimed)
}

/// Runs `work` once a day from `hour` ("08:00", Paris time), for as long as the application
/// runs; it looks every ten minutes.
pub async fn daily(
    state: AppState,
    job: &'static str,
    hour: &'static str,
    work: fn(AppState) -> BoxFuture<Result<usize, Error>>,
) {
    loop {
        let now = crate::ids::now_ms();
        let day = crate::clock::local_date(now).to_string();
        let due = crate::clock::form_value(now)
            .split_once('T')
            .is_some_and(|(_, t)| t >= hour);
        if due {
            match claim_day(state.db(), job, &day).await {
                Ok(true) => match work(state.clone()).await {
                    Ok(n) => tracing::info!(job, done = n, "daily job run"),
                    Err(e) => tracing::error!(job, error = ?e, "daily job failed"),
                },
                Ok(false) => {}
                Err(e) => tracing::error!(job, error = ?e, "daily job not claimed"),
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}

/// The kernel's daily clean-up: expired sessions and links, mail counts that no longer weigh,
/// and stored files that no component names any more, a day after they were written (a form
/// left after a step that kept its files, a replaced logo, a removed attachment).
pub fn purge(state: AppState) -> BoxFuture<Result<usize, Error>> {
    Box::pin(async move {
        let now = crate::ids::now_ms();
        let mut done = crate::accounts::store::purge_expired(state.db(), now).await? as usize;
        done += crate::web::ratelimit::purge_mail_quota(state.db(), now).await? as usize;
        done += sweep_files(&state, std::time::Duration::from_secs(86_400)).await?;
        if state.db().engine() == crate::db::Engine::Sqlite {
            // Pages a sealing could not take out of the write-ahead log (a reader held it) go
            // now: the log is emptied once a day at least.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(state.db().pool())
                .await?;
        }
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
