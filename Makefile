# BE.CO-OP registry. `make run` serves http://127.0.0.1:8000; `make test` runs every test.
# Both install what is missing, start a project-local PostGIS cluster (unless DATABASE_URL is set),
# migrate and load boundaries + demo data the first time.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
SHARED_DATA ?= $(abspath ../shared/data)
BECO_PG_PORT ?= 54329
DEMO_SITES ?= 5000
HOST ?= 127.0.0.1
PORT ?= 8000

export BECO_PG_PORT
export REGISTRY_BOUNDARIES_DIR ?= $(if $(wildcard $(SHARED_DATA)/boundaries/it_regions.geojson),$(SHARED_DATA)/boundaries,)
export REGISTRY_SNAI_DIR ?= $(if $(wildcard $(SHARED_DATA)/snai/*.csv),$(SHARED_DATA)/snai,)
export REGISTRY_ANBSC_FILE ?= $(wildcard $(SHARED_DATA)/anbsc/immobili_in_gestione.csv)
LOCAL_DB := $(if $(DATABASE_URL),,1)
export DATABASE_URL ?= postgis://beco@127.0.0.1:$(BECO_PG_PORT)/beco

.PHONY: run test setup system-deps python-deps node-deps db migrate data messages stop bench clean-db

run: setup data
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system-deps python-deps node-deps db migrate messages

system-deps:
	@scripts/system-deps.sh

python-deps: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

db:
	@if [ -n "$(LOCAL_DB)" ]; then scripts/pg.sh start; else echo "Using DATABASE_URL from the environment."; fi

migrate:
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createcachetable

messages:
	@if ls locale/*/LC_MESSAGES/django.po >/dev/null 2>&1; then $(PY) manage.py compilemessages -v 0 --ignore '.venv' --ignore 'node_modules'; fi

data:
	$(PY) manage.py setup_registry --demo-sites $(DEMO_SITES)

stop:
	@scripts/pg.sh stop

bench: setup data
	$(PY) bench/run.py
