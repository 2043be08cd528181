-- orders releases stock held for orders that were never written (the process died between
-- inventory's commit and its own) by listing the reservations still held, in id order, older
-- than a grace period. Held reservations are those of every open order; the index holds their
-- id and time, so the listing reads the index alone.
CREATE INDEX reservations_held ON reservations (id, created_at) WHERE status = 'held';
