# The two commands of the README: `make quickstart` and `make test`. Both set themselves up.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup quickstart test lint bench

setup:
	bash scripts/setup.sh

quickstart: setup
	$(BIN)/spatialqa build examples/quickstart.yaml --out out/quickstart

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/bench_quickstart.py
