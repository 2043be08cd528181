-- The outbox table every service that records domain events adds in one of its own
-- migrations, exactly like this (PostgreSQL). kernel's checked queries are prepared against
-- this file, so a service's copy must match it column for column.
CREATE TABLE outbox (
    seq         BIGSERIAL PRIMARY KEY,
    id          uuid NOT NULL UNIQUE,
    event       text NOT NULL,
    request_id  text,
    traceparent text,
    recorded_at timestamptz NOT NULL
);
