
DROP TABLE actor_terms;
ALTER TABLE actors ADD COLUMN social TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN logo TEXT NOT NULL DEFAULT '';
CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL REFERENCES actors(id),
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    themes TEXT NOT NULL,
    description TEXT NOT NULL,
    sizes TEXT NOT NULL,
    refs TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX offers_actor ON offers (actor_id, title);
CREATE TABLE directory_terms (
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_en TEXT NOT NULL,
    retired BIGINT NOT NULL,
    position BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (vocabulary, code)
);
CREATE INDEX offers_state_id ON offers (state, id);
CREATE TABLE actor_invitations (
    actor_id TEXT NOT NULL REFERENCES actors(id),
    email TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor_id, email)
);
