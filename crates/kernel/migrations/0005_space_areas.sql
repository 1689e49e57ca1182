-- The area of a space's maps (a box of WGS84 degrees, set by its administrators): the maps of
-- the space open on it when they have no point of their own.
CREATE TABLE space_areas (
    space_id TEXT PRIMARY KEY REFERENCES spaces(id),
    west %REAL% NOT NULL,
    south %REAL% NOT NULL,
    east %REAL% NOT NULL,
    north %REAL% NOT NULL
);
