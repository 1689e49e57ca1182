
CREATE TABLE experiences (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    data TEXT NOT NULL,
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    territory_name TEXT NOT NULL,
    band TEXT NOT NULL,
    region TEXT NOT NULL,
    themes TEXT NOT NULL,
    tools TEXT NOT NULL,
    author TEXT NOT NULL REFERENCES users(id),
    revision BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT experiences_slug_key UNIQUE (slug)
);
CREATE INDEX experiences_state_updated ON experiences (state, updated_at);
CREATE TABLE experience_revisions (
    id TEXT PRIMARY KEY,
    experience_id TEXT NOT NULL REFERENCES experiences(id),
    base_revision BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
CREATE INDEX experience_revisions_state ON experience_revisions (state, created_at);
