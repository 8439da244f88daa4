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

bench: setup  # every benchmark in bench/, one after the other (several minutes)
	for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
