
CREATE TABLE votations (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES processes(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    closed_at BIGINT,
    eligibility TEXT NOT NULL,
    min_age BIGINT,
    salt TEXT NOT NULL,
    budget BIGINT,
    basket_max BIGINT,
    rule TEXT,
    by_cost BIGINT,
    created_at BIGINT NOT NULL,
    sealed_at BIGINT
);
CREATE INDEX votations_process ON votations (process_id, opens_at);
CREATE TABLE vote_questions (
    id TEXT PRIMARY KEY,
    votation_id TEXT NOT NULL REFERENCES votations(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    method TEXT NOT NULL,
    min_choices BIGINT,
    max_choices BIGINT,
    grades TEXT NOT NULL
);
CREATE INDEX vote_questions_votation ON vote_questions (votation_id, position);
CREATE TABLE vote_options (
    id TEXT PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES vote_questions(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    cost BIGINT NOT NULL,
    area TEXT NOT NULL
);
CREATE INDEX vote_options_question ON vote_options (question_id, position);
CREATE TABLE vote_census (
    votation_id TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    PRIMARY KEY (votation_id, entry_hash)
)%KEYED%;
CREATE TABLE vote_codes (
    votation_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (votation_id, code_hash)
)%KEYED%;
CREATE TABLE vote_roll (
    votation_id TEXT NOT NULL,
    voter_key TEXT NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (votation_id, voter_key)
)%KEYED%;
CREATE TABLE vote_ballots (
    votation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (votation_id, id)
)%KEYED%;
CREATE TABLE vote_trackers (
    votation_id TEXT NOT NULL,
    tracker TEXT NOT NULL,
    PRIMARY KEY (votation_id, tracker)
)%KEYED%;
