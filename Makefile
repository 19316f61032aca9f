# vCenter Lab: `make run` serves the dashboard, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv migrate screenshot clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py loaddemo
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py serve

test: venv
	$(PY) -m pytest

# Regenerates docs/screenshot.png (the README's picture) with the browser the tests use.
screenshot: venv
	$(PY) -m pytest tests/e2e/test_screenshot.py -q -p no:randomly --screenshot-out=docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache
