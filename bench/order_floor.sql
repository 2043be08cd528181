-- pgbench: the SQL writes one order makes, in the same three transactions Stockroom uses
-- (orders: store pending; inventory: reserve; orders: confirm), on the native column types.
-- The database floor of today's design, next to the minimal one (order_minimal.sql). Order ids
-- rise (run, per-client counter, client), like the services' UUIDv7 ids.
\set n random(0, :products - 1)
\set i :i + 1
\set oid :run * 1000000000000 + :i * 1000 + :client_id
BEGIN;
INSERT INTO orders.orders (id, number, customer_id, customer_email, status, total_cents, currency, note, idempotency_key, request_hash, created_at, updated_at)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, nextval('orders.order_numbers'), 'bench', 'bench@example.com', 'pending', 0, 'USD', NULL, NULL, 'h', now(), now());
INSERT INTO orders.order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, 0, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), '', '', 1, 0, 0);
INSERT INTO orders.order_history (id, order_id, status, at, by_user, reason)
  VALUES (lpad('1' || to_hex(:oid::bigint), 32, '0')::uuid, lpad(to_hex(:oid::bigint), 32, '0')::uuid, 'pending', now(), 'bench', NULL);
COMMIT;
BEGIN;
INSERT INTO inventory.reservations (id, status, total_cents, created_at, updated_at)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, 'held', 0, now(), now()) ON CONFLICT (id) DO NOTHING;
UPDATE inventory.products SET reserved = reserved + 1, updated_at = now()
  WHERE id = (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint) AND active AND on_hand - reserved >= 1
  RETURNING on_hand, reserved, price_cents, sku, name;
INSERT INTO inventory.movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after, order_id, user_id, note, created_at)
  VALUES (lpad('a' || to_hex(:oid::bigint), 32, '0')::uuid, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), 'reserved', 0, 1, 0, 0, lpad(to_hex(:oid::bigint), 32, '0')::uuid, NULL, NULL, now());
UPDATE inventory.reservations SET total_cents = 100 WHERE id = lpad(to_hex(:oid::bigint), 32, '0')::uuid;
INSERT INTO inventory.reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), 1, 100, 'S', 'N');
COMMIT;
BEGIN;
UPDATE orders.orders SET status = 'confirmed', total_cents = 100, response_status = 201, response_body = '{}', updated_at = now()
  WHERE id = lpad(to_hex(:oid::bigint), 32, '0')::uuid AND status = 'pending';
DELETE FROM orders.order_lines WHERE order_id = lpad(to_hex(:oid::bigint), 32, '0')::uuid;
INSERT INTO orders.order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
  VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, 0, (SELECT id FROM bench_floor.current_ids WHERE n = :n::bigint), 'S', 'N', 1, 100, 100);
INSERT INTO orders.order_history (id, order_id, status, at, by_user, reason)
  VALUES (lpad('2' || to_hex(:oid::bigint), 32, '0')::uuid, lpad(to_hex(:oid::bigint), 32, '0')::uuid, 'confirmed', now(), 'bench', NULL);
INSERT INTO orders.ai_summaries (order_id, status) VALUES (lpad(to_hex(:oid::bigint), 32, '0')::uuid, 'disabled');
COMMIT;
