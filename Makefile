# Two commands for a fresh machine: `make run` and `make test`. Both build .venv first,
# from the lock file (the versions the tests passed with), then the project itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements-dev.lock
# pip itself and pip-tools (for `make lock`) are not in the lock: pinned here.
PIP_VERSION       := 26.3
PIP_TOOLS_VERSION := 7.6.2
LOCK_VENV         := .venv-lock
LOCK_FLAGS        ?=

.PHONY: help install browser run test lint format lock bench bench-ledger bench-network \
	bench-dispatch-speed bench-dispatch bench-levels bench-api clean

## make help: list the targets and what each does
help:
	@grep -E '^## make ' $(MAKEFILE_LIST) | sed 's/^## make //'

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## make install: .venv with the locked versions (requirements-dev.lock) and chemdepot (editable)
install: $(STAMP)

## make run: migrate + seed the SQLite database if needed, serve on CHEMDEPOT_HOST:CHEMDEPOT_PORT
run: install
	$(BIN)/chemdepot serve

## make browser: Debian's chromium for tests/browser (apt-get, as root), unless /usr/bin/chromium is there
browser:
	@test -x /usr/bin/chromium || DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		chromium chromium-driver || (apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q chromium chromium-driver)

## make test: the whole suite (PostgreSQL tests run when the server answers; CI=true requires it;
##            the browser tests need chromium, which `make browser` installs first)
test: install browser
	$(BIN)/pytest -q

## make lint: ruff check, ruff format --check, mypy --strict, imports against declared dependencies
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python .ci/check_imports.py

## make format: ruff format and the fixes ruff can make
format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make lock: refresh requirements-dev.lock from pyproject.toml, keeping pins that still fit
##            (LOCK_FLAGS=--upgrade moves every pin to the newest allowed version)
lock:
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet pip==$(PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION)
	$(LOCK_VENV)/bin/pip-compile --quiet --extra dev --extra bench --strip-extras \
		--no-emit-index-url --no-emit-find-links $(LOCK_FLAGS) --output-file $(LOCK) pyproject.toml

## make bench: the quick benchmarks (network, dispatch speed, ledger --quick), about 6 minutes
bench: bench-network bench-dispatch-speed
	$(BIN)/python -m bench.ledger --quick

## make bench-ledger: the full ledger benchmark (about 7 minutes)
bench-ledger: install
	$(BIN)/python -m bench.ledger

## make bench-network: road matrices and routes against scipy's Dijkstra
bench-network: install
	$(BIN)/python -m bench.network

## make bench-dispatch-speed: dispatch plans' wall time against the 1 s and 5 s targets
bench-dispatch-speed: install
	$(BIN)/python -m bench.dispatch

## make bench-dispatch: every hazard source under each template that fits it (the sweep)
bench-dispatch: install
	$(BIN)/python -m bench.dispatch_sweep

## make bench-levels: the stock-levels model against the extensive form
bench-levels: install
	$(BIN)/python -m bench.stock_levels

## make bench-api: HTTP throughput and latency beside a bare FastAPI endpoint
bench-api: install
	$(BIN)/python -m bench.api

## make clean: remove the virtual environments, the local database and caches
clean:
	rm -rf $(VENV) $(LOCK_VENV) var .pytest_cache .mypy_cache .ruff_cache
