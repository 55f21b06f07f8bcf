# The two commands a newcomer needs: `make demo` and `make test`.
# Everything installs into ./.venv from the committed uv.lock; uv itself is
# bootstrapped, pinned, into ./.tools so nothing outside the checkout changes.

PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/reliefline_test
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo test lint typecheck pytest-sqlite pytest-postgres browser messages bench bench-all clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/reliefline: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(BIN)/reliefline

demo: install
	$(BIN)/reliefline demo

# Debian's Chromium drives the browser tests; Playwright never downloads a browser.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy src

pytest-sqlite: install browser
	env -u DATABASE_URL $(BIN)/pytest -n 2 -q

pytest-postgres: install browser
	DATABASE_URL=$(PG_URL) $(BIN)/python scripts/ensure_database.py
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q

test: lint typecheck pytest-sqlite pytest-postgres

# Collect new strings into the uk/ru catalogs, then compile them. Translate what
# `msgfmt --statistics` calls untranslated, and run it again; the .mo files are
# committed, so installing never needs gettext. Run from the package so that
# .venv and .tools are not scanned.
messages: install
	cd src/reliefline && ../../$(BIN)/reliefline makemessages -l uk -l ru --no-obsolete
	cd src/reliefline && ../../$(BIN)/reliefline compilemessages
	@for lang in uk ru; do msgfmt --check --statistics -o /dev/null src/reliefline/locale/$$lang/LC_MESSAGES/django.po; done

# The benchmarks need the bench group (Splink, locust); `make install` drops it again.
bench: install
	$(UV) sync --frozen --inexact --group bench
	$(BIN)/python bench/intake.py

# Every benchmark of docs/benchmarks.md that runs in minutes, one after the other, each
# with the command recorded there; the log goes to var/bench-all.log. The 1,000,000-row
# import and the identity benchmark at 1M take longer: see their sections.
bench-all: install
	$(UV) sync --frozen --inexact --group bench
	mkdir -p var
	( $(BIN)/python bench/intake.py --db both --seconds 8 \
	  ; $(BIN)/python bench/queue.py --reps 200 \
	  ; $(BIN)/python bench/allocation.py \
	  ; $(BIN)/python bench/aid.py --db both --seconds 5 --clients 1,4,8 \
	  ; $(BIN)/python bench/exports.py --cases 1000000 --reps 3 \
	  ; $(BIN)/python bench/dedupe.py --persons 100000 --duplicates 0.05 \
	  ; $(BIN)/python bench/identity.py --persons 100000 --queries 2000 --http --splink \
	  ; $(BIN)/python bench/load.py --users 20 --seconds 60 \
	  ; $(BIN)/python bench/load.py --users 4 --seconds 60 ) 2>&1 | tee var/bench-all.log

clean:
	rm -rf $(VENV) $(TOOLS) var
