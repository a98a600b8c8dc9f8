# Two commands matter: `make run` and `make test`. The rest are their parts.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
# Another infrastructure's reference pack: make run REFERENCE=reference/example-biobank.yaml
REFERENCE ?= reference/gms.yaml
# Compiled bytecode makes every command start several times faster.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test install lint typecheck checks audit test-sqlite test-postgres test-fast messages clean bench loadtest screenshots

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	@$(UV) pip sync --quiet --python $(PY) requirements.lock
	@touch $@

install: $(VENV)/.installed

run: install
	@HOST=$(HOST) PORT=$(PORT) REFERENCE=$(REFERENCE) scripts/run.sh

test: install
	@scripts/test.sh

# Pieces of `make test`, for working on one thing at a time.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy samverkan

checks: install
	SAMVERKAN_TESTING=1 $(PY) manage.py check --fail-level WARNING
	SAMVERKAN_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

# Known vulnerabilities in requirements.lock (needs the network to PyPI).
audit: install
	scripts/audit.sh

test-sqlite: install
	SAMVERKAN_TESTING=1 $(VENV)/bin/pytest $(ARGS)

test-postgres: install
	scripts/with-postgres.sh $(VENV)/bin/pytest $(ARGS)

test-fast: install
	SAMVERKAN_TESTING=1 $(VENV)/bin/pytest -m "not browser" $(ARGS)

# Update the Swedish catalogue after changing strings, then translate what is new.
messages: install
	$(PY) manage.py makemessages -l sv --no-obsolete --ignore=.venv --ignore=var --add-location=file
	$(PY) manage.py compilemessages -l sv --ignore=.venv

clean:
	rm -rf var/static .mypy_cache .ruff_cache

# Load and latency figures at national scale on a local PostgreSQL (not part of `make test`).
# SCALE=1.0 by default; the data is kept in var/bench/ and reused. Writes var/bench/latest.json.
bench: install
	@SCALE=$(or $(SCALE),1.0) scripts/bench.sh

# Load and faults against 127.0.0.1 (PostgreSQL, gunicorn, the worker, an SMTP server of
# its own): a few minutes, not part of `make test`. DURATION, CLIENTS, WORKERS to change.
loadtest: install
	$(PY) scripts/loadtest.py

# Screenshots of the main pages at 390 and 1280 px into docs/screenshots/ (not in `make test`).
screenshots: install
	@scripts/screenshots.sh
