-- One login role and one schema per service; each role may use only its own schema.
-- Run with psql as a superuser (Docker's postgres image runs it on first start). Passwords come
-- from AUTH_DB_PASSWORD, INVENTORY_DB_PASSWORD, ORDERS_DB_PASSWORD and EVENTS_DB_PASSWORD
-- (default: the role name, for local use only). Safe to run again.
\set ON_ERROR_STOP on
\set auth_password `echo "${AUTH_DB_PASSWORD:-auth}"`
\set inventory_password `echo "${INVENTORY_DB_PASSWORD:-inventory}"`
\set orders_password `echo "${ORDERS_DB_PASSWORD:-orders}"`
\set events_password `echo "${EVENTS_DB_PASSWORD:-events}"`

SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['auth', 'inventory', 'orders', 'events']) AS r
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec

ALTER ROLE auth PASSWORD :'auth_password';
ALTER ROLE inventory PASSWORD :'inventory_password';
ALTER ROLE orders PASSWORD :'orders_password';
ALTER ROLE events PASSWORD :'events_password';

SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', r, r) FROM unnest(ARRAY['auth', 'inventory', 'orders', 'events']) AS r \gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', r) FROM unnest(ARRAY['auth', 'inventory', 'orders', 'events']) AS r \gexec
SELECT format('ALTER ROLE %I SET search_path = %I', r, r) FROM unnest(ARRAY['auth', 'inventory', 'orders', 'events']) AS r \gexec

-- Nobody but the owner creates objects in public, and no service role reads another's schema.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
