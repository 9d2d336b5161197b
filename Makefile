# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# Links in mail point at the port the demo serves on, unless told otherwise.
PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
export PORTAL_BASE_URL

.PHONY: run test install install-dev lint format migrate clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo
	@echo "Portal: http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)  Ctrl-C stops everything."
	$(BIN)/honcho start -f Procfile

test: install-dev
	PORTAL_VAR_DIR=$${PORTAL_VAR_DIR:-$(CURDIR)/var/test} $(BIN)/pytest $(PYTEST_ARGS)

# Every script in bench/ at three sizes, one table (bench/run.py): on PostgreSQL (DATABASE_URL)
# each script gets a fresh database <name>_<script> beside it, else a throwaway SQLite file; then
# the kill-switch poll's throughput on gunicorn when wrk is installed. BENCH_SIZES=1,2,4 is the
# small run of CI; the default 1,10,100 reaches 2 000 rotations and 100 000 incidents.
BENCH_SIZES ?= 1,10,100
bench: install-dev
	BENCH_SIZES=$(BENCH_SIZES) $(BIN)/python bench/run.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var/broker var/test
