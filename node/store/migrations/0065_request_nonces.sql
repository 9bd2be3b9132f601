-- Every signed request's (keyid, nonce), kept while its `created` is inside the signature window,
-- in the database rather than in one process's memory: a request accepted by one worker and
-- replayed to another on the same database is refused (node/store/nonces.py). Rows are purged
-- once their `created` leaves the window, and the oldest go first when the table is full (the
-- floor in counters, `nonce_floor`, then refuses anything as old as what was forgotten).
CREATE TABLE request_nonces (
    keyid    TEXT NOT NULL,
    nonce    TEXT NOT NULL,
    created  INTEGER NOT NULL,
    PRIMARY KEY (keyid, nonce)
);
CREATE INDEX request_nonces_created ON request_nonces (created);
