-- Fulfilment and returns. Existing orders keep their meaning: the new states only widen the
-- status check; an order fulfilled before shipments existed gets the one shipment it implies
-- (every line, shipped when it was fulfilled, under the order's own id), already settled
-- with inventory (its commit, when still owed, is the order's `inventory_action`).
--
-- SQLite cannot change a CHECK in place, so `orders` is rebuilt. Migrations run in one
-- transaction with foreign keys on, where dropping a referenced table fails; the rows that
-- reference orders step aside into temporary tables while it is rebuilt and come back after
-- (the referencing tables name `orders`, which is the new table once renamed).
CREATE TEMP TABLE keep_lines AS SELECT * FROM order_lines;
CREATE TEMP TABLE keep_history AS SELECT * FROM order_history;
CREATE TEMP TABLE keep_jobs AS SELECT * FROM ai_jobs;
CREATE TEMP TABLE keep_summaries AS SELECT * FROM ai_summaries;
DELETE FROM order_lines;
DELETE FROM order_history;
DELETE FROM ai_jobs;
DELETE FROM ai_summaries;

CREATE TABLE orders_new (
    id                TEXT PRIMARY KEY,
    number            BIGINT NOT NULL UNIQUE,
    customer_id       TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'failed',
                          'cancelled', 'partially_fulfilled', 'fulfilled', 'delivered')),
    total_cents       BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL,
    note              TEXT,
    idempotency_key   TEXT,
    request_hash      TEXT NOT NULL,
    response_status   BIGINT,
    response_body     TEXT,
    inventory_action  TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    -- JSON text of the validated address (NULL: pickup); who placed the order when it was
    -- not its customer (staff placing it for them).
    shipping_address  TEXT,
    placed_by         TEXT
);
INSERT INTO orders_new (id, number, customer_id, customer_email, status, total_cents, currency, note,
    idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at)
SELECT id, number, customer_id, customer_email, status, total_cents, currency, note,
    idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at
FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE UNIQUE INDEX orders_idempotency ON orders (customer_id, idempotency_key);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_status ON orders (status, created_at);

INSERT INTO order_lines SELECT * FROM temp.keep_lines;
INSERT INTO order_history SELECT * FROM temp.keep_history;
INSERT INTO ai_jobs SELECT * FROM temp.keep_jobs;
INSERT INTO ai_summaries SELECT * FROM temp.keep_summaries;
DROP TABLE temp.keep_lines;
DROP TABLE temp.keep_history;
DROP TABLE temp.keep_jobs;
DROP TABLE temp.keep_summaries;

CREATE TABLE shipments (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders (id),
    -- JSON [{product_id, quantity}]: written once, never changed.
    lines           TEXT NOT NULL,
    carrier         TEXT,
    tracking_number TEXT,
    shipped_at      TEXT NOT NULL,
    shipped_by      TEXT,
    delivered_at    TEXT,
    idempotency_key TEXT,
    request_hash    TEXT,
    -- Inventory has not yet committed these units (paid by the sweeper after a crash).
    inventory_owed  BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX shipments_order ON shipments (order_id, shipped_at, id);
CREATE UNIQUE INDEX shipments_key ON shipments (order_id, idempotency_key);
CREATE INDEX shipments_owed ON shipments (shipped_at) WHERE inventory_owed;

INSERT INTO shipments (id, order_id, lines, shipped_at, shipped_by, inventory_owed)
SELECT o.id, o.id,
       COALESCE((SELECT json_group_array(json_object('product_id', l.product_id, 'quantity', l.quantity))
                 FROM (SELECT * FROM order_lines WHERE order_id = o.id ORDER BY position) l), '[]'),
       COALESCE((SELECT MAX(h.at) FROM order_history h WHERE h.order_id = o.id AND h.status = 'fulfilled'),
                o.updated_at),
       (SELECT h.by_user FROM order_history h WHERE h.order_id = o.id AND h.status = 'fulfilled'
        ORDER BY h.at DESC LIMIT 1),
       0
FROM orders o WHERE o.status = 'fulfilled';

CREATE TABLE returns (
    id             TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL REFERENCES orders (id),
    customer_id    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('requested', 'received', 'rejected')),
    -- JSON [{product_id, sku, name, quantity, unit_price_cents, restocked, damaged}]
    lines          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    refund_cents   BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    received_at    TEXT,
    received_by    TEXT,
    rejected_at    TEXT,
    rejected_by    TEXT,
    reject_reason  TEXT,
    receipt_key    TEXT,
    receipt_hash   TEXT,
    -- Restocked units inventory has not yet put back (paid by the sweeper after a crash).
    inventory_owed BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX returns_order ON returns (order_id);
CREATE INDEX returns_created ON returns (created_at, id);
CREATE INDEX returns_customer ON returns (customer_id, created_at);
CREATE INDEX returns_received ON returns (received_at) WHERE status = 'received';
CREATE INDEX returns_owed ON returns (updated_at) WHERE inventory_owed;
