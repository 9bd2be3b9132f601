-- Token buckets shared by every worker on the database (PostgreSQL; one SQLite process keeps
-- its buckets in memory): one row per limit and key, taken from by one atomic upsert
-- (node/store/buckets.py). A row whose bucket has refilled (`full_at` passed) means the same as
-- no row, so such rows are purged.
CREATE TABLE rate_buckets (
    name     TEXT NOT NULL,
    subject  TEXT NOT NULL,
    tokens   REAL NOT NULL,
    taken_at REAL NOT NULL,
    full_at  REAL NOT NULL,
    taken    INTEGER NOT NULL,
    PRIMARY KEY (name, subject)
);
CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at);
