
ALTER TABLE vote_options ADD COLUMN image TEXT;
ALTER TABLE vote_options ADD COLUMN lat %REAL%;
ALTER TABLE vote_options ADD COLUMN lon %REAL%;
