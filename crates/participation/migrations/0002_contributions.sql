
ALTER TABLE processes ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN themes TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN perimeter TEXT NOT NULL DEFAULT '';
CREATE TABLE process_phases (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX process_phases_process ON process_phases (process_id, starts_on);
CREATE TABLE process_components (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    phases TEXT NOT NULL,
    contributions_open BIGINT NOT NULL,
    supports_open BIGINT NOT NULL,
    supports_limit BIGINT NOT NULL,
    anonymous_allowed BIGINT NOT NULL,
    moderated_before BIGINT NOT NULL,
    flag_threshold BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX process_components_process ON process_components (process_id, created_at);
CREATE TABLE contribution_categories (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES process_components(id),
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    icon TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE contributions (
    id TEXT PRIMARY KEY,
    component_id TEXT NOT NULL REFERENCES process_components(id),
    process_id TEXT NOT NULL REFERENCES processes(id),
    space_id TEXT NOT NULL REFERENCES spaces(id),
    category_id TEXT REFERENCES contribution_categories(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    lat %REAL%,
    lon %REAL%,
    author_id TEXT NOT NULL REFERENCES users(id),
    anonymous BIGINT NOT NULL,
    state TEXT NOT NULL,
    moderation_note TEXT NOT NULL,
    supports BIGINT NOT NULL,
    comments BIGINT NOT NULL,
    answer_state TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    answer_progress BIGINT NOT NULL,
    answered_at BIGINT,
    form_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT contributions_form_key_key UNIQUE (author_id, form_key)
);
-- One index per filter and order of the lists, so that a page and its count read index ranges.
CREATE INDEX contributions_component_created ON contributions (component_id, state, created_at);
CREATE INDEX contributions_component_supports ON contributions (component_id, state, supports, created_at);
CREATE INDEX contributions_component_category ON contributions (component_id, state, category_id, created_at);
CREATE INDEX contributions_component_category_supports ON contributions (component_id, state, category_id, supports, created_at);
CREATE INDEX contributions_component_answer ON contributions (component_id, state, answer_state, created_at);
CREATE INDEX contributions_component_answer_category ON contributions (component_id, state, answer_state, category_id);
CREATE INDEX contributions_process ON contributions (process_id, state, created_at);
CREATE TABLE contribution_photos (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (contribution_id, position)
);
CREATE TABLE contribution_supports (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    component_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Named so that both engines report a second support the same way.
    CONSTRAINT contribution_supports_user_id_key PRIMARY KEY (contribution_id, user_id)
);
CREATE INDEX contribution_supports_user ON contribution_supports (component_id, user_id);
CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    root_id TEXT NOT NULL,
    parent_id TEXT REFERENCES comments(id),
    depth BIGINT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    moderation_note TEXT NOT NULL,
    up BIGINT NOT NULL,
    down BIGINT NOT NULL,
    form_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    CONSTRAINT comments_form_key_key UNIQUE (author_id, form_key)
);
CREATE INDEX comments_roots ON comments (contribution_id, depth, created_at);
CREATE INDEX comments_thread ON comments (root_id, created_at);
CREATE TABLE comment_votes (
    comment_id TEXT NOT NULL REFERENCES comments(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    value BIGINT NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
CREATE TABLE participation_follows (
    target_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    digest BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (target_id, user_id)
);
CREATE TABLE participation_digest (
    id %SERIAL%,
    user_id TEXT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX participation_digest_user ON participation_digest (user_id, id);
CREATE TABLE participation_flags (
    target_id TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    CONSTRAINT participation_flags_user_id_key PRIMARY KEY (target_id, user_id)
);
CREATE INDEX participation_flags_open ON participation_flags (space_id, resolved_at);
CREATE TABLE participation_bans (
    space_id TEXT NOT NULL REFERENCES spaces(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    until BIGINT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (space_id, user_id)
);
