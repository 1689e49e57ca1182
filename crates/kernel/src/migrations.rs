//! The kernel's tables, per engine.

use crate::db::Migration;

/// The kernel's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "kernel/0001_foundation",
        sql: r#"
CREATE TABLE changes (
    seq %SERIAL%,
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT UNIQUE,
    password_hash TEXT,
    display_name TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'fr',
    confirmed_at BIGINT,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    space_id TEXT NOT NULL DEFAULT '',
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role, space_id)
);
CREATE TABLE audit_log (
    id %SERIAL%,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE territories (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    population BIGINT,
    postcodes TEXT NOT NULL,
    region_code TEXT,
    departement_code TEXT,
    epci_code TEXT,
    PRIMARY KEY (kind, code)
);
CREATE INDEX territories_region ON territories (region_code, kind);
CREATE INDEX territories_departement ON territories (departement_code, kind);
CREATE INDEX territories_epci ON territories (epci_code, kind);
CREATE TABLE spaces (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    accent_color TEXT NOT NULL,
    logo TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (territory_kind, territory_code) REFERENCES territories (kind, code)
);
"#,
    },
    Migration {
        id: "kernel/0002_instance_setup",
        // One row at most: the first-run page claims it in the transaction that creates the
        // first administrator, so that two visitors cannot both become one.
        sql: r#"
CREATE TABLE instance_setup (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL
);
INSERT INTO instance_setup (id, at) SELECT 1, 0 WHERE EXISTS (SELECT 1 FROM roles WHERE role = 'admin');
"#,
    },
    Migration {
        id: "kernel/0003_daily_jobs",
        sql: r#"
CREATE TABLE daily_jobs (
    name TEXT PRIMARY KEY,
    last_day TEXT NOT NULL
);
"#,
    },
    Migration {
        id: "kernel/0004_hardening",
        // The instance's keys; the mails an anonymous request caused, per receiving address
        // (its hash) and hour, so that every node counts them together.
        sql: r#"
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE mail_quota (
    address_hash TEXT NOT NULL,
    hour BIGINT NOT NULL,
    sent BIGINT NOT NULL,
    PRIMARY KEY (address_hash, hour)
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);
"#,
    },
];
