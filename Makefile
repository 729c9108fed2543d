# make app   : create .venv, install, build the demo project if missing, start the Streamlit app
#              (make app DB="postgresql://USER@HOST:PORT/DB?project=NAME" serves a shared project)
# make test  : create .venv, install with test extras (+ Debian packages the tests need), run pytest,
#              then the library tests once more without pyarrow (.venv-nopyarrow)
# An install compiles the numba distance kernels once (cached on disk beside the sources), so no
# page or test pays the compile. Installs pin the exact versions of constraints.txt (the versions the tests passed with);
# make constraints rewrites it from .venv after an upgrade that passed the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints.txt
# the optional packages pandas/geopandas use when present; the suite also runs without them
OPTIONAL_PACKAGES := pyarrow
NOOPT_VENV := .venv-nopyarrow
DEMO := data/demo/harbin_demo.gpkg
PORT ?= 8501
# Pango and CJK fonts: PDF reports (WeasyPrint); the tests also need Chromium, ogrinfo, pdftoppm
DEBIAN_APP_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
# PostgreSQL + PostGIS: the shared platform (make db); the tests start their own cluster
DEBIAN_DB_PACKAGES := postgresql postgresql-15-postgis-3
DEBIAN_TEST_PACKAGES := $(DEBIAN_APP_PACKAGES) $(DEBIAN_DB_PACKAGES) chromium gdal-bin poppler-utils
DB_FOLDER ?= data/db

.PHONY: app test test-nopyarrow install install-test system-deps app-deps db demo lint format \
	bench constraints clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	$(BIN)/python -m analysis.distances.warm_up
	touch $@

$(VENV)/.installed-test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e ".[test]"
	$(BIN)/python -m analysis.distances.warm_up
	touch $@ $(VENV)/.installed

$(NOOPT_VENV)/.installed-test: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(NOOPT_VENV)
	$(NOOPT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NOOPT_VENV)/bin/pip install --quiet -c $(CONSTRAINTS) -e ".[test]"
	$(NOOPT_VENV)/bin/pip uninstall --quiet -y $(OPTIONAL_PACKAGES)
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Debian packages, installed when missing and when we may (root); otherwise the command says
# which are missing (and the tests that need them say why they skip).
define install_debian
	@missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages (need root):$$missing"; fi; \
	fi
endef

system-deps:
	$(call install_debian,$(DEBIAN_TEST_PACKAGES))

app-deps:
	$(call install_debian,$(DEBIAN_APP_PACKAGES))

# a local PostgreSQL + PostGIS cluster under $(DB_FOLDER), on 127.0.0.1 and a free port; the
# administrator password is printed once (keep it, e.g. in ~/.pgpass)
db: install
	$(call install_debian,$(DEBIAN_DB_PACKAGES))
	$(BIN)/geo-app db start-local $(DB_FOLDER)

$(DEMO): | $(VENV)/.installed
	mkdir -p $(dir $(DEMO))
	$(BIN)/geo-app demo --out $(DEMO)

demo: $(DEMO)

app: app-deps install $(DEMO)
	GEO_APP_PROJECT=$(or $(DB),$(DEMO)) STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
	  $(BIN)/streamlit run streamlit_app.py --server.port $(PORT) --server.headless true

test: system-deps install-test
	$(BIN)/pytest -q
	$(MAKE) test-nopyarrow

# the library tests without the optional packages (pandas then stores strings without pyarrow);
# the app's tests (tests/app, tests/browser) run above only: Streamlit itself requires pyarrow
test-nopyarrow: system-deps $(NOOPT_VENV)/.installed-test
	$(NOOPT_VENV)/bin/python -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(p) for p in '$(OPTIONAL_PACKAGES)'.split()))"
	$(NOOPT_VENV)/bin/pytest -q --ignore=tests/app --ignore=tests/browser

constraints: install-test
	{ sed -n '1,3p' $(CONSTRAINTS); $(BIN)/pip freeze --exclude-editable | grep -v '^-e'; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)

lint: install-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: install-test
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python benchmarks/bench_distances.py
	$(BIN)/python benchmarks/bench_siting.py --quick

clean:
	rm -rf $(VENV) $(NOOPT_VENV) data/demo .pytest_cache
