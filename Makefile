# Refund Desk: `make demo` runs the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DIR := var/demo
DEMO_MEMBERS ?= 3000

.PHONY: venv demo serve test lint format typecheck check messages bench bench-import bench-import-bad bench-detect bench-search bench-payments bench-pages bench-pages-compare bench-runs bench-load clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py generate_demo --members $(DEMO_MEMBERS) --output $(DEMO_DIR) --load
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: $(STAMP)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(STAMP)
	$(VENV)/bin/mypy refunds accounts portal

check: lint typecheck test

messages: $(STAMP)
	$(PY) manage.py makemessages -l ja -l en --ignore=.venv --ignore=var --ignore=benchmarks --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

bench: bench-import bench-import-bad bench-detect bench-search bench-payments bench-runs bench-pages

bench-import: $(STAMP)
	$(PY) benchmarks/bench_import.py

bench-import-bad: $(STAMP)
	$(PY) benchmarks/bench_bad_rows.py

bench-detect: $(STAMP)
	$(PY) benchmarks/bench_detect.py

bench-search: $(STAMP)
	$(PY) benchmarks/bench_search.py

bench-payments: $(STAMP)
	$(PY) benchmarks/bench_payments.py

bench-pages: $(STAMP)
	$(PY) benchmarks/bench_pages.py

# The pages timed with the code of BEFORE (a commit) and of HEAD, on the same data.
bench-pages-compare: $(STAMP)
	test -n "$(BEFORE)" || { echo "usage: make bench-pages-compare BEFORE=<commit>"; exit 2; }
	$(PY) benchmarks/bench_pages.py --compare $(BEFORE)

bench-runs: $(STAMP)
	$(PY) benchmarks/bench_runs.py

bench-load: $(STAMP)
	$(PY) benchmarks/bench_load.py

clean:
	rm -rf var/demo var/cache
