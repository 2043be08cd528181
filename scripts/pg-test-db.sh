#!/usr/bin/env bash
# Makes a fresh test database on the local PostgreSQL with the deployment's roles and schemas
# (deploy/postgres/init.sql), and prints its URL. Each service's tests then connect as that
# service's own role. Fails with a message that says exactly what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_ADMIN_USER=${PG_ADMIN_USER:-postgres}
TEST_DB=${TEST_DB:-stockroom_test}

if ! command -v psql >/dev/null; then
  echo "make test needs the PostgreSQL client (psql): apt-get install -y postgresql-client" >&2
  exit 1
fi
if ! pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null; then
  echo "make test needs PostgreSQL on $PG_HOST:$PG_PORT and nothing answers there." >&2
  echo "Start it, e.g.: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  exit 1
fi
psql_admin() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN_USER" -v ON_ERROR_STOP=1 -qAt "$@"; }
# A fresh database each run: test schemas from the previous run go with it.
psql_admin -d postgres -c "DROP DATABASE IF EXISTS $TEST_DB WITH (FORCE)" >/dev/null
psql_admin -d postgres -c "CREATE DATABASE $TEST_DB" >/dev/null
psql_admin -d "$TEST_DB" -f deploy/postgres/init.sql >/dev/null
# Tests make a fresh schema per test, so each role may create schemas in the test database.
psql_admin -d "$TEST_DB" -c "GRANT CREATE ON DATABASE $TEST_DB TO auth, inventory, orders, events" >/dev/null
echo "postgres://$PG_ADMIN_USER@$PG_HOST:$PG_PORT/$TEST_DB"
