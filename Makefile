# Build tooling for alliance-arms-race-sim (GNU make).
VENV ?= .venv
PY = $(VENV)/bin/python
PYTEST_ARGS ?=
STAMP = $(VENV)/.installed
# Source directories that exist (the team adds them progressively).
LINT_DIRS = $(wildcard sim tests experiments scripts)

export SOLARA_TELEMETRY_MIXPANEL_ENABLE = false

.PHONY: setup run test lint check-install viz bench compile docs clean distclean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/find_python.sh
	@base="$$(bash scripts/find_python.sh)" || { \
	    echo "error: cannot create $(VENV): no Python >= 3.12 (see above)." >&2; exit 1; }; \
	if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    echo "$(VENV) has an old or broken Python: recreating it"; rm -rf "$(VENV)"; \
	fi; \
	echo "Creating $(VENV) with $$base ($$("$$base" -V 2>&1))"; \
	"$$base" -m venv "$(VENV)"
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[dev]'
	touch $@

run: setup
	$(PY) -m sim run configs/hague.toml --out results/hague --overwrite

# the step compiled ahead of time (under a minute, once per model and machine; `sim compile`): a
# process that loads it starts 0.3 s sooner. Without a C compiler it says so, and everything
# runs through numba as before.
compile: setup
	-$(PY) -m sim compile

# the tests, then ruff (check and format --check, as `make lint`)
test: setup compile
	$(PY) -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory lint

# ruff check and ruff format --check on every source directory (CI runs it: .ci/run)
lint: setup
	$(if $(LINT_DIRS),$(PY) -m ruff check $(LINT_DIRS),@echo "ruff: no source directories yet")
	$(if $(LINT_DIRS),$(PY) -m ruff format --check $(LINT_DIRS),@true)

check-install: setup
	bash scripts/check_install.sh

viz: setup
	$(PY) -m sim viz

bench: setup compile
	$(PY) experiments/benchmarks/bench.py

# the API reference from the docstrings (pdoc), into build/api/ (ignored by git): open build/api/index.html
docs: setup
	$(PY) scripts/api_docs.py build/api

clean:
	rm -rf results build dist *.egg-info .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
