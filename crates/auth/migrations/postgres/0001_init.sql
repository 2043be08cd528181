-- Ids are UUID text and times fixed-width RFC 3339 text: one query set serves both backends.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'customer')),
    password_hash TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX users_created ON users (created_at, id);

-- One row, written by whoever registers first: that user is the admin, race-free.
CREATE TABLE bootstrap (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    first_user_id TEXT NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    seed       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
