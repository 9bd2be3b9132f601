-- Introductions between members of twin spaces (node/introductions), and who shares their trips.

-- One row per introduction, on each side: at the asker's home (side 'sent', member_id the
-- asker) and at the recipient's host (side 'received', member_id the recipient). `email` is
-- the OTHER member's address, present only once the introduction is accepted. `step` is what
-- the node still has to do for it after the transaction that changed it (mail, answer).
CREATE TABLE introductions (
    home          TEXT NOT NULL,            -- the asker's node (our own id for side 'sent')
    id            TEXT NOT NULL,            -- the IntroductionRequest's id (a UUID chosen by the home)
    side          TEXT NOT NULL CHECK (side IN ('sent', 'received')),
    host          TEXT NOT NULL,            -- the recipient's node
    member_id     TEXT NOT NULL,            -- our member in it: the asker (sent) or the recipient (received)
    from_handle   TEXT NOT NULL,            -- the asker's opaque handle towards this host
    from_name     TEXT NOT NULL,
    to_handle     TEXT NOT NULL,            -- the recipient's card handle
    to_name       TEXT NOT NULL DEFAULT '',
    message       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('requested', 'with_operator', 'accepted', 'declined')),
    email         TEXT,
    step          TEXT,                     -- notify | answer | follow_up | introduced, or NULL when done
    blocked       INTEGER NOT NULL DEFAULT 0,  -- 1: hidden from the recipient (a blocked asker, or the operator declined)
    created_at    TEXT NOT NULL,
    answered_at   TEXT,
    PRIMARY KEY (home, id)
);
CREATE INDEX introductions_member ON introductions (member_id, created_at);
CREATE INDEX introductions_step ON introductions (step);

-- A recipient's blocks: requests from this asker (home, handle) to them are declined unseen.
CREATE TABLE introduction_blocks (
    member_id     TEXT NOT NULL,
    home          TEXT NOT NULL,
    handle        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (member_id, home, handle)
);

-- Reports by recipients to this space's operator.
CREATE TABLE introduction_reports (
    id              TEXT PRIMARY KEY,
    home            TEXT NOT NULL,
    introduction_id TEXT NOT NULL,
    member_id       TEXT NOT NULL,          -- who reported (the recipient)
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at      TEXT NOT NULL
);

-- The asker's opaque handle towards each host (random, one per member and host).
CREATE TABLE introduction_handles (
    member_id     TEXT NOT NULL,
    host          TEXT NOT NULL,
    handle        TEXT NOT NULL UNIQUE,
    PRIMARY KEY (member_id, host)
);

-- Members who let the others of their space see their trips (off unless a row is here).
CREATE TABLE trip_sharing (
    member_id     TEXT PRIMARY KEY,
    created_at    TEXT NOT NULL
);
