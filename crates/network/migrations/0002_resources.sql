CREATE TABLE network_resources (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES network_members(id),
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    methods TEXT NOT NULL,
    licence TEXT NOT NULL,
    data TEXT NOT NULL,
    author TEXT NOT NULL REFERENCES users(id),
    revision BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX network_resources_state ON network_resources (state, updated_at);
CREATE TABLE network_resource_revisions (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES network_resources(id),
    base_revision BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
