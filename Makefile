# Two entry points for a newcomer: `make render` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
STACK ?= staging

.PHONY: render test lint typecheck unit benchmark clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nova-platform needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

## render: set up .venv and render a stack offline (STACK=staging) into rendered/$(STACK)
render: $(RUNTIME_STAMP)
	$(BIN)/python -m novactl render $(STACK) --placeholder-secrets

## test: set up .venv, then lint, type-check and run every test
test: lint typecheck unit

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

unit: $(DEV_STAMP)
	$(BIN)/pytest

## benchmark: render cost per resource for 13, 100 and 500 services against the SDK floor
benchmark: $(RUNTIME_STAMP)
	$(BIN)/python benchmarks/render.py

clean:
	rm -rf rendered .pytest_cache .mypy_cache .ruff_cache
