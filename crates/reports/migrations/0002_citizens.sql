
CREATE TABLE report_photos (
    report_id TEXT NOT NULL REFERENCES reports(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE TABLE report_links (
    token_hash TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE TABLE report_followers (
    report_id TEXT NOT NULL REFERENCES reports(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    supports BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, user_id)
);
CREATE TABLE report_team_members (
    team_id TEXT NOT NULL REFERENCES report_teams(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX reports_category_created ON reports (category_id, created_at);
