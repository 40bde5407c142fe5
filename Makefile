# newsetl: `make run` and `make test` work on a fresh machine with python3 (3.11+) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WAREHOUSE ?= data/warehouse
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

.PHONY: setup run test lint format bench eval model model-cv ui clean

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

# The shipped chrome model (config/chrome_model.json + chrome_lexical.npy), rebuilt
# byte for byte from the devset (bench/train_chrome.py; ~5 min); model-cv: its figure
# from 5-fold cross-validation grouped by site (~25 min). Needs the `train` extra.
MODEL_FLAGS = --lexical words,punct,edges --lexical-min-sites 3 --lexical-coverage \
  --lexical-foreign-neutral --lexical-min-words 3 --lexical-min-coverage 0.5 \
  --lexical-dropout 0.3 --lexical-fallback 0.4 --context-cohesion --context-extra \
  --stage-blend 0.5 --stage-seeds 5
model: setup
	$(BIN)/pip install -q -e '.[train]'
	PYTHONPATH=. $(BIN)/python bench/train_chrome.py --devset ../shared/devset $(MODEL_FLAGS)

model-cv: setup
	$(BIN)/pip install -q -e '.[train]'
	PYTHONPATH=. $(BIN)/python bench/train_chrome.py --devset ../shared/devset --cv $(MODEL_FLAGS)

# Benchmarks -> BENCHMARKS.md (see bench/run.py). N: corpus sizes, e.g. N="10000 100000".
N ?= 10000
bench: setup
	$(BIN)/python bench/run.py --sizes $(N)

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
