# Every target installs what it needs into .venv first, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
INTEROP := tests/interop/node_modules/.installed-stamp
OIDC := tests/oidc/node_modules/.installed-stamp
DIR ?=

.PHONY: install test test-postgresql lint bench soak run demo clean openapi i18n

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(INTEROP): tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	@touch $(INTEROP)

$(OIDC): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	@touch $(OIDC)

test: $(STAMP) $(INTEROP) $(OIDC)
	$(PY) -m pytest -q -p no:cacheprovider

# The store, federation, booking, events and profiles tests again, every node on PostgreSQL (a
# cluster the tests start themselves: tests/support/postgres.py). The store's PostgreSQL-only
# tests (test_postgres, test_schema, test_card_search, the move: test_db_move,
# test_db_move_scale, which always move into the cluster, and test_workers, whose workers always
# share the cluster) run in `make test`, once; browser tests stay on SQLite.
PG_TESTS := tests/booking tests/events tests/profiles tests/node/test_twinning.py tests/node/test_replication.py \
	tests/node/test_inbox.py tests/node/test_inbox_savepoints.py tests/node/test_feed_progress.py \
	tests/node/test_quota.py tests/node/test_replay_restart.py tests/node/test_leases.py \
	tests/node/test_shared_workers.py
PG_SKIP := --ignore=tests/profiles/test_browser.py
test-postgresql: $(STAMP) $(INTEROP) $(OIDC)
	GEMELLA_TEST_BACKEND=postgresql $(PY) -m pytest -q -p no:cacheprovider $(PG_SKIP) $(PG_TESTS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	@for b in bench/protocol.py bench/federation.py bench/events.py bench/booking.py bench/host_decision.py bench/pages.py bench/limits.py bench/network.py bench/people.py bench/idle.py; do \
		if [ -f $$b ]; then echo "== $$b" >&2; $(PY) $$b || exit 1; fi; done

soak: $(STAMP) $(INTEROP) $(OIDC)
	GEMELLA_SOAK=1 $(PY) -m pytest -q -p no:cacheprovider -m slow

run: $(STAMP)
	@test -n "$(DIR)" || { echo "usage: make run DIR=path/to/node (create one with: $(VENV)/bin/gemella init DIR --name NAME --url URL)"; exit 2; }
	$(VENV)/bin/gemella run $(DIR)

# Extract every marked string of pages, mails and calendars, and merge it into each language's catalog.
# Catalogs are compiled in memory when the node starts: no .mo file is built or kept.
i18n: $(STAMP)
	$(VENV)/bin/pybabel --quiet extract -F babel.cfg --no-location --sort-output \
		--msgid-bugs-address= --project=Gemellaggio -o node/locale/messages.pot node
	@for lang in en it es; do \
		if [ -f node/locale/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete -i node/locale/messages.pot -d node/locale -l $$lang; \
		else $(VENV)/bin/pybabel --quiet init -i node/locale/messages.pot -d node/locale -l $$lang; fi; done

demo: $(STAMP)
	$(VENV)/bin/gemella demo

clean:
	rm -rf $(VENV) tests/interop/node_modules tests/oidc/node_modules .pytest_cache .mypy_cache .ruff_cache
