-- Waitlists, at the host: requests for a full slot or event, in one strict order (`seq`, given
-- in the deciding transaction). Seats that come back are offered to the first in line for a
-- while (`offered`, until `offer_expires_at`), which holds them; a confirmed one becomes an
-- ordinary hosted reservation with a receipt. Only confirmed reservations reach the ledger.

CREATE TABLE hosted_waitlist (
    id               TEXT PRIMARY KEY,          -- the reservation id (the home's UUID)
    seq              INTEGER NOT NULL UNIQUE,   -- the order in line, over every target
    home             TEXT NOT NULL,
    member_id        TEXT NOT NULL,             -- opaque; no name is kept in line (the confirming pass brings it)
    target_kind      TEXT NOT NULL CHECK (target_kind IN ('slot', 'event')),
    target_id        TEXT NOT NULL,
    seats            INTEGER NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('waiting', 'offered', 'confirmed', 'lapsed', 'left', 'withdrawn')),
    position         INTEGER,                   -- the place last told to the home (waiting only)
    offer_expires_at TEXT,                      -- UTC; offered only
    content_key      TEXT NOT NULL,             -- same id, other content -> conflict
    request_hash     TEXT NOT NULL,
    version          INTEGER NOT NULL,          -- of the WaitlistPlace last signed
    place            TEXT NOT NULL,             -- that signed WaitlistPlace envelope
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX hosted_waitlist_line ON hosted_waitlist (target_kind, target_id, status, seq);
CREATE INDEX hosted_waitlist_expiry ON hosted_waitlist (offer_expires_at) WHERE status = 'offered';
