-- Events: what the objects table cannot answer quickly. The events themselves (ours and our
-- twins') are signed objects in `objects`; these tables are derived from them in the same
-- transaction that stores them, except flags and baselines, which are this node's own state.

-- Recurring events: until when a series has occurrences (NULL: no end). A range query takes
-- a series whose first occurrence is long past when its last one is not.
CREATE TABLE event_series (
    origin        TEXT NOT NULL,
    id            TEXT NOT NULL,
    last_ends_at  TEXT,                     -- UTC end of the last occurrence; NULL: open-ended
    PRIMARY KEY (origin, id)
);

-- Events that re-host another one (exported_from), ours and our twins': the "also at" links.
CREATE TABLE event_copies (
    origin         TEXT NOT NULL,
    id             TEXT NOT NULL,
    source_origin  TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    PRIMARY KEY (origin, id)
);
CREATE INDEX event_copies_source ON event_copies (source_origin, source_id);

-- For each of OUR exported copies: the origin's event as our operator last agreed with it
-- (at export, or when a flag was resolved). A change of the origin's times or status against
-- this baseline raises a flag.
CREATE TABLE export_baselines (
    event_id        TEXT PRIMARY KEY,       -- our copy
    source_version  INTEGER NOT NULL,
    watched         TEXT NOT NULL,          -- JSON: the origin's starts_at, ends_at, status, rrule, exdates
    updated_at      TEXT NOT NULL
);

-- The origin of an exported copy changed its times or status: the local operator decides.
CREATE TABLE event_flags (
    pk              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL,          -- our copy
    source_origin   TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    source_version  INTEGER NOT NULL,       -- the origin's version that raised (or last updated) it
    changes         TEXT NOT NULL,          -- JSON list of {"field", "was", "now"}
    raised_at       TEXT NOT NULL,
    resolved_at     TEXT,
    resolution      TEXT CHECK (resolution IN ('followed', 'kept', 'edited', 'reverted'))
);
-- At most one open flag per copy: a later change of the origin updates it.
CREATE UNIQUE INDEX event_flags_open ON event_flags (event_id) WHERE resolved_at IS NULL;
