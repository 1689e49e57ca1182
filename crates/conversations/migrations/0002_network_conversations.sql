-- A conversation belongs to a process or to the network (hosted by one of its members, open to
-- the members only or to all), never to both: the tables are made again, since a column does
-- not become nullable in place on every engine.
CREATE TABLE conversations_next (
    id TEXT PRIMARY KEY,
    process_id TEXT REFERENCES processes(id),
    member_id TEXT REFERENCES network_members(id),
    members_only BIGINT NOT NULL,
    resource_id TEXT,
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
    updated_at BIGINT NOT NULL,
    CHECK ((process_id IS NULL) <> (member_id IS NULL))
);
INSERT INTO conversations_next (id, process_id, member_id, members_only, resource_id, question,
    description, strict_moderation, statements_allowed, anonymous_allowed, closed_at, next_tid,
    next_pid, votes, created_by, created_at, updated_at)
    SELECT id, process_id, NULL, 0, NULL, question, description, strict_moderation,
    statements_allowed, anonymous_allowed, closed_at, next_tid, next_pid, votes, created_by,
    created_at, updated_at FROM conversations;
CREATE TABLE conversation_statements_next (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations_next(id),
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
INSERT INTO conversation_statements_next SELECT id, conversation_id, tid, body, body_key,
    author_id, author_pid, moderation, is_meta, created_at, moderated_at
    FROM conversation_statements;
CREATE TABLE conversation_participants_next (
    conversation_id TEXT NOT NULL REFERENCES conversations_next(id),
    participant_key TEXT NOT NULL,
    pid BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, participant_key),
    UNIQUE (conversation_id, pid)
)%KEYED%;
INSERT INTO conversation_participants_next SELECT conversation_id, participant_key, pid,
    created_at FROM conversation_participants;
CREATE TABLE statement_votes_next (
    conversation_id TEXT NOT NULL REFERENCES conversations_next(id),
    pid BIGINT NOT NULL,
    tid BIGINT NOT NULL,
    value BIGINT NOT NULL,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, pid, tid)
)%KEYED%;
INSERT INTO statement_votes_next SELECT conversation_id, pid, tid, value, voted_at
    FROM statement_votes;
DROP TABLE statement_votes;
DROP TABLE conversation_participants;
DROP TABLE conversation_statements;
DROP TABLE conversations;
ALTER TABLE conversations_next RENAME TO conversations;
ALTER TABLE conversation_statements_next RENAME TO conversation_statements;
ALTER TABLE conversation_participants_next RENAME TO conversation_participants;
ALTER TABLE statement_votes_next RENAME TO statement_votes;
CREATE INDEX conversations_process ON conversations (process_id, created_at);
CREATE INDEX conversations_member ON conversations (member_id, created_at);
