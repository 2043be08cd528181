-- Partial commits and returns. A reservation's lines now say how many of their units have
-- left (shipped); a reservation committed before this kept nothing back, so all of them
-- have. Each partial commit is recorded by its id (the shipment's), so a repeat commits
-- nothing twice; each restocked return by its id, likewise.
ALTER TABLE reservation_lines
    ADD COLUMN committed BIGINT NOT NULL DEFAULT 0 CHECK (committed >= 0 AND committed <= quantity);
UPDATE reservation_lines SET committed = quantity
WHERE reservation_id IN (SELECT id FROM reservations WHERE status = 'committed');

CREATE TABLE reservation_commits (
    id             uuid PRIMARY KEY,
    reservation_id uuid NOT NULL REFERENCES reservations (id),
    created_at     timestamptz NOT NULL
);

CREATE TABLE stock_returns (
    id         uuid PRIMARY KEY,
    order_id   uuid NOT NULL,
    created_at timestamptz NOT NULL
);
