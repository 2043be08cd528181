-- Native types on PostgreSQL: ids become uuid, times timestamptz, the disabled flag boolean.
-- Every existing row is carried over: ids were written as hyphenated UUID text and times as
-- fixed-width RFC 3339 UTC text, which both casts read as they are.

-- The foreign key pins refresh_tokens.user_id to the text type of users.id: drop it around
-- the change and put it back on the new types.
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_user_id_fkey;

ALTER TABLE users
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN disabled DROP DEFAULT,
    ALTER COLUMN disabled TYPE boolean USING disabled <> 0,
    ALTER COLUMN disabled SET DEFAULT false,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

-- Only ever written with the id of the user who registered first.
ALTER TABLE bootstrap
    ALTER COLUMN first_user_id TYPE uuid USING first_user_id::uuid;

-- family_id is the UUID a sign-in starts; token_hash stays text (a base64url SHA-256).
ALTER TABLE refresh_tokens
    ALTER COLUMN family_id TYPE uuid USING family_id::uuid,
    ALTER COLUMN user_id TYPE uuid USING user_id::uuid,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz,
    ALTER COLUMN used_at TYPE timestamptz USING used_at::timestamptz,
    ALTER COLUMN revoked_at TYPE timestamptz USING revoked_at::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;

ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);

-- Key ids stay text: they are derived from the public key, not UUIDs.
ALTER TABLE signing_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN retired_at TYPE timestamptz USING retired_at::timestamptz;

ALTER TABLE rate_counters
    ALTER COLUMN window_ends TYPE timestamptz USING window_ends::timestamptz;

ALTER TABLE admin_bootstrap_tokens
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
