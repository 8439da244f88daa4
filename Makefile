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

# bench_throughput runs bench_build, bench_visibility, bench_render and bench_optics for its rows.
OTHER_BENCHES := memory oracle navigation scenes rewards trajectories

bench: setup  # the throughput table, then the other benchmarks (under 10 minutes in all)
	$(BIN)/python bench/bench_throughput.py
	for name in $(OTHER_BENCHES); do echo "== bench_$$name"; $(BIN)/python bench/bench_$$name.py || exit 1; done
