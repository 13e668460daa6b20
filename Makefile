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

# uv installs the locked tree (uv.lock) into $(VENV). It comes from PyPI into a tools venv of its
# own, so a fresh machine needs nothing but a Python 3.12+ (found by .ci/find-python).
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
# uv never downloads a Python: it uses the one .ci/find-python finds (see WITH_PYTHON).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
WITH_PYTHON = PYTHON="$$(.ci/find-python)" || exit 1; export UV_PYTHON="$$PYTHON";

.PHONY: help install lock run test test-fast test-dates lint format messages bench lighthouse clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV_STAMP):
	@$(WITH_PYTHON) \
	echo "Installing uv $(UV_VERSION) into $(TOOLS)/ with $$PYTHON"; \
	rm -rf $(TOOLS); \
	pip=(--quiet --disable-pip-version-check "uv==$(UV_VERSION)"); \
	if "$$PYTHON" -m venv $(TOOLS) >/dev/null 2>&1; then \
	  $(TOOLS)/bin/python -m pip install "$${pip[@]}"; \
	else \
	  rm -rf $(TOOLS); \
	  "$$PYTHON" -m pip install --target $(TOOLS) "$${pip[@]}"; \
	fi || { echo "Could not install uv: install python3-venv (or pip) for $$PYTHON." >&2; exit 1; }; \
	$(UV) --version && touch $(UV_STAMP)

$(STAMP): pyproject.toml uv.lock | $(UV_STAMP)
	@$(WITH_PYTHON) $(UV) sync --frozen --group dev
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the product, the sandbox and the test tools from uv.lock

lock: $(UV_STAMP) ## Update uv.lock after a change of pyproject.toml's dependencies
	@$(WITH_PYTHON) $(UV) lock

run: install ## Start the Procfile with honcho: sandbox :8001, dashboard :8000 (worker with REDIS_URL)
	@bin/run

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

lint: install ## uv.lock in step with pyproject.toml, ruff, the layer contracts, vulture (dead code)
	@$(WITH_PYTHON) $(UV) lock --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/vulture

messages: install ## Update the translation catalogues (dashboard/locale) from the code; needs gettext
	$(PY) manage.py translations

format: install ## Fix what ruff can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## Measure page speed and upstream calls; writes docs/benchmarks.md
	@$(WITH_PYTHON) $(UV) sync --frozen --group dev --group bench
	$(PY) -m bench

lighthouse: install ## Lighthouse (phone preset) on every page, cache cold; writes docs/lighthouse.md
	@$(WITH_PYTHON) $(UV) sync --frozen --group dev --group bench
	$(PY) -m bench.lighthouse $(LIGHTHOUSE_ARGS)

clean: ## Remove the virtual environment and local databases
	rm -rf $(VENV) $(TOOLS) db.sqlite3 staticfiles .pytest_cache test-results
