-- Several workers on one database (`gemella run --workers N`) share the background work.
-- A periodic job (a twin's feed pull, the mail sender, reminders...) runs in the one worker that
-- holds its lease; the lease lasts until `held_until` (seconds since the epoch) unless renewed,
-- so another worker takes the job over when its holder dies. `wanted` is a wake-up left by a
-- worker that is not the holder (a mail was queued there): the holder runs the job soon.
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    held_until REAL NOT NULL,
    wanted     INTEGER NOT NULL DEFAULT 0
);

-- An outbox row being delivered is claimed by one worker until `claimed_until`: a worker killed
-- mid-delivery leaves rows another worker takes once the claim has lapsed. Rows still leave the
-- outbox only on the twin's acknowledgement.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until REAL;
