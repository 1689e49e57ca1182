-- The results of each closed vote, counted once (in the write that closes it, or by the first
-- node that finds it closed by its date) and served as they are by every node: `results` is
-- the count as JSON, `ballots` how many ballots it counted.
CREATE TABLE vote_results (
    votation_id TEXT PRIMARY KEY REFERENCES votations(id),
    counted_at BIGINT NOT NULL,
    ballots BIGINT NOT NULL,
    results TEXT NOT NULL
);
