-- The second factor of a sign-in: an authenticator app's secret (on once a first code is given),
-- single-use recovery codes, sign-ins waiting for their code, and browsers trusted for 30 days.
CREATE TABLE user_totp (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled_at BIGINT,
    -- The last time step whose code was taken: no code is taken twice.
    last_step BIGINT NOT NULL
);
CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE second_factor_pending (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    next TEXT NOT NULL,
    flash TEXT NOT NULL,
    provider_logout TEXT,
    tries BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE trusted_browsers (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX trusted_browsers_user ON trusted_browsers (user_id);
-- The spaces whose staff (administrators, moderators, agents) must sign in with a second factor
-- (instance administrators always do).
CREATE TABLE space_second_factor (
    space_id TEXT PRIMARY KEY REFERENCES spaces(id) ON DELETE CASCADE,
    since BIGINT NOT NULL
);
