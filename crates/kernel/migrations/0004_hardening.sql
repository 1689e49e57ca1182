
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
