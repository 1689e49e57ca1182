//! The kernel's tables, per engine.

use crate::db::Migration;

/// The kernel's migrations, in order. `0002_instance_setup` holds one row at most: the
/// first-run page claims it in the transaction that creates the first administrator, so that
/// two visitors cannot both become one. `0004_hardening` holds the instance's keys and the
/// mails an anonymous request caused, per receiving address (its hash) and hour, so that every
/// node counts them together. `0005_space_areas` holds the box each space's maps open on.
/// `0006_mail_queue` holds outgoing mail until a node's sender hands it over (see [`crate::mail`]).
/// `0007_rate_limits_and_leases` holds the rate limits every node counts together and the
/// leases of the daily jobs (see [`crate::web::ratelimit`] and [`crate::jobs`]). `0008_files`
/// holds the uploaded files of the `files = "database"` setting (see
/// [`crate::uploads::FileStore`]). `0009_change_feed_pruning` records how far the change feed
/// was pruned (see [`crate::changes::prune`]). `0010_identities` holds the identities accounts
/// hold at OpenID Connect providers (see [`crate::accounts::identities`]). `0011_second_factor`
/// holds the second factor of sign-ins (see [`crate::accounts::second_factor`]).
pub const MIGRATIONS: &[Migration] = crate::migrations!(
    "kernel",
    "0001_foundation",
    "0002_instance_setup",
    "0003_daily_jobs",
    "0004_hardening",
    "0005_space_areas",
    "0006_mail_queue",
    "0007_rate_limits_and_leases",
    "0008_files",
    "0009_change_feed_pruning",
    "0010_identities",
    "0011_second_factor"
);
