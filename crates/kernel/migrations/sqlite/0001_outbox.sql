-- The outbox table every service that records domain events adds in one of its own
-- migrations, exactly like this (SQLite). AUTOINCREMENT: a sequence number is never reused,
-- so the relay's range delete can never touch a row recorded after it read.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    event       TEXT NOT NULL,
    request_id  TEXT,
    traceparent TEXT,
    recorded_at TEXT NOT NULL
);
