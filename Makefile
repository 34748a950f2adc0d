# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    create .venv, build a demo database, open the window
#   make test   create .venv and run every test
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEMO_DB := demo/demo.db

.PHONY: run test lint venv bench build clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	@mkdir -p demo
	@test -f $(DEMO_DB) || $(PY) main.py demo --db $(DEMO_DB)
	$(PY) main.py --db $(DEMO_DB)

# ruff and mypy over models/ and reports/ (settings in ruff.toml and mypy.ini)
lint: venv
	$(PY) -m ruff check models reports ui cli
	$(PY) -m mypy

test: venv lint
	$(PY) -m pytest -q

bench: venv
	$(PY) -m bench

build: venv
	$(PY) -m PyInstaller --noconfirm --clean build.spec

clean:
	rm -rf build dist demo
