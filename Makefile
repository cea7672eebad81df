# `make run` serves the app on SQLite; `make test` runs the whole suite. Both set up what they need.
# `make test-fast`: everything but the browser tests; `make lint`: ruff and mypy (CI runs it).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PIP := $(BIN)/python -m pip install -q --disable-pip-version-check
export FLASK_APP := app

.PHONY: run test test-fast lint setup setup-dev translations chromium messages bench fonts

run: setup fonts
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Roadshow on http://127.0.0.1:$(PORT)/  (demo sign-in: organiser@example.com / roadshow-organiser)"
	exec $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup-dev chromium
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: setup-dev
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: $(VENV)/.requirements translations
setup-dev: setup $(VENV)/.requirements-dev

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); scripts/apt-install python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(PIP) -r requirements-dev.txt
	@touch $@

# Catalogues are compiled here, never committed as binaries.
translations: $(VENV)/.requirements
	$(BIN)/pybabel compile -d roadshow/translations

# The poster's CJK font (services/poster.py); without it posters are drawn with Latin letters only.
fonts:
	@[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || scripts/apt-install fonts-wqy-zenhei || echo "no CJK font: posters will show no Chinese"

chromium:
	@[ -x /usr/bin/chromium ] || scripts/apt-install chromium fonts-wqy-zenhei

# Extract strings and merge them into the catalogues (then translate the new msgids in the .po files).
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --no-wrap \
		--project Roadshow -o roadshow/translations/messages.pot .
	$(BIN)/pybabel update -i roadshow/translations/messages.pot -d roadshow/translations --no-fuzzy-matching --no-wrap

bench: setup-dev
	@command -v wrk >/dev/null || scripts/apt-install wrk
	$(BIN)/python -m benchmarks $(BENCH_ARGS)
