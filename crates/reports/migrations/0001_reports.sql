
CREATE TABLE report_teams (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE report_categories (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    grp TEXT NOT NULL,
    keywords TEXT NOT NULL,
    description TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES report_teams(id),
    attributes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT report_categories_code_key UNIQUE (space_id, code)
);
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    category_id TEXT NOT NULL REFERENCES report_categories(id),
    status TEXT NOT NULL,
    status_notes TEXT NOT NULL,
    description TEXT NOT NULL,
    lat %REAL% NOT NULL,
    lon %REAL% NOT NULL,
    address TEXT NOT NULL,
    attributes TEXT NOT NULL,
    reporter_id TEXT,
    reporter_email TEXT,
    reporter_name TEXT NOT NULL,
    client_id TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reports_space_created ON reports (space_id, created_at);
CREATE TABLE report_events (
    id %SERIAL%,
    report_id TEXT NOT NULL REFERENCES reports(id),
    at BIGINT NOT NULL,
    status TEXT NOT NULL,
    public_note TEXT NOT NULL,
    internal_note TEXT NOT NULL,
    by_user TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, at);
CREATE TABLE report_clients (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE report_submissions (
    client_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    report_id TEXT NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);
