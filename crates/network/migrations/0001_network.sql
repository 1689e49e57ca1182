
CREATE TABLE network_methods (
    code TEXT PRIMARY KEY,
    label_fr TEXT NOT NULL,
    label_en TEXT NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO network_methods (code, label_fr, label_en, position) VALUES
    ('assemblee-citoyenne', 'Assemblée citoyenne', 'Citizens'' assembly', 1),
    ('budget-participatif', 'Budget participatif', 'Participatory budget', 2),
    ('cartographie', 'Cartographie participative', 'Participatory mapping', 3),
    ('conversation', 'Conversation à la Polis', 'Polis-style conversation', 4),
    ('debat-public', 'Débat public', 'Public debate', 5),
    ('ateliers', 'Ateliers et design de services', 'Design thinking and workshops', 6),
    ('consultation-en-ligne', 'Consultation citoyenne en ligne', 'Online citizen consultation', 7),
    ('evaluation', 'Évaluation des démarches', 'Evaluation', 8);
CREATE TABLE network_members (
    id TEXT PRIMARY KEY,
    actor_id TEXT NOT NULL REFERENCES actors(id),
    state TEXT NOT NULL,
    methods TEXT NOT NULL,
    departements TEXT NOT NULL,
    refs TEXT NOT NULL,
    charter_accepted_at BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT network_members_actor_key UNIQUE (actor_id)
);
CREATE INDEX network_members_state ON network_members (state, updated_at);
CREATE TABLE network_member_revisions (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES network_members(id),
    base_revision BIGINT NOT NULL,
    data TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
