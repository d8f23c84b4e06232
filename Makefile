# Clean Slate Warehouse: every entry point a newcomer needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export PATH := $(CURDIR)/$(BIN):$(PATH)

DEMO_DIR := data/demo
DEMO_ROWS ?= 20000
AS_OF ?= 2025-07-01
# The demo's pseudonym key: fabricated data only, so not a secret. Every other run needs
# CLEANSLATE_PSEUDONYM_KEY set to a real secret (no default; orchestration/lib/settings.py).
DEMO_PSEUDONYM_KEY := demo-only-not-a-secret
DEMO_KEY := CLEANSLATE_PSEUDONYM_KEY=$(DEMO_PSEUDONYM_KEY)

.PHONY: test-integration demo-inputs demo-run-args env-example bench-dbt same-answers help install manifest demo readme-images reliability test test-unit dev lint lock clean docs bench serve ui-images test-fast test-engines law-cases

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# The stamp depends on the lock: a changed lock re-installs; an unchanged one costs nothing.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	touch $@

install: $(VENV)/.installed  ## create .venv from the lock file (idempotent)

# orchestration/rules/conditions/*.sql: the condition types' evaluators (a macro path of the project)
dbt_project/target/manifest.json: $(VENV)/.installed $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f 2>/dev/null) $(wildcard orchestration/rules/conditions/*.sql) dbt_project/dbt_project.yml dbt_project/profiles.yml
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

manifest: dbt_project/target/manifest.json  ## parse the dbt project (Dagster reads the manifest at import)

# The demo's inputs, in one place (make demo; scripts/same_answers.py asks make for both).
DEMO_INPUTS = --extract $(DEMO_DIR)/extract.csv --extract $(DEMO_DIR)/ut_courts \
    --extract $(DEMO_DIR)/pa_aopc --extract $(DEMO_DIR)/ca_canonical \
    --supervision $(DEMO_DIR)/supervision.csv --supervision-complete

demo: manifest demo-inputs  ## fabricate CA DOJ (+ its supervision file) and canonical UT/PA/CA extracts, run the whole job
	mkdir -p $(DAGSTER_HOME)
	$(DEMO_KEY) $(BIN)/cleanslate run --as-of $(AS_OF) --out $(DEMO_DIR)/exports \
	    --warehouse $(DEMO_DIR)/warehouse.duckdb $(DEMO_INPUTS)

demo-inputs: $(VENV)/.installed  ## fabricate the demo's extracts into DEMO_DIR (no run)
	mkdir -p $(DEMO_DIR)
	$(BIN)/python -m devtools.generate --rows $(DEMO_ROWS) --seed 7 --out $(DEMO_DIR)/extract.csv
	$(BIN)/python -m devtools.generate --format supervision --extract $(DEMO_DIR)/extract.csv --seed 7 --out $(DEMO_DIR)/supervision.csv
	$(BIN)/python -m devtools.generate --format canonical --state UT --rows 5000 --seed 7 --out $(DEMO_DIR)/ut_courts
	$(BIN)/python -m devtools.generate --format canonical --state PA --rows 5000 --seed 7 --out $(DEMO_DIR)/pa_aopc
	$(BIN)/python -m devtools.generate --format canonical --state CA --rows 5000 --seed 7 --out $(DEMO_DIR)/ca_canonical

demo-run-args:  ## print the demo's `cleanslate run` input options for DEMO_DIR
	@echo $(DEMO_INPUTS)

RELIABILITY_TESTS := tests/unit/test_hostile_reader.py tests/unit/test_property_parsers.py \
	tests/integration/test_hostile_corpus.py tests/integration/test_conservation.py \
	tests/integration/test_crash_safety.py tests/integration/test_concurrency.py \
	tests/integration/test_personal_data.py tests/integration/test_gates.py \
	tests/integration/test_out_folder.py tests/integration/test_fail_closed_inputs.py \
	tests/integration/test_fail_closed.py

reliability: manifest  ## hostile inputs, conservation, crashes, concurrency, privacy, fail-closed gates: a table
	mkdir -p data && rm -f data/reliability.jsonl
	CLEANSLATE_RELIABILITY_LOG=$(CURDIR)/data/reliability.jsonl $(BIN)/pytest $(PARALLEL) -q -p no:cacheprovider $(RELIABILITY_TESTS) || true
	$(BIN)/python -m devtools.reliability.report data/reliability.jsonl

# Repeats each size (BENCH_REPEATS, default 3) on a fresh warehouse; BENCH_SIZES=100,100000
# picks sizes; BENCH_PROFILE=1 adds a py-spy profile per size. Figures go to docs/benchmarks.md.
# BASE=<revision> (default HEAD: uncommitted changes against the last commit).
same-answers: manifest  ## decision tables of this checkout vs BASE, on the demo and 100k extracts: must be identical
	$(DEMO_KEY) $(BIN)/python scripts/same_answers.py --base $(or $(BASE),HEAD)

bench: manifest  ## benchmark 100 / 100k / 1M rows end to end, then the dbt step alone at 1M (BENCH_LARGE=1 adds 10M)
	$(DEMO_KEY) $(BIN)/python -m devtools.bench
	$(DEMO_KEY) $(BIN)/python -m devtools.bench.dbt_step

bench-dbt: manifest  ## the dbt step alone: dbt build on an ingested 1M-row warehouse under 2 GB (BENCH_LARGE=1 adds 10M under 3 GB)
	$(DEMO_KEY) $(BIN)/python -m devtools.bench.dbt_step

ui-images: manifest  ## screenshots of the Dagster UI (asset graph, decision table) from the demo run into docs/images
	scripts/ensure_chromium.sh
	$(BIN)/python -m devtools.ui_screenshots docs/images

readme-images: ## render page 1 of a demo court document and of the report into docs/images
	$(BIN)/python -m devtools.readme_images $(DEMO_DIR)/exports docs/images

# One scratch warehouse and one in-process `dbt build` per group of cases: no Dagster, no CLI,
# no exports (scripts/law_cases.py). LAW_CASES_ARGS="-k U1" picks cases; "--keep DIR" keeps
# the warehouses.
law-cases: $(VENV)/.installed  ## every law case (rules/*/cases) against the decision models (under a minute)
	$(BIN)/python -m scripts.law_cases $(LAW_CASES_ARGS)

# Two workers (TEST_WORKERS): a run keeps one core busy (dbt, or Dagster's Python), so two
# runs side by side halve the suite on 2 cores. Each test file runs on one worker (a module's
# warehouse is built once); tests/conftest.py hands out the slowest files first.
TEST_WORKERS ?= 2
PARALLEL = -n $(TEST_WORKERS) --dist loadfile

test: manifest lint  ## lint, then unit + integration tests (what CI runs)
	scripts/ensure_chromium.sh
	$(BIN)/pytest $(PARALLEL)

test-fast: manifest lint  ## lint + the unit tests: no dbt build, no end-to-end run (a few minutes; before each commit)
	$(BIN)/pytest $(PARALLEL) -m "not integration"

test-integration: manifest  ## every end-to-end test except the engine suite (no PostgreSQL / Spark)
	scripts/ensure_chromium.sh
	$(BIN)/pytest $(PARALLEL) -m "integration and not engines"

test-engines: manifest  ## the same models on PostgreSQL and Spark: throwaway servers, equal answers, roles
	$(BIN)/pytest -m engines

test-unit: manifest  ## fast tests only
	$(BIN)/pytest $(PARALLEL) -m "not integration"

# DuckDB has one writer: runs launched from the UI queue one at a time (run_queue below; the
# CLI writes the same block, and takes <warehouse>.lock for its own runs). A dagster.yaml that
# already says how runs are queued is left alone.
dev: manifest  ## Dagster UI on http://127.0.0.1:3000 (one run at a time)
	mkdir -p $(DAGSTER_HOME) && touch $(DAGSTER_HOME)/dagster.yaml
	grep -qE '^(run_queue|run_coordinator|concurrency):' $(DAGSTER_HOME)/dagster.yaml || \
	    printf '\n# Clean Slate Warehouse: one run at a time (DuckDB allows one writing process).\nrun_queue:\n  max_concurrent_runs: 1\n' >> $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

SERVE_HOME ?= $(CURDIR)/.dagster_serve
SERVE_HOST ?= 127.0.0.1
SERVE_PORT ?= 3000

# Production instance (deploy/dagster.yaml: PostgreSQL storage from DAGSTER_PG_*, one run at a
# time, retries); its own DAGSTER_HOME, so `make dev` keeps .dagster_home.
serve: manifest  ## Dagster webserver + daemon on PostgreSQL: landing sensor, monthly run, alerts
	DAGSTER_HOME=$(SERVE_HOME) $(BIN)/python -m orchestration.service.serve all --host $(SERVE_HOST) --port $(SERVE_PORT)

lint: install  ## ruff lint + format check + the package's layers, runtime never imports devtools (.importlinter)
	$(BIN)/ruff check orchestration devtools tests scripts
	$(BIN)/ruff format --check orchestration devtools tests scripts
	$(BIN)/lint-imports --no-cache

env-example: $(VENV)/.installed  ## rewrite .env.example from orchestration/lib/settings.py (every variable, its default)
	$(BIN)/python -m orchestration.lib.settings --env-example

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:  ## remove generated state (keeps .venv)
	rm -rf data/demo .dagster_home dbt_project/target dbt_project/logs

docs: install  ## static dbt docs site (models, columns, lineage, exposures) from the demo warehouse
	@test -f $(DEMO_DIR)/warehouse.duckdb || { echo "make docs: $(DEMO_DIR)/warehouse.duckdb does not exist: run 'make demo' first" >&2; exit 1; }
	cd dbt_project && $(DEMO_KEY) CLEANSLATE_WAREHOUSE=$(CURDIR)/$(DEMO_DIR)/warehouse.duckdb ../$(BIN)/dbt docs generate --static --quiet \
	    --profiles-dir . --project-dir . --target-path target/docs
	@echo "Docs site: $(CURDIR)/dbt_project/target/docs/static_index.html (one self-contained file: open it in a browser)"
