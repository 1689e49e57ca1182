//! Rate limits on sensitive actions (login, registration, password reset), per client address.

use crate::error::Error;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A limited action: at most `max` attempts per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Name, part of the key.
    pub action: &'static str,
    /// Attempts allowed per window.
    pub max: u32,
    /// The window.
    pub window: Duration,
}

/// Logins: 10 attempts per 5 minutes.
pub const LOGIN: Limit = Limit {
    action: "login",
    max: 10,
    window: Duration::from_secs(300),
};
/// Registrations: 10 per hour.
pub const REGISTER: Limit = Limit {
    action: "register",
    max: 10,
    window: Duration::from_secs(3600),
};
/// New passwords sent with a reset link: 20 per hour.
pub const RESET_SUBMIT: Limit = Limit {
    action: "reset_submit",
    max: 20,
    window: Duration::from_secs(3600),
};
/// Password reset requests: 5 per hour.
pub const RESET: Limit = Limit {
    action: "reset",
    max: 5,
    window: Duration::from_secs(3600),
};

/// The attempts of one (action, address): when its window started, how many so far.
type Windows = HashMap<(&'static str, IpAddr), (Instant, u32)>;

/// Fixed windows per (action, address), in memory.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// Counts one attempt; refuses it, with the seconds to wait, past the limit.
    pub fn check(&self, limit: Limit, ip: IpAddr) -> Result<(), Error> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if windows.len() > 100_000 {
            windows.retain(|(a, _), (start, _)| {
                now.duration_since(*start) < limit.window || *a != limit.action
            });
        }
        let entry = windows.entry((limit.action, ip)).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit.max {
            let retry = limit
                .window
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1);
            return Err(Error::RateLimited(retry));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_past_the_limit_are_refused_with_a_retry_hint() {
        let rl = RateLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let limit = Limit {
            action: "t",
            max: 3,
            window: Duration::from_secs(60),
        };
        for _ in 0..3 {
            rl.check(limit, ip).unwrap();
        }
        match rl.check(limit, ip) {
            Err(Error::RateLimited(s)) => assert!(s > 0 && s <= 60),
            other => panic!("{other:?}"),
        }
        rl.check(limit, other).unwrap();
    }
}
