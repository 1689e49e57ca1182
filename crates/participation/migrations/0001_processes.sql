
CREATE TABLE processes (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Named so that both engines report it the same way (see kernel::error::is_unique_violation).
    CONSTRAINT processes_slug_key UNIQUE (space_id, slug)
);
