-- Standing offers: a resource offered to one twin on a weekly schedule. Each occurrence is an
-- ordinary Slot, published when it comes within the horizon (offer_slots says which date of
-- which offer became which slot, so a withdrawn occurrence is never published again).

CREATE TABLE offers (
    id            TEXT PRIMARY KEY,
    resource_id   TEXT NOT NULL,
    twin          TEXT NOT NULL,                -- the twin's node id
    seats         INTEGER NOT NULL CHECK (seats >= 1),
    weekdays      TEXT NOT NULL,                -- JSON ["MO", ...]
    from_time     TEXT NOT NULL,                -- HH:MM local (the space's zone)
    to_time       TEXT NOT NULL,
    start_date    TEXT NOT NULL,                -- YYYY-MM-DD
    end_date      TEXT,                         -- inclusive; NULL: open-ended
    exceptions    TEXT NOT NULL,                -- JSON ["YYYY-MM-DD", ...]
    status        TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
    published_to  TEXT,                         -- the last date whose occurrence was considered
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE offer_slots (
    offer_id      TEXT NOT NULL REFERENCES offers (id),
    day           TEXT NOT NULL,                -- YYYY-MM-DD local
    slot_id       TEXT NOT NULL,
    PRIMARY KEY (offer_id, day)
);
CREATE INDEX offer_slots_slot ON offer_slots (slot_id);
