-- The scratch schema the minimal-order floor writes to (`make bench` recreates it each run):
-- the real tables an order touches, with the columns, native types, keys, checks and indexes of
-- crates/{inventory,orders}/migrations/postgres after their native-types migrations, so
-- PostgreSQL maintains the same indexes and checks the same constraints per order as in the
-- services' schemas. `:products` rows, each with more stock than any run can reserve.
DROP SCHEMA IF EXISTS bench_floor CASCADE;
CREATE SCHEMA bench_floor;
SET search_path = bench_floor;

CREATE TABLE suppliers (
    id             uuid PRIMARY KEY,
    name           TEXT NOT NULL,
    contact_email  TEXT,
    phone          TEXT,
    lead_time_days BIGINT NOT NULL DEFAULT 7,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX suppliers_created ON suppliers (created_at, id);

CREATE TABLE products (
    id               uuid PRIMARY KEY,
    sku              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    supplier_id      uuid REFERENCES suppliers (id),
    price_cents      BIGINT NOT NULL CHECK (price_cents >= 0),
    on_hand          BIGINT NOT NULL DEFAULT 0,
    reserved         BIGINT NOT NULL DEFAULT 0,
    reorder_point    BIGINT NOT NULL DEFAULT 0,
    reorder_quantity BIGINT NOT NULL DEFAULT 0,
    active           BOOLEAN NOT NULL DEFAULT true,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (reserved >= 0 AND on_hand >= reserved)
);
CREATE INDEX products_created ON products (created_at, id);
CREATE INDEX products_category ON products (category);

CREATE TABLE movements (
    id              uuid PRIMARY KEY,
    product_id      uuid NOT NULL REFERENCES products (id),
    reason          TEXT NOT NULL,
    on_hand_delta   BIGINT NOT NULL,
    reserved_delta  BIGINT NOT NULL,
    on_hand_after   BIGINT NOT NULL,
    reserved_after  BIGINT NOT NULL,
    order_id        uuid,
    user_id         TEXT,
    note            TEXT,
    created_at      timestamptz NOT NULL
);
CREATE INDEX movements_product ON movements (product_id, created_at);
CREATE INDEX movements_created ON movements (created_at, id);

CREATE TABLE orders (
    id                uuid PRIMARY KEY,
    number            BIGINT NOT NULL UNIQUE,
    customer_id       TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'failed', 'cancelled', 'fulfilled')),
    total_cents       BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL,
    note              TEXT,
    idempotency_key   TEXT,
    request_hash      TEXT NOT NULL,
    response_status   BIGINT,
    response_body     TEXT,
    inventory_action  TEXT,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX orders_idempotency ON orders (customer_id, idempotency_key);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_status ON orders (status, created_at);
CREATE SEQUENCE order_numbers START 1001;

CREATE TABLE order_lines (
    order_id         uuid NOT NULL REFERENCES orders (id),
    position         BIGINT NOT NULL,
    product_id       uuid NOT NULL,
    sku              TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL DEFAULT '',
    quantity         BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL DEFAULT 0,
    line_total_cents BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, position)
);

-- Product n (0-based) has the id lpad(to_hex(n + 1), 32, '0') and the price 100 + n cents: the
-- script derives both from n, as the services know a product's id and price from the request.
INSERT INTO products (id, sku, name, category, price_cents, on_hand, reorder_point, reorder_quantity, created_at, updated_at)
SELECT lpad(to_hex(n + 1), 32, '0')::uuid, 'F-' || lpad(n::text, 5, '0'), 'Floor product ' || n, 'cat-' || (n % 12),
       100 + n, 1000000000000, 10, 50, now(), now()
FROM generate_series(0, :products - 1) AS n;

-- The current-design floor (order_floor.sql) writes to the services' own tables; it picks its
-- products from this numbering of inventory.products.
CREATE TABLE current_ids AS
SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id FROM inventory.products;
ALTER TABLE current_ids ADD PRIMARY KEY (n);
ANALYZE;
