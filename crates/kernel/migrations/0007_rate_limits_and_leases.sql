-- The rate limits every node counts together (on PostgreSQL; a single SQLite node counts in
-- memory): one row per limited action and client (a hash of its address), holding the time
-- (ms) at which the client's allowance is whole again (GCRA's theoretical arrival time). A row
-- whose time has passed says nothing and is purged. Unlogged on PostgreSQL: an attempt waits
-- for no disk, and a crash of the server only gives every client its whole allowance back.
CREATE %UNLOGGED% TABLE rate_limits (
    action TEXT NOT NULL,
    client TEXT NOT NULL,
    tat BIGINT NOT NULL,
    PRIMARY KEY (action, client)
);
-- A daily job's day is taken under a lease: the node `lease_owner` works on it until
-- `lease_until` (ms), renewing it as it goes; `last_day` is the last day done, marked in the
-- transaction of the work. A failed try leaves the day to do after a delay (`lease_until`
-- without an owner), with its cause, and counts in `attempts` until the day is done.
ALTER TABLE daily_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE daily_jobs ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE daily_jobs ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE daily_jobs ADD COLUMN last_error TEXT;
