
ALTER TABLE reports ADD COLUMN assigned_to TEXT REFERENCES users(id);
ALTER TABLE reports ADD COLUMN duplicate_of TEXT REFERENCES reports(id);
CREATE INDEX reports_duplicate_of ON reports (duplicate_of);
