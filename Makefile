# One developer loop, the same one CI runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install bench test lint types format clean chromium

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the Node.js parts (sio-node reference line, interop tests) are left out"; fi
	touch $(STAMP)

install: $(STAMP)

# The main job (README): calibrate this machine, run echo, room-chat and fanout for every
# contender at 25/50/75 % of the weaker one's capacity, write the report. Exit 0 = compared.
bench: $(STAMP)
	$(BIN)/bench suite --quick

# Five pytest-xdist workers (the suite mostly waits: servers starting, fixed-length runs,
# backoffs; it uses about a third of the 2 cores' time), whole modules each (module-scoped
# servers start once): the timing measurements first with nothing beside them, then the
# CPU-heavy tests beside the functional ones only, then the whole runs, at most five side by
# side, with the rest (tests/conftest.py).
# Any failure, and "no tests ran" (exit 5), fails the target.
TEST_WORKERS ?= 5
test: $(STAMP) chromium
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# The HTML report test opens reports in headless Chromium (Debian package chromium).
chromium:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		>/dev/null; } || echo "chromium could not be installed: the report render test needs it"

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache
