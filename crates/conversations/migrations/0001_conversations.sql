
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    question TEXT NOT NULL,
    description TEXT NOT NULL,
    strict_moderation BIGINT NOT NULL,
    statements_allowed BIGINT NOT NULL,
    anonymous_allowed BIGINT NOT NULL,
    closed_at BIGINT,
    next_tid BIGINT NOT NULL,
    next_pid BIGINT NOT NULL,
    votes BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX conversations_process ON conversations (process_id, created_at);
CREATE TABLE conversation_statements (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    tid BIGINT NOT NULL,
    body TEXT NOT NULL,
    body_key TEXT NOT NULL,
    author_id TEXT,
    author_pid BIGINT,
    moderation BIGINT NOT NULL,
    is_meta BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    moderated_at BIGINT,
    UNIQUE (conversation_id, tid),
    UNIQUE (conversation_id, body_key)
);
CREATE TABLE conversation_participants (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    participant_key TEXT NOT NULL,
    pid BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, participant_key),
    UNIQUE (conversation_id, pid)
)%KEYED%;
CREATE TABLE statement_votes (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    pid BIGINT NOT NULL,
    tid BIGINT NOT NULL,
    value BIGINT NOT NULL,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, pid, tid)
)%KEYED%;
