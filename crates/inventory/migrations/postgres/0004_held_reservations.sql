-- orders looks for holds whose order was never written (its process died between inventory's
-- commit and its own) among the reservations still held: a small index, since a reservation
-- leaves it when it is committed or released.
CREATE INDEX reservations_held ON reservations (id) WHERE status = 'held';
