# vCenter Lab: `make run` serves the dashboard, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres venv migrate screenshot clean scale-out scale-out-db bench soak

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

# Demo users get the README's password only when HOST is a loopback address; otherwise random
# passwords, printed once (inventory/management/commands/loaddemo.py).
run: migrate
	$(PY) manage.py loaddemo --host $(HOST)
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py serve

test: venv
	$(PY) -m pytest

# The whole suite again with DATABASE_URL on PostgreSQL (CI runs it after `make test`; pytest-django
# makes and drops the database test_<name>). The scale-out test is left out: it makes its own
# PostgreSQL database whatever DATABASE_URL says, and `make test` has just run it.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/vcenterlab_ci
test-postgres: venv
	DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest --create-db -m "not scaleout"

# Benchmarks: each prints its figures and the ratio to its reference (needs Redis for fan-out, and
# PostgreSQL for the engine's simworker runs); about 20 minutes, the memory run 10 of them.
bench: venv
	$(PY) bench/fanout.py
	$(PY) bench/live_batch.py
	$(PY) bench/pages.py
	$(PY) bench/scale_preset.py
	$(PY) bench/engine.py
	$(PY) bench/memory.py

# Reliability soak (not part of `make test`; docs/reliability.md): the scale-out topology on PostgreSQL
# and Redis (its own database soak_run, Redis db 11, prefix soak) under API clients and live viewers
# while simworkers are killed with SIGKILL; checks the invariants, exits non-zero when one fails, and
# writes its figures into docs/reliability.md. About 2 minutes at the defaults.
SOAK_DURATION ?= 60
SOAK_CLIENTS ?= 30
SOAK_VIEWERS ?= 100
SOAK_SEED ?= 1
soak: venv
	$(PY) bench/soak.py --duration $(SOAK_DURATION) --clients $(SOAK_CLIENTS) --viewers $(SOAK_VIEWERS) \
		--seed $(SOAK_SEED) --write-doc

# Regenerates docs/screenshot.png (the README's picture) with the browser the tests use.
screenshot: venv
	$(PY) -m pytest tests/e2e/test_screenshot.py -q -p no:randomly --screenshot-out=docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache

# Scale-out, locally: PostgreSQL + Redis, two daphne web processes (ports 8001 and 8002) and one
# simulation worker. Ctrl+C stops them all.
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vcenterlab
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/0
SCALE_ENV = DATABASE_URL=$(SCALE_DATABASE_URL) REDIS_URL=$(SCALE_REDIS_URL) DATABASE_POOL_MAX=16

scale-out-db: venv
	$(PY) -m vcenter_web.management_db $(SCALE_DATABASE_URL)
	$(SCALE_ENV) $(PY) manage.py migrate --noinput
	$(SCALE_ENV) $(PY) manage.py loaddemo

scale-out: scale-out-db
	trap 'trap - INT TERM; kill 0' INT TERM; \
	$(SCALE_ENV) SIM_RUNNER=off HOST=$(HOST) PORT=8001 $(PY) manage.py serve & \
	$(SCALE_ENV) SIM_RUNNER=off HOST=$(HOST) PORT=8002 $(PY) manage.py serve & \
	$(SCALE_ENV) $(PY) manage.py simworker & \
	wait
