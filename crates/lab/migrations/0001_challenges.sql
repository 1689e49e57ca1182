
CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id),
    slug TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    need TEXT NOT NULL,
    context TEXT NOT NULL,
    themes TEXT NOT NULL,
    expected TEXT NOT NULL,
    budget TEXT NOT NULL,
    deadline BIGINT NOT NULL,
    criteria TEXT NOT NULL,
    evaluators TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT challenges_slug_key UNIQUE (space_id, slug)
);
CREATE TABLE challenge_answers (
    id TEXT PRIMARY KEY,
    challenge_id TEXT NOT NULL REFERENCES challenges(id),
    actor_id TEXT NOT NULL REFERENCES actors(id),
    state TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    refs TEXT NOT NULL,
    price TEXT NOT NULL,
    by_user TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT challenge_answers_actor_key UNIQUE (challenge_id, actor_id)
);
CREATE TABLE challenge_grades (
    answer_id TEXT NOT NULL REFERENCES challenge_answers(id),
    evaluator_id TEXT NOT NULL REFERENCES users(id),
    criterion BIGINT NOT NULL,
    grade BIGINT NOT NULL,
    comment TEXT NOT NULL,
    graded_at BIGINT NOT NULL,
    PRIMARY KEY (answer_id, evaluator_id, criterion)
);
