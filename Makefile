# Stockroom: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
# nextest runs the tests in parallel processes; plain cargo test is the fallback.
TEST_RUNNER := $(shell cargo nextest --version >/dev/null 2>&1 && echo "nextest run" || echo "test")

.PHONY: help run build test test-rust test-sqlite test-postgres test-openapi test-reliability bench fmt lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

build: ## build the stockroom binary (release)
	$(CARGO) build --release -p stockroom

run: build ## build everything and start the whole system on SQLite (http://localhost:8000)
	LOG_FORMAT=$${LOG_FORMAT:-pretty} ./target/release/stockroom all

test: test-rust test-openapi ## every test: Rust on SQLite and PostgreSQL, the OpenAPI document
	@echo "make test: all suites passed"

test-rust: test-sqlite test-postgres

test-sqlite: ## Rust unit and integration tests on SQLite
	$(CARGO) $(TEST_RUNNER) --workspace

test-postgres: ## Rust integration tests on PostgreSQL (127.0.0.1:5432)
	@url=$$(scripts/pg-test-db.sh) && \
	  STOCKROOM_TEST_DATABASE_URL=$$url $(CARGO) $(TEST_RUNNER) -p testkit -p stockroom

test-openapi: ## validate /openapi.json with openapi-spec-validator (PyPI)
	@bin=$$(scripts/python-tools.sh) && $(CARGO) build -q -p stockroom && \
	  ./target/debug/stockroom openapi > target/openapi.json && \
	  $$bin/openapi-spec-validator target/openapi.json

bench: ## benchmarks; figures go to bench/results/
	@echo "no benchmarks yet"

fmt: ## format the code
	$(CARGO) fmt --all

lint: ## clippy with warnings as errors, and a format check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
