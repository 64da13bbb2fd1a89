# Two set-up commands: `make demo` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first, so nothing below pulls the CUDA one (see README).
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev,detoxify]"
	touch $(STAMP)

# Options for the demo: make demo ARGS="--port 8090" (see hallmonitor demo --help).
ARGS ?=

demo: $(STAMP)
	$(BIN)/hallmonitor demo $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot connectors models tests bench
	$(BIN)/ruff format --check bot connectors models tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
