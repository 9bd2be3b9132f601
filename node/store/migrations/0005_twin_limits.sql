-- What each twin stores here, kept up to date by the inbox in the same transaction as the
-- objects, so a quota check reads one row instead of summing a twin's envelopes.
CREATE TABLE twin_usage (
    peer_id          TEXT PRIMARY KEY,
    objects          INTEGER NOT NULL DEFAULT 0,
    bytes            INTEGER NOT NULL DEFAULT 0,   -- UTF-8 bytes of the stored envelopes
    refused          INTEGER NOT NULL DEFAULT 0,   -- items refused as over quota, ever
    last_refused_at  TEXT
);
INSERT INTO twin_usage (peer_id, objects, bytes)
    SELECT origin, COUNT(*), SUM(LENGTH(CAST(envelope AS BLOB))) FROM objects WHERE seq IS NULL GROUP BY origin;

-- One origin's events in start order: a listing reads each origin's share on its own.
CREATE INDEX objects_origin_start ON objects (type, origin, starts_at, ends_at);
