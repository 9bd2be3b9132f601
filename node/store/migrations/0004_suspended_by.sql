-- Who suspended a twinning: only that side may resume it ('us' or 'peer'; NULL when not suspended).
ALTER TABLE twinnings ADD COLUMN suspended_by TEXT CHECK (suspended_by IN ('us', 'peer'));
