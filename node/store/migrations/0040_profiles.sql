-- People across twins (docs/PROTOCOL.md, MemberProfile): members' cards and the directory.

-- A member's own card, as they wrote it: every field, shared or not, stays here at home.
-- `handle` is the member's public id on the wire: random, created once, never derived from
-- the e-mail or the local id. The row goes with the member (erasure).
CREATE TABLE profiles (
    member_id   TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    handle      TEXT NOT NULL UNIQUE,
    fields      TEXT NOT NULL DEFAULT '{}',     -- JSON: the card's fields as written
    shared      TEXT NOT NULL DEFAULT '[]',     -- JSON: the names of the fields turned on
    audience    TEXT NOT NULL DEFAULT '"space"', -- JSON: "space", "twins" or a list of node ids
    published   INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 0,     -- of the MemberProfile object last published
    updated_at  TEXT
);

-- Every card this node's directory can show: its own members' published cards (shared fields
-- only) and the cards twins sent. Deleted, not hidden, when a card is withdrawn or retracted.
CREATE TABLE cards (
    pk               INTEGER PRIMARY KEY,
    origin           TEXT NOT NULL,
    handle           TEXT NOT NULL,
    version          INTEGER NOT NULL,
    display_name     TEXT,
    headline         TEXT,
    bio              TEXT,
    skills           TEXT,                     -- JSON lists, NULL when not shared
    interests        TEXT,
    languages        TEXT,
    city             TEXT,
    links            TEXT,
    looking_for      TEXT,
    open_to_visitors INTEGER,
    updated_at       TEXT NOT NULL,
    terms            TEXT NOT NULL DEFAULT '', -- vocabulary labels in every language and free tags, for search
    UNIQUE (origin, handle)
);
CREATE INDEX cards_visitors ON cards (origin, open_to_visitors);
CREATE INDEX cards_updated ON cards (updated_at);  -- a directory page without words: newest first

-- Cards the operator hid from this node's directory (kept apart so a new version stays hidden).
CREATE TABLE hidden_cards (
    origin     TEXT NOT NULL,
    handle     TEXT NOT NULL,
    hidden_at  TEXT NOT NULL,
    PRIMARY KEY (origin, handle)
);
