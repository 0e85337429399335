# FieldCheck: two commands on a fresh machine.
#   make run   set everything up and serve the app with demo data (SQLite)
#   make test  set up what the tests need and run ruff and the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The full region table, when it is beside the project (the demo ships the regions it uses).
REGIONS_CSV ?= ../shared/data/regions/wilayah-2025.csv
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench install install-test browser redis nginx wrk system-libs translations messages clean node-tools cluster cluster-stop

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The benchmarks serve the app with gunicorn, as in production.
$(VENV)/.installed-bench: $(VENV)/.installed-test pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,prod]'
	touch $@

install: $(VENV)/.installed translations system-libs

install-test: $(VENV)/.installed-test translations browser redis nginx system-libs node-tools

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d fieldcheck/translations >/dev/null

# Re-extract the strings from the code and templates and merge them into the Indonesian catalogue.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F fieldcheck/translations/babel.cfg -k _l -k lazy_gettext \
	  --no-location --sort-output --width 100 --project FieldCheck \
	  -o fieldcheck/translations/messages.pot .
	$(BIN)/pybabel update -i fieldcheck/translations/messages.pot -d fieldcheck/translations -l id \
	  --no-fuzzy-matching --ignore-obsolete --width 100

# WeasyPrint (the report PDF) needs Pango from the system.
system-libs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null) \
	      || { echo "could not install Pango: the report PDF needs it"; exit 1; }; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	  else \
	    echo "Install Pango (sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0): the report PDF needs it"; exit 1; \
	  fi; \
	fi

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "could not install Debian's chromium: the browser tests need it"; exit 1; }; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Install Debian's chromium (sudo apt-get install chromium): the browser tests need $(CHROMIUM)"; exit 1; \
	  fi; \
	fi

# Debian's redis-server for the shared rate-limit tests (tests/redis_store.py), unless a Redis
# already answers on 127.0.0.1:6379 (as on CI's machine), which they use then.
redis:
	@if ! command -v redis-server >/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
	      || { echo "could not install Debian's redis-server: the shared rate-limit tests need Redis"; exit 1; }; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "Install Debian's redis-server (sudo apt-get install redis-server): the shared rate-limit tests need Redis"; exit 1; \
	  fi; \
	fi

# Debian's nginx in front of the cluster's app nodes (`make cluster`, the cluster tests, the
# Monday-morning bench). It runs as this user with a configuration of the cluster's own
# (fieldcheck/cluster), never as the system's service.
NGINX := /usr/sbin/nginx
nginx:
	@if [ ! -x $(NGINX) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
	      || { echo "could not install Debian's nginx: make cluster and the cluster tests need it"; exit 1; }; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "Install Debian's nginx (sudo apt-get install nginx): make cluster and the cluster tests need $(NGINX)"; exit 1; \
	  fi; \
	fi

# Pinned npm tools in bench/ (bench/package-lock.json): axe-core for the accessibility tests
# (tests/browser/axe.py) and Lighthouse for `make bench` (bench/phone.py), which runs it with
# Debian's Chromium. `npm ci` installs exactly the lockfile, with no install scripts: nothing
# is downloaded beyond the npm packages themselves.
NODE_TOOLS := bench/node_modules/.installed
$(NODE_TOOLS): bench/package.json bench/package-lock.json
	@command -v npm >/dev/null || { echo "Install Node.js 18.16+ and npm (sudo apt-get install nodejs npm): the accessibility tests and make bench need them"; exit 1; }
	cd bench && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

node-tools: $(NODE_TOOLS)

# Debian's wrk as the case-page benchmark's clients (bench/cases.lua): a load generator in C that
# leaves the two CPUs to the server. Without it the benchmark uses Python threads, and says so.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || echo "could not install wrk: the case-page benchmark falls back to Python clients"; \
	  elif sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "Install wrk (sudo apt-get install wrk): the case-page benchmark falls back to Python clients"; \
	  fi; \
	fi

run: install
	$(BIN)/fieldcheck init
	@if [ -f "$(REGIONS_CSV)" ] && [ "$$($(PY) -c 'from fieldcheck import create_app; from fieldcheck.models import Region; app = create_app(); ctx = app.app_context(); ctx.push(); print(Region.select().count())')" -lt 1000 ]; then \
	  $(BIN)/fieldcheck regions import "$(REGIONS_CSV)"; fi
	$(BIN)/fieldcheck demo --if-empty
	@echo "Demo logins (password fieldcheck-demo): admin intake field1 field2 registry supervisor passport analyst hqadmin"
	$(BIN)/fieldcheck run --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# The database tests run again on PostgreSQL when FIELDCHECK_TEST_POSTGRES_URL names a server,
# or, unset, when one answers on 127.0.0.1:5432 (as on CI's machine): pytest's header says which.
# The cluster tests serve the app with gunicorn (the prod extra), as `make cluster` does.
test: install-test $(VENV)/.installed-bench lint
	@if [ -z "$$FIELDCHECK_TEST_POSTGRES_URL" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  export FIELDCHECK_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test; fi; \
	$(BIN)/pytest

# PostgreSQL too when a server answers on this machine (as CI's) and none was named: through
# its Unix socket when it has one, as an app on the database's own host connects (README,
# "PostgreSQL"), else on 127.0.0.1:5432.
PG_SOCKET_DIR ?= /var/run/postgresql
bench: install-test $(VENV)/.installed-bench wrk
	@if [ -z "$$FIELDCHECK_BENCH_POSTGRES_URL$$FIELDCHECK_TEST_POSTGRES_URL" ]; then \
	  if pg_isready -q -h $(PG_SOCKET_DIR) -p 5432 2>/dev/null; then \
	    export FIELDCHECK_BENCH_POSTGRES_URL="postgresql://postgres@/postgres?host=$(PG_SOCKET_DIR)"; \
	  elif pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	    export FIELDCHECK_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres; fi; \
	fi; \
	$(PY) -m bench

# The cluster on this machine (README, "A cluster on this machine"): the machine's PostgreSQL
# (a database of its own, CLUSTER_DATABASE), Redis, SeaweedFS, two gunicorn app nodes and nginx
# on CLUSTER_PORT (empty: a free port). `make cluster-stop` ends exactly what it started.
CLUSTER_DIR ?= .cluster
CLUSTER_DATABASE ?= fieldcheck_cluster
CLUSTER_PORT ?=
CLUSTER_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
cluster: install $(VENV)/.installed-bench redis nginx
	$(PY) -m fieldcheck.cluster start --folder "$(CLUSTER_DIR)" --database "$(CLUSTER_DATABASE)" \
	  --postgres "$(CLUSTER_POSTGRES_URL)" $(if $(CLUSTER_PORT),--port $(CLUSTER_PORT))

cluster-stop:
	$(PY) -m fieldcheck.cluster stop --folder "$(CLUSTER_DIR)"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bench/node_modules
