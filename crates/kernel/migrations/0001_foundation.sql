
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
