-- The identities accounts hold at OpenID Connect providers: an account may hold several, and a
-- password or none.
CREATE TABLE user_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    claims TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
-- A session opened through a provider: where signing out sends the person to sign out there too.
ALTER TABLE sessions ADD COLUMN provider_logout TEXT;
