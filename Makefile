# Every target installs what it needs into .venv first, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
INTEROP := tests/interop/node_modules/.installed-stamp
DIR ?=

.PHONY: install test lint bench soak run demo clean openapi

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(INTEROP): tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	@touch $(INTEROP)

test: $(STAMP) $(INTEROP)
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	@for b in bench/protocol.py bench/federation.py bench/events.py bench/booking.py bench/pages.py bench/limits.py bench/network.py; do \
		if [ -f $$b ]; then echo "== $$b" >&2; $(PY) $$b || exit 1; fi; done

soak: $(STAMP) $(INTEROP)
	GEMELLA_SOAK=1 $(PY) -m pytest -q -p no:cacheprovider -m slow

run: $(STAMP)
	@test -n "$(DIR)" || { echo "usage: make run DIR=path/to/node (create one with: $(VENV)/bin/gemella init DIR --name NAME --url URL)"; exit 2; }
	$(VENV)/bin/gemella run $(DIR)

demo: $(STAMP)
	$(VENV)/bin/gemella demo

clean:
	rm -rf $(VENV) tests/interop/node_modules .pytest_cache .mypy_cache .ruff_cache
