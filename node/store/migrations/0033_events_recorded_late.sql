-- Events an operator recorded on purpose after they had begun (`record_past`): listed as
-- "recorded after the fact", so nobody takes them for an announcement that was missed.

CREATE TABLE events_recorded_late (
    event_id    TEXT PRIMARY KEY,
    recorded_at TEXT NOT NULL
);
