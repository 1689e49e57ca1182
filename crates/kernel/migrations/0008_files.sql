-- Uploaded files kept in the database (the `files = "database"` setting, the default with
-- PostgreSQL), so that every node serves the files any node received. `path` is the file's name
-- under the store, drawn from its content (`<hash>.png`, `attachments/<hash>.pdf`): a file sent
-- twice is one row. Its bytes are in `file_chunks`, 1 MiB a row, read one at a time as the file
-- is served. `written_at` is in milliseconds since 1970 (the sweep of unnamed files reads it).
CREATE TABLE files (
    path TEXT PRIMARY KEY,
    bytes BIGINT NOT NULL,
    chunks BIGINT NOT NULL,
    written_at BIGINT NOT NULL
);
CREATE TABLE file_chunks (
    path TEXT NOT NULL REFERENCES files (path) ON DELETE CASCADE,
    n BIGINT NOT NULL,
    data %BLOB% NOT NULL,
    PRIMARY KEY (path, n)
);
