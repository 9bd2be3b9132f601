-- The mail outbox: every mail the node sends is written here in the same transaction as the
-- change that causes it, then sent by the mail worker. The message is stored as the exact
-- bytes to send (with its Message-ID), so a retry sends the same mail, never a new one.

CREATE TABLE mail_outbox (
    message_id  TEXT PRIMARY KEY,           -- the Message-ID header, without angle brackets
    dedupe_key  TEXT UNIQUE,                -- e.g. 'reminder:<reservation id>': a mail sent once per key
    kind        TEXT NOT NULL,              -- signin, invitation, reservation, reminder, ...
    member_id   TEXT,                       -- whose mail it is (erasure deletes it)
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    message     BLOB NOT NULL,              -- the RFC 5322 message, as sent
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    tries       INTEGER NOT NULL DEFAULT 0,
    next_try    TEXT NOT NULL,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_try) WHERE status = 'pending';
CREATE INDEX mail_outbox_member ON mail_outbox (member_id);
