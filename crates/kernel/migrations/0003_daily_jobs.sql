
CREATE TABLE daily_jobs (
    name TEXT PRIMARY KEY,
    last_day TEXT NOT NULL
);
