-- A report is urgent when an answer to its category's questions says so (« danger immédiat :
-- oui »); the desk lists the open urgent reports first.
ALTER TABLE reports ADD COLUMN urgent BIGINT NOT NULL DEFAULT 0;
