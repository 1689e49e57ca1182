
CREATE TABLE instance_setup (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL
);
INSERT INTO instance_setup (id, at) SELECT 1, 0 WHERE EXISTS (SELECT 1 FROM roles WHERE role = 'admin');
