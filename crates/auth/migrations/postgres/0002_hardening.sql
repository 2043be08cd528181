-- Attempt counters shared by every replica: sign-in attempts per account and per address,
-- registrations per address. One row per key and fixed window; rows past their window are
-- pruned. Keys are hashes or addresses, so a row's size does not depend on client input.
CREATE TABLE rate_counters (
    key         TEXT PRIMARY KEY,
    hits        BIGINT NOT NULL,
    window_ends TEXT NOT NULL
);
CREATE INDEX rate_counters_window_ends ON rate_counters (window_ends);

-- One-time tokens that make the first admin in `serve` when ADMIN_EMAIL is unset. Only the
-- SHA-256 is kept; every row is deleted once an admin has been made with one of them.
CREATE TABLE admin_bootstrap_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
