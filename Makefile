# Every target sets up its own virtualenv in .venv first (python3 >= 3.11 and make are all it needs).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: setup demo test serve bench
setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup  ## start the reward service and score a sample batch
	$(BIN)/python scripts/score_sample.py

test: setup  ## the whole test suite
	$(BIN)/python -m pytest -q

serve: setup
	$(BIN)/prorl serve

bench: setup
	$(BIN)/python benchmarks/bench_math.py
