-- Reserving space abroad: resources and members of this space, reservations hosted here for
-- twins' members (with the receipts we signed), and our members' reservations abroad (with
-- the receipts the hosts signed). The signed receipts are the reciprocity ledger.

CREATE TABLE resources (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('desk', 'meeting_room', 'phone_booth', 'event_space')),
    name          TEXT NOT NULL,
    capacity      INTEGER NOT NULL CHECK (capacity >= 1),
    opening_hours TEXT,                     -- JSON {"mon": ["09:00-18:00"], ...}, space's zone; NULL: always open
    created_at    TEXT NOT NULL
);

CREATE TABLE members (
    id            TEXT PRIMARY KEY,         -- opaque: all a host ever learns besides the display name
    display_name  TEXT NOT NULL,
    email         TEXT NOT NULL,
    calendar_hash BLOB NOT NULL UNIQUE,     -- SHA-256 of the member's calendar secret
    created_at    TEXT NOT NULL
);

-- As host: what twins' members reserved here. One row per reservation id (the home's UUID).
CREATE TABLE hosted_reservations (
    id            TEXT PRIMARY KEY,
    home          TEXT NOT NULL,
    member_id     TEXT NOT NULL,
    display_name  TEXT NOT NULL,            -- from the member pass, for the front desk
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('slot', 'event')),
    target_id     TEXT NOT NULL,
    seats         INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    kind          TEXT NOT NULL,            -- resource kind, or 'event'
    unit          TEXT NOT NULL,            -- day | hour | seat
    units         INTEGER NOT NULL,
    period_start  TEXT,                     -- the allowance period it drew on (host zone); NULL: no allowance
    month         TEXT NOT NULL,            -- YYYY-MM of starts_at in the host's zone (ledger period)
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    content_key   TEXT NOT NULL,            -- hash of (member, target, seats): same id, other content -> conflict
    version       INTEGER NOT NULL,         -- the receipt's version
    receipt       TEXT NOT NULL,            -- the signed receipt envelope we answered with
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX hosted_target ON hosted_reservations (target_kind, target_id, status);
CREATE INDEX hosted_allowance ON hosted_reservations (home, kind, period_start, status);
CREATE INDEX hosted_ledger ON hosted_reservations (home, month);

-- As home: our members' reservations abroad. A row is written before the host is asked, so a
-- request whose answer was lost is retried (same id: idempotent at the host) until answered.
CREATE TABLE home_reservations (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL,            -- opaque; kept when the member's personal data is deleted
    host          TEXT NOT NULL,
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('slot', 'event')),
    target_id     TEXT NOT NULL,
    seats         INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'rejected')),
    problem       TEXT,                     -- the host's problem type when rejected
    last_error    TEXT,                     -- why the last attempt got no usable answer
    tries         INTEGER NOT NULL DEFAULT 0,
    next_try      TEXT,
    kind          TEXT,                     -- from the receipt: resource kind, or 'event'
    unit          TEXT,
    units         INTEGER,
    month         TEXT,                     -- YYYY-MM of starts_at in the host's zone
    starts_at     TEXT,
    ends_at       TEXT,
    timezone      TEXT,
    version       INTEGER,                  -- the receipt's version
    receipt       TEXT,                     -- the host's signed receipt envelope, verified
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX home_reservations_member ON home_reservations (member_id, created_at);
CREATE INDEX home_reservations_pending ON home_reservations (next_try) WHERE status = 'pending';
CREATE INDEX home_reservations_ledger ON home_reservations (host, month);
