# The commands of the README: `make run`, `make check` (the fast tier, about a minute) and
# `make test` (everything, the slow process-level tests too). The rest is set-up they do.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME := $(CURDIR)/var/prefect

.PHONY: run check test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	mkdir -p $(PREFECT_HOME)
	$(BIN)/fengqiao serve --demo

# Lint, types and every test not marked slow (no processes, servers, Prefect or browser).
check: lint
	mkdir -p $(PREFECT_HOME)
	$(BIN)/pytest -m "not slow" --numprocesses=auto --maxprocesses=4

test: $(STAMP)
	mkdir -p $(PREFECT_HOME)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py --quick

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
