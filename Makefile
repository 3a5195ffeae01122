# Two commands for a fresh machine: `make run` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint format bench-ledger bench-dispatch bench-levels bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	@touch $(STAMP)

install: $(STAMP)

## make run: migrate + seed the SQLite database if needed, serve on CHEMDEPOT_HOST:CHEMDEPOT_PORT
run: install
	$(BIN)/chemdepot serve

## make test: the whole suite (PostgreSQL tests run when the server answers; CI=true requires it)
test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-ledger: install
	$(BIN)/python -m bench.ledger

bench-dispatch: install
	$(BIN)/python -m bench.dispatch_sweep

bench-levels: install
	$(BIN)/python -m bench.stock_levels

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
