-- The outbox (crates/kernel/migrations/postgres): inventory's domain events wait here, written in
-- the same transaction as the change, until the relay has delivered them to the events service.
CREATE TABLE outbox (
    seq         BIGSERIAL PRIMARY KEY,
    id          uuid NOT NULL UNIQUE,
    event       text NOT NULL,
    request_id  text,
    traceparent text,
    recorded_at timestamptz NOT NULL
);
