# WebWork Leave Dashboard: `make run` runs the product, `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install run test test-fast lint format bench clean

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

lint: install ## ruff (lint and format check), the import-linter layer contracts, vulture (dead code)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/vulture

format: install ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Measure page speed and upstream calls; writes docs/benchmarks.md
	$(PY) -m pip install --quiet -e . --group bench
	$(PY) -m bench

clean: ## Remove the virtual environment and local databases
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache test-results
