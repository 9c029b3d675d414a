# The two commands a newcomer needs: `make run` and `make test`.
# Each creates .venv (once, or again when pyproject.toml changes) and installs what it needs.

PYTHON ?= python3
VENV   ?= .venv
CONFIG ?= config.example.toml
BIN    := $(VENV)/bin

.PHONY: run test bench lint clean

run: $(VENV)/.installed
	$(BIN)/csj --config $(CONFIG) run

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/webhook.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check bot syndication tests bench

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "csj needs Python >= 3.11 (found: $$($(PYTHON) --version 2>&1))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || $(PYTHON) -m venv --without-pip $(VENV) || \
	  { echo "cannot create a virtualenv: on Debian/Ubuntu run: sudo apt-get install python3-venv"; exit 1; }
	@test -x $(BIN)/pip || $(PYTHON) -m pip --python $(BIN)/python install --quiet pip || \
	  { echo "the virtualenv has no pip: on Debian/Ubuntu run: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

clean:
	rm -rf $(VENV) var .pytest_cache
