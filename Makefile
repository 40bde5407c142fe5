# newsetl: `make run` and `make test` work on a fresh machine with python3 (3.11+) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WAREHOUSE ?= data/warehouse
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

.PHONY: setup run test lint format bench eval ui clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/newsetl run --input examples/raw --warehouse $(WAREHOUSE)
	$(BIN)/newsetl query --warehouse $(WAREHOUSE) \
	  "select source, language, count(*) as articles, sum(word_count) as words, round(avg(chrome_ratio), 2) as chrome_ratio from articles group by all order by articles desc"

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tasks warehouse

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

ui: setup
	$(BIN)/newsetl ui

eval: setup
	$(BIN)/newsetl eval --devset ../shared/devset

# Benchmarks -> BENCHMARKS.md (see bench/run.py). N: corpus sizes, e.g. N="10000 100000".
N ?= 10000
bench: setup
	$(BIN)/python bench/run.py --sizes $(N)

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
