-- The event log: every domain event once (by id), numbered in the order it arrived (one
-- writer, so numbers become visible in order and a live stream resuming after number n misses
-- nothing). Ids are UUID text and times fixed-width RFC 3339 text, as in the other services.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    occurred_at   TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    actor_user_id TEXT,
    actor_email   TEXT,
    actor_service TEXT NOT NULL,
    entity_kind   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    data          TEXT NOT NULL,
    -- The customer whose order or return it is: a customer's live stream shows only these.
    customer_id   TEXT,
    request_id    TEXT,
    traceparent   TEXT,
    -- Webhook deliveries and emails are planned once per event, after it is stored.
    fanned_out    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_type ON events (type, seq);
CREATE INDEX events_entity ON events (entity_kind, entity_id, seq);
CREATE INDEX events_actor ON events (actor_user_id, seq);
CREATE INDEX events_occurred ON events (occurred_at);
CREATE INDEX events_unfanned ON events (seq) WHERE fanned_out = 0;

CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    -- A JSON array of patterns: `*`, `order.*` or an exact type.
    events        TEXT NOT NULL,
    secret        TEXT NOT NULL,
    active        INTEGER NOT NULL,
    owner_id      TEXT NOT NULL,
    owner_email   TEXT,
    -- Since when every attempt has failed; a webhook failing long enough is deactivated.
    failing_since TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX webhooks_created ON webhooks (created_at, id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id            TEXT PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    webhook_id    TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    status_code   INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('succeeded', 'retrying', 'failed')),
    next_retry_at TEXT,
    attempted_at  TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, attempted_at, id);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    event_id        TEXT,
    template        TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'not_sent', 'failed')),
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (event_id, template, to_addr)
);
CREATE INDEX notifications_created ON notifications (created_at, id);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'queued';

CREATE TABLE notification_recipients (
    kind    TEXT NOT NULL CHECK (kind IN ('low_stock_digest', 'new_order_alert')),
    user_id TEXT NOT NULL,
    email   TEXT NOT NULL,
    PRIMARY KEY (kind, user_id)
);
