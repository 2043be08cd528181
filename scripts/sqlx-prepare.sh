#!/usr/bin/env bash
# Regenerates (or with --check, verifies) the committed compile-time query data (`.sqlx/`) of
# each service crate. Each crate's PostgreSQL queries are checked against its own schema in a
# scratch database, migrated by its own migrations, exactly as the service runs them.
#
#   scripts/sqlx-prepare.sh [--check] [kernel auth inventory orders events]
#
# kernel's queries (the outbox) are checked against crates/kernel/migrations, the outbox table
# every service copies into its own migrations.
#
# While writing queries, `SQLX_OFFLINE=false cargo check -p <crate>` checks them live: this
# script leaves `crates/<crate>/.env` (git-ignored) naming the scratch schema.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_ADMIN_USER=${PG_ADMIN_USER:-postgres}
DB=${SQLX_DB:-stockroom_sqlx}

check=()
if [[ ${1:-} == --check ]]; then
  check=(--check)
  shift
fi
crates=("$@")
[[ ${#crates[@]} -gt 0 ]] || crates=(kernel auth inventory orders events)

if ! command -v cargo-sqlx >/dev/null; then
  echo "installing sqlx-cli 0.8 (once) to prepare the checked queries" >&2
  cargo install sqlx-cli --version '^0.8' --no-default-features --features rustls,postgres,sqlite --locked >&2
fi
if ! pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null; then
  echo "checking the queries needs PostgreSQL on $PG_HOST:$PG_PORT and nothing answers there." >&2
  echo "Start it, e.g.: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
  exit 1
fi
psql_admin() { PGOPTIONS='-c client_min_messages=warning' psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN_USER" -v ON_ERROR_STOP=1 -qAt "$@"; }
if [[ -z $(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
  psql_admin -d postgres -c "CREATE DATABASE $DB" >/dev/null 2>&1 || true
fi

for crate in "${crates[@]}"; do
  url="postgres://$PG_ADMIN_USER@$PG_HOST:$PG_PORT/$DB?options=-c%20search_path%3D$crate"
  # Each crate's schema is rebuilt alone, so preparing one crate never disturbs another's.
  psql_admin -d "$DB" -c "DROP SCHEMA IF EXISTS $crate CASCADE; CREATE SCHEMA $crate" >/dev/null
  sqlx migrate run --source "crates/$crate/migrations/postgres" --database-url "$url" >/dev/null
  # Every crate compiles kernel, whose checked queries (the outbox relay) need the outbox table:
  # a crate whose own migrations do not make it gets kernel's, in this scratch schema only.
  if [[ $crate != kernel && -z $(psql_admin -d "$DB" -c "SELECT to_regclass('$crate.outbox')") ]]; then
    PGOPTIONS="-c client_min_messages=warning -c search_path=$crate" psql -h "$PG_HOST" -p "$PG_PORT" \
      -U "$PG_ADMIN_USER" -v ON_ERROR_STOP=1 -q -d "$DB" -f crates/kernel/migrations/postgres/0001_outbox.sql >/dev/null
  fi
  printf 'DATABASE_URL=%s\n' "$url" > "crates/$crate/.env"
  (cd "crates/$crate" && SQLX_OFFLINE=false DATABASE_URL="$url" cargo sqlx prepare "${check[@]}" -- --all-targets)
  # sqlx collects every query compiled in a crate's run, kernel's too when kernel was rebuilt
  # for it (which depends on what was built before): every crate keeps kernel's query data, so
  # the check passes whichever way it went.
  if [[ $crate != kernel && ${#check[@]} -eq 0 ]]; then
    cp crates/kernel/.sqlx/query-*.json "crates/$crate/.sqlx/"
  fi
done
