-- pgbench: the SQL writes one order makes, as today's services issue them, on the native column
-- types: inventory's reservation (one transaction: claim the id, lock the product, one statement
-- for the product, ledger row, line and total; a batch of one), then orders' one autocommit
-- statement writing the confirmed order, its line, history and AI summary row. Two commits. The
-- database floor of today's design, next to the minimal one (order_minimal.sql); the services
-- batch concurrent reservations, which this script does not. Order ids rise (run, per-client
-- counter, client), like the services' UUIDv7 ids.
\set n random(0, :products - 1)
\set i :i + 1
\set oid :run * 1000000000000 + :i * 1000 + :client_id
BEGIN;
INSERT INTO inventory.reservations (id, status, total_cents, created_at, updated_at)
  SELECT id, 'held', 0, now(), now() FROM UNNEST(ARRAY[lpad(to_hex(:oid::bigint), 32, '0')::uuid]) AS t(id) ORDER BY id
  ON CONFLICT (id) DO UPDATE SET status = 'held' WHERE false
  RETURNING id;
SELECT id, on_hand, reserved, active, price_cents, sku, name FROM inventory.products
  WHERE id = ANY(ARRAY[(SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint)]) ORDER BY id FOR UPDATE;
WITH shelf AS (
    UPDATE inventory.products SET reserved = reserved + 1, updated_at = now()
    WHERE id = (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint)
), ledger AS (
    INSERT INTO inventory.movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after, order_id, created_at)
    VALUES (lpad('a' || to_hex(:oid::bigint), 32, '0')::uuid, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), 'reserved', 0, 1, 0, 0, lpad(to_hex(:oid::bigint), 32, '0')::uuid, now())
), held AS (
    INSERT INTO inventory.reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
    VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), 1, 100, 'S', 'N')
), total AS (
    UPDATE inventory.reservations SET total_cents = 100 WHERE id = lpad(to_hex(:oid::bigint), 32, '0')::uuid
), unclaimed AS (
    DELETE FROM inventory.reservations WHERE id = ANY('{}'::uuid[])
)
UPDATE inventory.reservations SET status = 'released' WHERE id = ANY('{}'::uuid[]);
COMMIT;
WITH placed AS (
    INSERT INTO orders.orders (id, number, customer_id, customer_email, status, total_cents, currency, note, idempotency_key,
        request_hash, response_status, response_body, inventory_action, created_at, updated_at)
    SELECT lpad(to_hex(:oid::bigint), 32, '0')::uuid, nextval('orders.order_numbers'), 'bench', 'bench@example.com', 'confirmed',
        100, 'USD', NULL, NULL, 'h', 201, '{}', NULL, now(), now()
    WHERE clock_timestamp() < now() + interval '10 seconds'
    ON CONFLICT DO NOTHING
    RETURNING id
), lines AS (
    INSERT INTO orders.order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
    SELECT placed.id, 0, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), 'S', 'N', 1, 100, 100 FROM placed
), history AS (
    INSERT INTO orders.order_history (id, order_id, status, at, by_user, reason)
    SELECT h.id, placed.id, h.status, now(), 'bench', NULL FROM placed,
        (VALUES (lpad('1' || to_hex(:oid::bigint), 32, '0')::uuid, 'pending'),
                (lpad('2' || to_hex(:oid::bigint), 32, '0')::uuid, 'confirmed')) AS h (id, status)
), summary AS (
    INSERT INTO orders.ai_summaries (order_id, status) SELECT placed.id, 'disabled' FROM placed
)
SELECT COUNT(*) FROM placed;
