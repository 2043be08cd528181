-- The outbox (crates/kernel/migrations/sqlite): inventory's domain events wait here, written in
-- the same transaction as the change, until the relay has delivered them to the events service.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    event       TEXT NOT NULL,
    request_id  TEXT,
    traceparent TEXT,
    recorded_at TEXT NOT NULL
);
