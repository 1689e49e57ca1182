-- A process starts as a draft (published_at NULL); those there before stay public.
ALTER TABLE processes ADD COLUMN published_at BIGINT;
UPDATE processes SET published_at = created_at;
-- A phase says what happens in it.
ALTER TABLE process_phases ADD COLUMN description TEXT NOT NULL DEFAULT '';
