#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI) against the real system's /openapi.json, signed in as admin.
# Passes with zero 5xx and zero responses that break the documented schema. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(scripts/python-tools.sh)
if [ ! -x "$bin/schemathesis" ]; then
  "$bin/pip" install --quiet --disable-pip-version-check schemathesis >&2 || { echo "cannot install schemathesis from PyPI" >&2; exit 1; }
fi
BIN=${STOCKROOM_BIN:-target/debug/stockroom}
DATA=$(mktemp -d)
BASE_PORT=${FUZZ_BASE_PORT:-18100}
export STOCKROOM_DATA_DIR=$DATA GATEWAY_PORT=$BASE_PORT AUTH_PORT=$((BASE_PORT+1)) INVENTORY_PORT=$((BASE_PORT+2)) \
  ORDERS_PORT=$((BASE_PORT+3)) EVENTS_PORT=$((BASE_PORT+4)) WEBHOOK_ALLOW_PRIVATE=true RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000 RUST_LOG=error LOG_FORMAT=json
export AUTH_URL=http://127.0.0.1:$AUTH_PORT INVENTORY_URL=http://127.0.0.1:$INVENTORY_PORT ORDERS_URL=http://127.0.0.1:$ORDERS_PORT \
  EVENTS_URL=http://127.0.0.1:$EVENTS_PORT
# AI on, against a loopback stand-in: its endpoints then answer for real instead of the
# documented "AI not configured" 503.
python3 bench/fake_ai.py $((BASE_PORT+9)) fast &
ai=$!
export OPENROUTER_API_KEY=fuzz AI_BASE_URL=http://127.0.0.1:$((BASE_PORT+9))
"$BIN" all > "$DATA/stockroom.log" 2>&1 &
pid=$!
trap 'kill $pid $ai 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$DATA"' EXIT
base=http://127.0.0.1:$BASE_PORT
for _ in $(seq 1 200); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
curl -fsS "$base/readyz" >/dev/null || { echo "stockroom did not start; log:" >&2; cat "$DATA/stockroom.log" >&2; exit 1; }
curl -fsS -H 'content-type: application/json' -d '{"email":"fuzz@example.com","password":"correct horse battery","name":"Fuzz"}' \
  "$base/api/auth/register" >/dev/null
token=$(curl -fsS -H 'content-type: application/json' -d '{"email":"fuzz@example.com","password":"correct horse battery"}' \
  "$base/api/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A supplier and a product the hooks (scripts/fuzz_hooks.py) put in place of generated ids, so
# requests naming other records reach the code past validation.
auth=(-H "authorization: Bearer $token" -H 'content-type: application/json')
json_id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
supplier=$(curl -fsS "${auth[@]}" -d '{"name":"Fuzz Supplies","lead_time_days":3}' "$base/api/suppliers" | json_id)
product=$(curl -fsS "${auth[@]}" -d "{\"sku\":\"FUZZ-1\",\"name\":\"Fuzz\",\"price_cents\":100,\"initial_stock\":1000000,\"supplier_id\":\"$supplier\"}" \
  "$base/api/products" | json_id)
customer=$(curl -fsS -H 'content-type: application/json' -d '{"email":"fuzz-customer@example.com","password":"correct horse battery","name":"Fuzz Customer"}' \
  "$base/api/auth/register" | json_id)
# Nothing listens on the webhook port: deliveries fail and retry, as a real receiver's would.
export FUZZ_BASE_URL=$base FUZZ_TOKEN=$token FUZZ_PRODUCT_ID=$product FUZZ_SUPPLIER_ID=$supplier \
  FUZZ_CUSTOMER_ID=$customer FUZZ_WEBHOOK_URL=http://127.0.0.1:$((BASE_PORT+8))/fuzz-receiver
export PYTHONPATH=$PWD/scripts${PYTHONPATH:+:$PYTHONPATH} SCHEMATHESIS_HOOKS=fuzz_hooks
report="$DATA/schemathesis.txt"
status=0
"$bin/schemathesis" run "$base/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-25}" \
  --request-timeout 10 \
  --exclude-path /api/auth/logout --exclude-path /api/auth/refresh \
  --suppress-health-check all ${FUZZ_ARGS:-} | tee "$report" || status=$?
# The document must carry the API's validation rules: when schemathesis finds an operation
# refusing most of what the document allows, it warns (and explores no further than
# validation); that warning fails the run like any failed check.
mismatched=$(awk '/^Schema validation mismatch/{on=1; next} on && /^  - /{sub(/^  - /, ""); print; next} on && /^[^ ]/ && !/^$/{on=0}' "$report")
if [ -n "$mismatched" ]; then
  echo "schemathesis: the OpenAPI document allows what the API refuses (schema validation mismatch) for:" >&2
  echo "$mismatched" >&2
  status=1
fi
exit $status
