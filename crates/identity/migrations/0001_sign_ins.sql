-- Sign-ins under way at an OpenID Connect provider: what the callback checks, kept ten minutes.
CREATE TABLE oidc_sign_ins (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL DEFAULT '',
    -- The account the identity is to be linked to, when a signed-in person links one.
    link_user TEXT REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
-- Identities whose e-mail address names an existing account: linked once that account's owner
-- follows the link mailed to it.
CREATE TABLE identity_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    claims TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
