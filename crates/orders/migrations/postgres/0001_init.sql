-- Ids are UUID text and times fixed-width RFC 3339 text: one query set serves both backends.
CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    number            BIGINT NOT NULL UNIQUE,
    customer_id       TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'failed', 'cancelled', 'fulfilled')),
    total_cents       BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL,
    note              TEXT,
    -- Idempotency: the client's key, a hash of the request, and the first answer to replay.
    idempotency_key   TEXT,
    request_hash      TEXT NOT NULL,
    response_status   BIGINT,
    response_body     TEXT,
    -- A call inventory still owes this order ('release' or 'commit'); retried until it lands.
    inventory_action  TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency ON orders (customer_id, idempotency_key);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_status ON orders (status, created_at);

CREATE TABLE order_lines (
    order_id         TEXT NOT NULL REFERENCES orders (id),
    position         BIGINT NOT NULL,
    product_id       TEXT NOT NULL,
    sku              TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL DEFAULT '',
    quantity         BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL DEFAULT 0,
    line_total_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, position)
);

CREATE TABLE order_history (
    id       TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    status   TEXT NOT NULL,
    at       TEXT NOT NULL,
    by_user  TEXT,
    reason   TEXT
);
CREATE INDEX order_history_order ON order_history (order_id, at);

-- Durable AI work, written in the transaction that confirms the order.
CREATE TABLE ai_jobs (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    run_after   TEXT NOT NULL,
    lease_until TEXT,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX ai_jobs_queue ON ai_jobs (status, run_after, created_at);

CREATE TABLE ai_summaries (
    order_id         TEXT PRIMARY KEY REFERENCES orders (id),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed', 'disabled')),
    text             TEXT,
    customer_message TEXT,
    model            TEXT,
    generated_at     TEXT
);

-- Order numbers: a sequence on PostgreSQL (no hot counter row); SQLite has one writer.
CREATE SEQUENCE order_numbers START 1001;
