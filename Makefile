# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
ROOT := $(abspath .)

.PHONY: run bench test lint services python-env tools schemas

## run: the CSMS on its embedded default (SQLite under data/) with the Gijón demo fleet
run:
	@scripts/run.sh

## bench: csms against the null responder (release builds), and the micro-benchmarks
bench:
	@scripts/bench.sh

## test: every test, with PostgreSQL, Redis and the Python OCPP peer made ready first
test: services python-env tools
	CITERE_PYTHON=$(ROOT)/.venv/bin/python $(CARGO) test --workspace

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

services:
	@scripts/services.sh

## tools: what the end-to-end tests drive: Prometheus (and Chromium for the browser test)
tools:
	@scripts/prometheus.sh
	@scripts/browser.sh

python-env:
	@scripts/python-env.sh

## schemas: re-extract the official OCPP JSON schemas from the pinned PyPI package
schemas:
	schemas/extract.sh
