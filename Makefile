# Claim Desk: the two commands a new machine needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: demo test lint format install venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Install (or update) the project and its test tools into .venv; re-runs only when pyproject changes.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Install, migrate, import seeds/, create the demo editor, serve the review UI and API on SQLite.
demo: install
	DEBUG=1 $(PY) manage.py migrate --verbosity 0
	DEBUG=1 $(PY) manage.py import_articles seeds/
	DEBUG=1 $(PY) manage.py create_demo_editor
	@echo "Review UI: http://$(HOST)/review/   API: http://$(HOST)/api/   Admin: http://$(HOST)/admin/"
	DEBUG=1 $(PY) manage.py runserver $(HOST)

# The whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL), then lint.
test: install
	$(VENV)/bin/pytest -n 2 --dist loadfile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
