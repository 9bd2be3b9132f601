-- Waitlists, at the home: a member's reservation may now be `waiting` (in line at the host),
-- `offered` (seats held for them until `offer_expires_at`) or `lapsed` (the offer passed, or
-- the target started, before they confirmed). SQLite cannot widen a CHECK in place, so the
-- table is rebuilt with the same rows (SQLite only: PostgreSQL alters the constraint).

CREATE TABLE home_reservations_new (
    id               TEXT PRIMARY KEY,
    member_id        TEXT NOT NULL,
    host             TEXT NOT NULL,
    target_kind      TEXT NOT NULL CHECK (target_kind IN ('slot', 'event')),
    target_id        TEXT NOT NULL,
    seats            INTEGER NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'cancelled', 'rejected', 'waiting', 'offered', 'lapsed')),
    problem          TEXT,
    last_error       TEXT,
    tries            INTEGER NOT NULL DEFAULT 0,
    next_try         TEXT,
    kind             TEXT,
    unit             TEXT,
    units            INTEGER,
    month            TEXT,
    starts_at        TEXT,
    ends_at          TEXT,
    timezone         TEXT,
    version          INTEGER,
    receipt          TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    attendance       TEXT CHECK (attendance IS NULL OR attendance IN ('expected', 'checked_in', 'no_show')),
    waitlist         INTEGER NOT NULL DEFAULT 0, -- 1: asked to join the waitlist when full
    position         INTEGER,                    -- the host's last word on the place in line
    offer_expires_at TEXT,                       -- while offered
    place_version    INTEGER                     -- of the host's WaitlistPlace last kept
);
INSERT INTO home_reservations_new (
    id, member_id, host, target_kind, target_id, seats, status, problem, last_error, tries, next_try, kind, unit,
    units, month, starts_at, ends_at, timezone, version, receipt, created_at, updated_at, attendance
)
SELECT id, member_id, host, target_kind, target_id, seats, status, problem, last_error, tries, next_try, kind, unit,
    units, month, starts_at, ends_at, timezone, version, receipt, created_at, updated_at, attendance
FROM home_reservations;
DROP TABLE home_reservations;
ALTER TABLE home_reservations_new RENAME TO home_reservations;
CREATE INDEX home_reservations_member ON home_reservations (member_id, created_at);
CREATE INDEX home_reservations_pending ON home_reservations (next_try) WHERE status = 'pending';
CREATE INDEX home_reservations_ledger ON home_reservations (host, month);
