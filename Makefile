# The two commands of the README (`make run`, `make test`), and the pieces they are made of.
# Dependencies are declared in pyproject.toml and installed from the hashed locks
# (requirements.lock, requirements-dev.lock); `make lock` regenerates those from pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes
# The fast loop: everything but the tests that drive Chromium, the load test and the slow ones.
FAST := not browser and not load and not slow

.PHONY: run test check lint types install install-dev dev-deps lock demo bench bundle

$(PY):
	$(PYTHON) -m venv $(VENV)

# The runtime, every package pinned and checked against the lock's hashes.
install: $(PY)
	$(PIP_INSTALL) -r requirements.lock

# The runtime plus tests, lint, types and uv (no browser).
dev-deps: $(PY)
	$(PIP_INSTALL) -r requirements-dev.lock

# Everything the tests need: Debian's Chromium, CJK fonts, nginx (scripts/install_test_packages.sh).
install-dev: dev-deps
	bash scripts/install_test_packages.sh

# Install and start the dashboard on the demo data (http://localhost:8501).
run: install
	$(PY) -m streamlit run server.py

# The tests that read and write the working dataset through the importer and the pages: run
# once more with the data in PostGIS (a fresh database each, on tests/pg.py's cluster).
ON_POSTGIS := tests/test_ledger_modes.py tests/test_upload_modes.py tests/test_edit.py \
	tests/test_record_editor.py tests/test_pages.py tests/test_page_activities.py \
	tests/test_page_data.py tests/test_page_report.py tests/test_page_scorecard.py \
	tests/test_page_sites.py tests/test_page_units.py tests/test_page_workstations.py

# Install what the tests need, then lint, check types and run every test (the import and page
# tests twice: on a GeoPackage, then on PostGIS).
test: install-dev
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q
	TONGXIN_TEST_STORE=postgis $(PY) -m pytest -q -n 2 $(ON_POSTGIS)

# The fast loop (under 3 minutes): lint, types and the tests that need no browser and no time.
check: dev-deps
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -n 2 -m "$(FAST)"

lint: dev-deps
	$(PY) -m ruff check .

types: dev-deps
	$(PY) -m mypy

# Re-resolve pyproject.toml into requirements*.lock and requirements*.txt (scripts/lock.py).
# Pass uv's options through ARGS, e.g. `make lock ARGS="--upgrade-package streamlit"`.
lock: dev-deps
	$(PY) scripts/lock.py $(ARGS)

demo: install
	$(PY) scripts/build_demo.py

bench: install-dev
	$(PY) benchmarks/import_bench.py

# The intranet bundles, one per platform (needs the package index): dist/tongxin-*.tar.gz.
bundle: dev-deps
	$(PY) scripts/bundle.py
