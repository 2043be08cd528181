-- Fulfilment and returns. Existing orders keep their meaning: the new states only widen the
-- status check; an order fulfilled before shipments existed gets the one shipment it implies
-- (every line, shipped when it was fulfilled, under the order's own id), already settled
-- with inventory (its commit, when still owed, is the order's `inventory_action`).
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN
    ('pending', 'confirmed', 'rejected', 'failed', 'cancelled', 'partially_fulfilled', 'fulfilled', 'delivered'));

-- JSON text of the validated address (NULL: pickup); who placed the order when it was not
-- its customer (staff placing it for them).
ALTER TABLE orders ADD COLUMN shipping_address TEXT, ADD COLUMN placed_by TEXT;

CREATE TABLE shipments (
    id              uuid PRIMARY KEY,
    order_id        uuid NOT NULL REFERENCES orders (id),
    -- JSON [{product_id, quantity}]: written once, never changed.
    lines           TEXT NOT NULL,
    carrier         TEXT,
    tracking_number TEXT,
    shipped_at      timestamptz NOT NULL,
    shipped_by      TEXT,
    delivered_at    timestamptz,
    idempotency_key TEXT,
    request_hash    TEXT,
    -- Inventory has not yet committed these units (paid by the sweeper after a crash).
    inventory_owed  boolean NOT NULL DEFAULT false
);
CREATE INDEX shipments_order ON shipments (order_id, shipped_at, id);
CREATE UNIQUE INDEX shipments_key ON shipments (order_id, idempotency_key);
CREATE INDEX shipments_owed ON shipments (shipped_at) WHERE inventory_owed;

INSERT INTO shipments (id, order_id, lines, shipped_at, shipped_by, inventory_owed)
SELECT o.id, o.id,
       COALESCE((SELECT json_agg(json_build_object('product_id', l.product_id, 'quantity', l.quantity)
                                 ORDER BY l.position)::text
                 FROM order_lines l WHERE l.order_id = o.id), '[]'),
       COALESCE((SELECT MAX(h.at) FROM order_history h WHERE h.order_id = o.id AND h.status = 'fulfilled'),
                o.updated_at),
       (SELECT h.by_user FROM order_history h WHERE h.order_id = o.id AND h.status = 'fulfilled'
        ORDER BY h.at DESC LIMIT 1),
       false
FROM orders o WHERE o.status = 'fulfilled';

CREATE TABLE returns (
    id             uuid PRIMARY KEY,
    order_id       uuid NOT NULL REFERENCES orders (id),
    customer_id    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('requested', 'received', 'rejected')),
    -- JSON [{product_id, sku, name, quantity, unit_price_cents, restocked, damaged}]
    lines          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    refund_cents   BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    received_at    timestamptz,
    received_by    TEXT,
    rejected_at    timestamptz,
    rejected_by    TEXT,
    reject_reason  TEXT,
    receipt_key    TEXT,
    receipt_hash   TEXT,
    -- Restocked units inventory has not yet put back (paid by the sweeper after a crash).
    inventory_owed boolean NOT NULL DEFAULT false
);
CREATE INDEX returns_order ON returns (order_id);
CREATE INDEX returns_created ON returns (created_at, id);
CREATE INDEX returns_customer ON returns (customer_id, created_at);
CREATE INDEX returns_received ON returns (received_at) WHERE status = 'received';
CREATE INDEX returns_owed ON returns (updated_at) WHERE inventory_owed;
