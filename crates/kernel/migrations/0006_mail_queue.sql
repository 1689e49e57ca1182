-- Outgoing mail, shared by every node: a mail is queued in the transaction of the change that
-- causes it, then one node's sender takes it under a lease (`lease_until`, `lease_owner`) and
-- hands it to the SMTP server. `state`: `pending` (to send, again after `next_attempt_at` when
-- a try failed), `sent`, `failed` (given up after a day of tries) or `kept` (no SMTP server is
-- configured: the mail is only read at /admin/outbox). Times are milliseconds since 1970.
CREATE TABLE mail_queue (
    id %SERIAL%,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'kept')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    lease_owner TEXT,
    last_error TEXT,
    sent_at BIGINT
);
CREATE INDEX mail_queue_due ON mail_queue (state, next_attempt_at);
