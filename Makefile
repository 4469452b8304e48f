# The two commands of the README: `make run` serves Cesou, `make test` runs the tests.
# Both create the virtualenv and install the pinned requirements on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test index build bench

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# Build the index only when none is published yet.
index: $(STAMP)
	$(PY) -m indexer build --if-missing

# Rebuild the index from corpus/ (offline; the site keeps serving the old one until it is done).
build: $(STAMP)
	$(PY) -m indexer build

run: index
	$(PY) app.py --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The Whoosh/FTS5 benchmark (×1, ×10, ×100), then issue 13's scale run: Cesou on a 2-shard
# Sphinx cluster vs FTS5 at ×100 and ×1000 (about an hour on 2 cores; needs sphinxsearch).
SCALE_ARGS ?= --scales 100,1000
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.scale $(SCALE_ARGS)
