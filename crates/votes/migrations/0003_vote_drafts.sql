-- A vote starts as a draft (published_at NULL); those there before stay public.
ALTER TABLE votations ADD COLUMN published_at BIGINT;
UPDATE votations SET published_at = created_at;
