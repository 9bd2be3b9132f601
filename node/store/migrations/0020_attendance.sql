-- The front desk: whether a twin's member who reserved here came. The host records it on its
-- own reservation and tells the home in a new receipt version (`attendance`); the home keeps
-- what the host's newest receipt says.

ALTER TABLE hosted_reservations ADD COLUMN attendance TEXT NOT NULL DEFAULT 'expected'
    CHECK (attendance IN ('expected', 'checked_in', 'no_show'));
ALTER TABLE home_reservations ADD COLUMN attendance TEXT
    CHECK (attendance IS NULL OR attendance IN ('expected', 'checked_in', 'no_show'));
CREATE INDEX hosted_starts ON hosted_reservations (starts_at) WHERE status = 'confirmed';
