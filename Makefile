# SkillGrid: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test venv translations translations-update lint serve bench bench-full

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

translations: venv
	$(BIN)/pybabel compile --use-fuzzy -d app/translations -f --statistics 2>&1 | tail -n 1

# Re-extract the strings and merge them into the catalogue (then translate what is new).
translations-update: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --width 100 --ignore-obsolete

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: venv
	$(BIN)/ruff check .

# One worker per core, each on its own database (tests/conftest.py).
test: translations lint
	$(BIN)/python -m pytest -n auto

# Benchmarks (docs/benchmarks.md): every scenario on SQLite, and on PostgreSQL when
# BENCH_DATABASE_URL names a scratch database (it is wiped). bench-full needs both.
bench: translations
	$(BIN)/python -m bench.run --pairs 3 --seconds 5

bench-full: translations
	$(BIN)/python -m bench.run --pairs 5 --seconds 10 --databases both
