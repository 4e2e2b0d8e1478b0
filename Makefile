# orgconn: two commands do everything (see README).
#   make run   installs into .venv and starts the dashboard on the embedded sandbox
#   make test  installs into .venv (with the dev extra) and runs the whole test suite
#   make notebook  installs the dev extra and opens JupyterLab on notebooks/ (127.0.0.1 only)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
NOTEBOOK_PORT ?= 8888

.PHONY: run test notebook install install-dev browser-deps screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

run: install
	@echo "orgconn: dashboard at http://127.0.0.1:$(PORT) · with no tenant configured it runs on an"
	@echo "  embedded sandbox of DEMO data (it prints its address when it starts, on first page load)."
	@echo "  The orgconn command: $(BIN)/orgconn --help (or: source $(BIN)/activate)"
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

# JupyterLab from the dev environment, started in notebooks/ so that each notebook's exports
# land beside it; its kernel is this venv's Python (orgconn finds ../.streamlit/secrets.toml).
# JupyterLab refuses root without --allow-root: given only when make runs as root (containers, CI).
notebook: install-dev
	cd notebooks && $(abspath $(BIN))/jupyter lab --ServerApp.ip=127.0.0.1 \
		--ServerApp.port=$(NOTEBOOK_PORT) $(if $(filter 0,$(shell id -u)),--allow-root)

browser-deps:
	@bash scripts/install-browser-deps.sh

test: install-dev browser-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Regenerate the README's screenshots from the browser tests.
screenshots: install-dev
	ORGCONN_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser tests/notebooks/test_notebook_screenshot.py -q
