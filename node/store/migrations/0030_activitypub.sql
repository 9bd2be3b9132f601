-- The ActivityPub bridge (node/activitypub): followers on the fediverse, what they were sent,
-- activities waiting for delivery, and instances the operator blocked. Apart from the twin tables.
CREATE TABLE ap_followers (
    actor        TEXT PRIMARY KEY,
    inbox        TEXT NOT NULL,   -- the shared inbox when the follower's server has one
    host         TEXT NOT NULL,
    follow_id    TEXT NOT NULL,
    since        TEXT NOT NULL
);
CREATE TABLE ap_published (
    event_id     TEXT PRIMARY KEY,
    digest       TEXT NOT NULL,   -- of the Event object last sent; '' once deleted
    published    TEXT NOT NULL,
    updated      TEXT NOT NULL
);
CREATE TABLE ap_deliveries (
    id           INTEGER PRIMARY KEY,
    inbox        TEXT NOT NULL,
    activity     TEXT NOT NULL,
    created      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TEXT NOT NULL,
    last_error   TEXT
);
CREATE INDEX ap_deliveries_due ON ap_deliveries (next_at);
CREATE TABLE ap_blocked (
    host         TEXT PRIMARY KEY,
    since        TEXT NOT NULL
);
