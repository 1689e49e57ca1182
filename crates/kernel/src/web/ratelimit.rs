//! Rate limits on what anyone may do without an account: per client address (a token bucket per
//! action and address), and per receiving address for the mails such requests cause.
//!
//! Every node counts together. On PostgreSQL (several nodes) the buckets live in the database:
//! one row per action and client holding the time at which its allowance is whole again (the
//! generic cell rate algorithm, a token bucket kept as one number), moved by one conditional
//! upsert per attempt. On SQLite (one node) they live in the node's memory. The mail counts
//! live in the database on both engines.

use crate::config::Config;
use crate::db::{Db, Engine};
use crate::error::Error;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A limited action: at most `max` attempts at once, given back one by one over `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Name, part of the key.
    pub action: &'static str,
    /// Attempts allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

const HOUR: Duration = Duration::from_secs(3600);

/// Logins: 10 attempts per 5 minutes.
pub const LOGIN: Limit = Limit {
    action: "login",
    max: 10,
    window: Duration::from_secs(300),
};
/// New passwords sent with a reset link: 20 per hour.
pub const RESET_SUBMIT: Limit = Limit {
    action: "reset_submit",
    max: 20,
    window: HOUR,
};

/// Registrations, per address and hour (`limits.registrations_per_hour`).
pub fn registrations(config: &Config) -> Limit {
    Limit {
        action: "register",
        max: config.limits.registrations_per_hour,
        window: HOUR,
    }
}

/// Password reset requests and confirmation resends, per address and hour
/// (`limits.resets_per_hour`).
pub fn resets(config: &Config) -> Limit {
    Limit {
        action: "reset",
        max: config.limits.resets_per_hour,
        window: HOUR,
    }
}

/// Issue reports sent without a confirmed account, per address and hour
/// (`limits.reports_per_hour`).
pub fn anonymous_reports(config: &Config) -> Limit {
    Limit {
        action: "anonymous_report",
        max: config.limits.reports_per_hour,
        window: HOUR,
    }
}

/// Votes and statements of conversations without an account, per address and hour
/// (`limits.conversation_writes_per_hour`).
pub fn anonymous_conversation_writes(config: &Config) -> Limit {
    Limit {
        action: "anonymous_conversation",
        max: config.limits.conversation_writes_per_hour,
        window: HOUR,
    }
}

/// Most (action, address) buckets kept; past it the full ones (which say nothing) go first.
const MOST_BUCKETS: usize = 100_000;

/// One bucket: the attempts left, and when it was last counted.
type Buckets = HashMap<(&'static str, IpAddr), (f64, Instant)>;

/// Token buckets per (action, address): in the database that every node shares when it is
/// PostgreSQL, else in memory, of bounded size.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<Buckets>,
    /// The database holding the buckets, when the nodes share them.
    shared: Option<Db>,
}

impl RateLimiter {
    /// The limiter of a node on `db`: shared through the database on PostgreSQL, where several
    /// nodes may serve together; in memory on SQLite, which one node serves.
    pub fn new(db: &Db) -> Self {
        RateLimiter {
            buckets: Mutex::default(),
            shared: (db.engine() == Engine::Postgres).then(|| db.clone()),
        }
    }

    /// Counts one attempt; refuses it, with the seconds to wait, past the limit.
    pub async fn check(&self, limit: Limit, ip: IpAddr) -> Result<(), Error> {
        match &self.shared {
            Some(db) => check_shared(db, limit, ip, crate::ids::now_ms()).await,
            None => self.check_at(limit, ip, Instant::now()),
        }
    }

    fn check_at(&self, limit: Limit, ip: IpAddr, now: Instant) -> Result<(), Error> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let max = f64::from(limit.max.max(1));
        let per_sec = max / limit.window.as_secs_f64().max(1.0);
        if buckets.len() >= MOST_BUCKETS && !buckets.contains_key(&(limit.action, ip)) {
            // Full buckets hold no information: a new one would start full as well.
            buckets.retain(|_, (left, at)| {
                *left + now.duration_since(*at).as_secs_f64() * per_sec < max
            });
            if buckets.len() >= MOST_BUCKETS {
                buckets.clear();
            }
        }
        let (left, at) = buckets.entry((limit.action, ip)).or_insert((max, now));
        *left = (*left + now.duration_since(*at).as_secs_f64() * per_sec).min(max);
        *at = now;
        if limit.max == 0 || *left < 1.0 {
            let retry = ((1.0 - *left) / per_sec).ceil().max(1.0) as u64;
            return Err(Error::RateLimited(retry));
        }
        *left -= 1.0;
        Ok(())
    }

    /// How many buckets this node keeps in memory.
    pub fn len(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }

    /// Whether no bucket is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Counts one attempt at `now` (ms) in the buckets of the database: the bucket's time moves one
/// interval (`window / max`) ahead of the later of itself and `now`, unless that puts it more
/// than a window ahead, and then the attempt is refused. So `max` attempts pass at once and one
/// more every interval, as in memory; a refused attempt takes nothing. One statement, atomic on
/// every node; a refusal reads the bucket once more for its retry hint.
pub async fn check_shared(db: &Db, limit: Limit, ip: IpAddr, now: i64) -> Result<(), Error> {
    let window = limit.window.as_millis().max(1) as i64;
    if limit.max == 0 {
        return Err(Error::RateLimited((window as u64).div_ceil(1000)));
    }
    let interval = (window / i64::from(limit.max)).max(1);
    let client = client_key(ip);
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limits (action, client, tat) VALUES ($1, $2, $3 + $4) \
         ON CONFLICT (action, client) DO UPDATE SET tat = GREATEST(rate_limits.tat, $3) + $4 \
         WHERE GREATEST(rate_limits.tat, $3) + $4 <= $3 + $5 RETURNING tat",
    )
    .bind(limit.action)
    .bind(&client)
    .bind(now)
    .bind(interval)
    .bind(window)
    .fetch_optional(db.pool())
    .await?;
    if taken.is_some() {
        return Ok(());
    }
    let tat: Option<i64> =
        sqlx::query_scalar("SELECT tat FROM rate_limits WHERE action = $1 AND client = $2")
            .bind(limit.action)
            .bind(&client)
            .fetch_optional(db.pool())
            .await?;
    // The attempt passes once the bucket's time, moved by one interval, is a window ahead no more.
    let wait = tat.map_or(interval, |t| t.max(now) + interval - now - window);
    Err(Error::RateLimited((wait.max(1) as u64).div_ceil(1000)))
}

/// How a client's address is kept in the database: hashed, and short, since it only names a
/// bucket for a while.
fn client_key(ip: IpAddr) -> String {
    let mut key = crate::ids::hash_secret(&ip.to_string());
    key.truncate(32);
    key
}

/// Forgets the buckets that are whole again at `now`: they hold no information (a new one would
/// start whole as well).
pub async fn purge_rate_limits(conn: &mut sqlx::AnyConnection, now: i64) -> Result<u64, Error> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE tat < $1")
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Counts a mail that an anonymous or unconfirmed request causes (a confirmation link, a reset
/// link) to `address`: false when `address` has had its `limits.mails_per_address_per_hour` in
/// the last hour, and then the mail is not to be sent. The count is kept in the database, per
/// hour, and read as a sliding hour (the previous hour weighs what is left of it), so that all
/// nodes count together; the increment is one atomic statement on both engines.
pub async fn mail_allowed(db: &Db, config: &Config, address: &str) -> Result<bool, Error> {
    mail_allowed_at(
        db,
        config.limits.mails_per_address_per_hour,
        address,
        crate::ids::now_ms(),
    )
    .await
}

/// [`mail_allowed`] as at `now` (ms), with at most `max` mails an hour.
pub async fn mail_allowed_at(db: &Db, max: u32, address: &str, now: i64) -> Result<bool, Error> {
    let key = crate::ids::hash_secret(&address.trim().to_lowercase());
    let hour = now / 3_600_000;
    let elapsed = (now % 3_600_000) as f64 / 3_600_000.0;
    let previous: Option<i64> =
        sqlx::query_scalar("SELECT sent FROM mail_quota WHERE address_hash = $1 AND hour = $2")
            .bind(&key)
            .bind(hour - 1)
            .fetch_optional(db.pool())
            .await?;
    let carried = (previous.unwrap_or(0) as f64 * (1.0 - elapsed)).floor() as i64;
    let room = i64::from(max) - carried;
    if room < 1 {
        return Ok(false);
    }
    let counted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO mail_quota (address_hash, hour, sent) VALUES ($1, $2, 1) \
         ON CONFLICT (address_hash, hour) DO UPDATE SET sent = mail_quota.sent + 1 \
         WHERE mail_quota.sent < $3 RETURNING sent",
    )
    .bind(&key)
    .bind(hour)
    .bind(room)
    .fetch_optional(db.pool())
    .await?;
    Ok(counted.is_some())
}

/// Forgets the mail counts of hours that no longer weigh.
pub async fn purge_mail_quota(conn: &mut sqlx::AnyConnection, now: i64) -> Result<u64, Error> {
    Ok(sqlx::query("DELETE FROM mail_quota WHERE hour < $1")
        .bind(now / 3_600_000 - 1)
        .execute(conn)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_past_the_limit_are_refused_with_a_retry_hint_and_come_back_with_time() {
        let rl = RateLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let limit = Limit {
            action: "t",
            max: 3,
            window: Duration::from_secs(60),
        };
        let t0 = Instant::now();
        for _ in 0..3 {
            rl.check_at(limit, ip, t0).unwrap();
        }
        match rl.check_at(limit, ip, t0) {
            Err(Error::RateLimited(s)) => assert!(s > 0 && s <= 20, "{s}"),
            other => panic!("{other:?}"),
        }
        rl.check_at(limit, other, t0).unwrap();
        // One attempt comes back every 20 seconds, not the whole window at once.
        rl.check_at(limit, ip, t0 + Duration::from_secs(21))
            .unwrap();
        assert!(
            rl.check_at(limit, ip, t0 + Duration::from_secs(22))
                .is_err()
        );
    }

    #[test]
    fn the_buckets_stay_bounded() {
        let rl = RateLimiter::default();
        let limit = Limit {
            action: "t",
            max: 1,
            window: Duration::from_secs(3600),
        };
        let t0 = Instant::now();
        for i in 0..(MOST_BUCKETS as u32 + 10) {
            let ip = IpAddr::from(i.to_be_bytes());
            rl.check_at(limit, ip, t0).unwrap();
        }
        assert!(rl.len() <= MOST_BUCKETS);
    }
}
