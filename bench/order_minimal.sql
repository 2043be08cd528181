-- pgbench: the minimal durable write set of one order as ONE transaction, on native types, in
-- the scratch schema bench_floor (floor_schema.sql): reserve one unit with the no-oversell check,
-- insert the order, its line and a ledger row. The physical floor order creation is measured
-- against (issue 14). The product row is locked last, by the reservation, so concurrent orders
-- for one product wait for each other only for the reservation, the ledger row and the commit.
-- Order ids rise (run, per-client counter, client), like the services' UUIDv7 ids.
\set n random(0, :products - 1)
\set i :i + 1
\set oid :run * 1000000000000 + :i * 1000 + :client_id
BEGIN;
INSERT INTO bench_floor.orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
    idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, nextval('bench_floor.order_numbers'), 'bench', 'bench@example.com',
    'confirmed', 100 + :n::bigint, 'USD', NULL, NULL, 'h', NULL, NULL, NULL, now(), now());
INSERT INTO bench_floor.order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, 0, lpad(to_hex(:n::bigint + 1), 32, '0')::uuid, 'F', 'Floor product',
    1, 100 + :n::bigint, 100 + :n::bigint);
UPDATE bench_floor.products SET reserved = reserved + 1, updated_at = now()
  WHERE id = lpad(to_hex(:n::bigint + 1), 32, '0')::uuid AND active AND on_hand - reserved >= 1
  RETURNING on_hand AS on_hand_after, reserved AS reserved_after \gset
INSERT INTO bench_floor.movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
    order_id, user_id, note, created_at)
  VALUES (lpad('a' || to_hex(:oid::bigint), 32, '0')::uuid, lpad(to_hex(:n::bigint + 1), 32, '0')::uuid, 'reserved', 0, 1,
    :on_hand_after::bigint, :reserved_after::bigint, lpad(to_hex(:oid::bigint), 32, '0')::uuid, 'bench', NULL, now());
COMMIT;
