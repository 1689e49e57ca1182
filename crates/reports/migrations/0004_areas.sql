
CREATE TABLE report_areas (
    space_id TEXT PRIMARY KEY REFERENCES spaces(id),
    west %REAL% NOT NULL,
    south %REAL% NOT NULL,
    east %REAL% NOT NULL,
    north %REAL% NOT NULL
);
