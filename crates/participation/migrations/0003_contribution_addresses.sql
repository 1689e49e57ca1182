-- The address of a located contribution, as the map's geocoder named it ('' when none).
ALTER TABLE contributions ADD COLUMN address TEXT NOT NULL DEFAULT '';
