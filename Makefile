# Two entry points for a newcomer: `make render` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
STACK ?= staging

.PHONY: render test tools hooks hooks-check unit e2e benchmark clean

# promtool and amtool: the real Prometheus and Alertmanager tools, shellcheck (actionlint
# runs it on the workflows' scripts) and influxd (novactl perf's tests), from Debian's packages.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "nova-platform needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# The project itself goes in editable, so `.venv/bin/novactl` is the command (pyproject.toml).
$(RUNTIME_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@ $(RUNTIME_STAMP)

## render: set up .venv and render a stack offline (STACK=staging) into rendered/$(STACK)
render: $(RUNTIME_STAMP)
	$(BIN)/novactl render $(STACK) --placeholder-secrets

## test: set up .venv and the tools, then run every commit hook on every file (ruff, mypy,
## actionlint, the stack files' checks) and every test
test: tools hooks-check unit

## hooks: install the commit hooks of .pre-commit-config.yaml into .git/hooks (with the tools
## that `novactl check` runs)
hooks: $(DEV_STAMP) tools
	$(BIN)/pre-commit install

## hooks-check: what `make test` and CI enforce: every hook on every file
hooks-check: $(DEV_STAMP) tools
	$(BIN)/pre-commit run --all-files --show-diff-on-failure

CRD_CHECK := tools/crd-check
CRD_MODELS_STAMP := $(CRD_CHECK)/node_modules/.installed

## tools: everything every novactl verb runs: the dev .venv (kubernetes-validate, ...),
## promtool, amtool, shellcheck and influxd (Debian: prometheus, prometheus-alertmanager,
## shellcheck, influxdb; the tests start their own prometheus and influxd on loopback ports and
## stop them), Node.js if missing, and the pinned CRD models of tools/crd-check
tools: $(DEV_STAMP) $(CRD_MODELS_STAMP)
	@if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null || ! command -v shellcheck >/dev/null \
		|| ! command -v influxd >/dev/null; then \
		echo "Installing promtool, amtool, shellcheck and influxd from Debian packages"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			prometheus prometheus-alertmanager shellcheck influxdb; \
	fi
	@promtool --version 2>&1 | head -n 1
	@amtool --version 2>&1 | head -n 1
	@shellcheck --version 2>&1 | sed -n 2p
	@influxd version 2>&1 | head -n 1
	@echo "node $$(node --version)"

$(CRD_MODELS_STAMP): $(CRD_CHECK)/package.json $(CRD_CHECK)/package-lock.json
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "Installing Node.js and npm from Debian packages"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi
	npm ci --prefix $(CRD_CHECK) --no-audit --no-fund --loglevel=error
	@touch $@

unit: $(DEV_STAMP) tools
	$(BIN)/pytest

## e2e: build a real control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
## etcd, kwok) and the real Pulumi engine (the CLI, the Python language host, the Kubernetes
## provider) from their Go modules, cached outside the work tree by version (about 20 to 25
## minutes cold on 2 cores, then nothing), start the control plane on loopback and run tests/e2e
## against it (docs/e2e.md)
e2e: $(DEV_STAMP)
	@if ! command -v openssl >/dev/null; then \
		echo "Installing openssl from Debian packages (the API server's keys)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openssl; \
	fi
	@bin="$$(tools/control-plane/build.sh)" && echo "control plane: $$bin" && \
		engine="$$(tools/engine/build.sh)" && echo "engine: $$engine" && \
		NOVA_CONTROL_PLANE_BIN="$$bin" NOVA_ENGINE_HOME="$$engine" $(BIN)/pytest -m e2e -n 0 tests/e2e

## benchmark: render cost per resource for 13, 100 and 500 services against the SDK floor, then
## each novactl verb's latency on the staging stack (check needs the tools)
benchmark: $(RUNTIME_STAMP) tools
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/cli.py

clean:
	rm -rf rendered .pytest_cache .mypy_cache .ruff_cache
