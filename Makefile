# Stockroom: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
NPM ?= npm
CHROMIUM ?= /usr/bin/chromium
# nextest runs the tests in parallel processes; plain cargo test is the fallback.
TEST_RUNNER := $(shell cargo nextest --version >/dev/null 2>&1 && echo "nextest run" || echo "test")
# The stockroom binary `make web-types` asks for the OpenAPI document: debug, or release in `make build`.
PROFILE ?= debug
# The UI's API types are generated from that document by openapi-typescript, a devDependency of
# web/tools/openapi-types: its own package, as it needs TypeScript 5's compiler API (the UI is on 7).
TYPES_TOOL := web/tools/openapi-types
GENERATE_WEB_TYPES := node $(TYPES_TOOL)/generate.mjs target/openapi.json web/src/api/schema.d.ts
# The reliability suite is marked #[ignore] so the ordinary run skips it.
IGNORED := $(if $(findstring nextest,$(TEST_RUNNER)),--run-ignored only,-- --ignored)

.PHONY: help run demo build web-deps types-deps web-types web-build test test-queries queries test-rust test-sqlite test-postgres test-openapi \
        test-deploy test-web test-e2e lighthouse test-reliability bench fmt lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "The web UI needs Node.js 20+ and npm: apt-get install -y nodejs npm" >&2; exit 1; }
	cd web && $(NPM) ci --no-audit --no-fund

$(TYPES_TOOL)/node_modules/.package-lock.json: $(TYPES_TOOL)/package.json $(TYPES_TOOL)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "The web UI needs Node.js 20+ and npm: apt-get install -y nodejs npm" >&2; exit 1; }
	cd $(TYPES_TOOL) && $(NPM) ci --no-audit --no-fund

web-deps: web/node_modules/.package-lock.json ## install the UI's npm packages

types-deps: $(TYPES_TOOL)/node_modules/.package-lock.json

target/openapi.json: FORCE
	$(CARGO) build -q -p stockroom $(if $(filter release,$(PROFILE)),--release)
	@mkdir -p target && ./target/$(PROFILE)/stockroom openapi > target/openapi.json

web-types: types-deps target/openapi.json ## regenerate the UI's API types (web/src/api/schema.d.ts) from `stockroom openapi`; commit the result
	$(GENERATE_WEB_TYPES)

web-build: web-deps web-types ## build the UI into web/dist (the gateway serves it), its API types regenerated first
	cd web && $(NPM) run build

build: ## build the stockroom binary (release) and the UI
	$(CARGO) build --release -p stockroom
	$(MAKE) web-build PROFILE=release

run: build ## build everything and start the whole system on SQLite (http://localhost:8000)
	LOG_FORMAT=$${LOG_FORMAT:-pretty} STOCKROOM_WEB_DIR=$${STOCKROOM_WEB_DIR:-web/dist} ./target/release/stockroom all

demo: ## fill the running system (`make run`, or STOCKROOM_URL) with a demo shop: accounts, suppliers, 60 products, orders; a second run adds nothing
	$(CARGO) build -q --release -p stockroom
	./target/release/stockroom demo

test: test-queries test-rust test-openapi test-deploy test-web test-e2e lighthouse ## every test: Rust on SQLite and PostgreSQL, OpenAPI, deployment files, UI, browser end to end, Lighthouse
	@echo "make test: all suites passed"

test-rust: test-sqlite test-postgres

test-queries: ## the committed compile-time query data (crates/*/.sqlx) matches the PostgreSQL migrations and queries
	scripts/sqlx-prepare.sh --check

queries: ## regenerate crates/*/.sqlx after changing a PostgreSQL query or migration; commit the result
	scripts/sqlx-prepare.sh

test-sqlite: ## Rust unit and integration tests on SQLite
	$(CARGO) $(TEST_RUNNER) --workspace

test-postgres: ## Rust integration tests on PostgreSQL (127.0.0.1:5432)
	@url=$$(scripts/pg-test-db.sh) && \
	  STOCKROOM_TEST_DATABASE_URL=$$url $(CARGO) $(TEST_RUNNER) -p testkit -p stockroom

test-openapi: types-deps target/openapi.json ## validate /openapi.json with openapi-spec-validator (PyPI) and redocly lint (recommended rules, warnings fail); the UI's API types must match it
	@bin=$$(scripts/python-tools.sh) && $$bin/openapi-spec-validator target/openapi.json
	@REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(TYPES_TOOL)/node_modules/.bin/redocly lint \
	  --config $(TYPES_TOOL)/redocly.yaml --format stylish target/openapi.json
	@$(GENERATE_WEB_TYPES) --check

test-deploy: ## validate docker-compose.yml, the Kubernetes manifests and the Dockerfile
	@command -v docker-compose >/dev/null || { echo "make test-deploy needs docker-compose: apt-get install -y docker-compose" >&2; exit 1; }
	@mkdir -p target && env_ok=target/compose-check.env && env_none=target/compose-empty.env && \
	  for v in SERVICE_CLIENT_SECRET POSTGRES_PASSWORD AUTH_DB_PASSWORD INVENTORY_DB_PASSWORD ORDERS_DB_PASSWORD EVENTS_DB_PASSWORD; do \
	    echo "$$v=$$(openssl rand -hex 32)"; done > $$env_ok && : > $$env_none && \
	  docker-compose --env-file $$env_ok -f docker-compose.yml config -q && \
	  if docker-compose --env-file $$env_none -f docker-compose.yml config -q 2>target/compose-empty.log; then \
	    echo "docker-compose.yml must refuse to start without the secrets in .env" >&2; exit 1; fi && \
	  grep -q 'create .env first' target/compose-empty.log && \
	  if grep -rniE 'change-?me|replace-?me' docker-compose.yml .env.example deploy; then \
	    echo "a placeholder secret is shipped (above)" >&2; exit 1; fi
	@bin=$$(scripts/python-tools.sh) && $$bin/kubernetes-validate --quiet deploy/k8s/*.yaml && \
	  $$bin/hadolint deploy/Dockerfile && echo "deployment files: valid"

test-web: web-deps ## UI: type check, component tests (vitest), build, bundle budget
	cd web && npx tsc -b && $(NPM) test && $(NPM) run build && node e2e/check-bundle.mjs

test-e2e: web-build ## browser end to end in headless Chromium against the real services, axe on every page
	@test -x $(CHROMIUM) || { echo "make test-e2e needs Chromium at $(CHROMIUM): apt-get install -y chromium" >&2; exit 1; }
	$(CARGO) build -q -p stockroom
	cd web && CHROMIUM=$(CHROMIUM) STOCKROOM_BIN=$(CURDIR)/target/debug/stockroom $(NPM) run e2e

lighthouse: web-build ## Lighthouse (mobile) on the dashboard and products pages; scores to bench/results/lighthouse.json
	@test -x $(CHROMIUM) || { echo "make lighthouse needs Chromium at $(CHROMIUM): apt-get install -y chromium" >&2; exit 1; }
	$(CARGO) build -q -p stockroom
	cd web && CHROMIUM=$(CHROMIUM) STOCKROOM_BIN=$(CURDIR)/target/debug/stockroom LIGHTHOUSE_GATE_PERFORMANCE=$(LIGHTHOUSE_GATE_PERFORMANCE) node e2e/lighthouse.mjs

test-reliability: ## fuzzing, oversell, crash and dependency-failure suites, on SQLite and PostgreSQL
	$(CARGO) build -q -p stockroom
	scripts/fuzz-api.sh
	$(CARGO) $(TEST_RUNNER) -p stockroom --test reliability --test security $(IGNORED)
	@url=$$(scripts/pg-test-db.sh) && \
	  STOCKROOM_TEST_DATABASE_URL=$$url $(CARGO) $(TEST_RUNNER) -p stockroom --test reliability --test security $(IGNORED)

# About 8 minutes with the defaults once the release build is there (BENCH_* variables: README).
# Lighthouse runs against the release binary and the UI `build` just made, so no debug build.
bench: build ## order creation against PostgreSQL's floor, reads, CPU per order, Lighthouse with its performance target; figures to bench/results/ and the README
	@test -x $(CHROMIUM) || { echo "make bench needs Chromium at $(CHROMIUM) for Lighthouse: apt-get install -y chromium" >&2; exit 1; }
	python3 bench/run.py
	cd web && CHROMIUM=$(CHROMIUM) STOCKROOM_BIN=$(CURDIR)/target/release/stockroom LIGHTHOUSE_GATE_PERFORMANCE=1 node e2e/lighthouse.mjs

fmt: ## format the code
	$(CARGO) fmt --all

lint: ## clippy with warnings as errors, and a format check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

FORCE:

clean:
	$(CARGO) clean
	rm -rf web/dist web/node_modules
