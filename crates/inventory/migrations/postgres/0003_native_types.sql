-- PostgreSQL's own types, now that each backend has its own queries: ids become uuid, times
-- timestamptz, the active flag boolean. Existing rows are converted in place (the text forms
-- the earlier code wrote are valid input for both casts). Foreign keys are dropped around the
-- change, since a key and its reference must change type together, and then re-created.
-- user_id stays text: it holds the token subject, which need not be a UUID.

ALTER TABLE products DROP CONSTRAINT IF EXISTS products_supplier_id_fkey;
ALTER TABLE movements DROP CONSTRAINT IF EXISTS movements_product_id_fkey;
ALTER TABLE reservation_lines DROP CONSTRAINT IF EXISTS reservation_lines_reservation_id_fkey;
ALTER TABLE reservation_lines DROP CONSTRAINT IF EXISTS reservation_lines_product_id_fkey;

ALTER TABLE suppliers
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE products
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN supplier_id TYPE uuid USING supplier_id::uuid,
    ALTER COLUMN active DROP DEFAULT,
    ALTER COLUMN active TYPE boolean USING active <> 0,
    ALTER COLUMN active SET DEFAULT true,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE movements
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN product_id TYPE uuid USING product_id::uuid,
    ALTER COLUMN order_id TYPE uuid USING order_id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE reservations
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE reservation_lines
    ALTER COLUMN reservation_id TYPE uuid USING reservation_id::uuid,
    ALTER COLUMN product_id TYPE uuid USING product_id::uuid;

ALTER TABLE idempotency_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE products
    ADD CONSTRAINT products_supplier_id_fkey FOREIGN KEY (supplier_id) REFERENCES suppliers (id);
ALTER TABLE movements
    ADD CONSTRAINT movements_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id);
ALTER TABLE reservation_lines
    ADD CONSTRAINT reservation_lines_reservation_id_fkey
        FOREIGN KEY (reservation_id) REFERENCES reservations (id),
    ADD CONSTRAINT reservation_lines_product_id_fkey
        FOREIGN KEY (product_id) REFERENCES products (id);
