-- Core federation state: tokens, peers and their keys, twinnings, objects, outbox, delivery state.

CREATE TABLE tokens (
    hash        BLOB PRIMARY KEY,           -- SHA-256 of the token; the token itself is never stored
    role        TEXT NOT NULL CHECK (role IN ('operator', 'member', 'session')),
    member_id   TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT
);

CREATE TABLE peers (
    node_id     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    document    TEXT NOT NULL,              -- the signed node document, as fetched
    fetched_at  TEXT NOT NULL
);

CREATE TABLE peer_keys (
    node_id     TEXT NOT NULL REFERENCES peers (node_id),
    kid         TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    expired_at  TEXT,                       -- NULL while current
    PRIMARY KEY (node_id, kid)
);

CREATE TABLE twinnings (
    id          TEXT PRIMARY KEY,           -- the agreement id (the proposal's id)
    peer_id     TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('proposer', 'acceptor')),
    status      TEXT NOT NULL CHECK (status IN ('proposed', 'pending', 'active', 'suspended', 'ended', 'declined')),
    proposal    TEXT NOT NULL,              -- signed envelope
    acceptance  TEXT,                       -- signed envelope
    reason      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
-- At most one live agreement per peer.
CREATE UNIQUE INDEX twinnings_live_peer ON twinnings (peer_id)
    WHERE status IN ('proposed', 'pending', 'active', 'suspended');

CREATE TABLE objects (
    pk           INTEGER PRIMARY KEY,
    type         TEXT NOT NULL,
    origin       TEXT NOT NULL,
    id           TEXT NOT NULL,
    version      INTEGER NOT NULL,
    seq          INTEGER,                   -- feed position; only for objects this node originates
    status       TEXT,
    starts_at    TEXT,                      -- UTC, for range queries
    ends_at      TEXT,
    audience_all INTEGER NOT NULL DEFAULT 1,
    envelope     TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    UNIQUE (type, origin, id)
);
CREATE UNIQUE INDEX objects_seq ON objects (seq) WHERE seq IS NOT NULL;
CREATE INDEX objects_type_start ON objects (type, starts_at);

-- Who may see a local object whose audience is not everyone.
CREATE TABLE object_audience (
    object_pk   INTEGER NOT NULL REFERENCES objects (pk) ON DELETE CASCADE,
    peer_id     TEXT NOT NULL,
    PRIMARY KEY (object_pk, peer_id)
);
CREATE INDEX object_audience_peer ON object_audience (peer_id, object_pk);

-- One pending row per (peer, object): a newer version replaces an older pending one.
CREATE TABLE outbox (
    peer_id     TEXT NOT NULL,
    route       TEXT NOT NULL CHECK (route IN ('inbox', 'twinning')),
    type        TEXT NOT NULL,
    origin      TEXT NOT NULL,
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    envelope    TEXT NOT NULL,
    enqueued_at TEXT NOT NULL,
    PRIMARY KEY (peer_id, type, origin, id)
);
CREATE INDEX outbox_peer_enqueued ON outbox (peer_id, enqueued_at);

CREATE TABLE peer_state (
    peer_id       TEXT PRIMARY KEY,
    tries         INTEGER NOT NULL DEFAULT 0,
    next_try      TEXT,
    last_attempt  TEXT,
    last_success  TEXT,
    last_error    TEXT,
    feed_cursor   INTEGER NOT NULL DEFAULT 0,   -- how far we have read the peer's feed
    last_pull     TEXT
);

CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('feed_seq', 0);
