CREATE TABLE network_requests (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    title TEXT NOT NULL,
    need TEXT NOT NULL,
    methods TEXT NOT NULL,
    departement TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    budget_band TEXT NOT NULL,
    state TEXT NOT NULL,
    chosen_answer TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX network_requests_state ON network_requests (state, created_at);
CREATE INDEX network_requests_space ON network_requests (space_id, created_at);
CREATE TABLE network_request_answers (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES network_requests(id),
    member_id TEXT NOT NULL REFERENCES network_members(id),
    body TEXT NOT NULL,
    estimate TEXT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    CONSTRAINT network_request_answers_member_key UNIQUE (request_id, member_id)
);
