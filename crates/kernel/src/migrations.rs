//! The kernel's tables, per engine.

use crate::db::Migration;

/// The kernel's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "kernel/0001_foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
    },
    Migration {
        id: "kernel/0002_instance_setup",
        // One row at most: the first-run page claims it in the transaction that creates the
        // first administrator, so that two visitors cannot both become one.
        sql: include_str!("../migrations/0002_instance_setup.sql"),
    },
    Migration {
        id: "kernel/0003_daily_jobs",
        sql: include_str!("../migrations/0003_daily_jobs.sql"),
    },
    Migration {
        id: "kernel/0004_hardening",
        // The instance's keys; the mails an anonymous request caused, per receiving address
        // (its hash) and hour, so that every node counts them together.
        sql: include_str!("../migrations/0004_hardening.sql"),
    },
];
