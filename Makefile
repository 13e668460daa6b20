# WebWork Leave Dashboard: `make run` runs the product, `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Instants the suite must also pass at (make test-dates): a week across two months, minutes
# before a new year, a Tuesday and a Wednesday (the busiest seeds), a leap day, the mornings
# of Europe's two clock changes, and New Year's Day. CI runs the first two beside today.
TEST_DATES ?= 2026-12-01T10:00Z 2027-12-31T23:50Z 2026-12-08T10:00Z 2026-12-09T10:00Z \
	2028-02-29T12:00Z 2027-03-28T01:30Z 2027-10-31T01:30Z 2027-01-01T00:10Z

.PHONY: help install run test test-fast test-dates lint format bench clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	@PYTHON="$$(.ci/find-python)" || exit 1; \
	echo "Creating $(VENV) with $$PYTHON ($$($$PYTHON --version))"; \
	"$$PYTHON" -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e . --group dev
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the product, the sandbox and the test tools

run: install ## Start the sandbox (:8001) and the dashboard (:8000); Ctrl-C stops both
	$(PY) manage.py migrate --noinput
	@.ci/stack

test: install ## Run the whole test suite (installs Chromium for browser tests when it can)
	@.ci/ensure-chromium
	$(PY) -m playwright --version >/dev/null
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

test-fast: install ## Run the suite without browser tests
	$(PY) -m pytest -n auto --dist loadgroup -m "not e2e" $(PYTEST_ARGS)

test-dates: install ## Run the suite (no browser tests) at each instant of TEST_DATES
	@failed=""; for instant in $(TEST_DATES); do \
	  echo "== The suite at $$instant"; \
	  $(PY) -m pytest -n auto --dist loadgroup -m "not e2e" -q --today=$$instant $(PYTEST_ARGS) \
	    || failed="$$failed $$instant"; \
	done; \
	if [ -n "$$failed" ]; then echo "The suite failed at:$$failed" >&2; exit 1; fi; \
	echo "The suite passed at every instant: $(TEST_DATES)"

lint: install ## ruff (lint and format check) and the import-linter layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Measure page speed and upstream calls; writes docs/benchmarks.md
	$(PY) -m pip install --quiet -e . --group bench
	$(PY) -m bench

clean: ## Remove the virtual environment and local databases
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache test-results
