
CREATE TABLE actors (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    siret TEXT NOT NULL,
    rna TEXT NOT NULL,
    short_description TEXT NOT NULL,
    description TEXT NOT NULL,
    website TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    commune TEXT NOT NULL,
    departement TEXT NOT NULL,
    region TEXT NOT NULL,
    lat %REAL% NOT NULL,
    lon %REAL% NOT NULL,
    themes TEXT NOT NULL,
    activities TEXT NOT NULL,
    publics TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    source TEXT NOT NULL,
    trusted BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    verified_at BIGINT NOT NULL,
    reminded_at BIGINT,
    CONSTRAINT actors_slug_key UNIQUE (slug)
);
CREATE INDEX actors_state_name ON actors (state, name_key);
CREATE INDEX actors_state_id ON actors (state, id);
CREATE INDEX actors_siret ON actors (siret);
CREATE INDEX actors_name_key ON actors (name_key);
CREATE TABLE actor_terms (
    actor_id TEXT NOT NULL REFERENCES actors(id),
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (vocabulary, code, actor_id)
);
CREATE INDEX actor_terms_actor ON actor_terms (actor_id);
CREATE TABLE actor_owners (
    actor_id TEXT NOT NULL REFERENCES actors(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (actor_id, user_id)
);
CREATE TABLE actor_revisions (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL REFERENCES actors(id),
    base_revision BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
CREATE INDEX actor_revisions_state ON actor_revisions (state, created_at);
