# Two commands: `make run` and `make test`. Both need only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run flask test test-fast lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

# `make run S3=1` keeps uploaded files in an embedded SeaweedFS (instance/s3) instead of instance/uploads.
run: $(VENV)/.run-deps
	$(BIN)/python -m webapp.runner

# An operator command against the running `make run` (or servers started for it): make flask CMD="totals check"
flask: $(VENV)/.run-deps
	$(BIN)/flask $(CMD)

test: $(VENV)/.test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Quick local loop: everything but the browser tests and the tests that start real worker/server processes.
test-fast: $(VENV)/.test-deps
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check webapp tests bench worker.py wsgi.py migrations

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
