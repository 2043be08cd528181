-- Ids are UUID text and times fixed-width RFC 3339 text: one query set serves both backends.
CREATE TABLE suppliers (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    contact_email  TEXT,
    phone          TEXT,
    lead_time_days BIGINT NOT NULL DEFAULT 7,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX suppliers_created ON suppliers (created_at, id);

CREATE TABLE products (
    id               TEXT PRIMARY KEY,
    sku              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    supplier_id      TEXT REFERENCES suppliers (id),
    price_cents      BIGINT NOT NULL CHECK (price_cents >= 0),
    on_hand          BIGINT NOT NULL DEFAULT 0,
    reserved         BIGINT NOT NULL DEFAULT 0,
    reorder_point    BIGINT NOT NULL DEFAULT 0,
    reorder_quantity BIGINT NOT NULL DEFAULT 0,
    active           BIGINT NOT NULL DEFAULT 1,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- The last line of defence against overselling: the database refuses it.
    CHECK (reserved >= 0 AND on_hand >= reserved)
);
CREATE INDEX products_created ON products (created_at, id);
CREATE INDEX products_category ON products (category);

-- The stock ledger: every change of on_hand or reserved, with the levels after it.
CREATE TABLE movements (
    id              TEXT PRIMARY KEY,
    product_id      TEXT NOT NULL REFERENCES products (id),
    reason          TEXT NOT NULL,
    on_hand_delta   BIGINT NOT NULL,
    reserved_delta  BIGINT NOT NULL,
    on_hand_after   BIGINT NOT NULL,
    reserved_after  BIGINT NOT NULL,
    order_id        TEXT,
    user_id         TEXT,
    note            TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX movements_product ON movements (product_id, created_at);
CREATE INDEX movements_created ON movements (created_at, id);

CREATE TABLE reservations (
    id          TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('held', 'released', 'committed')),
    total_cents BIGINT NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE reservation_lines (
    reservation_id   TEXT NOT NULL REFERENCES reservations (id),
    product_id       TEXT NOT NULL REFERENCES products (id),
    quantity         BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    sku              TEXT NOT NULL,
    name             TEXT NOT NULL,
    PRIMARY KEY (reservation_id, product_id)
);
