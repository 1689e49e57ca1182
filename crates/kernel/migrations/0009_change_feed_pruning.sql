-- The change feed is pruned once a day (`changes::prune`): `through` is the highest number
-- removed so far (0 before the first pruning). A node whose last applied change is below it
-- missed changes it can no longer read, and builds its indexes from the tables again.
CREATE TABLE changes_pruned (
    id BIGINT PRIMARY KEY,
    through BIGINT NOT NULL
);
INSERT INTO changes_pruned (id, through) VALUES (1, 0);
