-- Purchasing: purchase orders to suppliers, their lines and history, and what the catalogue
-- needs to know about them. Existing rows keep their data: nothing is on order yet and no
-- cost is known, so the new product columns start at 0 and NULL.

-- Kept up to date in the same transaction as every purchase order change, so product reads
-- need no join: units on `ordered` and `partially_received` orders not yet received.
ALTER TABLE products
    ADD COLUMN on_order BIGINT NOT NULL DEFAULT 0 CHECK (on_order >= 0),
    ADD COLUMN cost_cents BIGINT CHECK (cost_cents >= 0);

-- A `received` movement names the purchase order it came in on.
ALTER TABLE movements ADD COLUMN purchase_order_id uuid;

-- A sequence hands out numbers without a lock: two orders created at once never share one.
CREATE SEQUENCE purchase_order_numbers;

CREATE TABLE purchase_orders (
    id          uuid PRIMARY KEY,
    number      BIGINT NOT NULL UNIQUE DEFAULT nextval('purchase_order_numbers'),
    supplier_id uuid NOT NULL REFERENCES suppliers (id),
    status      TEXT NOT NULL CHECK (status IN
                    ('draft', 'ordered', 'partially_received', 'received', 'cancelled', 'closed')),
    expected_at timestamptz,
    note        TEXT,
    created_by  TEXT NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
ALTER SEQUENCE purchase_order_numbers OWNED BY purchase_orders.number;
CREATE INDEX purchase_orders_created ON purchase_orders (created_at, id);
CREATE INDEX purchase_orders_status ON purchase_orders (status, created_at);

CREATE TABLE purchase_order_lines (
    purchase_order_id uuid NOT NULL REFERENCES purchase_orders (id),
    line_no           BIGINT NOT NULL,
    product_id        uuid NOT NULL REFERENCES products (id),
    -- As ordered: the document sent to the supplier does not change when the catalogue does.
    sku               TEXT NOT NULL,
    name              TEXT NOT NULL,
    quantity_ordered  BIGINT NOT NULL CHECK (quantity_ordered > 0),
    -- The last line of defence against over-receipt: the database refuses it.
    quantity_received BIGINT NOT NULL DEFAULT 0
                      CHECK (quantity_received >= 0 AND quantity_received <= quantity_ordered),
    unit_cost_cents   BIGINT CHECK (unit_cost_cents >= 0),
    PRIMARY KEY (purchase_order_id, product_id)
);
CREATE INDEX purchase_order_lines_product ON purchase_order_lines (product_id);

CREATE TABLE purchase_order_history (
    id                uuid PRIMARY KEY,
    purchase_order_id uuid NOT NULL REFERENCES purchase_orders (id),
    status            TEXT NOT NULL,
    at                timestamptz NOT NULL,
    by_user           TEXT NOT NULL,
    note              TEXT
);
CREATE INDEX purchase_order_history_order ON purchase_order_history (purchase_order_id, at);
