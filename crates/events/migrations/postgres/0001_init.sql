-- The event log: every domain event once (by id), numbered in the order it arrived. Ingest
-- holds a lock while it numbers and commits, so numbers become visible in order and a live
-- stream resuming after number n misses nothing.
CREATE TABLE events (
    seq           BIGSERIAL PRIMARY KEY,
    id            uuid NOT NULL UNIQUE,
    type          text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    actor_user_id uuid,
    actor_email   text,
    actor_service text NOT NULL,
    entity_kind   text NOT NULL,
    entity_id     text NOT NULL,
    data          text NOT NULL,
    -- The customer whose order or return it is: a customer's live stream shows only these.
    customer_id   uuid,
    request_id    text,
    traceparent   text,
    -- Webhook deliveries and emails are planned once per event, after it is stored.
    fanned_out    boolean NOT NULL DEFAULT false
);
CREATE INDEX events_type ON events (type, seq);
CREATE INDEX events_entity ON events (entity_kind, entity_id, seq);
CREATE INDEX events_actor ON events (actor_user_id, seq);
CREATE INDEX events_occurred ON events (occurred_at);
CREATE INDEX events_unfanned ON events (seq) WHERE NOT fanned_out;

CREATE TABLE webhooks (
    id            uuid PRIMARY KEY,
    url           text NOT NULL,
    -- A JSON array of patterns: `*`, `order.*` or an exact type.
    events        text NOT NULL,
    secret        text NOT NULL,
    active        boolean NOT NULL,
    owner_id      uuid NOT NULL,
    owner_email   text,
    -- Since when every attempt has failed; a webhook failing long enough is deactivated.
    failing_since timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX webhooks_created ON webhooks (created_at, id);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    payload         text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id            uuid PRIMARY KEY,
    delivery_id   uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    webhook_id    uuid NOT NULL,
    event_id      uuid NOT NULL,
    event_type    text NOT NULL,
    attempt       integer NOT NULL,
    status_code   integer,
    error         text,
    duration_ms   bigint NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('succeeded', 'retrying', 'failed')),
    next_retry_at timestamptz,
    attempted_at  timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, attempted_at, id);

CREATE TABLE notifications (
    id              uuid PRIMARY KEY,
    event_id        uuid,
    template        text NOT NULL,
    to_addr         text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('queued', 'sent', 'not_sent', 'failed')),
    error           text,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    UNIQUE (event_id, template, to_addr)
);
CREATE INDEX notifications_created ON notifications (created_at, id);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'queued';

CREATE TABLE notification_recipients (
    kind    text NOT NULL CHECK (kind IN ('low_stock_digest', 'new_order_alert')),
    user_id uuid NOT NULL,
    email   text NOT NULL,
    PRIMARY KEY (kind, user_id)
);
